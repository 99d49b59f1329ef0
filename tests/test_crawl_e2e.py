"""The whole path: the real spider, through Scrapy's downloader, against the mirror."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import crawl


@pytest.fixture(scope="module")
def crawled(mirror, tmp_path_factory):
    return crawl(mirror.base_url, tmp_path_factory.mktemp("crawl"))


def test_every_story_is_in_the_feed_exactly_once(mirror, crawled):
    items, stats, _ = crawled
    expected = mirror.site.expected_stories()
    by_headline: dict[str, list[dict]] = {}
    for item in items:
        by_headline.setdefault(item["headline"], []).append(item)
    missing = set(expected) - set(by_headline)
    assert not missing, f"{len(missing)} stories missing, e.g. {sorted(missing)[:3]}"
    repeated = {h: [i["url"] for i in v] for h, v in by_headline.items() if len(v) > 1}
    assert not repeated, repeated
    assert set(by_headline) == set(expected)
    for headline, (item,) in by_headline.items():
        assert unquote(urlsplit(item["url"]).path) in expected[headline]


def test_items_carry_text_and_aware_dates(crawled):
    items, _, _ = crawled
    assert items
    for item in items:
        assert item["headline"] and item["body"], item["url"]
        published = datetime.fromisoformat(item["date_published"])
        assert published.utcoffset() is not None, item["url"]
        assert item["date_published_raw"].startswith("GMT ")
        assert item["source"] == "almaghrib" and item["language"] == "ar"


def test_feed_is_readable_utf8_arabic(mirror, crawled, tmp_path_factory):
    items, _, _ = crawled
    assert any("المغرب" in (i.get("body") or "") for i in items)


def test_seed_article_comes_through_with_its_synthetic_date(mirror, crawled):
    items, _, _ = crawled
    seed = mirror.site.seed
    (item,) = [i for i in items if i["headline"] == seed.headline]
    assert item["date_published"] == "2015-10-06T13:45:00+00:00"
    assert item["location"] == "دمشق" and item["author"] == "نور خوام"
    assert item["section"] == "أخبار عالمية"


def test_republished_copy_is_dropped_as_duplicate(mirror, crawled):
    items, stats, log = crawled
    copies = [a for i in range(mirror.site.articles) if (a := mirror.site.republished(i))]
    assert copies
    assert stats["newscrawl/dedupe/exact"] == len(copies)
    assert "exact duplicate title of" in log


def test_bad_input_is_logged_counted_and_survived(mirror, crawled):
    items, stats, log = crawled
    site = mirror.site
    flawed = {flaw: site.original(index) for index, flaw in site.FLAWS.items()}
    assert stats["finish_reason"] == "finished"
    # 404 and 500 pages: logged, counted, the crawl went on.
    assert stats["newscrawl/fetch/failed/http_404"] >= 1
    assert stats["newscrawl/fetch/failed/http_500"] == 1
    assert "HTTP 404" in log and "HTTP 500" in log
    # A story URL serving a section front: not emitted.
    assert stats["newscrawl/pages/not_article"] == 1
    assert "Not an article" in log
    assert flawed["not_article"].headline not in {i["headline"] for i in items}
    # An article with an empty body: dropped with its reason.
    assert stats["newscrawl/items/dropped/missing_body"] == 1
    assert "missing body" in log
    # Truncated RSS: what parsed was kept.
    assert stats["newscrawl/feeds/malformed"] == 1
    # windows-1256 pages decode to the right Arabic. With no charset Scrapy may already guess
    # cp1256; a wrong declared charset (iso-8859-1) always needs the re-decode.
    assert stats["newscrawl/encoding/redecoded/cp1256"] >= 1
    headlines = {i["headline"] for i in items}
    for flaw in ("cp1256_no_charset", "cp1256_wrong_charset", "malformed_html"):
        assert flawed[flaw].headline in headlines, flaw
    by_headline = {i["headline"]: i for i in items}
    assert by_headline[flawed["cp1256_no_charset"].headline]["body"].split("\n\n") == list(
        flawed["cp1256_no_charset"].paragraphs)


def test_skipped_kinds_are_counted_not_fetched(crawled):
    items, stats, _ = crawled
    for kind in ("video", "gallery", "mobile_app"):
        assert stats.get(f"newscrawl/links/skipped/{kind}", 0) >= 1, kind
    assert not any("/v-" in i["url"] or "gallery" in i["url"] for i in items)
