"""Opening the SQLite state files that several crawls may share (pure; standard library)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

# A file this young and empty may be one another crawl has just created and not yet set up.
_NEW_FILE_GRACE = 60.0
_CHECKED: set[tuple] = set()  # files found sound in this process, by size and mtime


class DamagedStateError(RuntimeError):
    """A state file that is not a sound SQLite database. Never reset silently: the file holds
    what every earlier run kept, and starting over would emit all of it again."""

    def __init__(self, path: Path, detail: str):
        path = self.path = Path(path).resolve()
        self.detail = detail
        super().__init__(
            f"State file {path} is damaged ({detail}). Nothing was crawled. Restore it from a backup, "
            f"or move it aside (mv '{path}' '{path}.damaged') to start afresh: every article will then "
            f"be fetched and emitted again.")


def check_state_file(path: Path, *, thorough: bool = True) -> None:
    """Raise DamagedStateError for a file that exists but cannot be a state database: empty
    (truncated to 0 bytes, unless just created by a concurrent crawl), or failing
    ``PRAGMA integrity_check`` (a foreign or cut file, an index that no longer matches its
    table; quick_check misses the last). Not *thorough*: ``quick_check``, for files too big to
    check whole at every start (the title store)."""
    path = Path(path)
    if not path.exists():
        return
    wal = path.with_name(path.name + "-wal")
    size = path.stat().st_size
    if size == 0:
        if wal.exists() or time.time() - path.stat().st_mtime < _NEW_FILE_GRACE:
            return
        raise DamagedStateError(path, "the file is empty: 0 bytes")
    stamp = (str(path.resolve()), size, path.stat().st_mtime_ns, thorough)
    if stamp in _CHECKED:  # the crawl command checked it a moment ago, in this process
        return
    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
        try:
            rows = db.execute(f"PRAGMA {'integrity_check' if thorough else 'quick_check'}").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        # Only "not a database" and "malformed" are damage; locked, I/O or permission errors
        # are reported as such by the caller, never as a reason to move the file aside.
        if getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            raise DamagedStateError(path, str(error)) from None
        raise
    if rows != [("ok",)]:
        raise DamagedStateError(path, "; ".join(str(r[0]) for r in rows[:3]))
    _CHECKED.add(stamp)


# Page cache of each connection, in KiB: set explicitly, so a crawl's memory stays bounded however
# large its state files grow (the title store sets its own, newscrawl.pipelines).
CACHE_KIB = 2048


def open_wal(path, *, timeout: float = 30.0, setup: str = "", check: bool = True,
             thorough: bool = True) -> sqlite3.Connection:
    """An autocommit connection in WAL mode, with *setup* (a script of idempotent statements) run.

    With *check*, a damaged file raises DamagedStateError first (see ``check_state_file``).
    Switching a new file to WAL, or creating its tables, while another crawl does the same can
    fail at once with "database is locked" (SQLite does not wait for that lock), so these first
    steps are retried until *timeout*.
    """
    if check:
        check_state_file(Path(path), thorough=thorough)
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            if setup:
                db.executescript(setup)
            return db
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                db.close()
                raise
            time.sleep(0.05)
        except sqlite3.DatabaseError as error:
            db.close()
            if getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                raise DamagedStateError(Path(path), str(error)) from None
            raise
