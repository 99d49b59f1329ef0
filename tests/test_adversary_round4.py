"""What the fourth round of black-box adversaries found, each a test that failed before its fix.

Shared-crawl faults (Redis refusing, partial Redis loss) are in tests/test_distributed.py and
the real-grammar page variants in tests/test_network_page_variants.py; this file holds the rest:
two crawls of one spider in one state directory at once, and malformed links on every listing and
feed.
"""

from __future__ import annotations

import json
import subprocess
import time

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from tests.conftest import CRAWL_ENV, crawl, crawl_args, feed_items, story_counts, written_lines
from tests.test_adversary_round3 import MaintenanceProxy


def test_a_second_crawl_of_the_same_spider_in_the_same_directory_is_refused_in_one_line(tmp_path):
    with MirrorServer(MirrorSite(articles=20)) as server:
        slow = ("-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS=1")
        first = subprocess.Popen(crawl_args(server.base_url, *slow), cwd=tmp_path, env=CRAWL_ENV,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        started = time.time()
        while written_lines(tmp_path) < 1:
            assert first.poll() is None and time.time() - started < 60, "the first crawl wrote nothing"
            time.sleep(0.05)
        second = subprocess.run(crawl_args(server.base_url), cwd=tmp_path, env=CRAWL_ENV, capture_output=True,
                                text=True, timeout=120)
        _, log = first.communicate(timeout=300)
    assert second.returncode == 1
    errors = [line for line in second.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "another crawl of almaghrib is running" in errors[0], second.stderr[-2000:]
    assert "Traceback" not in second.stderr
    assert first.returncode == 0, log[-3000:]
    urls = [item["url"] for item in feed_items(tmp_path)]
    assert urls and len(urls) == len(set(urls)), "the running crawl's feed is whole, each article once"
    for feed in (tmp_path / "feeds" / "almaghrib").glob("*.json"):
        json.loads(feed.read_text("utf-8"))  # the JSON Feed files parse


BAD_LINKS = '<a href="http://[bad/314/120000-x">x</a><a href="http://127.0.0.1:99999/314/120001-y">y</a>'


def _with_malformed_links(path: str, body: bytes) -> bytes:
    """A malformed link on every page, and as a feed entry: "http://[bad" no URL parser reads."""
    if b"<rss" in body[:500]:
        entry = b"<item><title>x</title><link>http://[bad/314/120000-x</link></item>"
        return body.replace(b"<item>", entry + b"<item>", 1)
    if b"<urlset" in body[:500]:
        return body.replace(b"<url>", b"<url><loc>http://[bad/314/120002-z</loc></url><url>", 1)
    return body.replace(b"<body>", b"<body>" + BAD_LINKS.encode(), 1)


def test_a_malformed_link_on_every_listing_and_feed_loses_no_story(tmp_path):
    """Before: joining "http://[bad..." raised, the listing's or feed's callback failed, and
    every other link on the page was lost, run after run."""
    site = MirrorSite(articles=24, per_page=4)
    with MirrorServer(site) as mirror, MaintenanceProxy(mirror.base_url, site.site_title) as proxy:
        proxy.rewrite = _with_malformed_links
        items, stats, log = crawl(proxy.base_url, tmp_path)
    assert stats.get("newscrawl/links/malformed", 0) > 0
    assert "Spider error processing" not in log
    counts = story_counts(items, site)
    assert counts == {story: 1 for story in site.expected_stories()}


def test_the_generic_spider_also_reads_past_malformed_links(tmp_path):
    site = MirrorSite(articles=16, per_page=4)
    with MirrorServer(site) as mirror, MaintenanceProxy(mirror.base_url, site.site_title) as proxy:
        # robots.txt and the sitemaps name the mirror's own address: the proxy's instead
        def through_proxy(path, body):
            return body.replace(mirror.base_url.encode(), proxy.base_url.encode())

        proxy.rewrite = through_proxy
        clean, _, _ = crawl(proxy.base_url, tmp_path / "clean", spider="news", start_arg=True)
        proxy.rewrite = lambda path, body: _with_malformed_links(path, through_proxy(path, body))
        hostile, stats, log = crawl(proxy.base_url, tmp_path / "hostile", spider="news", start_arg=True)
    # (which copy of a republished story is kept depends on fetch order: stories are compared)
    assert clean and story_counts(hostile, site) == story_counts(clean, site)
    assert stats.get("newscrawl/links/malformed", 0) > 0
    assert "Spider error processing" not in log
