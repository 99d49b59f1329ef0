"""The whole path: the real spider, through Scrapy's downloader, against the mirror."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.conftest import crawl, story_counts


@pytest.fixture(scope="module")
def crawled(mirror, tmp_path_factory):
    return crawl(mirror.base_url, tmp_path_factory.mktemp("crawl"))


def test_every_story_is_in_the_feed_exactly_once(mirror, crawled):
    items, stats, _ = crawled
    expected = mirror.site.expected_stories()
    counts = story_counts(items, mirror.site)
    missing = set(expected) - set(counts)
    assert not missing, f"{len(missing)} stories missing, e.g. {sorted(missing)[:3]}"
    assert counts == {story: 1 for story in expected}


def test_items_carry_text_and_aware_dates(crawled):
    items, _, _ = crawled
    assert items
    for item in items:
        assert item["headline"] and item["body"], item["url"]
        published = datetime.fromisoformat(item["date_published"])
        assert published.utcoffset() is not None, item["url"]
        assert item["date_published_raw"].startswith("GMT ")
        assert item["source"] == "almaghrib" and item["language"] == "ar"
        # Read from the text, which the page's declared ar-aa confirms: no default stands in.
        assert item["extraction"]["language"] == "text+declared", item["url"]


def test_feed_is_readable_utf8_arabic(mirror, crawled, tmp_path_factory):
    items, _, _ = crawled
    assert any("المغرب" in (i.get("body") or "") for i in items)


def test_seed_article_comes_through_with_its_synthetic_date(mirror, crawled):
    items, _, _ = crawled
    seed = mirror.site.seed
    (item,) = [i for i in items if i["headline"] == seed.headline]  # the seed has no second copy
    assert item["date_published"] == "2015-10-06T13:45:00+00:00"
    assert item["location"] == "دمشق" and item["author"] == "نور خوام"
    assert item["section"] == "أخبار عالمية"


def test_republished_copies_with_retyped_titles_are_dropped_as_duplicates(mirror, crawled):
    items, stats, log = crawled
    copies = [a for i in range(mirror.site.articles) if (a := mirror.site.republished(i))]
    assert len(copies) == 5 and len({c.headline for c in copies} - {i["headline"] for i in items}) >= 1
    # Same title after Arabic normalisation (hamza, tashkeel, a sibling's label): exact; a
    # "عاجل:" kicker: near.
    assert stats["newscrawl/dedupe/exact"] + stats["newscrawl/dedupe/near"] == len(copies)
    assert stats["newscrawl/dedupe/near"] >= 1
    assert "duplicate title of" in log


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
    # Truncated RSS: what parsed was kept, and the warning is one line that says where it was cut
    # (not libxml2's two lines ending in a raw CDATA fragment).
    assert stats["newscrawl/feeds/malformed"] == 1
    (warning,) = [line for line in log.splitlines() if "is malformed" in line]
    assert re.search(rf"Feed {re.escape(mirror.base_url)}/home/rss.xml is malformed "
                     r"\(cut off at line \d+: CData section not finished\); recovered what parsed$", warning), warning
    following = log.splitlines()[log.splitlines().index(warning) + 1]
    assert following[:4].isdigit(), f"the warning continues on a second line: {following!r}"
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
