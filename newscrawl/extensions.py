"""Crawl-level extensions."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured


class StatsFile:
    """Write the final crawl stats as JSON to ``NEWSCRAWL_STATS_FILE`` (for schedulers and tests).

    ``%(name)s`` in the path is replaced by the spider name. Written atomically.
    """

    def __init__(self, path: str, stats):
        self.path = path
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("NEWSCRAWL_STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(path, crawler.stats)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        target = Path(self.path % {"name": spider.name})
        target.parent.mkdir(parents=True, exist_ok=True)
        stats = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.stats.get_stats().items()}
        stats.setdefault("finish_reason", reason)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, target)
