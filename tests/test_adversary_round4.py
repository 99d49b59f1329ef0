"""What the fourth round of black-box adversaries found, each a test that failed before its fix.

Shared-crawl faults (Redis refusing, partial Redis loss) are in tests/test_distributed.py and
the real-grammar page variants in tests/test_network_page_variants.py; this file holds the rest:
two crawls of one spider in one state directory at once.
"""

from __future__ import annotations

import json
import subprocess
import time

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from tests.conftest import CRAWL_ENV, crawl_args, feed_items, written_lines


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
