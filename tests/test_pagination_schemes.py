"""Listings paged in schemes other than the mirror's "?page=N": every story is still found.

How the real site pages its listings is not known (docs/site-facts.md F21). A scheme the
spider does not recognise loses, without a word, every story that only the deeper pages list
(adversary round 9). The mirror can page its listings four ways (``MirrorSite.pagination``):
each is crawled whole, and a site that changes its scheme between runs loses nothing.
"""

from __future__ import annotations

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.pages import PAGINATION_SCHEMES
from newscrawl.mirror.server import MirrorServer
from tests.conftest import crawl, story_counts

# Small listing pages: most sections run to several pages, and the stories on the deeper ones
# are in no feed and on no home page.
SIZE = {"articles": 100, "per_page": 4}


def _only_deeper_pages_list(site: MirrorSite) -> int:
    """How many stories no feed, home page or first listing page links: only a listing's
    second or later page does (the test's stake)."""
    from urllib.parse import quote

    from newscrawl.mirror.server import route

    paths = ["/", "/rss", "/home/rss.xml", *(site.listing_path(sid) for sid, _, _ in site.sections)]
    seen = b"".join(route(site, "http://x", quote(p))[2] for p in paths).decode()
    return sum(1 for paths in site.expected_stories().values()
               if not any(p in seen or quote(p) in seen for p in paths))


@pytest.mark.parametrize("scheme", [s for s in PAGINATION_SCHEMES if s != "query"])
def test_every_story_is_found_whatever_the_pagination_scheme(scheme, tmp_path):
    site = MirrorSite(**SIZE, pagination=scheme)
    assert _only_deeper_pages_list(site) >= 10
    with MirrorServer(site) as server:
        items, stats, log = crawl(server.base_url, tmp_path, "-a", "max_pages=0")
    counts = story_counts(items, site)
    missing = set(site.expected_stories()) - set(counts)
    assert not missing, f"{scheme}: {len(missing)} stories missing"
    assert counts == {story: 1 for story in site.expected_stories()}
    assert stats["newscrawl/monitors/failed"] == 0


def test_a_scheme_changed_between_runs_loses_nothing(tmp_path):
    site = MirrorSite(**SIZE, pagination="query")
    with MirrorServer(site) as server:
        crawl(server.base_url, tmp_path)
        # 90 stories later (more than the feed's 60 and the first listing pages hold), the site
        # pages its listings another way.
        site.new_articles, site.pagination = 90, "path"
        assert _only_deeper_pages_list(site) >= 10
        both_runs, stats, _ = crawl(server.base_url, tmp_path)  # the feeds of both runs
    counts = story_counts(both_runs, site)
    assert counts == {story: 1 for story in site.expected_stories()}
    assert stats["newscrawl/monitors/failed"] == 0


@pytest.mark.parametrize("scheme", [s for s in PAGINATION_SCHEMES if s != "query"])
def test_sigkill_at_random_points_loses_nothing_whatever_the_pagination_scheme(scheme, tmp_path):
    """The kill tests of test_reliability.py walk "?page=N" listings; the other schemes go through
    the same chain bookkeeping, killed here too: twice at a random moment (a random number of
    items, or a random instant of start-up), the site growing in between, then two runs."""
    import os
    import random
    import subprocess
    import time

    from tests.conftest import CRAWL_ENV, crawl_args, feed_items, sigkill_at_random_point

    seed = int(os.environ.get("NEWSCRAWL_TEST_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    site = MirrorSite(**SIZE, pagination=scheme)
    kills = []
    with MirrorServer(site) as server:
        args = crawl_args(server.base_url, "-a", "max_pages=0", "-s", "CONCURRENT_REQUESTS=4")
        for round_ in range(2):
            kills.append(sigkill_at_random_point(args, tmp_path, rng, max_items=40, max_seconds=3.0))
            site.new_articles += 12 * (round_ + 1)  # published while the crawler was down
        for _ in range(2):
            result = subprocess.run(args, cwd=tmp_path, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stderr[-3000:]
    counts = story_counts(feed_items(tmp_path), site)
    context = f"{scheme}, SIGKILL after {kills} new items, seed {seed}"
    assert not {s: n for s, n in counts.items() if n > 1}, f"written twice ({context})"
    missing = set(site.expected_stories()) - set(counts)
    assert not missing, f"{len(missing)} stories lost ({context}): {sorted(missing)[:3]}"


def test_a_burst_that_fills_max_pages_is_walked_until_the_earlier_walk(tmp_path):
    """More new stories than max_pages listing pages hold (a crawler down for a weekend): the walk
    stopped at max_pages above the stories in between, warned, and every later run walked as far,
    warned and failed the Listings monitor again, for ever (adversary round 11). It walks on, at
    most max_pages more, to the stories the earlier walk saw: none lost, and later runs are quiet."""
    site = MirrorSite(articles=60, per_page=4)
    with MirrorServer(site) as server:
        crawl(server.base_url, tmp_path, "-a", "max_pages=2")
        before = set(site.expected_stories())
        site.new_articles = 80  # 10 a section: 2.5 pages of new stories; the feed lists the newest 60
        items, burst, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=2")
        _, quiet, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=2")
    new = set(site.expected_stories()) - before
    counts = story_counts(items, site)
    assert {s for s in new if counts.get(s) != 1} == set(), "a new story lost or twice"
    assert burst["newscrawl/listings/past_page_limit"] >= 8
    assert "newscrawl/listings/limit_gap" not in burst and "newscrawl/listings/limit_gap" not in quiet
    assert quiet["newscrawl/monitors/failed"] == 0
    assert "newscrawl/listings/past_page_limit" not in quiet, "recorded: the next run has no gap to cross"
    assert quiet["newscrawl/incremental/listing_stop"] >= 1


def test_a_gap_too_deep_to_cross_alarms_once_not_for_ever(tmp_path):
    """A burst deeper than twice max_pages: the walk stops above stories it cannot reach, and
    says so (Listings fails), as it should. Before, every later run walked as far, found the same
    page and failed the monitor again, for ever (adversary rounds 10 and 11), which would hide any
    real new loss. A gap an earlier run already reported, met again unchanged, is recorded."""
    site = MirrorSite(articles=60, per_page=4)
    with MirrorServer(site) as server:
        crawl(server.base_url, tmp_path, "-a", "max_pages=2")
        site.new_articles = 200  # 25 a section: over 6 pages of new stories
        _, burst, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=2")
        _, again, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=2")
        _, later, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=2")
    assert burst["newscrawl/listings/limit_gap"] >= 6 and burst["newscrawl/monitors/failed"] >= 1
    assert "newscrawl/listings/limit_gap" not in again and again["newscrawl/listings/short_end_accepted"] >= 6
    assert again["newscrawl/monitors/failed"] == 0 and later["newscrawl/monitors/failed"] == 0
    assert later["newscrawl/incremental/listing_stop"] >= 6
