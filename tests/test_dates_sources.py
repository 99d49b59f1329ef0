"""Where an article's date comes from (adversary round 15): the feed's record above a date read
from the page's free text, no sentence quoting a date taken for the date line, a sitemap's
``lastmod`` never taken for the publication date, and an archived page's relative dates read
against the day it was fetched, not the day it is read again."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from newscrawl.extraction.article import extract_article
from newscrawl.pipelines import DatePipeline
from newscrawl.sites.almaghrib import SITE
from newscrawl.spiders.news import NewsSitemap
from tests.conftest import QuietHandler, crawl, http_server

BODY = "".join(f"<p>هذه فقرة رقم {i} من نص الخبر تتحدث عن تطورات الوضع الاقتصادي في المملكة وآفاق النمو "
               f"خلال السنوات المقبلة بحسب الخبراء والمحللين.</p>" for i in range(6))
SENTENCE = "<p>وقال الوزير إن الاتفاق الأول وقع في 3 مارس 2010 بالعاصمة.</p>"
PUB_DATE = "Mon, 05 Aug 2024 07:20:00 GMT"


def _generic_page(extra_body: str = "") -> str:
    return (f'<html lang="ar"><head><meta charset="utf-8"><title>خبر عن الاقتصاد</title></head><body>'
            f'<h1>ارتفاع صادرات المملكة خلال الربع الثاني</h1><article>{extra_body}{BODY}</article></body></html>')


def _network_page(extra_body: str = "") -> str:
    return (f'<html lang="ar"><head><meta charset="utf-8"><title>المغرب اليوم - ارتفاع الصادرات</title>'
            f'<meta property="og:type" content="article"></head><body><h1>ارتفاع صادرات المملكة خلال الربع الثاني</h1>'
            f'<h4 class="coring">الرباط - المغرب اليوم</h4><div id="balmon">{extra_body}{BODY}</div></body></html>')


def test_a_sentence_quoting_a_date_does_not_date_the_story():
    generic = extract_article(_generic_page(SENTENCE), "https://news.example/economy/exports")
    assert "date_published_raw" not in generic.fields
    network = extract_article(_network_page(SENTENCE), "https://www.almaghribtoday.net/314/072000-exports", SITE)
    assert "date_published_raw" not in network.fields


def test_the_feed_date_outranks_a_date_read_from_the_text():
    line = "<p>الأربعاء 3 مارس 2010</p>"  # a date line the page prints (an old template, a wrong one)
    page = extract_article(_generic_page(line), "https://news.example/economy/exports")
    assert page.fields["date_published_raw"] == "الأربعاء 3 مارس 2010" and page.provenance["date_published"] == "text"
    fed = extract_article(_generic_page(line), "https://news.example/economy/exports",
                          feed={"date_published_raw": PUB_DATE})
    assert fed.fields["date_published_raw"] == PUB_DATE and fed.provenance["date_published"] == "feed"
    # The network's own stamp still outranks the feed: it is the page's record of the minute.
    stamp = '<p>GMT 07:20 2024 الاثنين ,05 آب / أغسطس</p>'
    network = extract_article(_network_page().replace('<div id="balmon">', stamp + '<div id="balmon">'),
                              "https://www.almaghribtoday.net/314/072000-exports", SITE,
                              feed={"date_published_raw": "Mon, 05 Aug 2024 09:00:00 GMT"})
    assert network.provenance["date_published"] == "selectors"


def test_sitemap_publication_date_is_read_and_lastmod_is_no_publication_date():
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/a</loc><lastmod>2024-08-07T10:00:00+00:00</lastmod>
<news:news><news:publication><news:name>X</news:name><news:language>ar</news:language></news:publication>
<news:publication_date>2024-08-05T07:20:00+00:00</news:publication_date><news:title>T</news:title></news:news></url>
<url><loc>https://news.example/b</loc><lastmod>2024-08-07</lastmod></url>
</urlset>"""
    entries = {entry["loc"]: entry for entry in NewsSitemap(body)}
    assert entries["https://news.example/a"]["publication_date"] == "2024-08-05T07:20:00+00:00"
    assert "publication_date" not in entries["https://news.example/b"]
    page = extract_article(_generic_page(), "https://news.example/b", feed={"date_modified_raw": "2024-08-07"})
    assert "date_published_raw" not in page.fields and page.fields["date_modified_raw"] == "2024-08-07"


class _Dates:
    """What DatePipeline reads of a crawler."""

    class settings:  # noqa: N801 - a stand-in namespace
        @staticmethod
        def get(name, default=None):
            return default

    spider = None

    class stats:  # noqa: N801
        @staticmethod
        def inc_value(*args, **kwargs):
            pass


def test_an_archived_page_is_dated_against_its_fetch():
    pipeline = DatePipeline(_Dates)
    item = {"url": "https://news.example/a", "date_published_raw": "منذ 3 ساعات",
            "date_modified_raw": "10 مايو 11:20", "scraped_at": "2020-05-10T12:00:00+00:00"}
    pipeline.process_item(item)
    assert item["date_published"] == "2020-05-10T09:00:00+00:00"
    assert item["date_modified"] == "2020-05-10T11:20:00+00:00"
    # A date after the fetch is no publication date of that copy.
    late = {"url": "https://news.example/b", "date_published_raw": "2024-01-01T10:00:00+00:00",
            "scraped_at": "2020-05-10T12:00:00+00:00"}
    pipeline.process_item(late)
    assert late.get("date_published") is None


class _FrontPageFirst(QuietHandler):
    """A front page that links two stories and announces the feed that dates them; the stories
    print no date of their own."""

    feed_href = "/feed.xml"

    def do_GET(self):
        base = f"http://{self.headers['Host']}"
        if self.path == "/":
            links = "".join(f'<li><a href="/news/{i}">خبر {i}</a></li>' for i in (1, 2))
            page = (f'<html lang="ar"><head><title>صحيفة</title><link rel="alternate" type="application/rss+xml" '
                    f'href="{self.feed_href}"></head><body><ul>{links}</ul></body></html>')
            self.answer(200, "text/html; charset=utf-8", page.encode())
        elif self.path == "/feed.xml":
            items = "".join(f"<item><title>خبر {i}</title><link>{base}/news/{i}</link>"
                            f"<pubDate>Mon, 05 Aug 2024 0{i}:20:00 +03:00</pubDate></item>" for i in (1, 2))
            feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
            self.answer(200, "application/rss+xml", feed.encode())
        elif self.path in ("/news/1", "/news/2"):
            page = _generic_page().replace("ارتفاع صادرات", f"خبر {self.path[-1]}: ارتفاع صادرات")
            self.answer(200, "text/html; charset=utf-8", page.encode())
        else:
            self.answer(404, "text/plain", b"no")


def test_a_story_the_front_page_asked_for_first_keeps_its_feed_date(tmp_path):
    with http_server(_FrontPageFirst) as base:
        items, stats, _ = crawl(base, tmp_path, "-a", "max_depth=1", spider="news", start_arg=True)
    dates = {item["url"].rsplit("/", 1)[-1]: item.get("date_published") for item in items}
    assert dates == {"1": "2024-08-05T01:20:00+03:00", "2": "2024-08-05T02:20:00+03:00"}
    assert stats.get("newscrawl/dates/missing") is None


# A "most read" or "read also" block printing another story's date in markup: never this page's.
TEASER_DATES = {
    "time_in_aside": '<aside><ul><li><a href="/old/5">خبر قديم عن الميناء</a> '
                     '<time datetime="2019-03-03T10:00:00Z">3 مارس 2019</time></li></ul></aside>',
    "microdata_teaser": '<div itemscope itemtype="https://schema.org/NewsArticle"><a itemprop="url" '
                        'href="/36/100001-old-story-here"><span itemprop="headline">خبر قديم</span></a>'
                        '<meta itemprop="datePublished" content="2019-03-03T10:00:00Z"></div>',
    "time_beside_story_link": '<div class="mostread"><a href="/36/100000-old-story-here">خبر قديم</a> '
                              '<time datetime="2019-03-03T10:00:00Z">3 مارس 2019</time></div>',
}


def test_a_related_storys_markup_date_is_not_the_articles():
    for name, block in TEASER_DATES.items():
        generic = extract_article(_generic_page().replace("</article>", "</article>" + block),
                                  "https://news.example/economy/exports", feed={"date_published_raw": PUB_DATE})
        assert generic.fields["date_published_raw"] == PUB_DATE, name
        network = extract_article(_network_page().replace("</div></body>", "</div>" + block + "</body>"),
                                  "https://www.almaghribtoday.net/314/072000-exports", SITE,
                                  feed={"date_published_raw": PUB_DATE})
        assert network.fields["date_published_raw"] == PUB_DATE, name
    # The article's own markup still counts, its own <footer> included (Drupal prints it there).
    own = ('<footer class="submitted"><span property="dc:date" content="2024-08-05T07:20:00+00:00">'
           '5 أغسطس 2024</span></footer>')
    page = extract_article(_generic_page().replace("</article>", own + "</article>"),
                           "https://news.example/economy/exports")
    assert page.fields["date_published_raw"] == "2024-08-05T07:20:00+00:00"


def test_edit_labels_in_a_line_of_their_own_or_with_tashkeel_mark_the_modified_stamp():
    url = "https://www.almaghribtoday.net/314/072000-exports"
    published = '<p>GMT 07:20 2024 الاثنين ,05 آب / أغسطس</p>'
    edited = "GMT 16:40 2024 الثلاثاء ,06 آب / أغسطس"
    for label in (f'<div><span>آخر تحديث</span></div><div>{edited}</div>', f'<div>مُحدّث في {edited}</div>'):
        page = extract_article(_network_page().replace('<div id="balmon">', published + label + '<div id="balmon">'),
                               url, SITE)
        assert page.fields["date_published_raw"].startswith("GMT 07:20"), label
        assert page.fields["date_modified_raw"].startswith("GMT 16:40"), label


def test_a_stamp_quoted_in_the_text_at_the_urls_minute_does_not_date_the_story():
    quoted = '<p>وكان البيان الصادر في "GMT 07:20 2015 الخميس ,2 نيسان / أبريل" قد أكد أن المفاوضات ستستمر طويلا.</p>'
    page = extract_article(_network_page(quoted), "https://www.almaghribtoday.net/314/072000-exports", SITE)
    assert "date_published_raw" not in page.fields
    # A stamp on its own line after the text, at the URL's minute, still does (the last resort).
    own = extract_article(_network_page().replace("</div></body>", "</div><p>GMT 07:20 2024 الاثنين ,05 آب / أغسطس</p></body>"),
                          "https://www.almaghribtoday.net/314/072000-exports", SITE)
    assert own.fields["date_published_raw"].startswith("GMT 07:20 2024")


def test_a_generic_pages_labelled_edit_line_is_its_modified_date_never_its_published():
    for line in ('<div>آخر تحديث: 17 سبتمبر 2024 16:40 بتوقيت غرينتش</div>',
                 '<div><span>آخر تحديث</span> <span>17 سبتمبر 2024 16:40 بتوقيت غرينتش</span></div>',
                 '<div>مُحدّث 17 سبتمبر 2024 16:40 GMT</div>', '<div>تحديث: 17 سبتمبر 2024 16:40 GMT</div>'):
        html = _generic_page().replace("<article>", line + "<article>")
        page = extract_article(html, "https://news.example/economy/exports", feed={"date_published_raw": PUB_DATE})
        assert page.fields["date_published_raw"] == PUB_DATE, line
        assert "17 سبتمبر 2024 16:40" in page.fields["date_modified_raw"], line


def test_an_edit_before_the_publication_is_dropped_and_counted():
    counted = []

    class Counting(_Dates):
        class stats:  # noqa: N801
            @staticmethod
            def inc_value(key, *args, **kwargs):
                counted.append(key)

    item = {"url": "https://news.example/a", "date_published_raw": "2024-08-05T07:20:00+00:00",
            "date_modified_raw": "2024-08-04T07:20:00+00:00", "scraped_at": "2024-08-06T00:00:00+00:00"}
    DatePipeline(Counting).process_item(item)
    assert item["date_published"] == "2024-08-05T07:20:00+00:00" and item["date_modified"] is None
    assert "newscrawl/dates/modified_before_published" in counted and item["date_modified_raw"]


def test_iso_basic_format_is_read():
    from newscrawl.dates import parse_date

    assert parse_date("20230314T093000Z") == datetime(2023, 3, 14, 9, 30, tzinfo=timezone.utc)


class _OffsiteFeed(_FrontPageFirst):
    feed_href = "http://feeds.invalid/feed.xml"  # another host: refused before any request


def test_a_page_whose_feed_cannot_be_read_still_has_its_links_followed(tmp_path):
    with http_server(_OffsiteFeed) as base:
        items, _, _ = crawl(base, tmp_path, "-a", "max_depth=1", spider="news", start_arg=True)
    assert sorted(item["url"].rsplit("/", 1)[-1] for item in items) == ["1", "2"]


class _StalledFeed(_FrontPageFirst):
    """The feed is accepted and never answered (adversary round 16: the page's links waited for
    it, and the crawl stood still for DOWNLOAD_TIMEOUT times the retries)."""

    asked: dict = {}

    def do_GET(self):
        self.asked.setdefault(self.path, time.monotonic())
        if self.path == "/feed.xml":
            time.sleep(25)
            return
        super().do_GET()


def test_a_stalled_feed_does_not_hold_the_pages_links_up(tmp_path):
    with http_server(_StalledFeed) as base:
        items, stats, _ = crawl(base, tmp_path, "-a", "max_depth=1", "-s", "DOWNLOAD_TIMEOUT=20", "-s", "RETRY_TIMES=0",
                                spider="news", start_arg=True)
    asked = _StalledFeed.asked
    assert sorted(item["url"].rsplit("/", 1)[-1] for item in items) == ["1", "2"]
    assert asked["/news/1"] - asked["/feed.xml"] < 15  # out after the wait, not after the feed's timeout
    assert stats["newscrawl/feeds/links_released_unread"] == 1
