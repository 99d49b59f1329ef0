"""``scrapy ccnews`` against a local HTTP server playing Common Crawl: a ``warc.paths.gz`` per
month, WARC files of mirror pages under the real site's URLs mixed with other hosts' records,
one file cut short; real commands, a real SIGKILL."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from newscrawl.warc import Exchange, WarcFileWriter
from tests.conftest import CRAWL_ENV, feed_items, run_scrapy, story_counts

SITE = MirrorSite(articles=90)
BASE = "https://www.almaghribtoday.net"
OTHER = MirrorSite(articles=40, site_key="arabstoday")  # a sibling of the network: another host
HTML = [(b"Content-Type", b"text/html; charset=utf-8")]


def site_pages(site: MirrorSite, base: str) -> list[tuple[str, int, str, bytes]]:
    """(url, status, content type, body) of every article page of *site* as served at *base*."""
    pages = []
    for article in site.iter_all():
        url = site.url(base, article.path)
        status, content_type, body = route(site, base, url.removeprefix(base))
        pages.append((url, status, content_type, body))
    return pages


def write_warc(path: Path, pages) -> None:
    writer = WarcFileWriter(str(path), "cc")
    for url, status, content_type, body in pages:
        writer.write(Exchange(url, "GET", [], status, "OK" if status == 200 else "Error",
                              [(b"Content-Type", content_type.encode())], body))
    writer.close()


def build_common_crawl(root: Path) -> dict:
    """Two months of CC-NEWS: 2019-01 with two files, 2019-02 with two files (the last cut short),
    every article of SITE in them (some twice, across files), between other hosts' records."""
    ours = site_pages(SITE, BASE)
    others = site_pages(OTHER, "https://www.arabstoday.net")
    others += [(f"https://example.org/story/{n}", 200, "text/html", b"<html><h1>x</h1></html>") for n in range(30)]
    quarter = len(ours) // 4
    layout = {
        "2019/01": [ours[:quarter] + others[:20], others[20:35] + ours[quarter:2 * quarter] + ours[:5]],
        "2019/02": [ours[2 * quarter:3 * quarter] + others[35:50], others[50:] + ours[3 * quarter:] + ours[5:8]],
    }
    listed = {}
    for month, files in layout.items():
        folder = root / "crawl-data" / "CC-NEWS" / month
        paths = []
        for number, pages in enumerate(files):
            relative = f"crawl-data/CC-NEWS/{month}/CC-NEWS-{month.replace('/', '')}01{number:06d}-{number:05d}.warc.gz"
            interleaved = sorted(pages, key=lambda page: len(page[0]) % 7)  # other hosts among ours
            write_warc(root / relative, interleaved if number == 0 else pages)
            paths.append(relative)
        listed[month] = paths
        (folder / "warc.paths.gz").write_bytes(gzip.compress(("\n".join(paths) + "\n").encode()))
    # The last file of February is cut short inside its last record (a page also in an earlier file).
    last = root / listed["2019/02"][-1]
    data = last.read_bytes()
    last.write_bytes(data[:len(data) - 700])
    return listed


class ThrottledHandler(SimpleHTTPRequestHandler):
    """Serves files slowly enough for a kill to land in the middle of a stream."""
    delay = 0.0

    def log_message(self, *args) -> None:
        pass

    def copyfile(self, source, outputfile) -> None:
        while chunk := source.read(16 * 1024):
            outputfile.write(chunk)
            time.sleep(self.delay)


@pytest.fixture()
def common_crawl(tmp_path):
    root = tmp_path / "cc"
    listed = build_common_crawl(root)

    def serve(delay: float = 0.0):
        handler = partial(type("Handler", (ThrottledHandler,), {"delay": delay}), directory=str(root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    servers: list[ThreadingHTTPServer] = []
    yield serve, listed, tmp_path
    for server in servers:
        server.shutdown()
        server.server_close()


def ccnews_args(base: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "ccnews", "almaghrib", "--from", "2019-01", "--to", "2019-02",
            "-s", f"NEWSCRAWL_CCNEWS_BASE={base}", "-s", "NEWSCRAWL_STATE_DIR=state",
            "-s", "NEWSCRAWL_STATS_FILE=stats.json", *extra]


def assert_every_story_once(items: list[dict]) -> None:
    counts = story_counts(items, SITE)
    assert not [s for s in counts if s.startswith("UNEXPECTED")], [s for s in counts if s.startswith("UNEXPECTED")]
    assert not {s: n for s, n in counts.items() if n > 1}
    missing = set(SITE.expected_stories()) - set(counts)
    assert not missing, f"{len(missing)} stories lost: {sorted(missing)[:3]}"


def test_backfill_keeps_every_article_once_and_skips_other_hosts(common_crawl):
    serve, listed, work = common_crawl
    base = serve()
    run = work / "run"
    run.mkdir()
    result = subprocess.run(ccnews_args(base, "-o", "backfill.jsonl"), cwd=run, env=CRAWL_ENV,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    items = feed_items(run)
    assert_every_story_once(items)
    assert all(item["url"].startswith(BASE) for item in items)
    written = [json.loads(line) for line in (run / "backfill.jsonl").read_text("utf-8").splitlines()]
    assert sorted(i["url"] for i in written) == sorted(i["url"] for i in items)
    stats = json.loads((run / "stats.json").read_text("utf-8"))
    assert stats["newscrawl/archive/other_hosts"] == len(site_pages(OTHER, "https://x")) + 30
    assert stats["newscrawl/archive/cut"] == 1
    assert stats["newscrawl/archive/files_finished"] == 4
    assert stats.get("downloader/request_count", 0) == 0
    assert "Skipped a record cut short" in result.stderr
    assert "MB/s" in result.stderr and "WARC 4/4" in result.stderr
    # The next run finds every file read: nothing fetched, nothing new.
    again = subprocess.run(ccnews_args(base), cwd=run, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stderr.count("read to the end by an earlier run, skipped") == 4
    assert_every_story_once(feed_items(run))


def test_backfill_after_a_live_crawl_adds_no_article_twice(common_crawl):
    """Dedupe across the backfill and live crawls: what a crawl of the site kept is not kept again."""
    serve, listed, work = common_crawl
    base = serve()
    run = work / "run"
    run.mkdir()
    # A "live" crawl of a part of the site: the first file read as own archive (same state store).
    first = work / "cc" / listed["2019/01"][0]
    live = run_scrapy(["crawl", "almaghrib", "-a", f"warc={first}", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=run)
    assert live.returncode == 0, live.stderr[-3000:]
    kept_live = len(feed_items(run))
    assert kept_live > 10
    result = subprocess.run(ccnews_args(base), cwd=run, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_every_story_once(feed_items(run))


def test_backfill_resumes_after_sigkill(common_crawl):
    serve, listed, work = common_crawl
    base = serve(delay=0.03)
    run = work / "run"
    run.mkdir()
    process = subprocess.Popen(ccnews_args(base), cwd=run, env=CRAWL_ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    finished = 0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            state = run / "state" / "state.sqlite"
            if state.exists():
                try:
                    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1)
                    finished = db.execute("SELECT COUNT(*) FROM warc_files").fetchone()[0]
                    db.close()
                except sqlite3.OperationalError:  # the table is not created yet
                    finished = 0
            if finished >= 1:
                time.sleep(0.3)  # into the next file's stream
                break
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert 1 <= finished < 4, f"the kill did not land mid-backfill ({finished} files finished)"
    before = feed_items(run)
    result = subprocess.run(ccnews_args(base), cwd=run, env=CRAWL_ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("read to the end by an earlier run, skipped") >= finished
    items = feed_items(run)
    assert len(items) > len(before)
    assert_every_story_once(items)


def test_bad_months_and_missing_listings(common_crawl):
    serve, listed, work = common_crawl
    base = serve()
    result = run_scrapy(["ccnews", "almaghrib", "--from", "2019-1"], cwd=work)
    assert result.returncode == 2 and "--from takes a month as YYYY-MM" in result.stderr
    result = run_scrapy(["ccnews", "almaghrib", "--from", "2019-03", "--to", "2019-02"], cwd=work)
    assert result.returncode == 2 and "is after --to" in result.stderr
    result = run_scrapy(["ccnews", "almaghrib", "--from", "2021-01", "-s", f"NEWSCRAWL_CCNEWS_BASE={base}"], cwd=work)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: no CC-NEWS WARC file listed for 2021-01")
    assert "Traceback" not in result.stderr
