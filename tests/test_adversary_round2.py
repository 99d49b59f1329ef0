"""Adversarial findings, round 2, against "every article is there once, unattended".

Black-box: real ``scrapy crawl`` subprocesses against a real ``MirrorServer``. Each docstring
gives the sequence, what the promise expects, what was observed and how often it reproduced
(code as of 2026-12-02 ~16:40 UTC). All are fixed; they stay as regression tests.

What held in the same session (not repeated here): the generic ``news`` spider under SIGKILL
without JOBDIR, SIGINT/SIGTERM with JOBDIR, and FaultPlan(seed 1-4, rate 0.3) with an off-site
recorder; ``-a refresh=1`` runs killed (SIGKILL/SIGINT/SIGTERM, with and without JOBDIR) then
normal runs; kills + faults + site growth (``new_articles`` 10/25/40) for almaghrib; almaghrib
and arabstoday sharing one state dir, killed together three times; kills in the first 1.5 s and
during shutdown after an interrupted run; a full state disk followed by normal runs (articles);
``scrapy export`` (almaghrib, news, all) after all of those; exit status 3 after write_failed
and shutdown runs.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.faults import OnePathFault
from newscrawl.mirror.server import MirrorServer
from tests.conftest import CRAWL_ENV as ENV
from tests.conftest import assert_sound_state, crawl_args, feed_items, story_counts, written_lines


def news_args(base_url: str, *extra: str) -> list[str]:
    """The generic spider's command line, as the reliability tests run almaghrib's."""
    return [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start={base_url}/",
            "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "LOG_LEVEL=INFO",
            *extra]


def run(args: list[str], work: Path) -> tuple[subprocess.CompletedProcess, dict]:
    result = subprocess.run(args, cwd=work, env=ENV, capture_output=True, text=True, timeout=300)
    stats_file = work / "stats.json"
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return result, stats


def missing_and_twice(items: list[dict], site: MirrorSite, expected=None):
    counts = story_counts(items, site)
    expected = site.expected_stories() if expected is None else expected
    missing = sorted(set(expected) - set(counts))
    twice = {s: n for s, n in counts.items() if n > 1}
    unexpected = [s for s in counts if s.startswith("UNEXPECTED")]
    return missing, twice, unexpected


# --- Finding 1 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kill_after", [40, 100])
def test_news_spider_sigkill_with_jobdir_loses_the_rest_of_the_site_for_good(tmp_path, kill_after):
    """``scrapy crawl news -a start=URL -s JOBDIR=job`` (150 articles, per_page=4,
    CONCURRENT_REQUESTS=4) is SIGKILLed after *kill_after* items reach the feed; the same command
    then runs twice more, to completion.

    The second run logs "The last news run was killed: its request queue moved to
    job/requests.queue.killed-…" and "Resuming 127 page(s) that earlier runs discovered but did
    not settle", then fetches nothing at all: every resumed article page and the robots/sitemap
    start requests are dropped by the job's duplicate filter (``dupefilter/filtered`` 114 after a
    kill at 40 items, 54 at 100), "0 pages", finish reason ``finished``, exit 0. The third run is
    the same. So every story not written before the kill is never written (106 of 147 missing
    after a kill at 40 items, 47 at 100; 117 at 30, 67 at 80, 27 at 120).

    Expected: 147 stories, each once, as for almaghrib with the same kill points (which holds:
    30/40/80/100 items checked) and for news without JOBDIR or with SIGINT/SIGTERM (holds).
    Reproduced: kills at 30, 40, 80, 100, 120 items lost stories (this test's 40 and 100: 4 of 4
    times each); kills at 5, 10, 20 and 60 items (one try each) did not. With FaultPlan(1, 0.3)
    and site growth the same history lost 158 of 185 stories (seed 1) and 37 of 182 (seed 3)."""
    site = MirrorSite(articles=150, per_page=4)
    work = tmp_path / "work"
    work.mkdir()
    with MirrorServer(site) as server:
        args = news_args(server.base_url, "-s", "CONCURRENT_REQUESTS=4", "-s", "JOBDIR=job")
        process = subprocess.Popen(args, cwd=work, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.time()
        while process.poll() is None and time.time() - started < 120 and written_lines(work) < kill_after:
            time.sleep(0.01)
        assert process.poll() is None, "the crawl ended before the kill point"
        process.send_signal(signal.SIGKILL)
        process.wait()
        before = len(feed_items(work))
        later = []
        for _ in range(2):
            result, stats = run(args, work)
            assert result.returncode == 0, result.stderr[-2000:]
            later.append((stats.get("item_scraped_count", 0), stats.get("dupefilter/filtered", 0)))
    missing, twice, unexpected = missing_and_twice(feed_items(work), site)
    assert not twice and not unexpected
    assert not missing, (f"{len(missing)} of {len(site.expected_stories())} stories never written after a SIGKILL "
                         f"at {before} items with JOBDIR; later runs (items, dupefilter/filtered): {later}")
    assert_sound_state(work)


# --- Finding 2 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["empty", "garbage"])
def test_news_spider_one_bad_sitemap_answer_loses_most_of_the_run_and_monitors_pass(tmp_path, kind):
    """The generic spider on a 300-article mirror (per_page=4) whose ``/sitemap.xml`` answers
    once (first attempt only) with an empty 200 (or 4 KiB of garbage), then normally.

    The sitemap index is not retried ("Ignoring invalid sitemap: <200 …/sitemap.xml>" WARNING for
    empty; a "Spider error processing <GET …/sitemap.xml>" traceback for garbage), so the run
    only finds what links reach within max_depth: 66 of 297 stories. The README promises empty
    or garbage 200 pages are retried in the run; article and listing pages are, sitemaps are not
    (the same with ``/sitemap-1.xml``; a truncated sitemap is retried and holds). The next run
    writes the other 231 (so nothing is lost for good), but the lossy run itself, with
    NEWSCRAWL_MONITOR_EXIT_STATUS=3 and an author coverage the generic spider can meet (see
    finding 3), passes every monitor and exits 0 for ``empty``: 231 articles missing, one
    WARNING line, no monitor notices. (``garbage`` exits 3, only because the traceback counts as
    an unexpected error.)

    Expected: all 297 stories after run 1 (the page retried as other pages are), or at least a
    run that does not pass its monitors. Observed: 66 stories; exit 0 (empty). Deterministic
    (3 of 3)."""
    site = MirrorSite(articles=300, per_page=4)
    plan = OnePathFault(kind, "/sitemap.xml")
    work = tmp_path / "work"
    work.mkdir()
    with MirrorServer(site, faults=plan) as server:
        result, stats = run(news_args(server.base_url, "-s", "NEWSCRAWL_MONITOR_EXIT_STATUS=3",
                                      "-s", 'NEWSCRAWL_MONITOR_COVERAGE={"headline": 0.95, "body": 0.95, '
                                            '"date_published": 0.9}'), work)
    assert plan.counts() == {kind: 1}
    missing, twice, unexpected = missing_and_twice(feed_items(work), site)
    assert not twice and not unexpected
    assert not missing or result.returncode == 3, (
        f"one {kind} answer on /sitemap.xml: {len(missing)} of {len(site.expected_stories())} stories missing "
        f"from the run, exit {result.returncode}, monitors failed: {stats.get('newscrawl/monitors/failed')}")
    assert not missing, f"{len(missing)} of {len(site.expected_stories())} stories missing (sitemap not retried)"


# --- Finding 3 ---------------------------------------------------------------------------------
def test_a_clean_news_crawl_passes_the_default_monitors(tmp_path):
    """A clean, complete generic crawl of the mirror (80 articles, no faults) with the default
    monitors and NEWSCRAWL_MONITOR_EXIT_STATUS=3, as the README's cron line runs it.

    Every story is kept, yet "Field coverage" fails: the generic spider finds the author of ~4 %
    of the mirror's articles (12/297 at 300 articles; the almaghrib spider finds ~80 %), below the
    default ``author: 0.3``. So every clean ``news`` run exits 3, and the exit status (and the
    monitor report) cannot tell the lossy run of finding 2 from a complete one.
    Expected: exit 0 for a complete clean crawl. Observed: exit 3. Deterministic."""
    site = MirrorSite(articles=80)
    work = tmp_path / "work"
    work.mkdir()
    with MirrorServer(site) as server:
        result, stats = run(news_args(server.base_url, "-s", "NEWSCRAWL_MONITOR_EXIT_STATUS=3"), work)
    missing, twice, _ = missing_and_twice(feed_items(work), site)
    assert not missing and not twice and stats["finish_reason"] == "finished"
    report = json.loads((work / "reports" / "news.json").read_text("utf-8"))
    assert result.returncode == 0, f"a complete clean crawl exits {result.returncode}; monitors failed: {report['failed']}"


# --- Finding 4 ---------------------------------------------------------------------------------
def _small_disk(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_state_disk_at_start_is_one_clear_line_not_a_traceback(tmp_path):
    """The state directory is on a disk with too little room for the SQLite files (a 100 KiB
    tmpfs at ``work/state``). ``scrapy crawl almaghrib`` exits 1 and the only explanation is an
    asyncio traceback: "[asyncio] ERROR: Task exception was never retrieved … File
    newscrawl/incremental.py … sqlite3.OperationalError: database or disk is full", naming no
    file; no stats file is written (no monitor runs). A damaged state file gets one sentence
    with its path; a full feed disk gets "cannot write the feed …: the disk is full". (When the
    state disk fills mid-run, there is such a line: "Stopping the crawl: cannot write the state
    store state/state.sqlite: database or disk is full", but amid 12-15 tracebacks: "Spider error
    processing" for each page in flight, "Scraper close failure", signal-handler errors.)
    Articles held: after growing the disk, the next runs wrote each of 147 stories once
    (100k/300k/600k disks).
    Expected: non-zero exit and one line naming the state file and the full disk, no traceback.
    Observed: exit 1 with a traceback only. Deterministic."""
    site = MirrorSite(articles=20)
    work = tmp_path / "work"
    state = work / "state"
    if not _small_disk(state, "100k"):
        pytest.skip("needs mount rights (root) for a tmpfs")
    try:
        with MirrorServer(site) as server:
            result = subprocess.run(crawl_args(server.base_url, "-s", "NEWSCRAWL_MONITOR_EXIT_STATUS=3"), cwd=work,
                                    env=ENV, capture_output=True, text=True, timeout=120)
    finally:
        subprocess.run(["umount", str(state)], check=True)
    assert result.returncode != 0
    clear = [line for line in result.stderr.splitlines()
             if "error" in line.lower() and "state" in line and ("full" in line or "No space" in line)]
    assert clear and "Traceback" not in result.stderr, result.stderr[-1500:]


def test_news_spider_a_sitemap_cut_short_once_is_retried_not_read_as_whole(tmp_path):
    """Adversary round 10: a urlset cut short (a Content-Length stating the cut: whole at the HTTP
    level) parses, and was read as whole: every entry after the cut was missed by that run, the
    sitemap never asked again, the monitors passed. A sitemap whose root element is not closed is
    cut: retried like an empty one."""
    site = MirrorSite(articles=300, per_page=4)
    plan = OnePathFault("short_length", "/sitemap-1.xml")
    work = tmp_path / "work"
    work.mkdir()
    with MirrorServer(site, faults=plan) as server:
        _, stats = run(news_args(server.base_url), work)
    assert plan.counts() == {"short_length": 1}
    assert stats["newscrawl/sitemaps/cut"] == 1
    missing, twice, unexpected = missing_and_twice(feed_items(work), site)
    assert not twice and not unexpected
    assert not missing, f"{len(missing)} of {len(site.expected_stories())} stories missing (cut sitemap read as whole)"
