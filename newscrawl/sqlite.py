"""Opening the SQLite state files that several crawls may share (pure; standard library)."""

from __future__ import annotations

import sqlite3
import time


def open_wal(path, *, timeout: float = 30.0, setup: str = "") -> sqlite3.Connection:
    """An autocommit connection in WAL mode, with *setup* (a script of idempotent statements) run.

    Switching a new file to WAL, or creating its tables, while another crawl does the same can
    fail at once with "database is locked" (SQLite does not wait for that lock), so these first
    steps are retried until *timeout*.
    """
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            if setup:
                db.executescript(setup)
            return db
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                db.close()
                raise
            time.sleep(0.05)
