"""A clock stepped back between runs raises no false alarm and loses nothing.

A run under a clock a day ahead (a host's clock wrong, then fixed) stamps its records in the
future. The runs after it, under the right clock, judged every story that run saw as new since
the last walk, and every listing walk as "ended on stories all new": the Listings monitor
failed on healthy runs until the clock caught up (adversary round 13, finding 4). The store's
records count as seen by the earlier walks while the clock is behind them.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from tests.conftest import crawl, story_counts

TIME_COLUMNS = {"pages": ("seen_at", "first_seen", "not_before"), "articles": ("kept_at",),
                "chains": ("walked_at", "recorded_at", "whole_at"), "runs": ("started_at", "finished_at"),
                "validators": ("stored_at",)}


def _as_if_run_ahead(state_file, ahead: timedelta) -> None:
    """Every time the store recorded, moved *ahead*: the runs so far ran under a clock that far
    ahead. Their listing walks are dropped, as a run whose listings failed records none."""
    db = sqlite3.connect(state_file)
    with db:
        db.execute("DELETE FROM chains")
        for table, columns in TIME_COLUMNS.items():
            for column in columns:
                rows = db.execute(f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
                db.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                               [((datetime.fromisoformat(value) + ahead).isoformat(timespec="microseconds"), rowid)
                                for rowid, value in rows])
    db.close()


def test_runs_after_one_under_a_clock_a_day_ahead_raise_no_listing_alarm(tmp_path):
    site = MirrorSite(articles=60, per_page=4)
    with MirrorServer(site) as server:
        crawl(server.base_url, tmp_path, "-a", "max_pages=0")
        _as_if_run_ahead(tmp_path / "state" / "state.sqlite", timedelta(hours=25))
        _, second, log = crawl(server.base_url, tmp_path, "-a", "max_pages=0")
        items, third, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=0")
    for stats in (second, third):
        assert stats.get("newscrawl/listings/ended_short", 0) == 0
        assert stats["newscrawl/monitors/failed"] == 0
    assert second["newscrawl/clock/behind_store"] == third["newscrawl/clock/behind_store"] == 1
    assert "Was the clock stepped back?" in log
    counts = story_counts(items, site)
    assert counts == {story: 1 for story in site.expected_stories()}
