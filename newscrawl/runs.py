"""Run history: one row per finished crawl, for ``scrapy runs``, ``scrapy report`` and the
"site silent" monitor.

Each run's figures come from its final crawl stats and the monitors' outcome:

===============  ================================================================================
pages            responses received (``response_received_count``)
new_articles     articles kept for the first time (``newscrawl/articles/new``; a ``refresh`` run
                 that stores a kept page again does not count it)
items            items that reached the feed (``item_scraped_count``), refreshed ones included
duplicates       items dropped as duplicate titles (``newscrawl/dedupe/exact`` + ``near``)
failures         ``{kind: count}``: ``fetch/<reason>`` (``newscrawl/fetch/failed/*``),
                 ``dropped/<reason>`` (``newscrawl/items/dropped/*``), ``not_article/<why>``
                 (``newscrawl/pages/not_article/*``)
coverage         ``{field: share}`` of the scraped items that have the field (Spidermon's
                 field-coverage counts); empty when nothing was scraped
extraction       ``{field: {step: pages}}``: which extraction step filled each field
                 (``newscrawl/extract/<field>/<step>``), on every article page parsed
monitors         ``{"passed": bool, "failed": [names], "results": [{name, status, message}]}``
===============  ================================================================================

Stored in its own table, ``run_history``, of the crawl's SQLite state file
(``NEWSCRAWL_STATE_DIR/state.sqlite``), through its own connection: it does not depend on
how :mod:`newscrawl.state` keeps the rest. Dictionaries are JSON columns; reports aggregate
them per run, never per article.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawl.sqlite import open_wal

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS run_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, spider TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    finish_reason TEXT, pages INTEGER NOT NULL DEFAULT 0, new_articles INTEGER NOT NULL DEFAULT 0,
    items INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0, failures TEXT NOT NULL DEFAULT '{}',
    coverage TEXT NOT NULL DEFAULT '{}', extraction TEXT NOT NULL DEFAULT '{}', monitors TEXT NOT NULL DEFAULT '{}',
    monitors_failed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS run_history_by_spider ON run_history (spider, started_at);
"""
JSON_COLUMNS = ("failures", "coverage", "extraction", "monitors")
COLUMNS = ("id", "spider", "started_at", "finished_at", "finish_reason", "pages", "new_articles", "items",
           "duplicates", *JSON_COLUMNS, "monitors_failed")

STAT_NEW_ARTICLES = "newscrawl/articles/new"
# Article fields that are bookkeeping, not extracted content: no coverage to watch.
NOT_CONTENT = {"url", "source", "scraped_at", "extraction"}
_FAILURE_PREFIXES = {"newscrawl/fetch/failed/": "fetch/", "newscrawl/items/dropped/": "dropped/",
                     "newscrawl/pages/not_article/": "not_article/"}


@dataclass
class RunRecord:
    spider: str
    started_at: str
    finished_at: str
    finish_reason: str | None = None
    pages: int = 0
    new_articles: int = 0
    items: int = 0
    duplicates: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)
    extraction: dict[str, dict[str, int]] = field(default_factory=dict)
    monitors: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def monitors_failed(self) -> int:
        return len(self.monitors.get("failed") or [])

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "spider": self.spider, "started_at": self.started_at, "finished_at": self.finished_at,
                "finish_reason": self.finish_reason, "pages": self.pages, "new_articles": self.new_articles,
                "items": self.items, "duplicates": self.duplicates, "failures": self.failures,
                "coverage": self.coverage, "extraction": self.extraction, "monitors": self.monitors}


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat(timespec="seconds")
    return str(value) if value else datetime.now(timezone.utc).isoformat(timespec="seconds")


def _int(stats: dict, key: str) -> int:
    return int(stats.get(key, 0) or 0)


def record_from_stats(spider: str, stats: dict, monitor_report: dict | None = None,
                      content_fields: Iterable[str] | None = None) -> RunRecord:
    """A run's history row from its final crawl *stats* and the monitors' report (as
    :class:`newscrawl.monitors.ReportOutcome` builds it). Pure."""
    if content_fields is None:
        from newscrawl.items import Article

        content_fields = [name for name in Article.__dataclass_fields__ if name not in NOT_CONTENT]
    failures: dict[str, int] = {}
    extraction: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        for prefix, kind in _FAILURE_PREFIXES.items():
            if key.startswith(prefix) and isinstance(value, int):
                failures[kind + key[len(prefix):]] = value
        if key.startswith("newscrawl/extract/") and isinstance(value, int):
            parts = key[len("newscrawl/extract/"):].split("/", 1)
            if len(parts) == 2:  # extract/canonical_offsite and the like are no field's step
                extraction.setdefault(parts[0], {})[parts[1]] = value
    scraped = _int(stats, "spidermon_item_scraped_count")
    coverage: dict[str, float] = {}
    if scraped:
        for name in content_fields:
            count = sum(int(v) for k, v in stats.items()
                        if k.startswith("spidermon_item_scraped_count/") and k.endswith("/" + name)
                        and k.count("/") == 2)
            coverage[name] = round(count / scraped, 4)
    monitors: dict[str, Any] = {}
    if monitor_report is not None:
        monitors = {"passed": bool(monitor_report.get("passed")), "failed": list(monitor_report.get("failed") or []),
                    "results": [{"name": m.get("name"), "status": m.get("status"), "message": m.get("message") or ""}
                                for m in monitor_report.get("monitors") or []]}
    return RunRecord(
        spider=spider, started_at=_iso(stats.get("start_time")), finished_at=_iso(stats.get("finish_time")),
        finish_reason=stats.get("finish_reason"), pages=_int(stats, "response_received_count"),
        new_articles=_int(stats, STAT_NEW_ARTICLES), items=_int(stats, "item_scraped_count"),
        duplicates=_int(stats, "newscrawl/dedupe/exact") + _int(stats, "newscrawl/dedupe/near"),
        failures=dict(sorted(failures.items())), coverage=coverage,
        extraction={f: dict(sorted(steps.items())) for f, steps in sorted(extraction.items())}, monitors=monitors)


class RunHistory:
    """The ``run_history`` table of a state file."""

    def __init__(self, path: str | Path, *, check: bool = True):
        """*check*: look for damage first (``newscrawl.sqlite``; quick_check, the file may be
        large). Off inside a crawl, whose start checked the file whole."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = open_wal(self.path, timeout=30, setup=SCHEMA, check=check, thorough=False)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "RunHistory":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, run: RunRecord) -> int:
        cursor = self.db.execute(
            f"INSERT INTO run_history ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * (len(COLUMNS) - 1))})",
            (run.spider, run.started_at, run.finished_at, run.finish_reason, run.pages, run.new_articles, run.items,
             run.duplicates, *(json.dumps(getattr(run, c), ensure_ascii=False, sort_keys=True) for c in JSON_COLUMNS),
             run.monitors_failed))
        run.id = cursor.lastrowid
        return run.id

    def runs(self, spider: str | None = None, last: int | None = None) -> list[RunRecord]:
        """Runs oldest first; with *last*, only the newest *last* (of *spider*, or of all)."""
        where, args = ("WHERE spider = ?", [spider]) if spider else ("", [])
        sql = f"SELECT {', '.join(COLUMNS)} FROM run_history {where} ORDER BY started_at DESC, id DESC"
        if last is not None:
            sql += " LIMIT ?"
            args.append(last)
        rows = self.db.execute(sql, args).fetchall()
        return [_record(row) for row in reversed(rows)]

    def spiders(self) -> list[tuple[str, int]]:
        return list(self.db.execute("SELECT spider, COUNT(*) FROM run_history GROUP BY spider ORDER BY spider"))

    def last_new_article_run(self, spider: str) -> str | None:
        """When the newest run of *spider* that kept a new article finished (ISO), or None."""
        row = self.db.execute("SELECT MAX(finished_at) FROM run_history WHERE spider = ? AND new_articles > 0",
                              (spider,)).fetchone()
        return row[0]

    def first_run(self, spider: str) -> str | None:
        return self.db.execute("SELECT MIN(started_at) FROM run_history WHERE spider = ?", (spider,)).fetchone()[0]


def _record(row: tuple) -> RunRecord:
    values = dict(zip(COLUMNS, row))
    values.pop("monitors_failed")
    for column in JSON_COLUMNS:
        try:
            values[column] = json.loads(values[column] or "{}")
        except (TypeError, ValueError):  # one damaged cell must not hide the whole history
            values[column] = {}
    return RunRecord(**values)


def record_killed_run(settings, spider: str, started_at: str, found_at: str, activity, recovered: int) -> None:
    """Add to the history the run of *spider* started at *started_at* that was killed (SIGKILL,
    power cut, OOM) before it could add itself: found by the next run, at *found_at*. Its figures
    are what the state store saw of it (*activity*, ``CrawlState.activity_between``; None when
    unknown) and the *recovered* articles its feed held that it had not recorded.
    Finish reason ``killed``; it ended at its last recorded page, or is dated *found_at*."""
    if not settings.getbool("NEWSCRAWL_RUN_HISTORY", True):
        return
    kept = (activity.articles_kept if activity is not None else 0) + recovered
    ended = (activity.last_seen if activity is not None else None) or found_at
    record = RunRecord(spider=spider, started_at=_iso(datetime.fromisoformat(started_at)),
                       finished_at=_iso(datetime.fromisoformat(ended)),
                       # the recovered articles' pages were fetched by it too, not yet recorded
                       finish_reason="killed", pages=(activity.pages_settled if activity is not None else 0) + recovered,
                       new_articles=kept, items=kept, duplicates=activity.duplicates if activity is not None else 0)
    path = history_path(settings)
    try:
        with RunHistory(path, check=False) as history:
            history.add(record)
    except (sqlite3.Error, OSError) as error:
        logger.error("Cannot add the killed run to the run history in %s: %s", path, error)


def history_has_run(settings, spider: str, started_at: str) -> bool | None:
    """Has the history a row for the run of *spider* started at *started_at* (ISO; to the
    second, give or take one)? None when the history is off or cannot be read."""
    if not settings.getbool("NEWSCRAWL_RUN_HISTORY", True):
        return None
    path = history_path(settings)
    if not path.exists():
        return False
    start = datetime.fromisoformat(started_at)
    low, high = (_iso(start + timedelta(seconds=delta)) for delta in (-1, 1))
    try:
        with RunHistory(path, check=False) as history:
            return history.db.execute("SELECT 1 FROM run_history WHERE spider = ? AND started_at BETWEEN ? AND ?",
                                      (spider, low, high)).fetchone() is not None
    except (sqlite3.Error, OSError):
        return None


def history_path(settings) -> Path:
    return Path(settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl")) / "state.sqlite"


class RunHistoryExtension:
    """Adds the run to the history when the spider closes. Enabled in ``EXTENSIONS`` after
    Spidermon's extension (its ``spider_closed`` handler runs first, so the monitors' outcome,
    left on the crawler by :class:`newscrawl.monitors.ReportOutcome`, is known).
    ``NEWSCRAWL_RUN_HISTORY = False`` turns it off."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSCRAWL_RUN_HISTORY", True):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        stats.setdefault("finish_time", datetime.now(timezone.utc))
        record = record_from_stats(spider.name, stats, getattr(self.crawler, "newscrawl_monitor_report", None))
        path = history_path(self.crawler.settings)
        try:
            with RunHistory(path, check=False) as history:
                history.add(record)
        except (sqlite3.Error, OSError) as error:  # the crawl's output is safe; only its history line is lost
            logger.error("Cannot add this run to the run history in %s: %s", path, error)
