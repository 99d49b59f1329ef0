"""Crawl-level extensions."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawl.feedstorage import run_started, time_stamp


def check_stats_file_path(path: str | None) -> None:
    """ValueError, in one sentence, for a ``NEWSCRAWL_STATS_FILE`` that names other fields."""
    try:
        (path or "") % {"name": "spider", "time": "time"}
    except (KeyError, ValueError, TypeError) as error:
        raise ValueError(f"NEWSCRAWL_STATS_FILE may hold %(name)s and %(time)s only, got {path!r} ({error!r})") from None


class StatsFile:
    """Write the final crawl stats as JSON to ``NEWSCRAWL_STATS_FILE`` (for schedulers and tests).

    ``%(name)s`` in the path is replaced by the spider name and ``%(time)s`` by the run's start,
    as in the feeds' paths (one file per run). Written atomically.
    """

    def __init__(self, path: str, stats, crawler=None):
        self.path = path
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("NEWSCRAWL_STATS_FILE")
        if not path:
            raise NotConfigured
        check_stats_file_path(path)
        extension = cls(path, crawler.stats, crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        stamp = time_stamp(run_started(self.crawler)) if self.crawler is not None else ""
        target = Path(self.path % {"name": spider.name, "time": stamp})
        target.parent.mkdir(parents=True, exist_ok=True)
        stats = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.stats.get_stats().items()}
        stats.setdefault("finish_reason", reason)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, target)
