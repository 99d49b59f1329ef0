"""Post-crawl monitors (newscrawl.monitors): real crawls of the mirror, then the suite on made-up stats."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from spidermon.runners import MonitorRunner

from conftest import CRAWL_ENV, crawl, crawl_args, run_scrapy, written_lines
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.monitors import CrawlMonitorSuite, error_figures, field_coverage, report_path

# What settings.py is to carry; passed with -s so these tests do not depend on it.
MONITOR_SETTINGS = [
    "-s", "SPIDERMON_ENABLED=True",
    "-s", 'EXTENSIONS={"newscrawl.extensions.StatsFile": 500, "newscrawl.monitors.Spidermon": 400}',
    "-s", "SPIDERMON_SPIDER_CLOSE_MONITORS=newscrawl.monitors.CrawlMonitorSuite",
    "-s", "SPIDERMON_ADD_FIELD_COVERAGE=True",
    "-s", "SPIDERMON_FIELD_COVERAGE_SKIP_NONE=True",
    "-s", "SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS=0",
    "-s", "NEWSCRAWL_MONITOR_REPORT=reports/%(name)s.json",
]
ARTICLES = 40


def read_report(workdir: Path) -> dict:
    return json.loads((workdir / "reports" / "almaghrib.json").read_text(encoding="utf-8"))


def monitor(report: dict, name: str) -> dict:
    return next(m for m in report["monitors"] if m["name"] == name)


# --- real crawls ----------------------------------------------------------------------------------

def test_default_mirror_passes_every_monitor(tmp_path):
    with MirrorServer(MirrorSite(articles=ARTICLES)) as server:
        # the exit status is armed: a passing crawl must still exit 0 (crawl() asserts it)
        items, stats, log = crawl(server.base_url, tmp_path, *MONITOR_SETTINGS, "-s", "NEWSCRAWL_MONITOR_EXIT_STATUS=3")
    report = read_report(tmp_path)
    assert report["passed"] is True and report["failed"] == []
    assert [m["name"] for m in report["monitors"]] == ["Items scraped", "Field coverage", "Errors", "Finish reason",
                                                   "New articles", "Listings"]
    assert all(m["status"] == "OK" for m in report["monitors"] if m["name"] != "New articles")
    # these settings leave out the state store's extension and the run history: nothing to judge by
    assert monitor(report, "New articles")["status"] == "SKIPPED"
    assert report["items"] == len(items) == stats["item_scraped_count"]
    figures = monitor(report, "Items scraped")["figures"]
    assert figures["items"] == len(items) and figures["min"] == 1
    assert figures["already_known"] == stats.get("newscrawl/dedupe/exact", 0)

    # coverage is measured on the items that reached the feed
    fields = monitor(report, "Field coverage")["figures"]["fields"]
    assert set(fields) == {"headline", "body", "date_published", "author"}
    for name, figure in fields.items():
        assert figure["items"] == len(items)
        assert figure["count"] == sum(1 for item in items if item.get(name)), name
    assert 0.3 <= fields["author"]["share"] < 1  # the mirror has unsigned stories, as the site does

    # the mirror's page that keeps answering 500 is a retry give-up: logged as ERROR, not "unexpected"
    errors = monitor(report, "Errors")["figures"]
    assert errors == {"errors": 1, "retry_gave_up": 1, "unreachable": 0, "unexpected": 0, "max": 0}
    assert stats["log_count/ERROR"] == 1 and stats["retry/max_reached"] == 1
    assert monitor(report, "Finish reason")["figures"]["finish_reason"] == "finished"

    # the outcome is in the stats file too (Spidermon runs before StatsFile), and in the log
    listings = monitor(report, "Listings")["figures"]
    assert listings["pages_read"] >= 10 and listings["without_stories"] == 0
    assert stats["newscrawl/monitors/passed"] == 6 and stats["newscrawl/monitors/failed"] == 0
    assert "Crawl monitors passed for almaghrib (6 of 6)" in log
    assert "Spider.log() is deprecated" not in log


def test_changed_template_trips_the_coverage_monitor(tmp_path):
    with MirrorServer(MirrorSite(articles=ARTICLES, variant="changed")) as server:
        items, stats, log = crawl(server.base_url, tmp_path, *MONITOR_SETTINGS)
    assert items  # the feed is not empty, which is exactly why it needs watching
    report = read_report(tmp_path)
    assert report["passed"] is False and report["failed"] == ["Field coverage"]
    coverage = monitor(report, "Field coverage")
    assert coverage["status"] == "FAIL"
    author = coverage["figures"]["fields"]["author"]
    assert author == {"count": 0, "items": len(items), "share": 0.0, "threshold": 0.3, "passed": False}
    assert f"author 0/{len(items)} = 0.00 < 0.30" in coverage["message"]
    # the other monitors still pass: the report says what broke, not just that something did
    assert all(m["status"] == "OK" for m in report["monitors"] if m["name"] not in ("Field coverage", "New articles"))
    assert stats["newscrawl/monitors/failed"] == 1
    summary = log[log.index("Crawl monitors FAILED"):].splitlines()
    # a short block: which monitor, what it expected, what it found; no unittest traceback
    assert summary[:5] == [
        "Crawl monitors FAILED for almaghrib (1 of 6: Field coverage); report reports/almaghrib.json",
        "  Field coverage: FAILED",
        "    expected: author in ≥ 0.30 of the items (NEWSCRAWL_MONITOR_COVERAGE)",
        f"    found:    author in 0 of {len(items)} = 0.00",
        "  passed: Items scraped, Errors, Finish reason, Listings; skipped: New articles: no earlier run in the history "
        "to compare with",
    ]
    assert "[newscrawl.monitors] ERROR" in log
    assert "Traceback" not in log and "AssertionError" not in log and "=====" not in log


def test_a_walk_stopped_above_unseen_stories_fails_the_listings_monitor(tmp_path):
    # The stats the verdict reads are set when the spider closes: Spidermon must judge after that.
    # (the project's settings: the state store is what remembers the walks)
    report_setting = ("-s", "NEWSCRAWL_MONITOR_REPORT=reports/%(name)s.json")
    site = MirrorSite(articles=ARTICLES, per_page=4)
    with MirrorServer(site) as server:
        crawl(server.base_url, tmp_path, *report_setting, "-a", "max_pages=1")
        assert read_report(tmp_path)["passed"]
        # Every section's first two pages now all new (the walk goes on past max_pages at most as
        # far again): older new stories lie deeper.
        site.new_articles = 80
        _, stats, log = crawl(server.base_url, tmp_path, *report_setting, "-a", "max_pages=1")
    report = read_report(tmp_path)
    assert report["failed"] == ["Listings"], report["failed"]
    figures = monitor(report, "Listings")["figures"]
    assert figures["limit_gap"] == stats["newscrawl/listings/limit_gap"] >= 1
    assert "max_pages stopped" in log[log.index("Crawl monitors FAILED"):]


def test_no_items_fails_min_items_and_sets_the_exit_status(tmp_path):
    with MirrorServer(MirrorSite(articles=ARTICLES)) as server:
        result = run_scrapy(
            ["crawl", "almaghrib", "-a", f"base_url={server.base_url}",
             "-a", f"urls={server.base_url}/314/000000-no-such-story", "-s", "NEWSCRAWL_STATE_DIR=state",
             *MONITOR_SETTINGS, "-s", "NEWSCRAWL_MONITOR_EXIT_STATUS=3"],
            cwd=tmp_path,
        )
    assert result.returncode == 3, result.stderr[-3000:]
    assert "Failed" in result.stderr and "HTTP 404" in result.stderr
    report = read_report(tmp_path)
    assert report["passed"] is False and report["failed"] == ["Items scraped"]
    assert report["items"] == 0
    items = monitor(report, "Items scraped")
    assert items["figures"] == {"items": 0, "already_known": 0, "min": 1}
    assert items["message"] == "0 items scraped and 0 already known < 1 required (NEWSCRAWL_MONITOR_MIN_ITEMS)"
    assert monitor(report, "Field coverage")["status"] == "SKIPPED"  # nothing to measure; not a second failure
    assert ("  Items scraped: FAILED\n"
            "    expected: at least 1 article scraped or already known (NEWSCRAWL_MONITOR_MIN_ITEMS)\n"
            "    found:    0 scraped, 0 already known\n") in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("reports/*.tmp"))


def assert_no_traceback(log: str) -> None:
    """What a user reads as a crash: Python or unittest tracebacks, unittest rulers."""
    for crash_sign in ("Traceback", "AssertionError", "=" * 20, "[Spidermon]"):
        assert crash_sign not in log, f"{crash_sign!r} in the log:\n{log[-3000:]}"


def test_ctrl_c_is_a_failed_finish_reason_block_not_a_traceback(tmp_path):
    with MirrorServer(MirrorSite(articles=300)) as server:
        process = subprocess.Popen(
            crawl_args(server.base_url, "-s", "CONCURRENT_REQUESTS=2", "-s", "NEWSCRAWL_MONITOR_EXIT_STATUS=3"),
            cwd=tmp_path, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None and written_lines(tmp_path) < 5:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, log = process.communicate(timeout=120)
    assert process.returncode == 3, log[-3000:]
    summary = log[log.index("Crawl monitors FAILED"):].splitlines()
    assert summary[0] == "Crawl monitors FAILED for almaghrib (1 of 6: Finish reason); report reports/almaghrib.json"
    assert summary[1:4] == [
        "  Finish reason: FAILED",
        "    expected: finished (NEWSCRAWL_MONITOR_FINISH_REASONS)",
        "    found:    shutdown (stopped early: Ctrl-C or a termination signal)",
    ]
    # (whether a listing page was read before the signal depends on the machine's speed)
    assert summary[4] in (
        "  passed: Items scraped, Field coverage, Errors; "
        "skipped: New articles: judged only when the crawl succeeded, Listings: no listing page read",
        "  passed: Items scraped, Field coverage, Errors, Listings; "
        "skipped: New articles: judged only when the crawl succeeded")
    assert_no_traceback(log)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("spider", "where", "cause_key", "cause"), [
    ("almaghrib", "base_url=http://127.0.0.1:{port}", "connection_refused",
     "the connection was refused (nothing listens at that address and port)"),
    # the generic spider, and a host name no DNS resolves (.invalid is reserved: RFC 2606)
    ("news", "start=http://www.newscrawl-test.invalid/", "dns",
     "its host name could not be resolved (DNS lookup failed: no such host, or no network)"),
])
def test_an_unreachable_site_is_one_line_with_the_cause(tmp_path, spider, where, cause_key, cause):
    port = closed_port()
    where = where.format(port=port)
    origin = where.split("=", 1)[1].rstrip("/")
    result = run_scrapy(["crawl", spider, "-a", where, "-s", "NEWSCRAWL_STATE_DIR=state",
                         "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "RETRY_TIMES=1",
                         "-s", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.01", "-s", "NEWSCRAWL_MONITOR_EXIT_STATUS=3"],
                        cwd=tmp_path, timeout=180)
    log = result.stderr
    assert result.returncode == 3, log[-3000:]  # nothing crawled: the monitors fail, the scheduler sees it
    line = f"Cannot reach the site at {origin}: {cause}"
    assert log.count("Cannot reach the site") == 1 and line in log, log[-3000:]
    assert f"[newscrawl.reachability] ERROR: {line}\n" in log
    assert_no_traceback(log)
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["newscrawl/unreachable/hosts"] == 1
    assert stats[f"newscrawl/unreachable/{cause_key}"] >= 1
    # the spider's own count of failed fetches names the same cause (Scrapy 2.19 wraps it in
    # its own exception types)
    assert stats.get(f"newscrawl/fetch/failed/{cause_key}", 0) >= 1, {k: v for k, v in stats.items() if "fail" in k}
    report = json.loads((tmp_path / "reports" / f"{spider}.json").read_text(encoding="utf-8"))
    # the site is what failed, not the crawler: only "Items scraped" fails, and says why
    assert report["failed"] == ["Items scraped"], report
    summary = log[log.index("Crawl monitors FAILED"):].splitlines()
    assert summary[1:4] == [
        "  Items scraped: FAILED",
        "    expected: at least 1 article scraped or already known (NEWSCRAWL_MONITOR_MIN_ITEMS)",
        "    found:    0 scraped, 0 already known (the site could not be reached: see the 'Cannot reach' line above)",
    ]


# --- the suite on made-up stats (no crawl) ------------------------------------------------------------

GOOD_STATS = {
    "item_scraped_count": 10, "finish_reason": "finished", "log_count/ERROR": 0,
    "spidermon_item_scraped_count": 10, "spidermon_item_scraped_count/Article": 10,
    "spidermon_item_scraped_count/Article/headline": 10, "spidermon_item_scraped_count/Article/body": 10,
    "spidermon_item_scraped_count/Article/date_published": 9, "spidermon_item_scraped_count/Article/author": 3,
    "spidermon_item_scraped_count/Article/extraction/author": 3,  # nested: not the author field
}
COVERAGE_ON = {"SPIDERMON_ADD_FIELD_COVERAGE": True, "SPIDERMON_FIELD_COVERAGE_SKIP_NONE": True}


def run_suite(stats: dict, tmp_path: Path, **settings) -> tuple[dict, dict]:
    """Run CrawlMonitorSuite as Spidermon does at spider close; return (report, stats set by it)."""
    recorded: dict = {}
    crawler = SimpleNamespace(
        settings=Settings({"NEWSCRAWL_MONITOR_REPORT": str(tmp_path / "%(name)s.json"),
                           "NEWSCRAWL_STATE_DIR": str(tmp_path / "state"), **settings}),
        stats=SimpleNamespace(set_value=recorded.__setitem__),
    )
    spider = SimpleNamespace(name="almaghrib")
    MonitorRunner().run(CrawlMonitorSuite(crawler=crawler), stats=stats, crawler=crawler, spider=spider)
    return json.loads((tmp_path / "almaghrib.json").read_text(encoding="utf-8")), recorded


def test_suite_passes_at_the_thresholds(tmp_path):
    report, recorded = run_suite(GOOD_STATS, tmp_path, **COVERAGE_ON)
    assert report["passed"], report
    fields = monitor(report, "Field coverage")["figures"]["fields"]
    assert fields["date_published"]["share"] == 0.9 and fields["author"]["share"] == 0.3  # ≥, not >
    assert recorded == {"newscrawl/monitors/passed": 6, "newscrawl/monitors/failed": 0}
    assert monitor(report, "Listings")["status"] == "SKIPPED"  # no listing page in these stats


@pytest.mark.parametrize(("change", "settings", "failed", "message"), [
    ({"log_count/ERROR": 2, "retry/max_reached": 1}, {}, "Errors",
     "1 unexpected errors > 0 allowed (NEWSCRAWL_MONITOR_MAX_ERRORS): log_count/ERROR 2 minus retry/max_reached 1"),
    ({"finish_reason": "shutdown"}, {}, "Finish reason",
     "finish reason 'shutdown' not in ['finished'] (NEWSCRAWL_MONITOR_FINISH_REASONS)"),
    ({}, {"NEWSCRAWL_MONITOR_MIN_ITEMS": 11}, "Items scraped",
     "10 items scraped and 0 already known < 11 required (NEWSCRAWL_MONITOR_MIN_ITEMS)"),
    ({}, {"NEWSCRAWL_MONITOR_COVERAGE": {"author": 0.5, "tags": 0.1}}, "Field coverage",
     "coverage below NEWSCRAWL_MONITOR_COVERAGE: author 3/10 = 0.30 < 0.50; tags 0/10 = 0.00 < 0.10"),
    ({"newscrawl/listings/pages_read": 12, "newscrawl/listings/ended_short": 1}, {}, "Listings",
     "listings not read whole: 1 listing walk ended on stories all new since the last recorded walk (a page "
     "without its \"more\" link, or pagination the spider does not follow?) (the log's warnings name the listings)"),
    ({"newscrawl/listings/pages_read": 12, "newscrawl/listings/limit_gap": 2}, {}, "Listings",
     "listings not read whole: max_pages stopped 2 listing walks above stories not seen yet (-a max_pages=0 "
     "reaches them) (the log's warnings name the listings)"),
    ({"newscrawl/listings/pages_read": 12, "newscrawl/listings/no_story_links": 7}, {}, "Listings",
     "listings not read whole: 7 of 12 listing pages link no story (has the site changed its links?) (the log's "
     "warnings name the listings)"),
    ({"newscrawl/listings/pages_read": 12, "newscrawl/listings/no_story_links": 4}, {
        "NEWSCRAWL_MONITOR_STORYLESS_LISTINGS": "0.25"}, "Listings",
     "listings not read whole: 4 of 12 listing pages link no story (has the site changed its links?) (the log's "
     "warnings name the listings)"),
])
def test_suite_names_the_failed_monitor_and_its_figure(tmp_path, change, settings, failed, message):
    report, recorded = run_suite({**GOOD_STATS, **change}, tmp_path, **COVERAGE_ON, **settings)
    assert report["failed"] == [failed]
    assert monitor(report, failed)["message"] == message
    assert recorded["newscrawl/monitors/failed"] == 1


def test_a_few_listing_pages_without_stories_pass(tmp_path):
    # an empty section, the opinion index: a warning each, not a failed crawl
    report, _ = run_suite({**GOOD_STATS, "newscrawl/listings/pages_read": 12, "newscrawl/listings/no_story_links": 6},
                          tmp_path, **COVERAGE_ON)
    assert report["passed"], report


def test_thresholds_given_on_the_command_line_as_strings(tmp_path):
    report, _ = run_suite({**GOOD_STATS, "log_count/ERROR": 2}, tmp_path, **COVERAGE_ON,
                          NEWSCRAWL_MONITOR_MAX_ERRORS="2", NEWSCRAWL_MONITOR_COVERAGE='{"author": "0.25"}',
                          NEWSCRAWL_MONITOR_FINISH_REASONS="finished,closespider_itemcount")
    assert report["passed"], report
    assert set(monitor(report, "Field coverage")["figures"]["fields"]) == {"author"}


@pytest.mark.parametrize("settings", [{}, {"SPIDERMON_ADD_FIELD_COVERAGE": True}])
def test_coverage_without_the_spidermon_settings_fails_loudly(tmp_path, settings):
    # Without SKIP_NONE a None author would count as present: refuse to vouch for the figure.
    report, _ = run_suite(GOOD_STATS, tmp_path, **settings)
    assert report["failed"] == ["Field coverage"]
    assert "SPIDERMON_" in monitor(report, "Field coverage")["message"]


def test_figures():
    assert field_coverage(GOOD_STATS, ["author", "tags"]) == {"author": (3, 10), "tags": (0, 10)}
    two_types = {"spidermon_item_scraped_count": 5, "spidermon_item_scraped_count/Article/body": 3,
                 "spidermon_item_scraped_count/dict/body": 1}
    assert field_coverage(two_types, ["body"]) == {"body": (4, 5)}
    assert error_figures({}) == {"errors": 0, "retry_gave_up": 0, "unreachable": 0, "unexpected": 0}
    # one "Cannot reach" line per unreachable site is a site failure, like a retry give-up
    assert error_figures({"log_count/ERROR": 4, "retry/max_reached": 2, "newscrawl/unreachable/hosts": 1}) == \
        {"errors": 4, "retry_gave_up": 2, "unreachable": 1, "unexpected": 1}
    start = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc)
    assert report_path("r/%(name)s-%(time)s.json", "almaghrib", start) == Path("r/almaghrib-2026-01-02T03-04-05+00-00.json")
    assert report_path("", "almaghrib") is None


def test_a_shared_crawl_worker_that_took_no_request_is_not_failed_for_scraping_nothing(tmp_path):
    """Adversary round 10: re-runs of an unchanged site under several workers failed "Items
    scraped" on the workers the others left without work (31 of 56), a false alarm."""
    idle = {k: v for k, v in GOOD_STATS.items() if "item_scraped" not in k} | {"newscrawl/redis/seeder": 0}
    report, _ = run_suite(idle, tmp_path, **COVERAGE_ON)
    assert monitor(report, "Items scraped")["status"] == "SKIPPED"
    busy = idle | {"scheduler/dequeued/redis": 12}  # took work and kept nothing: judged as ever
    report, _ = run_suite(busy, tmp_path, **COVERAGE_ON)
    assert "Items scraped" in report["failed"]
