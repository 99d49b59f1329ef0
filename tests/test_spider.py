"""The almaghrib spider's discovery logic on real and mirror pages (no network)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
import scrapy
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl.mirror.content import MirrorSite, format_stamp
from newscrawl.mirror.pages import rss_feed
from newscrawl.spiders.almaghrib import AlmaghribSpider


def make_spider(**kwargs) -> AlmaghribSpider:
    crawler = get_crawler(AlmaghribSpider)
    spider = AlmaghribSpider.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()  # noqa: spider-less stats are fine for unit tests
    return spider


def requests_of(results) -> list[scrapy.Request]:
    return [r for r in results if isinstance(r, scrapy.Request)]


def test_real_2018_homepage_links(shared):
    """The real homepage: article links (raw Arabic hrefs) are followed; video, gallery,
    poll, search and app links are not."""
    body = (shared / "site" / "almaghribtoday.net.html").read_bytes()
    spider = make_spider()
    response = HtmlResponse("https://www.almaghribtoday.net/", body=body, encoding="utf-8",
                            request=scrapy.Request("https://www.almaghribtoday.net/"))
    requests = requests_of(spider.parse_listing(response))
    article_paths = {unquote(r.url.split("almaghribtoday.net", 1)[1]) for r in requests
                     if r.callback == spider.parse_article}
    assert "/314/102152-الخلاف-يحبط-المساعي-المصرية-ــ-الليبية-لتوحيد-المؤسسة-العسكرية" in article_paths
    assert "/1189/030538-تعرف-علي-سعر-الدرهم-المغربي-مقابل-الليره-السوري-الاربعاء" in article_paths
    assert "/w-1046/052021-معنى-معركة-بيروت" in article_paths
    assert len(article_paths) >= 60
    for request in requests:
        path = unquote(request.url)
        assert "/v-" not in path and "gallery-" not in path and "/search" not in path
        assert "/arabpoll/" not in path and "/mobile-app" not in path
        assert "/1553/" not in path  # cartoons carry no text
    listings = {unquote(r.url) for r in requests if r.callback == spider.parse_listing}
    assert any(u.endswith("/1187-أخبار-عاجلة") for u in listings)
    assert all(u.startswith("https://www.almaghribtoday.net/") for u in listings | {r.url for r in requests})
    stats = spider.crawler.stats.get_stats()
    assert stats["newscrawl/links/skipped/video"] >= 1 and stats["newscrawl/links/skipped/gallery"] >= 1


def test_base_url_rebases_real_links(shared):
    body = (shared / "site" / "almaghribtoday.net.html").read_bytes()
    spider = make_spider(base_url="http://127.0.0.1:9999")
    response = HtmlResponse("http://127.0.0.1:9999/", body=body, encoding="utf-8",
                            request=scrapy.Request("http://127.0.0.1:9999/"))
    urls = [r.url for r in requests_of(spider.parse_listing(response))]
    assert urls and all(u.startswith("http://127.0.0.1:9999/") for u in urls)
    assert spider.allowed_domains == ["127.0.0.1"]


def test_amp_links_are_folded_to_the_canonical_page():
    spider = make_spider()
    request = spider.follow_link("https://almaghribtoday.net/amp/42/092823-إلغاء-اجتماع")
    assert unquote(request.url) == "https://www.almaghribtoday.net/42/092823-إلغاء-اجتماع" or \
        unquote(request.url) == "https://almaghribtoday.net/42/092823-إلغاء-اجتماع"
    assert "/amp/" not in request.url


def test_truncated_feed_keeps_the_entries_before_the_cut():
    site = MirrorSite(articles=30)
    xml = rss_feed(site, "https://www.almaghribtoday.net", site.latest(10), title="t", truncate=True)
    spider = make_spider()
    response = XmlResponse("https://www.almaghribtoday.net/home/rss.xml", body=xml.encode("utf-8"))
    requests = requests_of(spider.parse_feed(response))
    assert 8 <= len(requests) <= 9  # the cut item may or may not keep its link
    first = requests[0]
    assert first.meta["feed"]["headline"] == site.original(0).headline
    assert first.meta["feed"]["date_published_raw"].endswith("GMT")
    assert spider.crawler.stats.get_value("newscrawl/feeds/malformed") == 1


def test_empty_feed_is_counted_retried_and_not_fatal():
    spider = make_spider()
    url = "https://www.almaghribtoday.net/rss"
    response = XmlResponse(url, body=b"   ", request=scrapy.Request(url))
    retries = requests_of(spider.parse_feed(response))
    assert [r.url for r in retries] == [url]  # an empty copy is usually transient
    assert spider.crawler.stats.get_value("newscrawl/feeds/unreadable") == 1
    assert url not in spider._validators  # its ETag must not make later runs skip the real feed


def test_listing_pagination_stops_at_max_pages():
    spider = make_spider(max_pages="2")
    listing = "https://www.almaghribtoday.net/42-x/"
    for page, link, followed in ((1, "/42-x/?page=2", True), (2, "/42-x/?page=3", False)):
        # (a page of the listing lists a story of its section: a "more" page that lists none is no page of it)
        body = f'<html><body><a href="/42/10101{page}-خبر-عالمي">خبر</a><a href="{link}">المزيد</a></body></html>'.encode()
        response = HtmlResponse(listing, body=body, encoding="utf-8",
                                request=scrapy.Request(listing, meta={"page": page}))
        assert bool([r for r in requests_of(spider.parse_listing(response)) if r.meta.get("chain")]) is followed
    assert spider.crawler.stats.get_value("newscrawl/listings/page_limit_reached") == 1


@pytest.mark.parametrize("link", ["/42-x/?page=2", "/42-x?start=20", "/42-x/2", "/42-x/page/2"])
def test_pagination_is_counted_along_the_chain_whatever_the_scheme(link):
    spider = make_spider(max_pages="3")
    listing = "https://www.almaghribtoday.net/42-x/"
    body = (f'<html><body><a href="/42/101013-خبر-عالمي">خبر</a><a href="{link}">المزيد</a>'
            f'<a href="/36-y">other</a></body></html>').encode()
    response = HtmlResponse(listing, body=body, encoding="utf-8",
                            request=scrapy.Request(listing, meta={"page": 3}))
    followed = [unquote(r.url) for r in requests_of(spider.parse_listing(response)) if "/42/" not in unquote(r.url)]
    assert followed == ["https://www.almaghribtoday.net/36-y"]  # page 4 of 42-x is past max_pages


@pytest.mark.parametrize("listing,link,paged", [
    ("/42-x/page/2", "/42-x/page/3", True),
    ("/42-x/page/2", "/42-x", True),  # back to the first page: same chain, already read
    ("/42-x/2", "/42-x/page/3", True),
    ("/42-x", "/42-x/page/two", False),
    ("/42-x", "/42-xy/page/2", False),  # another section whose name starts alike
    ("/42-x", "/42-x/pages/2", False),
])
def test_page_numbers_in_the_path_are_pagination(listing, link, paged):
    from newscrawl.spiders.network import _is_pagination
    base = "https://www.almaghribtoday.net"
    assert _is_pagination(base + link, base + listing) is paged


def _chain_pages(listing: str, body: str, head: str = "") -> list[str]:
    """The URLs parse_listing follows as the next page of *listing*'s chain."""
    spider = make_spider(max_pages="5")
    html = f"<html><head>{head}</head><body>{body}</body></html>".encode()
    response = HtmlResponse(listing, body=html, encoding="utf-8", request=scrapy.Request(listing))
    return [unquote(r.url) for r in requests_of(spider.parse_listing(response)) if r.meta.get("chain")]


SECTION = "https://www.almaghribtoday.net/42-أخبار-عالمية"


@pytest.mark.parametrize("body,head", [
    ('<a rel="next" href="/home/loadmore?section=42&amp;page=2">2</a>', ""),
    ('<a href="/home/loadmore?section=42&amp;page=2"> التالي </a>', ""),
    ('<a href="/home/loadmore?section=42&amp;page=2">»</a>', ""),
    ("", '<link rel="next" href="/home/loadmore?section=42&amp;page=2">'),
])
def test_a_link_marked_as_the_next_page_is_followed_along_the_chain(body, head):
    assert _chain_pages(SECTION, body, head) == ["https://www.almaghribtoday.net/home/loadmore?page=2&section=42"]


@pytest.mark.parametrize("listing,body", [
    # "المزيد" under a box of another section: that section's own listing, not this one's page 2.
    (SECTION, '<a href="/36-في-الأخبار-أيضا">المزيد</a>'),
    # A teaser's "more" link to its story.
    (SECTION, '<a href="/42/120000-خبر">المزيد</a>'),
    (SECTION, '<a href="https://other.example/page/2">التالي</a>'),
    # On the home page a box's "المزيد" links a section or another page: no page of the home's chain.
    ("https://www.almaghribtoday.net/", '<a href="/home/newspaper">المزيد</a>'),
])
def test_a_next_label_elsewhere_is_no_page_of_the_chain(listing, body):
    assert _chain_pages(listing, body) == []


@pytest.mark.parametrize("amp_path,reads_canonical", [
    ("/amp/42/مجلس-النواب", True),  # no six digits: the canonical page is known only from the copy
    ("/amp/42/093000-مجلس-النواب", False),  # numbered: its link was folded to the canonical page already
])
def test_an_amp_copy_without_the_number_is_read_through_its_canonical_page(amp_path, reads_canonical):
    from newscrawl.items import Article
    from newscrawl.mirror.pages import amp_page

    site = MirrorSite(articles=20)
    article = site.original(3)
    base = "https://www.almaghribtoday.net"
    url = base + amp_path
    spider = make_spider()
    html = amp_page(site, base, article).encode()
    out = list(spider.parse_article(HtmlResponse(url, body=html, encoding="utf-8", request=scrapy.Request(url))))
    items, requests = [o for o in out if isinstance(o, Article)], requests_of(out)
    if reads_canonical:
        assert not items and [unquote(r.url) for r in requests] == [base + article.path]
        assert requests[0].callback == spider.parse_article
        assert spider.crawler.stats.get_value("newscrawl/pages/amp_to_canonical") == 1
    else:
        assert len(items) == 1 and not requests


def test_a_listing_linking_no_story_says_so(caplog):
    spider = make_spider()
    links = "".join(f"<a href='/news/42/12000{n}-خبر-{n}'>خبر {n}</a>" for n in range(3))  # another grammar
    html = f"<html><body>{links}<a href='/36-في-الأخبار-أيضا'>قسم</a></body></html>".encode()
    response = HtmlResponse(SECTION, body=html, encoding="utf-8", request=scrapy.Request(SECTION))
    list(spider.parse_listing(response))
    stats = spider.crawler.stats
    assert stats.get_value("newscrawl/listings/no_story_links") == 1
    assert stats.get_value("newscrawl/links/unknown_story_like") == 3
    assert "links no story (3 links look like stories in a form this spider does not read, e.g. " \
           "https://www.almaghribtoday.net/news/42/120000-خبر-0)" in caplog.text


def test_image_map_links_are_links():
    spider = make_spider()
    html = ("<html><body><map><area href='/42/120000-خبر' shape='rect' coords='0,0,9,9'></map>"
            "</body></html>").encode()
    response = HtmlResponse(SECTION, body=html, encoding="utf-8", request=scrapy.Request(SECTION))
    assert [unquote(r.url) for r in requests_of(spider.parse_listing(response))] == [
        "https://www.almaghribtoday.net/42/120000-خبر"]
    assert not spider.crawler.stats.get_value("newscrawl/listings/no_story_links")


def test_offsite_and_other_hosts_are_ignored():
    spider = make_spider()
    assert spider.follow_link("https://www.arabstoday.net/42/092823-x") is None
    assert spider.follow_link("http://img.almaghribtoday.net/2018/03/exlarge/a.jpg") is None


def start_requests(spider) -> list[scrapy.Request]:
    import asyncio

    async def collect():
        return [r async for r in spider.start()]

    return asyncio.run(collect())


def test_urls_option_fetches_exactly_those_pages(tmp_path):
    listed = tmp_path / "urls.txt"
    listed.write_text("# a comment\nhttps://www.almaghribtoday.net/amp/36/142851-خبر\n\n", encoding="utf-8")
    spider = make_spider(urls="https://www.almaghribtoday.net/314/102152-خبر-آخر", urls_file=str(listed))
    requests = start_requests(spider)
    assert [unquote(r.url) for r in requests] == [
        "https://www.almaghribtoday.net/314/102152-خبر-آخر",
        "https://www.almaghribtoday.net/36/142851-خبر",
    ]
    assert all(r.callback == spider.parse_article for r in requests)


def test_default_start_points_are_the_real_site():
    requests = start_requests(make_spider())
    urls = [unquote(r.url) for r in requests]
    assert "https://www.almaghribtoday.net/home/rss.xml" in urls
    assert "https://www.almaghribtoday.net/rss" in urls
    assert "https://www.almaghribtoday.net/1187-أخبار-عاجلة" in urls


@pytest.mark.parametrize("kwargs", [{"base_url": "ftp://x"}, {"base_url": "not a url"}, {"max_pages": "many"}])
def test_bad_options_are_clear_errors(kwargs):
    with pytest.raises(ValueError):
        make_spider(**kwargs)


def test_loopback_mirror_turns_politeness_off_real_site_keeps_it():
    crawler = Crawler(AlmaghribSpider, Settings({"AUTOTHROTTLE_ENABLED": True}))
    AlmaghribSpider.from_crawler(crawler, base_url="http://127.0.0.1:8080")
    assert crawler.settings.getbool("AUTOTHROTTLE_ENABLED") is False
    crawler = Crawler(AlmaghribSpider, Settings({"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 1}))
    AlmaghribSpider.from_crawler(crawler)
    assert crawler.settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 1


def test_feed_date_reaches_a_page_first_requested_from_a_listing():
    """The page was asked for by a listing before the feed arrived: the feed's pubDate is
    still used when the page itself shows no date."""
    site = MirrorSite(articles=30)
    spider = make_spider()
    base = "https://www.almaghribtoday.net"
    article = site.original(1)
    listing = HtmlResponse(base + "/", body=f'<html><body><a href="{article.path}">x</a></body></html>'.encode(),
                           encoding="utf-8",
                           request=scrapy.Request(base + "/"))
    (request,) = requests_of(spider.parse_listing(listing))
    feed = rss_feed(site, base, [article], title="t")
    assert requests_of(spider.parse_feed(XmlResponse(base + "/rss", body=feed.encode(),
                                                     request=scrapy.Request(base + "/rss")))) == []
    from newscrawl.mirror.pages import article_page
    html = article_page(site, base, article).replace(
        f'<div class="articledate">{format_stamp(article.published)}</div>', "")
    response = HtmlResponse(request.url, body=html.encode(), encoding="utf-8", request=request)
    (item,) = list(spider.parse_article(response))
    assert item.date_published_raw.endswith("GMT") and item.extraction["date_published_raw"] == "feed"


@pytest.mark.parametrize("error, reason", [
    (scrapy.exceptions.IgnoreRequest("Forbidden by robots.txt"), "robots_forbidden"),
    (scrapy.exceptions.IgnoreRequest("Ignored response <200 x> because its body (1 B compressed, 2 B decompressed so "
                                     "far) exceeded DOWNLOAD_MAXSIZE (1 B) during decompression."), "too_large"),
    (scrapy.exceptions.IgnoreRequest("max redirections reached"), "redirect_loop"),
    (scrapy.exceptions.IgnoreRequest("something else"), "ignored"),
    (__import__("zlib").error("Error -3 while decompressing data: invalid block type"), "bad_compression"),
])
def test_a_failed_request_is_counted_under_what_stopped_it(error, reason, caplog):
    """A gzip bomb was counted as fetch/failed/IgnoreRequest and a corrupt gzip body as
    fetch/failed/error (adversary round 13): the stat and the log line name the cause."""
    from twisted.python.failure import Failure

    spider = make_spider()
    try:
        raise error
    except Exception:
        failure = Failure()
    failure.request = scrapy.Request("https://www.almaghribtoday.net/rss")
    spider.on_error(failure)
    assert spider.crawler.stats.get_value(f"newscrawl/fetch/failed/{reason}") == 1
    assert "IgnoreRequest" not in caplog.text and ": error" not in caplog.text
