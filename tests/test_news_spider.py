"""The generic spider: any Arabic news site, discovered by sitemaps, feeds and links."""

from __future__ import annotations

import pytest

from newscrawl.extraction.article import extract_article
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer, route
from newscrawl.sites.almaghrib import SITE
from newscrawl.spiders.news import NewsSpider
from tests.conftest import crawl, run_scrapy, story_counts


@pytest.fixture(scope="module")
def news_crawl(tmp_path_factory):
    site = MirrorSite(articles=80)
    with MirrorServer(site) as server:
        items, stats, log = crawl(server.base_url, tmp_path_factory.mktemp("news"), spider="news", start_arg=True)
    return site, items, stats, log


def test_every_story_once_and_no_page_that_is_not_an_article(news_crawl):
    site, items, stats, _ = news_crawl
    expected = site.expected_stories()
    assert story_counts(items, site) == {story: 1 for story in expected}  # each story exactly once
    assert stats["newscrawl/pages/not_article"] >= 3  # home, listings, the soft-404 story URL
    assert all(len(i["body"]) >= 300 for i in items)


def test_discovery_used_sitemaps_and_feeds(news_crawl):
    _, _, stats, _ = news_crawl
    assert stats["newscrawl/sitemaps/followed"] >= 2  # the index and its sitemaps
    assert stats["newscrawl/sitemaps/urls"] >= 80
    assert stats["newscrawl/feeds/entries"] >= 1  # the feed announced by <link rel="alternate">


def test_generic_ladder_uses_no_site_selectors(news_crawl):
    _, items, stats, _ = news_crawl
    assert not any(k.startswith("newscrawl/extract/body/selectors") for k in stats)
    assert all(i["date_published"] for i in items)
    # The mirror's pages print only a visible date under the headline (no machine-readable one).
    assert {i["extraction"]["date_published"] for i in items} <= {"jsonld", "opengraph", "meta", "microdata", "text",
                                                                  "feed"}
    assert any(i["extraction"]["date_published"] == "text" for i in items)


def test_given_urls_only(tmp_path):
    site = MirrorSite(articles=20)
    with MirrorServer(site) as server:
        urls = [server.base_url + site.original(1).path, server.base_url + "/"]
        result = run_scrapy(["crawl", "news", "-a", "urls=" + ",".join(urls), "-s", "NEWSCRAWL_STATE_DIR=st",
                             "-O", "out.jsonl"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (tmp_path / "out.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1 and site.original(1).headline in lines[0]
    assert "Not an article: " in result.stderr  # the home page was given, recognised, not emitted


def test_start_is_required():
    with pytest.raises(ValueError, match="start="):
        NewsSpider()
    with pytest.raises(ValueError, match="http"):
        NewsSpider(start="ftp://example.org/")


def test_start_urls_on_one_host_allow_each_of_their_ports():
    # (two local servers on one host: the second one's port was refused)
    spider = NewsSpider(start="http://127.0.0.1:8001/,http://127.0.0.1:8002/news/")
    assert spider.is_allowed_url("http://127.0.0.1:8001/a") and spider.is_allowed_url("http://127.0.0.1:8002/b")
    assert not spider.is_allowed_url("http://127.0.0.1:8003/c") and not spider.is_allowed_url("http://127.0.0.1/d")
    plain = NewsSpider(start="https://www.example.org/,https://example.org:8443/")
    assert plain.is_allowed_url("https://example.org/a") and plain.is_allowed_url("https://news.example.org:8443/b")
    assert not plain.is_allowed_url("https://example.org:9000/c")
    with pytest.raises(ValueError, match="bad port"):
        NewsSpider(start="http://example.org:99999/")


def test_changed_template_falls_back_down_the_ladder():
    """The site's landmarks (#balmon, h4.coring, the GMT stamp) removed: the ladder still gets
    headline, date and body, and the provenance shows which fallback did it."""
    site = MirrorSite(articles=20, variant="changed")
    article = site.original(2)
    html = route(site, "http://x", article.path)[2].decode()
    assert 'id="balmon"' not in html and "coring" not in html
    result = extract_article(html, "http://x" + article.path, SITE)
    assert result.fields["headline"] == article.headline
    assert result.fields["body"].split("\n\n") == list(article.paragraphs)
    assert result.fields["date_published_raw"] == article.published.isoformat()
    assert result.provenance["body"] == "density"
    assert result.provenance["date_published"] == "opengraph"
    assert result.provenance["headline"] in ("selectors", "opengraph")


def test_second_generic_crawl_fetches_no_known_article(tmp_path):
    site = MirrorSite(articles=40)
    with MirrorServer(site) as server:
        first, _, _ = crawl(server.base_url, tmp_path / "w", spider="news", start_arg=True)
        (tmp_path / "w" / "feeds" / "news").rename(tmp_path / "w" / "feeds" / "first")
        again, stats, _ = crawl(server.base_url, tmp_path / "w", spider="news", start_arg=True)
    assert first and again == []
    assert stats["newscrawl/incremental/skipped_known"] >= len(first)
    assert stats.get("item_scraped_count", 0) == 0
