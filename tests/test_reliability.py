"""Every article once, whatever happens to the crawl.

Each test tries to break the promise the way users' machines do: a hostile server (faults on
every kind of request), Ctrl-C once without JOBDIR, SIGKILL at random moments with JOBDIR, a
full disk under the feeds, a damaged state file. After each, the union of the feeds must hold
every obtainable article of the mirror exactly once, later runs must add nothing, and every
SQLite file must pass ``PRAGMA integrity_check``.

Kill points are random; the seed is printed on failure and can be fixed with
``NEWSCRAWL_TEST_SEED``.
"""

from __future__ import annotations

import json
import re
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.faults import AIMED_KINDS, KINDS, FaultPlan, OffsiteRecorder
from newscrawl.mirror.server import MirrorServer
from tests.conftest import CRAWL_ENV as ENV
from tests.conftest import (QuietHandler, assert_sound_state, crawl, crawl_args, feed_items, http_server,
                            sigkill_at_random_point, story_counts, written_lines)

SEED = int(os.environ.get("NEWSCRAWL_TEST_SEED", time.time_ns() % 100_000))


def assert_each_once(items: list[dict], expected: dict, context: str) -> None:
    counts = story_counts(items, SITE)
    twice = {s: n for s, n in counts.items() if n > 1}
    assert not twice, f"written more than once ({context}): {list(twice)[:5]}"
    unexpected = [s for s in counts if s.startswith("UNEXPECTED")]
    assert not unexpected, f"not an article of the site ({context}): {unexpected[:5]}"
    missing = sorted(set(expected) - set(counts))
    assert not missing, f"{len(missing)} article(s) lost ({context}): {missing[:5]}"


def run_to_completion(base_url: str, work: Path, *extra: str) -> tuple[dict, str]:
    result = subprocess.run(crawl_args(base_url, *extra), cwd=work, env=ENV, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads((work / "stats.json").read_text("utf-8"))
    assert stats["finish_reason"] == "finished", result.stderr[-3000:]
    return stats, result.stderr


# Small listing pages make long "more" chains: the part of the site an interrupted crawl loses.
SITE = MirrorSite(articles=300, per_page=4)


@pytest.fixture(scope="module")
def mirror_site():
    with MirrorServer(SITE) as server:
        yield server


@pytest.fixture(scope="module")
def clean_crawl(mirror_site, tmp_path_factory):
    """What one uninterrupted crawl keeps: the reference every interrupted history must equal."""
    work = tmp_path_factory.mktemp("clean")
    items, stats, _ = crawl(mirror_site.base_url, work, "-a", "max_pages=0")
    assert stats["finish_reason"] == "finished"
    counts = story_counts(items, SITE)
    assert counts == {story: 1 for story in SITE.expected_stories()}
    # The mirror has pages that always fail (a story whose server answers 500): no fault of ours.
    CLEAN_FAILURES.append(fetch_failures(stats))
    return counts


CLEAN_FAILURES: list[int] = []


def fetch_failures(stats: dict) -> int:
    return sum(v for k, v in stats.items() if k.startswith("newscrawl/fetch/failed/"))


def test_hostile_server_every_obtainable_article_once_in_one_run(tmp_path):
    site = SITE
    with OffsiteRecorder(host="127.0.0.1") as offsite:  # "another site": the same host, another port
        plan = FaultPlan(1, rate=0.3, offsite_base=offsite.base_url)
        paths = [p for story_paths in site.expected_stories().values() for p in story_paths]
        assert set(plan.assignments(paths)) >= set(KINDS) - {"cut_rss", *AIMED_KINDS}, "the seed must hit every fault kind"
        with MirrorServer(site, faults=plan) as server:
            work = tmp_path / "work"
            items, stats, log = crawl(server.base_url, work)
            served = plan.counts()
            assert {"reset", "truncate", "garbage", "empty", "503_retry_after", "redirect_loop"} <= set(served), served
            expected = plan.obtainable_stories(site)
            assert 0 < len(site.expected_stories()) - len(expected) < 20
            counts = story_counts(items, site)
            assert counts == {story: 1 for story in expected}, (plan.describe(), log[-3000:])
            assert stats["retry/count"] > 0 and stats["newscrawl/pages/garbage"] + stats["newscrawl/pages/empty"] > 0
            assert stats["newscrawl/offsite/refused_redirect"] > 0
            # Listing pages too: a garbage "more" page once ended its chain silently.
            assert stats.get("newscrawl/listings/garbage", 0) + stats.get("newscrawl/listings/empty", 0) > 0, stats
            # A second and third run over the same state: nothing again, nothing twice.
            for _ in range(2):
                again, stats_again, log_again = crawl(server.base_url, work)
                assert story_counts(again, site) == {story: 1 for story in expected}, log_again[-3000:]
        assert offsite.requests == [], "a request reached another server"
    assert_sound_state(work)


def test_pages_failing_for_a_whole_run_come_out_in_a_later_one(mirror_site, clean_crawl, tmp_path):
    """No retries inside the run, and 5xx or resets on feeds, listings deep in the chains and
    articles: each later run picks up what the earlier ones could not fetch, until the site is
    complete, with nothing written twice."""
    plan = FaultPlan(5, rate=0.25, kinds=["5xx", "reset"], max_failures=1)
    work = tmp_path / "work"
    work.mkdir()
    runs = []
    with MirrorServer(SITE, faults=plan) as server:
        for _ in range(10):
            stats, _ = run_to_completion(server.base_url, work, "-a", "max_pages=0", "-s", "RETRY_TIMES=0",
                                         "-s", "NEWSCRAWL_RETRY_FAILED_AFTER=0")
            runs.append((stats.get("item_scraped_count", 0), fetch_failures(stats)))
            if runs[-1][1] <= CLEAN_FAILURES[0]:
                break
    assert runs[0][0] < len(clean_crawl), "the faults must cost the first run articles"
    assert runs[-1][1] <= CLEAN_FAILURES[0], f"still failing after {len(runs)} runs: {runs}"
    assert_each_once(feed_items(work), clean_crawl, f"runs (items, failures): {runs}")
    assert_sound_state(work)


def test_ctrl_c_once_without_jobdir_then_the_next_run_completes_the_site(mirror_site, clean_crawl, tmp_path):
    rng = random.Random(SEED)
    work = tmp_path / "work"
    work.mkdir()
    stop_after = rng.randint(5, 120)
    process = subprocess.Popen(crawl_args(mirror_site.base_url, "-s", "CONCURRENT_REQUESTS=4"), cwd=work, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None and written_lines(work) < stop_after:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, log = process.communicate(timeout=120)
    stopped = feed_items(work)
    assert len(stopped) < len(clean_crawl), f"the stop must land mid-crawl (seed {SEED})"
    assert "shutdown" in log or "Received SIGINT" in log
    stats, log2 = run_to_completion(mirror_site.base_url, work)
    assert "did not finish" in log2  # the interrupted run is noticed
    stats3, _ = run_to_completion(mirror_site.base_url, work)
    assert stats3.get("item_scraped_count", 0) == 0
    assert_each_once(feed_items(work), clean_crawl, f"Ctrl-C after {len(stopped)} items, seed {SEED}")
    assert_sound_state(work)


def test_sigkill_three_times_at_random_points_with_jobdir(mirror_site, clean_crawl, tmp_path):
    rng = random.Random(SEED + 1)
    work = tmp_path / "work"
    work.mkdir()
    args = crawl_args(mirror_site.base_url, "-s", "JOBDIR=job", "-s", "CONCURRENT_REQUESTS=4")
    # Kill points: after a random number of new items, or at a random moment of start-up.
    kills = [sigkill_at_random_point(args, work, rng, max_items=80, max_seconds=4.0) for _ in range(3)]
    stats, log = run_to_completion(mirror_site.base_url, work, "-s", "JOBDIR=job")
    stats_again, _ = run_to_completion(mirror_site.base_url, work, "-s", "JOBDIR=job")
    assert stats_again.get("item_scraped_count", 0) == 0
    assert_each_once(feed_items(work), clean_crawl, f"SIGKILL after {kills} new items, seed {SEED}")
    assert_sound_state(work)


# --- a full disk under the feeds -------------------------------------------------------------
def _small_disk(path: Path, size: str) -> bool:
    """A real filesystem that fills up: a tmpfs of *size* mounted at *path* (needs root)."""
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_disk_stops_the_crawl_loudly_and_the_next_run_writes_the_rest(mirror_site, clean_crawl, tmp_path):
    work = tmp_path / "work"
    full = work / "feeds" / "full"
    mounted = _small_disk(full, "160k")
    # Without mount rights, /dev/full: every write fails with "No space left on device".
    target = str(full / "run-1.jsonl") if mounted else "/dev/full"
    try:
        result = subprocess.run(
            crawl_args(mirror_site.base_url, "-s", f'FEEDS={{"{target}": {{"format": "jsonlines"}}}}'),
            cwd=work, env=ENV, capture_output=True, text=True, timeout=600)
        stats = json.loads((work / "stats.json").read_text("utf-8"))
        assert stats["finish_reason"] == "write_failed", result.stderr[-2000:]
        assert "disk is full" in result.stderr and "Stopping the crawl" in result.stderr
        assert stats["newscrawl/monitors/failed"] >= 1  # no monitor may call this run a success
        on_full_disk = feed_items(work) if mounted else []
        if mounted:
            assert 0 < len(on_full_disk) < len(clean_crawl)
            raw = (full / "run-1.jsonl").read_bytes()
            assert raw.endswith(b"\n"), "a half-written line was left in the feed"
            (work / "kept_on_full_disk.jsonl").write_bytes(raw)
    finally:
        if mounted:
            subprocess.run(["umount", str(full)], check=True)
    run_to_completion(mirror_site.base_url, work)
    run_to_completion(mirror_site.base_url, work)
    assert_each_once(on_full_disk + feed_items(work), clean_crawl, "after a full disk")
    assert_sound_state(work)


def test_a_run_that_cannot_record_the_last_runs_feed_fetches_nothing(tmp_path):
    """The state store full (adversary round 10): a run wrote articles to its feed it could not
    record, and the next run, started while the disk was still full, opened the store but could
    not write to it. It fetched and wrote those articles again before failing: 5-14 stories
    twice. Now it stops before fetching anything, and once the store takes writes again each
    story comes out once. (The refused writes are a trigger in the real SQLite file: a full
    tmpfs fails the opening itself as often as the first write.)"""
    site = MirrorSite(articles=30)
    work = tmp_path / "work"
    work.mkdir()
    with MirrorServer(site) as server:
        process = subprocess.Popen(crawl_args(server.base_url), cwd=work, env=ENV, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        started = time.time()
        while process.poll() is None and written_lines(work) < 10 and time.time() - started < 120:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        written = feed_items(work)
        assert 10 <= len(written) < len(site.expected_stories())
        # What a run on a full disk leaves: its last articles in its feed, not in the store; and
        # a store that refuses every write.
        db = sqlite3.connect(work / "state" / "state.sqlite")
        with db:
            for item in written[-3:]:
                db.execute("DELETE FROM articles WHERE url = ?", (item["url"],))
                db.execute("UPDATE pages SET status = 'pending' WHERE url = ?", (item["url"],))
            for table in ("runs", "pages", "articles", "feed_files"):
                for event in ("INSERT", "UPDATE"):
                    db.execute(f"CREATE TRIGGER full_{table}_{event} BEFORE {event} ON {table} "
                               "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END")
        result = subprocess.run(crawl_args(server.base_url), cwd=work, env=ENV, capture_output=True, text=True,
                                timeout=300)
        stats = json.loads((work / "stats.json").read_text("utf-8"))
        assert stats["finish_reason"] == "write_failed", result.stderr[-3000:]
        assert "Stopping before the crawl" in result.stderr and "disk is full" in result.stderr
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        assert stats.get("downloader/request_count", 0) == 0, "nothing may be fetched"
        assert written_lines(work) == len(written), "the run that could not record wrote to its feed"
        assert stats["newscrawl/monitors/failed"] >= 1
        with db:
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                db.execute(f"DROP TRIGGER {name}")
        db.close()
        run_to_completion(server.base_url, work)
        run_to_completion(server.base_url, work)
    counts = story_counts(feed_items(work), site)
    assert counts == {story: 1 for story in site.expected_stories()}, "each story once after a full state store"


def test_a_feed_that_cannot_be_opened_keeps_nothing_and_loses_nothing(tmp_path):
    """Scrapy opens a feed file at the first item; if that fails, no item may count as kept."""
    site = MirrorSite(articles=20)
    work = tmp_path / "work"
    work.mkdir()
    (work / "blocker").write_text("a file where the feed folder should be")
    with MirrorServer(site) as server:
        result = subprocess.run(crawl_args(server.base_url, "-s", 'FEEDS={"blocker/x-1.jsonl": {"format": "jsonlines"}}'),
                                cwd=work, env=ENV, capture_output=True, text=True, timeout=300)
        stats = json.loads((work / "stats.json").read_text("utf-8"))
        assert stats["finish_reason"] == "write_failed"
        assert "cannot write the feed" in result.stderr and "blocker" in result.stderr
        (work / "blocker").unlink()
        items, _, _ = crawl(server.base_url, work)
    assert story_counts(items, site) == {story: 1 for story in site.expected_stories()}


# --- damaged state ---------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["empty", "foreign", "cut"])
def test_damaged_state_is_refused_with_its_path_and_never_reset(mirror_site, tmp_path, damage):
    work = tmp_path / "work"
    state = work / "state" / "state.sqlite"
    if damage == "cut":
        crawl(mirror_site.base_url, work, "-a", "max_pages=1")
        db = sqlite3.connect(state)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        with state.open("r+b") as handle:  # a copy cut short, as by a full disk or a bad backup
            handle.truncate(state.stat().st_size // 2)
    else:
        state.parent.mkdir(parents=True)
        state.write_bytes(b"" if damage == "empty" else b"<html>not a database</html>\n" * 200)
        os.utime(state, (time.time() - 3600, time.time() - 3600))
    before = state.read_bytes()
    result = subprocess.run(crawl_args(mirror_site.base_url), cwd=work, env=ENV, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert str(state.resolve()) in result.stderr and "damaged" in result.stderr and "mv " in result.stderr
    assert "Traceback" not in result.stderr
    assert state.read_bytes() == before, "the damaged file was changed"


# --- off-site links, canonical links and given URLs ------------------------------------------
def test_canonical_links_to_other_hosts_or_schemes_never_name_an_item(tmp_path):
    """A server that serves the mirror's pages with hostile canonical links."""
    from newscrawl.mirror.server import route

    site = MirrorSite(articles=10)
    stories = [a for a in site.latest(10) if not a.flaw][:4]
    # The story's own article path, on another host, scheme or port: plausible enough to be used.
    hostile = [f"{prefix}{story.path}" for prefix, story in
               zip(["http://evil.test", "file://", "ftp://www.almaghribtoday.net", "http://127.0.0.1:9"], stories)]

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802
            base = f"http://{self.headers['Host']}"
            status, kind, body = route(site, base, self.path)
            for story, canonical in zip(stories, hostile):
                if story.path in unquote_path(self.path):
                    body = re.sub(rb'<link rel="canonical" href="[^"]*"',
                                  f'<link rel="canonical" href="{canonical}"'.encode(), body)
                    body = re.sub(rb'<meta property="og:url" content="[^"]*"',
                                  f'<meta property="og:url" content="{canonical}"'.encode(), body)
                    body = re.sub(rb'<link rel="amphtml" href="[^"]*"', b"", body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with http_server(Handler) as base:
        # Each article given twice: as itself and as its AMP copy. One item each.
        given = [base + s.path for s in stories] + [base + "/amp" + s.path for s in stories]
        items, stats, _ = crawl(base, tmp_path / "w", "-a", "urls=" + ",".join(given))
    urls = [i["url"] for i in items]
    assert len(urls) == len(set(urls)) == len(stories)
    assert all(u.startswith(base + "/") for u in urls), urls
    assert stats["newscrawl/extract/canonical_offsite"] >= 3


def unquote_path(raw: str) -> str:
    from urllib.parse import unquote, urlsplit
    return unquote(urlsplit(raw).path)


def test_generic_spider_through_the_faults_keeps_what_a_clean_crawl_keeps(tmp_path):
    """The ``news`` spider (sitemaps, feeds, links) against the same hostile server: every story
    a clean crawl keeps that the faults leave obtainable, once, and nothing else."""
    site = MirrorSite(articles=120)
    with MirrorServer(site) as server:
        clean, _, _ = crawl(server.base_url, tmp_path / "clean", spider="news", start_arg=True)
    reference = story_counts(clean, site)
    assert len(reference) >= len(site.expected_stories()) - 3
    with OffsiteRecorder(host="127.0.0.1") as offsite:
        plan = FaultPlan(1, rate=0.3, offsite_base=offsite.base_url)
        with MirrorServer(site, faults=plan) as server:
            items, stats, log = crawl(server.base_url, tmp_path / "faults", spider="news", start_arg=True)
            again, _, _ = crawl(server.base_url, tmp_path / "faults", spider="news", start_arg=True)
        assert offsite.requests == []
    obtainable = set(plan.obtainable_stories(site)) | {s for s in reference if s.startswith("UNEXPECTED")}
    expected = {story: 1 for story in reference if story in obtainable}
    assert stats["retry/count"] > 0
    expected = {s: n for s, n in expected.items() if not s.startswith("UNEXPECTED")}
    for found in (items, again):  # the first run alone, then both runs' feeds (crawl() reads them all)
        counts = story_counts(found, site)
        assert {s: n for s, n in counts.items() if not s.startswith("UNEXPECTED")} == expected, log[-3000:]


def test_a_jobdir_reused_by_the_next_scheduled_run_does_not_filter_it_out(tmp_path):
    """Scrapy keeps the requests a JOBDIR has seen; after a finished run that set is stale and,
    kept, would filter the next run's start page, sitemaps and new articles."""
    work = tmp_path / "work"
    with MirrorServer(MirrorSite(articles=40)) as server:
        first, _, _ = crawl(server.base_url, work, "-s", "JOBDIR=job", spider="news", start_arg=True)
        port = server.port
    grown = MirrorSite(articles=40, new_articles=3)
    with MirrorServer(grown, port=port) as server:  # the same URLs as the first run's
        both, stats, log = crawl(server.base_url, work, "-s", "JOBDIR=job", spider="news", start_arg=True)
    new = set(grown.expected_stories()) - set(MirrorSite(articles=40).expected_stories())
    assert stats.get("item_scraped_count", 0) == len(new) == 3, log[-2000:]
    assert story_counts(both, grown) == {story: 1 for story in grown.expected_stories()}


def test_ctrl_c_does_not_wait_out_a_long_retry_after(tmp_path):
    """A page answering 503 with ``Retry-After: 100``: one Ctrl-C stops the crawl in seconds,
    not after the wait, and the page stays open for the next run."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = threading.Event()

    class Busy(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.set()
            self.send_response(503)
            self.send_header("Retry-After", "100")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    work = tmp_path / "work"
    work.mkdir()
    try:
        process = subprocess.Popen(
            crawl_args(base, "-a", f"urls={base}/314/120000-x", "-s", "NEWSCRAWL_RETRY_AFTER_MAX=100",
                       "-s", "ROBOTSTXT_OBEY=False"),
            cwd=work, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert seen.wait(60), "the page was never requested"
        time.sleep(1.0)  # the retry is now waiting out its Retry-After
        stopped = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, log = process.communicate(timeout=60)
        assert time.monotonic() - stopped < 15, log[-2000:]
    finally:
        server.shutdown()
        server.server_close()
    from newscrawl.state import CrawlState

    state = CrawlState(work / "state" / "state.sqlite")
    try:
        assert state.open_pages("almaghrib") == [f"{base}/314/120000-x"]
    finally:
        state.close()
