"""What earlier crawls learned, in SQLite (pure; no Scrapy).

- ``pages``: the outcome of every article URL fetched (kept, duplicate, not an article, gone,
  failed), so a scheduled run does not fetch it again.
- ``articles``: every kept article, whole, for the rolling feed and ``scrapy export``.
- ``validators``: ETag / Last-Modified of feeds, for conditional requests.
- ``feed_files``: the feed files each run wrote and whether the run closed cleanly, so a run
  killed mid-way can be reconciled with what reached its feed.

WAL mode and one transaction per write: a killed crawl loses nothing that was acknowledged and
leaves no lock behind.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from newscrawl.sqlite import open_wal

# Outcomes that settle a URL for good ("alias": a URL whose page names another canonical URL).
# "failed" (5xx, timeouts) and "missing" (no body: a story published headline first, a truncated
# page, a bot challenge) are tried again after a while.
FINAL_STATUSES = ("kept", "duplicate", "not_article", "gone", "alias")
SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT NOT NULL, section TEXT, date_published TEXT,
    kept_at TEXT NOT NULL, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_by_source_date ON articles (source, date_published);
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
CREATE TABLE IF NOT EXISTS feed_files (path TEXT PRIMARY KEY, source TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None


class CrawlState:
    def __init__(self, path: str | Path, *, retry_failed_after: timedelta = timedelta(hours=6)):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retry_failed_after = retry_failed_after
        # Autocommit; keep() groups its writes in one transaction.
        self.db = open_wal(self.path, timeout=30, setup="PRAGMA synchronous=NORMAL;" + SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --- pages ------------------------------------------------------------------------------
    def known(self, key: str, *, before: str | None = None) -> str | None:
        """The settled outcome of *key*, or None if it should be fetched (again). With *before*
        (an ISO time, e.g. this run's start), only outcomes recorded earlier count."""
        row = self.db.execute("SELECT status, seen_at FROM pages WHERE key = ?", (key,)).fetchone()
        if row is None or (before is not None and row[1] >= before):
            return None
        status, seen_at = row
        if status in FINAL_STATUSES:
            return status
        if datetime.fromisoformat(seen_at) > datetime.now(timezone.utc) - self.retry_failed_after:
            return status  # failed recently: not yet worth another try
        return None

    def record(self, key: str, source: str, url: str, status: str) -> None:
        """Remember a URL's outcome; a kept page is never downgraded by a later duplicate copy."""
        self.db.execute(
            "INSERT INTO pages (key, source, url, status, seen_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET status = excluded.status, seen_at = excluded.seen_at "
            "WHERE pages.status != 'kept'",
            (key, source, url, status, _now()))

    # --- articles ---------------------------------------------------------------------------
    def keep(self, key: str, item: dict, *, replace: bool = False) -> bool:
        """Store a kept article (and settle its URL); False if it was already kept (unless
        *replace*, for ``refresh`` runs that fetch kept pages again)."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cursor = self.db.execute(
                f"{verb} INTO articles (key, source, url, section, date_published, kept_at, item) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, item.get("source") or "", item["url"], item.get("section"), item.get("date_published"), _now(),
                 json.dumps(item, ensure_ascii=False, sort_keys=True)))
            self.db.execute(
                "INSERT INTO pages (key, source, url, status, seen_at) VALUES (?, ?, ?, 'kept', ?) "
                "ON CONFLICT(key) DO UPDATE SET status = 'kept', seen_at = excluded.seen_at",
                (key, item.get("source") or "", item["url"], _now()))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return cursor.rowcount == 1

    def is_kept(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE key = ?", (key,)).fetchone() is not None

    def articles(self, *, source: str | None = None, since: str | None = None, until: str | None = None,
                 section: str | None = None, newest_first: bool = False, limit: int | None = None) -> Iterator[dict]:
        """Stored articles, streamed from a cursor (constant memory), filtered by site, ISO date
        bounds (``since`` inclusive, ``until`` exclusive) and section."""
        clauses, args = [], []
        for column, op, value in (("source", "=", source), ("date_published", ">=", since),
                                  ("date_published", "<", until), ("section", "=", section)):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        sql = "SELECT item FROM articles" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        sql += f" ORDER BY date_published {'DESC' if newest_first else 'ASC'}, key"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        # A separate connection, so a long export never holds up the crawl's writes.
        reader = sqlite3.connect(self.path, timeout=30)
        try:
            for (item,) in reader.execute(sql, args):
                yield json.loads(item)
        finally:
            reader.close()

    def count_articles(self, source: str | None = None) -> int:
        if source is None:
            return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM articles WHERE source = ?", (source,)).fetchone()[0]

    # --- conditional requests ---------------------------------------------------------------
    def validators(self, url: str) -> Validators | None:
        row = self.db.execute("SELECT etag, last_modified FROM validators WHERE url = ?", (url,)).fetchone()
        return Validators(*row) if row else None

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO validators (url, etag, last_modified) VALUES (?, ?, ?)",
                        (url, etag, last_modified))

    # --- feed files of runs -----------------------------------------------------------------
    def open_feed_file(self, path: str, source: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO feed_files (path, source, closed) VALUES (?, ?, 0)", (path, source))

    def close_feed_file(self, path: str) -> None:
        self.db.execute("UPDATE feed_files SET closed = 1 WHERE path = ?", (path,))

    def unclosed_feed_files(self, source: str) -> list[str]:
        return [p for (p,) in self.db.execute("SELECT path FROM feed_files WHERE source = ? AND closed = 0",
                                              (source,))]
