"""Where kept titles live: a small interface and two backends.

A stored title is small on purpose: its publication time (unix seconds), a
32-bit hash of its key, its content-token codes (4 bytes a token, see
``near.py``), the URL, and three 31-bit LSH band keys.  The headline itself is
not stored.

``TitleStore`` is the interface the deduper needs; ``SQLiteTitleStore`` is the
persistent backend (one file, WAL mode, shared by processes and runs) and
``MemoryTitleStore`` a dict-based one for tests and one-off runs.  The Redis
backend of shared crawls (``redis_store.RedisTitleStore``) fits the same
methods: (day, band key) -> set of ids, id -> hash of (ts, key hash, codes,
url), and ``atomic()`` as a fenced lock around lookup-then-add.
"""

from __future__ import annotations

import json

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from typing import Iterator, NamedTuple, Protocol, Sequence, runtime_checkable

from newscrawl.sqlite import open_wal

__all__ = ["StoredTitle", "TitleStore", "SQLiteTitleStore", "MemoryTitleStore", "SCHEMA_VERSION"]

SCHEMA_VERSION = 3
#: band rows are partitioned by publication day: inserts stay in the newest
#: day's pages (few dirty pages a commit, a small working set at any size),
#: and a lookup with the default 3-day window seeks 7 days per band key.
#: (4-day slices were measured too: no faster per title, slower group commit.)
SLICE = 86400


class StoredTitle(NamedTuple):
    id: int
    published: int  # unix seconds, UTC
    key_hash: int  # signed 32-bit hash of the title key
    codes: bytes  # content-token codes, little-endian uint32
    url: str


@runtime_checkable
class TitleStore(Protocol):
    """What the deduper needs from a backend."""

    def candidates(self, bands: Sequence[int], lo: int, hi: int, limit: int | None = None) -> list[StoredTitle]:
        """Kept titles sharing a band key, published in [lo, hi] (unix s), oldest kept first.
        With a *limit*, fewer than *limit* titles are all there are; *limit* or more may be a part."""
        ...

    def exact(self, bands: Sequence[int], key_hash: int, codes: bytes, lo: int, hi: int) -> StoredTitle | None:
        """The oldest kept title with this key (hash and codes; *bands* are the key's), published
        in [lo, hi]."""
        ...

    def add(self, published: int, key_hash: int, codes: bytes, url: str, bands: Sequence[int]) -> int:
        """Keep a title; returns its id.  Durable once the enclosing ``atomic()`` exits."""
        ...

    def atomic(self):  # -> ContextManager[None]
        """Context manager: lookup and add inside it are one transaction."""
        ...

    def flush(self) -> None:
        """Make everything added so far durable (a no-op where ``atomic()`` already does)."""
        ...

    def __len__(self) -> int:
        ...

    def close(self) -> None:
        ...


def exact_among(titles: Sequence[StoredTitle], key_hash: int, codes: bytes) -> StoredTitle | None:
    """The first of *titles* with this key (its hash and its codes)."""
    return next((t for t in titles if t.key_hash == key_hash and t.codes == codes), None)


# ---------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS titles(
    id   INTEGER PRIMARY KEY,   -- rowid: insertion order
    ts   INTEGER NOT NULL,      -- published, unix seconds UTC
    k    INTEGER NOT NULL,      -- signed 32-bit hash of the title key
    toks BLOB    NOT NULL,      -- content-token codes, 4 bytes each
    url  TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS band(
    d  INTEGER NOT NULL,        -- day of publication (ts // SLICE, SLICE = 1 day)
    h  INTEGER NOT NULL,        -- 31-bit LSH band key
    id INTEGER NOT NULL,
    PRIMARY KEY (d, h, id)      -- slice first: inserts stay in the newest slice's pages,
) WITHOUT ROWID;                -- and a lookup seeks (slice, band) for each slice of the window
CREATE TABLE IF NOT EXISTS meta(
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""

# Band rows in index order (day, band, id); with a limit the seek stops there: thousands of
# titles alike but for a word share a band, and reading all their rows for every title was
# quadratic. Sorted and deduplicated (a title is in up to three bands) in Python.
_CAND_SQL = (
    "SELECT t.id, t.ts, t.k, t.toks, t.url FROM band b JOIN titles t ON t.id = b.id "
    "WHERE b.d IN ({}) AND b.h IN ({}) AND t.ts BETWEEN ? AND ? LIMIT ?"
)
_CAND_SQL_RANGE = (  # very long windows: scan the days instead of seeking each
    "SELECT t.id, t.ts, t.k, t.toks, t.url FROM band b JOIN titles t ON t.id = b.id "
    "WHERE b.d BETWEEN ? AND ? AND b.h IN ({}) AND t.ts BETWEEN ? AND ? LIMIT ?"
)
# An exact copy shares every band of its key: one band's rows, filtered by the key's hash in SQLite.
_EXACT_SQL = (
    "SELECT t.id, t.ts, t.k, t.toks, t.url FROM band b JOIN titles t ON t.id = b.id "
    "WHERE b.d BETWEEN ? AND ? AND b.h = ? AND t.k = ? AND t.ts BETWEEN ? AND ? ORDER BY t.id"
)
_MAX_SEEK_SLICES = 64
_INSERT_TITLE = "INSERT INTO titles(ts, k, toks, url) VALUES (?, ?, ?, ?)"


def _cand_sql(ndays: int, nbands: int) -> str:
    if ndays > _MAX_SEEK_SLICES:
        return _CAND_SQL_RANGE.format(",".join("?" * nbands))
    return _CAND_SQL.format(",".join("?" * ndays), ",".join("?" * nbands))


def _insert_band_sql(nbands: int) -> str:
    return "INSERT OR IGNORE INTO band(d, h, id) VALUES " + ",".join(["(?,?,?)"] * nbands)


class SQLiteTitleStore:
    """Kept titles in one SQLite file (WAL mode).

    * Every ``atomic()`` block is one ``BEGIN IMMEDIATE`` transaction, so a
      title is durable when ``TitleDeduper.check_and_add`` returns, and two
      processes deduplicating into one file never both keep a story.
    * ``synchronous=NORMAL`` (default): a committed title survives the process
      being killed at any point; a power cut may lose the last transactions
      before a checkpoint.  Pass ``synchronous="FULL"`` to survive that too
      (an fsync per title).
    * WAL readers never block the writer and see every committed title; a
      killed process leaves no lock behind (SQLite locks are released by the
      OS) and its ``-wal`` file is recovered by the next open.
    * Waits up to ``timeout`` seconds for another writer.
    * ``commit_every`` (default 1) > 1 turns on group commit: titles are
      committed every ``commit_every`` titles or ``commit_interval`` seconds,
      whichever comes first, and on ``flush()`` / ``close()``.  Faster (see
      benchmarks/bench_dedupe.py), but a title is then durable -- and visible
      to other processes -- only once committed, and the write lock is held
      in between.  Keep the default where a verdict must be final when
      returned (a kept item is written to the feed right away).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 30.0,
        synchronous: str = "NORMAL",
        cache_mb: int = 64,
        wal_autocheckpoint: int = 10_000,
        commit_every: int = 1,
        commit_interval: float = 1.0,
    ) -> None:
        if commit_every < 1:
            raise ValueError("commit_every must be >= 1")
        self.commit_every = int(commit_every)
        self.commit_interval = float(commit_interval)
        self._pending = 0
        self._batch_started = 0.0
        self.path = os.fspath(path)
        if self.path != ":memory:":
            parent = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(parent, exist_ok=True)
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        self._lock = threading.RLock()
        self._sql: dict[object, str] = {}
        self._conn = open_wal(self.path, timeout=timeout, thorough=False)  # up to millions of titles: quick_check  # retries the WAL switch another crawl races
        ex = self._conn.execute
        ex(f"PRAGMA synchronous={synchronous.upper()}")
        ex(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        ex(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
        ex("PRAGMA temp_store=MEMORY")
        with self._write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    ex(statement)
            row = ex("SELECT value FROM meta WHERE name='schema'").fetchone()
            if row is None:
                ex("INSERT INTO meta(name, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path}: title store schema {row[0]}, this code reads {SCHEMA_VERSION}"
                )
        self._depth = 0

    # -- transactions ------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[None]:
        ex = self._conn.execute
        ex("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            ex("ROLLBACK")
            raise
        else:
            ex("COMMIT")

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                if self.commit_every == 1:
                    with self._write():
                        yield
                else:
                    with self._grouped():
                        yield
            finally:
                self._depth = 0

    @contextmanager
    def _grouped(self) -> Iterator[None]:
        ex = self._conn.execute
        if not self._conn.in_transaction:
            ex("BEGIN IMMEDIATE")
            self._pending = 0
            self._batch_started = time.monotonic()
        ex("SAVEPOINT title")
        try:
            yield
        except BaseException:
            ex("ROLLBACK TO title")
            ex("RELEASE title")
            raise
        ex("RELEASE title")
        self._pending += 1
        if self._pending >= self.commit_every or time.monotonic() - self._batch_started >= self.commit_interval:
            self.flush()

    def flush(self) -> None:
        """Commit titles kept since the last commit (group commit only; else a no-op)."""
        with self._lock:
            if self._conn is not None and self._conn.in_transaction:
                self._conn.execute("COMMIT")
            self._pending = 0

    # -- the interface -----------------------------------------------------

    def candidates(self, bands: Sequence[int], lo: int, hi: int, limit: int | None = None) -> list[StoredTitle]:
        d0, d1 = lo // SLICE, hi // SLICE
        ndays = d1 - d0 + 1
        key = (ndays, len(bands))
        sql = self._sql.get(key)
        if sql is None:
            sql = self._sql[key] = _cand_sql(*key)
        # *limit* titles are at most limit * bands rows; past them the seek stops (an earlier day's
        # rows come first, so the titles returned are the oldest of the rows read).
        rows_wanted = -1 if limit is None else limit * len(bands)
        if ndays > _MAX_SEEK_SLICES:
            params = (d0, d1, *bands, lo, hi, rows_wanted)
        else:
            params = (*range(d0, d1 + 1), *bands, lo, hi, rows_wanted)
        rows = self._conn.execute(sql, params).fetchall()
        if not rows:
            return []
        if len(rows) > 1:
            rows = sorted(set(rows))
        return [StoredTitle(*r) for r in rows]

    def exact(self, bands: Sequence[int], key_hash: int, codes: bytes, lo: int, hi: int) -> StoredTitle | None:
        for row in self._conn.execute(_EXACT_SQL, (lo // SLICE, hi // SLICE, bands[0], key_hash, lo, hi)):
            if row[3] == codes:  # the hash of another key, else
                return StoredTitle(*row)
        return None

    def add(self, published: int, key_hash: int, codes: bytes, url: str, bands: Sequence[int]) -> int:
        ex = self._conn.execute
        rid = ex(_INSERT_TITLE, (published, key_hash, codes, url)).lastrowid
        d = published // SLICE
        params: list[int] = []
        for h in bands:
            params += (d, h, rid)
        sql = self._sql.get(len(bands))
        if sql is None:
            sql = self._sql[len(bands)] = _insert_band_sql(len(bands))
        ex(sql, params)
        return rid  # type: ignore[return-value]

    def __len__(self) -> int:
        return self._conn.execute("SELECT count(*) FROM titles").fetchone()[0]

    # -- housekeeping ------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, name: str, value: str) -> None:
        with self.atomic():
            self._conn.execute(
                "INSERT INTO meta(name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                (name, value),
            )
        self.flush()

    def prune(self, before: int) -> int:
        """Forget titles published before ``before`` (unix s); returns how many.

        Titles older than the window can never be matched again, so a
        long-running state can be kept small with ``prune(now - window)``.
        """
        with self.atomic():
            # band rows of the boundary day may outlive their title: the join
            # in candidates() skips them, and the next prune removes them.
            self._conn.execute("DELETE FROM band WHERE d < ?", (before // SLICE,))
            removed = self._conn.execute("DELETE FROM titles WHERE ts < ?", (before,)).rowcount
        self.flush()
        return removed

    def prune_added_before(self, days: float, *, now: float | None = None) -> int:
        """Forget titles added to the store more than *days* ago; returns how many.

        Publication dates cannot decide this: a crawl that backfills 2018 stores 2018 titles
        today and needs them for its next run. The store has no insertion time per title, so
        each call leaves a mark (day, highest id) in ``meta``; titles up to the id of the newest
        mark older than *days* go, with their band rows."""
        now = time.time() if now is None else now
        today = int(now // SLICE)
        marks = json.loads(self.get_meta("added_marks") or "[]")
        top = self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM titles").fetchone()[0]
        if not marks or marks[-1][0] != today:
            marks.append([today, top])
        horizon = (now - days * 86400) // SLICE
        old = [m for m in marks if m[0] <= horizon]
        removed = 0
        if old:
            upto = old[-1][1]
            with self.atomic():
                self._conn.execute("DELETE FROM band WHERE id <= ?", (upto,))
                removed = self._conn.execute("DELETE FROM titles WHERE id <= ?", (upto,)).rowcount
            marks = [m for m in marks if m[0] > horizon] or [old[-1]]
        self.set_meta("added_marks", json.dumps(marks))
        return removed

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (done automatically; for measuring)."""
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self.flush()
                try:
                    self._conn.execute("PRAGMA optimize")
                except sqlite3.Error:
                    pass
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> "SQLiteTitleStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteTitleStore({self.path!r})"


# ---------------------------------------------------------------------------
# memory
# ---------------------------------------------------------------------------


class MemoryTitleStore:
    """The same store in plain Python containers; nothing survives the process."""

    def __init__(self) -> None:
        self._titles: list[StoredTitle] = []
        # (time slice << 31 | band key) -> index, or list of indexes
        self._bands: dict[int, int | list[int]] = {}
        self._lock = threading.RLock()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
            yield

    def candidates(self, bands: Sequence[int], lo: int, hi: int, limit: int | None = None) -> list[StoredTitle]:
        found: set[int] = set()
        get = self._bands.get
        for d in range(lo // SLICE, hi // SLICE + 1):
            base = d << 31
            for h in bands:
                v = get(base | h)
                if v is None:
                    continue
                if isinstance(v, int):
                    found.add(v)
                else:
                    found.update(v)
        if not found:
            return []
        titles = self._titles
        out = [t for t in (titles[i] for i in sorted(found)) if lo <= t.published <= hi]
        return out if limit is None else out[:limit]

    def exact(self, bands: Sequence[int], key_hash: int, codes: bytes, lo: int, hi: int) -> StoredTitle | None:
        # No key index here (tests and one-off runs): among the titles sharing the key's bands.
        return exact_among(self.candidates(bands, lo, hi), key_hash, codes)

    def add(self, published: int, key_hash: int, codes: bytes, url: str, bands: Sequence[int]) -> int:
        idx = len(self._titles)
        self._titles.append(StoredTitle(idx + 1, published, key_hash, codes, url))
        b = self._bands
        base = (published // SLICE) << 31
        for h in bands:
            h |= base
            v = b.get(h)
            if v is None:
                b[h] = idx
            elif isinstance(v, int):
                if v != idx:
                    b[h] = [v, idx]
            elif v[-1] != idx:
                v.append(idx)
        return idx + 1

    def __len__(self) -> int:
        return len(self._titles)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "MemoryTitleStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
