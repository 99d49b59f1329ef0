"""What earlier crawls learned, in SQLite (pure; no Scrapy).

- ``pages``: every article URL a crawl discovered and its outcome. ``pending`` from the moment
  a feed, listing or sitemap names it until a run settles it (kept, duplicate, not an article,
  gone); ``failed`` and ``missing`` are pending with a not-before time (backoff across runs).
  Every run starts by requesting what is pending, however the previous run ended.
- ``articles``: every kept article, whole, for the rolling feed and ``scrapy export``.
- ``runs``: a row written when a run starts and closed when it finishes cleanly, so the next
  run knows whether its predecessor was interrupted.
- ``chains``: per listing (a section's chain of "more" pages), how deep a *finished* run walked
  it, whether it reached the end, and when: the only evidence that lets a later run stop early.
- ``validators``: ETag / Last-Modified of feeds, for conditional requests.
- ``warc_files``: the WARC files (paths or URLs) a crawl from archives read to the end and
  whose pages it settled, per spider: skipped by later runs (``scrapy ccnews`` resumes so).
- ``feed_files``: the feed files each run wrote and whether the run closed them, so a run
  killed mid-way can be reconciled with what reached its feed.

WAL mode and one transaction per write: a killed crawl loses nothing that was acknowledged and
leaves no lock behind.
"""

from __future__ import annotations

import json
import secrets
import socket
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from newscrawl.sqlite import open_wal

# Outcomes that settle a URL for good ("alias": a URL whose page names another canonical URL;
# "other_language": an article NEWSCRAWL_LANGUAGES leaves out).
FINAL_STATUSES = ("kept", "duplicate", "not_article", "gone", "alias", "other_language")
# Settled outcomes a site can take back: a page still linked is asked again once its outcome is
# older than NEWSCRAWL_REVALIDATE_HOURS (known(gone_before=)).
RECHECKED_STATUSES = ("gone", "not_article")
# Not settled ("pending", "failed", "missing"): discovered and not yet fetched, or fetched
# without a usable result (5xx, timeouts, a page without a body, garbage). Requested again by
# the next run once due.
# Backoff across runs for a page that keeps failing: the first retry is due at once (the next
# run), then 5 min, 10 min, 20 min ... up to retry_failed_after.
FIRST_BACKOFF = timedelta(minutes=5)
# A page the site lists that answers 404 or 410 is gone only after this many answers (the
# attempts counted across runs, with backoff between them): a CMS lists a story a moment before
# its page is served, a cache or a deploy answers 404 for a minute. Until then it stays open
# ("missing") and is asked again.
GONE_AFTER_ATTEMPTS = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT NOT NULL, section TEXT, date_published TEXT,
    kept_at TEXT NOT NULL, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_by_source_date ON articles (source, date_published);
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT);
CREATE TABLE IF NOT EXISTS feed_files (path TEXT PRIMARY KEY, source TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
    reason TEXT);
CREATE TABLE IF NOT EXISTS chains (
    key TEXT PRIMARY KEY, depth INTEGER NOT NULL, complete INTEGER NOT NULL, walked_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS about (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS warc_files (
    source TEXT NOT NULL, spider TEXT NOT NULL, finished_at TEXT NOT NULL, records INTEGER, cut INTEGER,
    PRIMARY KEY (source, spider));
"""
# Columns added after the first release: added to older state files in place.
PAGE_COLUMNS = {"first_seen": "TEXT", "attempts": "INTEGER NOT NULL DEFAULT 0", "not_before": "TEXT"}
CHAIN_COLUMNS = {"recorded_at": "TEXT", "whole_at": "TEXT"}
VALIDATOR_COLUMNS = {"stored_at": "TEXT"}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class RunActivity:
    pages_settled: int
    articles_kept: int
    last_seen: str | None  # ISO time of the last page settled or article kept
    duplicates: int = 0  # pages settled as duplicate titles


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    stored_at: str | None = None  # when the feed last answered 200 (ISO time; None before it was kept)


@dataclass(frozen=True)
class Chain:
    """How far a finished run walked a listing chain: ``depth`` pages, to its end if
    ``complete``, beginning at ``walked_at`` (ISO time); ``recorded_at``: when that run ended
    (what it saw, it had seen by then; None in a store written before it was kept)."""
    depth: int
    complete: bool
    walked_at: str
    recorded_at: str | None = None
    whole_at: str | None = None  # when the last walk that took no shortcut began (None: not known)


@dataclass(frozen=True)
class Run:
    id: int
    source: str
    started_at: str
    finished_at: str | None
    reason: str | None


class CrawlState:
    def __init__(self, path: str | Path, *, retry_failed_after: timedelta = timedelta(hours=6)):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retry_failed_after = retry_failed_after
        # Autocommit; keep() groups its writes in one transaction. A damaged file raises
        # DamagedStateError here (newscrawl.sqlite), never a silent fresh start.
        self.db = open_wal(self.path, timeout=30, setup="PRAGMA synchronous=NORMAL;" + SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        for table, columns in (("pages", PAGE_COLUMNS), ("chains", CHAIN_COLUMNS), ("validators", VALIDATOR_COLUMNS)):
            have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for column, kind in columns.items():
                if column not in have:
                    try:
                        self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                    except sqlite3.OperationalError as error:  # another crawl added it first
                        if "duplicate column" not in str(error):
                            raise
        self.db.execute("CREATE INDEX IF NOT EXISTS pages_open ON pages (source, status)")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """The writes made inside, in one transaction committed on leaving (whatever happens
        inside): a listing page's links discovered in one commit instead of one each. Callers
        hand nothing on (no request) until it is left, so what they act on is committed."""
        if self.db is None or self.db.in_transaction:  # no SQLite (a shared reader), or inside a group that commits
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    # --- pages ------------------------------------------------------------------------------
    def known(self, key: str, *, before: str | None = None, gone_before: str | None = None) -> str | None:
        """The outcome of *key* if it needs no request now, else None: settled for good, or
        failed and not yet due again. Pending pages are not known. With *before* (an ISO time,
        e.g. this run's start), only outcomes recorded earlier count. With *gone_before*, a page
        last found gone or no article before then is asked again (the site still links it)."""
        row = self.db.execute("SELECT status, seen_at, not_before FROM pages WHERE key = ?", (key,)).fetchone()
        if row is None or (before is not None and row[1] >= before):
            return None
        status, seen_at, not_before = row
        if status in RECHECKED_STATUSES and gone_before is not None and seen_at < gone_before:
            return None
        if status in FINAL_STATUSES:
            return status
        if status != "pending" and not_before and not_before > _now():
            return status  # failed recently: not yet worth another try
        return None

    def status(self, key: str) -> str | None:
        """The outcome last recorded for *key* (None: never discovered)."""
        row = self.db.execute("SELECT status FROM pages WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def discovered_before(self, key: str, when: str) -> bool:
        """Was *key* first seen (discovered or settled) at or before *when* (ISO time)?"""
        row = self.db.execute("SELECT COALESCE(first_seen, seen_at) FROM pages WHERE key = ?", (key,)).fetchone()
        return row is not None and row[0] <= when

    def discover(self, key: str, source: str, url: str) -> None:
        """Remember an article URL the moment a crawl decides to fetch it, so that however the
        run ends, the next one fetches it if this one did not settle it."""
        now = _now()
        self.db.execute("INSERT OR IGNORE INTO pages (key, source, url, status, seen_at, first_seen) "
                        "VALUES (?, ?, ?, 'pending', ?, ?)", (key, source, url, now, now))

    def record(self, key: str, source: str, url: str, status: str) -> None:
        """Remember a URL's outcome; a kept page is never downgraded by a later duplicate copy.
        An open outcome (failed, missing) counts an attempt and sets when it is due again."""
        now = datetime.now(timezone.utc)
        row = self.db.execute("SELECT attempts FROM pages WHERE key = ?", (key,)).fetchone()
        attempts = (row[0] or 0) + 1 if row else 1
        if status == "gone" and attempts < GONE_AFTER_ATTEMPTS:
            status = "missing"  # one 404 is no proof (see GONE_AFTER_ATTEMPTS)
        not_before = None
        if status in ("failed", "missing") and attempts > 1:
            backoff = min(self.retry_failed_after, FIRST_BACKOFF * 2 ** min(attempts - 2, 20))
            not_before = (now + backoff).isoformat(timespec="microseconds")
        stamp = now.isoformat(timespec="microseconds")
        self.db.execute(
            "INSERT INTO pages (key, source, url, status, seen_at, first_seen, attempts, not_before) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET status = excluded.status, seen_at = excluded.seen_at, "
            "attempts = excluded.attempts, not_before = excluded.not_before WHERE pages.status != 'kept'",
            (key, source, url, status, stamp, stamp, attempts, not_before))

    def open_pages(self, source: str) -> list[str]:
        """URLs of *source* that are discovered but not settled and due now: what an earlier
        run left behind (interrupted, or failed pages whose backoff has passed)."""
        return [url for (url,) in self.db.execute(
            "SELECT url FROM pages WHERE source = ? AND status IN ('pending', 'failed', 'missing') "
            "AND (not_before IS NULL OR not_before <= ?) ORDER BY first_seen", (source, _now()))]

    def count_open(self, source: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM pages WHERE source = ? AND status IN "
                               "('pending', 'failed', 'missing')", (source,)).fetchone()[0]

    def forget(self, key: str) -> None:
        """Drop a pending page that turned out to be no article page (generic spider)."""
        self.db.execute("DELETE FROM pages WHERE key = ? AND status = 'pending'", (key,))

    # --- articles ---------------------------------------------------------------------------
    def keep(self, key: str, item: dict, *, replace: bool = False) -> bool:
        """Store a kept article (and settle its URL); False if it was already kept (unless
        *replace*, for ``refresh`` runs that fetch kept pages again)."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        now = _now()  # one stamp for the article and its page
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cursor = self.db.execute(
                f"{verb} INTO articles (key, source, url, section, date_published, kept_at, item) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, item.get("source") or "", item["url"], item.get("section"), item.get("date_published"), now,
                 json.dumps(item, ensure_ascii=False, sort_keys=True)))
            self.db.execute(
                "INSERT INTO pages (key, source, url, status, seen_at, first_seen) VALUES (?, ?, ?, 'kept', ?, ?) "
                # an article kept before keeps its seen_at: recording a killed run's feed again
                # (newscrawl.incremental) must not make its pages look settled by this run
                "ON CONFLICT(key) DO UPDATE SET status = 'kept', not_before = NULL, seen_at = CASE WHEN "
                "pages.status = 'kept' AND NOT ? THEN pages.seen_at ELSE excluded.seen_at END",
                (key, item.get("source") or "", item["url"], now, now, replace))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return cursor.rowcount == 1

    def is_kept(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE key = ?", (key,)).fetchone() is not None

    def kept_item(self, key: str, source: str) -> dict | None:
        """The kept article at *key* (of *source*) as it was written, or None."""
        row = self.db.execute("SELECT item FROM articles WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def kept_published_at(self, source: str, date_published: str, limit: int = 20) -> list[dict]:
        """Up to *limit* kept articles of *source* whose ``date_published`` is exactly
        *date_published* (the index on both columns): where a story moved to a new URL is found."""
        rows = self.db.execute("SELECT item FROM articles WHERE source = ? AND date_published = ? LIMIT ?",
                               (source, date_published, limit)).fetchall()
        return [json.loads(item) for (item,) in rows]

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
        row = self.db.execute("SELECT etag, last_modified, stored_at FROM validators WHERE url = ?", (url,)).fetchone()
        return Validators(*row) if row else None

    def set_validators(self, url: str, etag: str | None, last_modified: str | None,
                       stored_at: str | None = None) -> None:
        """*stored_at*: when the document answered 200 with them (ISO time; default now)."""
        self.db.execute("INSERT OR REPLACE INTO validators (url, etag, last_modified, stored_at) VALUES (?, ?, ?, ?)",
                        (url, etag, last_modified, stored_at or _now()))

    # --- feed files of runs -----------------------------------------------------------------
    def open_feed_file(self, path: str, source: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO feed_files (path, source, closed) VALUES (?, ?, 0)", (path, source))

    def close_feed_file(self, path: str) -> None:
        self.db.execute("UPDATE feed_files SET closed = 1 WHERE path = ?", (path,))

    def journal_id(self) -> str:
        """This state directory's feed files as one identity, the same for every run here (a shared
        crawl's claims name it: only a run in this directory can read those feed files back)."""
        self.db.execute("INSERT OR IGNORE INTO about (name, value) VALUES ('journal', ?)",
                        (f"{socket.gethostname()}:{secrets.token_hex(6)}",))
        return self.db.execute("SELECT value FROM about WHERE name = 'journal'").fetchone()[0]

    def unclosed_feed_files(self, source: str) -> list[str]:
        return [p for (p,) in self.db.execute("SELECT path FROM feed_files WHERE source = ? AND closed = 0",
                                              (source,))]

    # --- WARC files read to the end ---------------------------------------------------------
    def warc_finished(self, source: str, spider: str) -> bool:
        return self.db.execute("SELECT 1 FROM warc_files WHERE source = ? AND spider = ?",
                               (source, spider)).fetchone() is not None

    def finish_warc(self, source: str, spider: str, records: int, cut: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO warc_files (source, spider, finished_at, records, cut) "
                        "VALUES (?, ?, ?, ?, ?)", (source, spider, _now(), records, cut))

    # --- runs -------------------------------------------------------------------------------
    def start_run(self, source: str, started_at: str | None = None) -> tuple[Run, Run | None]:
        """Open a run of *source* (started at *started_at*, ISO, else now); returns it and the
        previous run if that one never finished cleanly (interrupted: Ctrl-C, SIGKILL, a crash,
        a full disk)."""
        previous = self.db.execute("SELECT id, source, started_at, finished_at, reason FROM runs WHERE source = ? "
                                   "ORDER BY id DESC LIMIT 1", (source,)).fetchone()
        started = started_at or _now()
        cursor = self.db.execute("INSERT INTO runs (source, started_at) VALUES (?, ?)", (source, started))
        run = Run(cursor.lastrowid, source, started, None, None)
        interrupted = Run(*previous) if previous and previous[4] != "finished" else None
        return run, interrupted

    def run_before(self, run: Run) -> Run | None:
        """The run of the same source opened before *run*."""
        row = self.db.execute("SELECT id, source, started_at, finished_at, reason FROM runs WHERE source = ? AND "
                              "id < ? ORDER BY id DESC LIMIT 1", (run.source, run.id)).fetchone()
        return Run(*row) if row else None

    def latest_record(self) -> str | None:
        """The latest time the store recorded a page outcome at (ISO): later than now when the
        clock was stepped back since (a host's clock fixed, a run under a wrong clock)."""
        row = self.db.execute("SELECT MAX(seen_at) FROM pages").fetchone()
        return row[0] if row else None

    def last_run(self, source: str) -> Run | None:
        row = self.db.execute("SELECT id, source, started_at, finished_at, reason FROM runs WHERE source = ? "
                              "ORDER BY id DESC LIMIT 1", (source,)).fetchone()
        return Run(*row) if row else None

    def activity_between(self, source: str, since: str, until: str) -> RunActivity | None:
        """What the state store saw of *source* between two ISO times: for a run killed before
        it could report itself (``newscrawl.runs.record_killed_run``)."""
        pages, last, duplicates = self.db.execute(
            "SELECT COUNT(*), MAX(seen_at), COALESCE(SUM(status = 'duplicate'), 0) FROM pages WHERE source = ? AND "
            "status != 'pending' AND seen_at >= ? AND seen_at < ?", (source, since, until)).fetchone()
        kept, last_kept = self.db.execute("SELECT COUNT(*), MAX(kept_at) FROM articles WHERE source = ? AND "
                                          "kept_at >= ? AND kept_at < ?", (source, since, until)).fetchone()
        return RunActivity(pages, kept, max(filter(None, (last, last_kept)), default=None), duplicates)

    def end_run(self, run: Run, reason: str) -> None:
        """Close *run*; only reason "finished" makes it count as complete."""
        self.db.execute("UPDATE runs SET finished_at = ?, reason = ? WHERE id = ?", (_now(), reason, run.id))

    # --- listing chains ---------------------------------------------------------------------
    def chain(self, key: str) -> Chain | None:
        row = self.db.execute("SELECT depth, complete, walked_at, recorded_at, whole_at FROM chains WHERE key = ?",
                              (key,)).fetchone()
        return Chain(row[0], bool(row[1]), row[2], row[3], row[4]) if row else None

    def walked_chain(self, key: str, depth: int, complete: bool, walked_at: str | None = None, *,
                     whole: bool = False) -> None:
        """A finished run walked listing chain *key* to page *depth* (to its end if *complete*),
        having begun at *walked_at* (ISO time; now if None): every story first seen before then
        and listed on the chain was behind that walk. Depth and completeness only grow. *whole*:
        the walk took no shortcut (it went to the chain's end or to max_pages)."""
        walked_at = walked_at or _now()
        self.db.execute(
            "INSERT INTO chains (key, depth, complete, walked_at, recorded_at, whole_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET depth = MAX(chains.depth, excluded.depth), "
            "complete = MAX(chains.complete, excluded.complete), walked_at = excluded.walked_at, "
            "recorded_at = excluded.recorded_at, whole_at = COALESCE(excluded.whole_at, chains.whole_at)",
            (key, depth, int(complete), walked_at, _now(), walked_at if whole else None))

    @staticmethod
    def now() -> str:
        """The store's clock, as it stamps rows (ISO 8601, UTC, microseconds)."""
        return _now()
