"""Post-crawl monitors (Spidermon): did this run produce a feed worth trusting?

When the spider closes, :class:`CrawlMonitorSuite` checks six things, each against a setting:

==================  ==============================================================================
Items scraped       ``item_scraped_count`` ≥ ``NEWSCRAWL_MONITOR_MIN_ITEMS`` (default 1)
Field coverage      for each field in ``NEWSCRAWL_MONITOR_COVERAGE`` (default headline 0.95, body 0.95,
                    date_published 0.9, author 0.3), the share of *scraped* items (the ones that went
                    through every pipeline into the feed) where the field has a value ≥ the threshold
Errors              unexpected errors ≤ ``NEWSCRAWL_MONITOR_MAX_ERRORS`` (default 0): ``log_count/ERROR``
                    minus ``retry/max_reached`` (a request that exhausted its retries — a page that
                    keeps answering 500, a Cloudflare 503 — is a site failure, counted under
                    ``newscrawl/fetch/failed/*`` and shown in the report, not a crawler error)
                    minus the "Cannot reach" lines of :mod:`newscrawl.reachability`
Finish reason       ``finish_reason`` in ``NEWSCRAWL_MONITOR_FINISH_REASONS`` (default ``["finished"]``)
New articles        the site is not silent: a run kept a new article within ``NEWSCRAWL_SILENT_HOURS``
                    (default 48; 0 = off), judged from the run history (:mod:`newscrawl.runs`) when
                    this crawl succeeded but kept nothing new
Listings            the network spiders' listings were read whole: no walk ended on stories all new
                    since the last recorded walk, no ``max_pages`` stop above unseen stories, and at
                    most ``NEWSCRAWL_MONITOR_STORYLESS_LISTINGS`` (default 0.5) of the listing pages
                    read link no story; skipped when no listing page was read
==================  ==============================================================================

Coverage comes from Spidermon's own field-coverage counts (``SPIDERMON_ADD_FIELD_COVERAGE``,
which works with the :class:`~newscrawl.items.Article` dataclass through ``itemadapter``); it
must run with ``SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True``, or a ``None`` field (an unsigned
article's author) would count as present: the coverage monitor fails with that explanation
rather than report a coverage it cannot vouch for.

The outcome is made visible four ways:

* a summary in the log (``newscrawl.monitors``; ERROR when a monitor failed, INFO otherwise):
  for each failed monitor its name, what it expected and what it found, one line each
  (:func:`summary_lines`). Spidermon's own report (rulers, unittest tracebacks of failed
  checks, which users read as a crash) goes to DEBUG: :class:`Spidermon` is the extension to
  enable, in place of Spidermon's;
* a JSON report at ``NEWSCRAWL_MONITOR_REPORT`` (``%(name)s`` → spider name, ``%(time)s`` →
  start time as in ``FEEDS``), written atomically: ``passed``, ``failed`` (names) and every
  monitor's status, message and figures;
* alerts (:mod:`newscrawl.alerts`) when a monitor failed: e-mail through Spidermon's SMTP
  action when ``SPIDERMON_EMAIL_TO`` is set, a chat webhook when ``NEWSCRAWL_ALERT_WEBHOOK`` is;
* crawl stats ``newscrawl/monitors/passed`` / ``newscrawl/monitors/failed`` (counts), which
  :mod:`newscrawl.commands.crawl` turns into the exit status ``NEWSCRAWL_MONITOR_EXIT_STATUS``
  of ``scrapy crawl`` when that setting is not 0.
"""

from __future__ import annotations

import json
import logging
import os
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon as SpidermonExtension
from spidermon.contrib.scrapy.monitors import BaseScrapyMonitor
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner
from spidermon.core.actions import Action

from newscrawl.feedstorage import run_started
from newscrawl.reachability import STAT_UNREACHABLE_HOSTS

logger = logging.getLogger(__name__)

# Spidermon (1.27) logs its run through Spider.log(), which Scrapy 2.19 deprecates: without this
# every crawl would log a "Spider.log() is deprecated" warning. Only that warning, only from Spidermon.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning,
                        module=r"spidermon\.")

DEFAULT_MIN_ITEMS = 1
DEFAULT_COVERAGE = {"headline": 0.95, "body": 0.95, "date_published": 0.9, "author": 0.3}
DEFAULT_MAX_ERRORS = 0
DEFAULT_FINISH_REASONS = ["finished"]
DEFAULT_SILENT_HOURS = 48.0
DEFAULT_STORYLESS_LISTINGS = 0.5

STAT_PASSED = "newscrawl/monitors/passed"
STAT_FAILED = "newscrawl/monitors/failed"

_COUNT_PREFIX = "spidermon_item_scraped_count"

# What a finish reason means, for the summary of a failed "Finish reason" check.
FINISH_REASONS = {
    "finished": "the crawl ran to its end",
    "shutdown": "stopped early: Ctrl-C or a termination signal",
    "write_failed": "stopped early: a feed or the state store could not be written",
    "cancelled": "stopped early: cancelled",
    "closespider_timeout": "stopped by CLOSESPIDER_TIMEOUT",
    "closespider_itemcount": "stopped by CLOSESPIDER_ITEMCOUNT",
    "closespider_pagecount": "stopped by CLOSESPIDER_PAGECOUNT",
    "closespider_errorcount": "stopped by CLOSESPIDER_ERRORCOUNT",
}


# --- figures: pure functions of the crawl stats (and the thresholds) ---------------------------

def item_count(stats: dict) -> int:
    return int(stats.get("item_scraped_count", 0) or 0)


def field_coverage(stats: dict, fields) -> dict[str, tuple[int, int]]:
    """``{field: (items with a value, items scraped)}`` from Spidermon's field-coverage counts.

    Summed over item classes (``spidermon_item_scraped_count/<Class>/<field>``), so a spider
    yielding several item types is judged on all of its items.
    """
    total = int(stats.get(_COUNT_PREFIX, 0) or 0)
    counts = {}
    for name in fields:
        pattern = re.compile(rf"^{_COUNT_PREFIX}/[^/]+/{re.escape(name)}$")
        counts[name] = (sum(int(v) for k, v in stats.items() if pattern.match(k)), total)
    return counts


def error_figures(stats: dict) -> dict[str, int]:
    """ERROR log lines, the share of them that are site failures (retry give-ups, one line per
    unreachable site), and the rest (unexpected)."""
    errors = int(stats.get("log_count/ERROR", 0) or 0)
    retry_gave_up = int(stats.get("retry/max_reached", 0) or 0)
    unreachable = int(stats.get(STAT_UNREACHABLE_HOSTS, 0) or 0)
    return {"errors": errors, "retry_gave_up": retry_gave_up, "unreachable": unreachable,
            "unexpected": max(errors - retry_gave_up - unreachable, 0)}


def coverage_thresholds(settings) -> dict[str, float]:
    rules = settings.getdict("NEWSCRAWL_MONITOR_COVERAGE", DEFAULT_COVERAGE)
    return {str(name): float(share) for name, share in rules.items()}


# --- monitors -----------------------------------------------------------------------------------

class _NewscrawlMonitor(BaseScrapyMonitor):
    """Keeps the figures a check was based on, for the report (``self.figures``), and one line
    each for what it expected and what it found (``self.expected``, ``self.found``), for the
    summary a failed check prints."""

    figures: dict[str, Any] | None = None
    expected: str | None = None
    found: str | None = None

    @property
    def settings(self):
        return self.crawler.settings


@monitors.name("Items scraped")
class ItemCountMonitor(_NewscrawlMonitor):
    """At least NEWSCRAWL_MONITOR_MIN_ITEMS articles were seen: scraped, or recognised as already
    kept (an hourly run of an incremental crawl may rightly add nothing new)."""

    @monitors.name("minimum number of items")
    def test_minimum_items(self):
        minimum = self.settings.getint("NEWSCRAWL_MONITOR_MIN_ITEMS", DEFAULT_MIN_ITEMS)
        if "newscrawl/redis/seeder" in self.stats and not self.stats.get("scheduler/dequeued/redis"):
            # A worker of a shared crawl that got no request: the others did the run's work (and
            # the seeder, which always takes the start requests, judges it).
            self.skipTest("this worker of a shared crawl took no request: the other workers did the work")
        items = item_count(self.stats)
        known = sum(int(self.stats.get(k, 0) or 0) for k in (
            "newscrawl/incremental/skipped_kept", "newscrawl/incremental/feed_not_modified",
            "newscrawl/dedupe/exact", "newscrawl/dedupe/near"))
        self.figures = {"items": items, "already_known": known, "min": minimum}
        self.expected = f"at least {minimum} article{'s' if minimum != 1 else ''} scraped or already known " \
                        "(NEWSCRAWL_MONITOR_MIN_ITEMS)"
        self.found = f"{items} scraped, {known} already known"
        if self.stats.get(STAT_UNREACHABLE_HOSTS):
            self.found += " (the site could not be reached: see the 'Cannot reach' line above)"
        self.assertTrue(items + known >= minimum,
                        msg=f"{items} items scraped and {known} already known < {minimum} required "
                            "(NEWSCRAWL_MONITOR_MIN_ITEMS)")


@monitors.name("Field coverage")
class FieldCoverageMonitor(_NewscrawlMonitor):
    """Share of scraped items with each field ≥ NEWSCRAWL_MONITOR_COVERAGE[field]."""

    @monitors.name("share of items with each field")
    def test_field_coverage(self):
        thresholds = coverage_thresholds(self.settings)
        if not self.settings.getbool("SPIDERMON_ADD_FIELD_COVERAGE"):
            self.figures = {"thresholds": thresholds}
            self.expected, self.found = "SPIDERMON_ADD_FIELD_COVERAGE = True", "off: no coverage is counted"
            self.fail("field coverage is not collected: set SPIDERMON_ADD_FIELD_COVERAGE = True")
        if not self.settings.getbool("SPIDERMON_FIELD_COVERAGE_SKIP_NONE"):
            self.figures = {"thresholds": thresholds}
            self.expected = "SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True"
            self.found = "off: empty (None) fields would count as present"
            self.fail("SPIDERMON_FIELD_COVERAGE_SKIP_NONE is off, so empty (None) fields would count as "
                      "present: set SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True")
        items = item_count(self.stats)
        if items == 0:
            self.figures = {"items": 0, "thresholds": thresholds}
            self.skipTest("no items scraped, no coverage to measure (see 'Items scraped')")
        fields, failures, expected, found = {}, [], [], []
        for name, (count, total) in field_coverage(self.stats, thresholds).items():
            share = count / total if total else 0.0
            ok = share >= thresholds[name]
            fields[name] = {"count": count, "items": total, "share": round(share, 4),
                            "threshold": thresholds[name], "passed": ok}
            if not ok:
                failures.append(f"{name} {count}/{total} = {share:.2f} < {thresholds[name]:.2f}")
                expected.append(f"{name} in ≥ {thresholds[name]:.2f} of the items")
                found.append(f"{name} in {count} of {total} = {share:.2f}")
        self.figures = {"items": items, "fields": fields}
        self.expected = "; ".join(expected) + " (NEWSCRAWL_MONITOR_COVERAGE)"
        self.found = "; ".join(found)
        self.assertTrue(not failures, msg="coverage below NEWSCRAWL_MONITOR_COVERAGE: " + "; ".join(failures))


@monitors.name("Errors")
class ErrorCountMonitor(_NewscrawlMonitor):
    """Unexpected errors (ERROR log lines other than retry give-ups) ≤ NEWSCRAWL_MONITOR_MAX_ERRORS."""

    @monitors.name("no unexpected errors")
    def test_unexpected_errors(self):
        maximum = self.settings.getint("NEWSCRAWL_MONITOR_MAX_ERRORS", DEFAULT_MAX_ERRORS)
        figures = error_figures(self.stats)
        self.figures = {**figures, "max": maximum}
        self.expected = f"at most {maximum} ERROR log line{'s' if maximum != 1 else ''} besides retry give-ups " \
                        "and unreachable sites (NEWSCRAWL_MONITOR_MAX_ERRORS)"
        self.found = (f"{figures['unexpected']} ({figures['errors']} ERROR lines, of which {figures['retry_gave_up']} "
                      f"retry give-ups and {figures['unreachable']} unreachable sites; the log says which)")
        self.assertTrue(
            figures["unexpected"] <= maximum,
            msg=(f"{figures['unexpected']} unexpected errors > {maximum} allowed (NEWSCRAWL_MONITOR_MAX_ERRORS): "
                 f"log_count/ERROR {figures['errors']} minus retry/max_reached {figures['retry_gave_up']}"
                 + (f" minus unreachable sites {figures['unreachable']}" if figures["unreachable"] else "")),
        )


@monitors.name("Finish reason")
class FinishReasonMonitor(_NewscrawlMonitor):
    """The crawl finished for an expected reason (NEWSCRAWL_MONITOR_FINISH_REASONS)."""

    @monitors.name("clean finish")
    def test_finish_reason(self):
        expected = self.settings.getlist("NEWSCRAWL_MONITOR_FINISH_REASONS", DEFAULT_FINISH_REASONS)
        reason = self.stats.get("finish_reason")
        self.figures = {"finish_reason": reason, "expected": expected}
        self.expected = f"{' or '.join(map(str, expected))} (NEWSCRAWL_MONITOR_FINISH_REASONS)"
        self.found = f"{reason}" + (f" ({FINISH_REASONS[reason]})" if reason in FINISH_REASONS else "")
        self.assertTrue(reason in expected,
                        msg=f"finish reason {reason!r} not in {expected} (NEWSCRAWL_MONITOR_FINISH_REASONS)")


@monitors.name("New articles")
class SilentSiteMonitor(_NewscrawlMonitor):
    """The site is not silent: some run kept a new article within the last NEWSCRAWL_SILENT_HOURS
    hours (0 = off), judged only when the crawl itself succeeded (the other monitors cover a
    crawl that failed). Earlier runs come from the run history (newscrawl.runs)."""

    @monitors.name("a new article within NEWSCRAWL_SILENT_HOURS")
    def test_site_not_silent(self):
        from newscrawl.runs import STAT_NEW_ARTICLES, RunHistory, history_path

        hours = self.settings.getfloat("NEWSCRAWL_SILENT_HOURS", DEFAULT_SILENT_HOURS)
        new = int(self.stats.get(STAT_NEW_ARTICLES, 0) or 0)
        self.figures = {"new_articles": new, "silent_hours": hours}
        if hours <= 0:
            self.skipTest("off (NEWSCRAWL_SILENT_HOURS = 0)")
        if not (self.settings.getbool("NEWSCRAWL_INCREMENTAL", True) and self.settings.getbool("NEWSCRAWL_RUN_HISTORY", True)):
            self.skipTest("new articles are counted by the state store and the run history: both are off")
        reasons = self.settings.getlist("NEWSCRAWL_MONITOR_FINISH_REASONS", DEFAULT_FINISH_REASONS)
        if self.stats.get("finish_reason") not in reasons or self.stats.get(STAT_UNREACHABLE_HOSTS):
            self.skipTest("judged only when the crawl succeeded")
        if new:
            return
        path = history_path(self.settings)
        if not path.is_file():
            self.skipTest("no run history yet")
        with RunHistory(path, check=False) as history:
            since = history.last_new_article_run(self.data.spider.name)
            first = history.first_run(self.data.spider.name)
        if since is None and first is None:
            self.skipTest("no earlier run in the history to compare with")
        start = datetime.fromisoformat(since or first)
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        silent = (datetime.now(timezone.utc) - start).total_seconds() / 3600
        self.figures.update(silent_for_hours=round(silent, 2), last_new_article_run=since, first_run=first)
        self.expected = f"a new article within {hours:g} hours (NEWSCRAWL_SILENT_HOURS)"
        self.found = (f"none for {silent:.1f} hours: the last run that kept a new article finished {since}" if since
                      else f"none in any run since the history began {first} ({silent:.1f} hours)")
        self.assertTrue(silent < hours, msg=f"site silent for {silent:.1f} hours ≥ {hours:g} (NEWSCRAWL_SILENT_HOURS): "
                                            "no new article although the crawl succeeded")


@monitors.name("Listings")
class ListingsMonitor(_NewscrawlMonitor):
    """The network spiders read their listings whole: no walk ended on a page of stories all new
    since the last recorded walk (a page served without its "more" link, or a pagination the
    spider does not follow), no ``max_pages`` stop above stories not seen yet, and at most
    NEWSCRAWL_MONITOR_STORYLESS_LISTINGS (share, default 0.5) of the listing pages read link no
    story (a site whose article links changed). Each of these can lose stories that only the
    listings show, in a run that otherwise looks fine."""

    @monitors.name("listings walked whole and linking stories")
    def test_listings(self):
        def count(name: str) -> int:
            return int(self.stats.get(f"newscrawl/listings/{name}", 0) or 0)

        read, storyless = count("pages_read"), count("no_story_links")
        ended_short, limit_gap = count("ended_short"), count("limit_gap")
        share = self.settings.getfloat("NEWSCRAWL_MONITOR_STORYLESS_LISTINGS", DEFAULT_STORYLESS_LISTINGS)
        self.figures = {"pages_read": read, "without_stories": storyless, "ended_short": ended_short,
                        "limit_gap": limit_gap, "max_storyless_share": share}
        if not (read or ended_short or limit_gap):
            self.skipTest("no listing page read")
        problems = []
        if ended_short:
            problems.append(f"{ended_short} listing walk{'s' if ended_short != 1 else ''} ended on stories all new "
                            "since the last recorded walk (a page without its \"more\" link, or pagination the "
                            "spider does not follow?)")
        if limit_gap:
            problems.append(f"max_pages stopped {limit_gap} listing walk{'s' if limit_gap != 1 else ''} above "
                            "stories not seen yet (-a max_pages=0 reaches them)")
        if read and storyless / read > share:
            problems.append(f"{storyless} of {read} listing pages link no story (has the site changed its links?)")
        self.expected = ("every listing walked down to what an earlier walk saw, and listing pages linking "
                         f"stories (at most {share:.0%} without, NEWSCRAWL_MONITOR_STORYLESS_LISTINGS)")
        self.found = "; ".join(problems) if problems else \
            f"{read} listing pages read, {storyless} without stories, every walk whole"
        self.assertTrue(not problems, msg="listings not read whole: " + "; ".join(problems)
                        + " (the log's warnings name the listings)")


# --- the outcome: log summary, stats, report file ----------------------------------------------

class ReportOutcome(Action):
    """Log one summary of the suite, count passed/failed monitors in the stats, write the report."""

    def run_action(self):
        crawler, spider = self.data.crawler, self.data.spider
        stats = self.data.stats
        entries = [_entry(result) for result in self.result.monitor_results]
        failed = [e["name"] for e in entries if not e["passed"]]
        crawler.stats.set_value(STAT_PASSED, len(entries) - len(failed))
        crawler.stats.set_value(STAT_FAILED, len(failed))

        report = {
            "spider": spider.name,
            "passed": not failed,
            "failed": failed,
            "finish_reason": stats.get("finish_reason"),
            "start_time": _iso(stats.get("start_time")),
            "finish_time": _iso(stats.get("finish_time")),
            "items": item_count(stats),
            "monitors": entries,
        }
        target = report_path(crawler.settings.get("NEWSCRAWL_MONITOR_REPORT"), spider.name, run_started(crawler))
        # For what runs after: the alert actions (newscrawl.alerts) and the run history (newscrawl.runs).
        crawler.newscrawl_monitor_report = report
        crawler.newscrawl_monitor_report_path = target
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
            os.replace(tmp, target)
        _log_summary(spider.name, entries, failed, target)


def _entry(result) -> dict[str, Any]:
    monitor = result.item
    status = result.status  # OK, FAIL, ERROR (the check itself crashed), SKIPPED, ...
    found = getattr(monitor, "found", None)
    if status in ("FAIL", "SKIPPED"):
        message = str(result.reason or "")
    elif status == "ERROR":  # the last line of the traceback: the exception itself
        last_lines = (result.error or "").strip().splitlines()[-1:]
        message = f"monitor crashed: {last_lines[0] if last_lines else '?'}"
        found = f"the check itself crashed ({last_lines[0] if last_lines else '?'}); -L DEBUG shows where"
    else:
        message = ""
    return {
        "name": monitor.monitor_name,
        "check": monitor.method_name,
        "status": status,
        "passed": status not in ("FAIL", "ERROR"),
        "message": message,
        "expected": getattr(monitor, "expected", None),
        "found": found,
        "figures": getattr(monitor, "figures", None),
    }


def summary_lines(spider: str, entries: list[dict], target: Path | None) -> list[str]:
    """The monitors' outcome as the log shows it: a heading, then, for each failed monitor,
    its name, what it expected and what it found, one line each; then the others in one line.
    A clean run gets one line per monitor with its figure."""
    failed = [e for e in entries if not e["passed"]]
    where = f"; report {target}" if target is not None else ""
    if not failed:
        return ([f"Crawl monitors passed for {spider} ({len(entries)} of {len(entries)}){where}"]
                + [f"  {e['status']:<7} {e['name']}: {e['message'] or _figure_line(e)}" for e in entries])
    lines = [f"Crawl monitors FAILED for {spider} ({len(failed)} of {len(entries)}: "
             f"{', '.join(e['name'] for e in failed)}){where}"]
    for entry in failed:
        lines += [f"  {entry['name']}: {'FAILED' if entry['status'] == 'FAIL' else 'CRASHED'}",
                  f"    expected: {entry['expected'] or '-'}",
                  f"    found:    {entry['found'] or entry['message'] or '-'}"]
    passed = [e["name"] for e in entries if e["status"] == "OK"]
    skipped = [f"{e['name']}: {e['message']}" if e["message"] else e["name"]
               for e in entries if e["passed"] and e["status"] != "OK"]
    others = ([f"passed: {', '.join(passed)}"] if passed else []) + ([f"skipped: {', '.join(skipped)}"] if skipped else [])
    if others:
        lines.append("  " + "; ".join(others))
    return lines


def _log_summary(spider: str, entries: list[dict], failed: list[str], target: Path | None) -> None:
    text = "\n".join(summary_lines(spider, entries, target))
    if failed:
        logger.error(text)
    else:
        logger.info(text)


def _figure_line(entry: dict) -> str:
    f = entry.get("figures") or {}
    name = entry["name"]
    if name == "Items scraped" and "items" in f:
        return f"{f['items']} ≥ {f['min']}"
    if name == "Field coverage" and "fields" in f:
        return ", ".join(f"{k} {v['share']:.2f} ≥ {v['threshold']:.2f}" for k, v in f["fields"].items())
    if name == "Errors" and "unexpected" in f:
        return f"{f['unexpected']} unexpected ≤ {f['max']} (retry give-ups {f['retry_gave_up']})"
    if name == "Finish reason" and "finish_reason" in f:
        return str(f["finish_reason"])
    return ""


def _iso(value) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def report_path(template: str | None, spider: str, start_time=None) -> Path | None:
    """``NEWSCRAWL_MONITOR_REPORT`` with ``%(name)s`` and ``%(time)s`` filled in (None if unset)."""
    if not template:
        return None
    start = start_time if isinstance(start_time, datetime) else datetime.now(timezone.utc)
    stamp = start.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace(":", "-")
    return Path(template % {"name": spider, "time": stamp})


# --- Spidermon, without its unittest-style report ------------------------------------------------

class QuietMonitorResult(SpiderMonitorResult):
    """Spidermon's result log, moved to DEBUG: its 25 lines of rulers and the unittest
    tracebacks of failed checks read as a crash. :class:`ReportOutcome` logs the summary
    instead. Only a crashed action (the report could not be written, say) stays an ERROR,
    in one line."""

    def log(self, msg, level=logging.DEBUG):
        self.spider.logger.debug("[Spidermon] %s", msg)

    def write_errors(self):
        super().write_errors()  # at DEBUG, tracebacks included
        for status in self.step.error_statuses:
            for result in self.step.items_for_status(status):
                if isinstance(result.item, Action):
                    last = (result.error or "").strip().splitlines()[-1:] or ["?"]
                    self.spider.logger.error("Monitor action %s failed: %s (-L DEBUG shows where)",
                                             result.item.name, last[0])


class QuietMonitorRunner(SpiderMonitorRunner):
    def create_result(self):
        return QuietMonitorResult(self.spider)


class Spidermon(SpidermonExtension):
    """Spidermon's Scrapy extension, reporting through :class:`QuietMonitorResult`. Enabled in
    ``EXTENSIONS`` in place of ``spidermon.contrib.scrapy.extensions.Spidermon``; every
    ``SPIDERMON_*`` setting works as documented by Spidermon."""

    def _run_suites(self, spider, suites):
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            QuietMonitorRunner(spider=spider).run(suite, **data)


class CrawlMonitorSuite(MonitorSuite):
    """What ``SPIDERMON_SPIDER_CLOSE_MONITORS`` runs for every newscrawl spider."""

    monitors: ClassVar[list] = [ItemCountMonitor, FieldCoverageMonitor, ErrorCountMonitor, FinishReasonMonitor,
                                SilentSiteMonitor, ListingsMonitor]
    monitors_finished_actions: ClassVar[list] = [ReportOutcome]

    def __init__(self, *args, crawler=None, **kwargs):
        # Alerts (newscrawl.alerts) only when their settings are there: Spidermon builds every
        # listed action, and an unconfigured one would stop the suite.
        from newscrawl.alerts import alert_actions

        failed = list(kwargs.pop("monitors_failed_actions", None) or [])
        if crawler is not None:
            failed = alert_actions(crawler.settings) + failed
        super().__init__(*args, crawler=crawler, monitors_failed_actions=failed, **kwargs)
