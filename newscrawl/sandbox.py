"""Point every file a crawl writes into one directory: for ``scrapy demo`` and ``scrapy parse``,
which must never touch the feeds, reports and state of the directory they run in (nor a
production settings module's absolute paths, S3 feeds or log file)."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import BaseSettings

# Above the project's settings (20) and a spider's custom_settings (30), below the command
# line's -s (40): what the user names on the command line still wins.
SANDBOX_PRIORITY = 35


def confine_outputs(settings: BaseSettings, directory: Path, *, feeds: bool = True) -> None:
    """Every path setting of a crawl moved under *directory*; Scrapy's own disk state off.

    ``feeds=False`` writes no per-run feed (``scrapy parse`` prints its items instead)."""
    d = str(directory)
    values = {
        "NEWSCRAWL_STATE_DIR": f"{d}/state",
        "FEEDS": {
            f"{d}/feeds/%(name)s/%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf-8"},
            f"{d}/feeds/%(name)s/%(time)s.json": {"format": "jsonfeed"},
        } if feeds else {},
        "NEWSCRAWL_ROLLING_FEED": f"{d}/feeds/%(name)s.json" if feeds else "",
        "NEWSCRAWL_DUPLICATES_FEED": f"{d}/feeds/%(name)s/%(time)s.duplicates.jsonl" if feeds else "",
        "NEWSCRAWL_MONITOR_REPORT": f"{d}/reports/%(name)s.json",
        "NEWSCRAWL_STATS_FILE": f"{d}/stats/%(name)s.json",
        "NEWSCRAWL_ARCHIVE": f"{d}/archive/%(name)s/%(time)s.warc.gz" if feeds else "",
        # A production JOBDIR would be locked, its queue replayed or set aside; its log file appended to.
        "JOBDIR": None,
        "LOG_FILE": None,
        "HTTPCACHE_ENABLED": False,
    }
    for name, value in values.items():
        settings.set(name, value, priority=SANDBOX_PRIORITY)
