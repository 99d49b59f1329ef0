"""The Arabs Today network: one CMS, a short module per site, one spider per site."""

from __future__ import annotations

import importlib
from urllib.parse import unquote

import pytest
import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.sites import NETWORK_SITES
from newscrawl.sites.network import classify_path
from tests.conftest import crawl, story_counts


@pytest.mark.parametrize("key", sorted(NETWORK_SITES))
def test_spider_file_name_and_class_agree(key):
    module = importlib.import_module(f"newscrawl.spiders.{key}")
    spiders = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, scrapy.Spider)
               and getattr(v, "name", None) == key]
    assert len(spiders) == 1
    assert spiders[0].site is NETWORK_SITES[key]
    assert spiders[0].__name__.lower().replace("_", "") == key.replace("_", "") + "spider"


@pytest.mark.parametrize("key", sorted(NETWORK_SITES))
def test_profiles_are_complete(key):
    site = NETWORK_SITES[key]
    assert site.base_url == f"https://www.{site.domain}"
    assert site.label.endswith("اليوم") or site.label.startswith("صوت")
    assert site.start_paths and all(p.startswith("/") for p in site.start_paths)
    from zoneinfo import ZoneInfo
    ZoneInfo(site.timezone)


@pytest.mark.parametrize("file,key,known", [
    ("almaghribtoday.net.html", "almaghrib", "/1189/030538-تعرف-علي-سعر-الدرهم-المغربي-مقابل-الليره-السوري-الاربعاء"),
    ("arabstoday.net.html", "arabstoday", None),
    ("egypt-today.com.html", "egypt_today", None),
])
def test_real_homepages_give_their_article_links(shared, file, key, known):
    """The real 2018 homepages: the listing extraction finds the articles each one links."""
    site = NETWORK_SITES[key]
    body = (shared / "site" / file).read_bytes()
    module = importlib.import_module(f"newscrawl.spiders.{key}")
    spidercls = next(v for v in vars(module).values() if isinstance(v, type) and getattr(v, "name", None) == key)
    crawler = get_crawler(spidercls)
    spider = spidercls.from_crawler(crawler)
    crawler.spider = spider
    url = f"http://www.{site.domain}/"
    response = HtmlResponse(url, body=body, encoding="utf-8", request=scrapy.Request(url))
    requests = [r for r in spider.parse_listing(response) if isinstance(r, scrapy.Request)]
    articles = {unquote(r.url.split(site.domain, 1)[1]) for r in requests if r.callback == spider.parse_article}
    # Every article-grammar link on the page that belongs to this site, minus cartoons, is followed.
    from parsel import Selector
    from urllib.parse import urlsplit
    on_page = set()
    for href in Selector(text=body.decode("utf-8")).css("a::attr(href)").getall():
        parts = urlsplit(response.urljoin(href.strip()))
        path = unquote(parts.path)
        if parts.hostname in (site.domain, f"www.{site.domain}") and classify_path(path) in ("article", "opinion"):
            if path.split("/")[1] not in site.skip_sections:
                on_page.add(path.removeprefix("/amp"))
    assert len(on_page) >= 60
    assert articles == on_page
    if known:
        assert known in articles
    assert all(unquote(r.url).startswith(f"https://www.{site.domain}/") for r in requests)


@pytest.mark.parametrize("key", sorted(set(NETWORK_SITES) - {"almaghrib"}))
def test_sibling_crawls_end_to_end(tmp_path, key):
    site = MirrorSite(articles=60, site_key=key)
    with MirrorServer(site) as server:
        items, stats, _ = crawl(server.base_url, tmp_path, spider=key)
    expected = site.expected_stories()
    assert story_counts(items, site) == {story: 1 for story in expected}
    for item in items:
        assert item["source"] == key and item["body"] and item["date_published"]
        assert site.label not in item["headline"]
    unsigned = [i for i in items if i["location"] and not i["author"]]
    assert unsigned  # "<city> - <site label>" datelines are read as unsigned
    syndicated = MirrorSite(articles=60).original(4).headline
    assert syndicated in expected  # a story syndicated from almaghribtoday


def test_one_mirror_serves_the_network_by_host_name(tmp_path):
    """Through the mirror as an HTTP proxy, a spider crawls the sites' real host names, as it
    would the real sites: the mirror picks the sibling by the request's host."""
    site = MirrorSite(articles=30)
    with MirrorServer(site) as server:
        proxy = {"http_proxy": server.base_url, "no_proxy": ""}
        fast = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")
        items, stats, _ = crawl("http://www.egypt-today.com", tmp_path, *fast, spider="egypt_today", env=proxy)
    sibling = MirrorSite(articles=30, site_key="egypt_today")
    assert story_counts(items, sibling) == {story: 1 for story in sibling.expected_stories()}
    assert all(i["url"].startswith("http://www.egypt-today.com/") for i in items)
