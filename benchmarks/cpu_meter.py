"""A Scrapy extension for the benchmarks: the crawler process's CPU time at its first and at its
last response, so a rate can leave out start-up (imports, opening stores) and closing work
(final feeds, monitors), which do not grow with the crawl. Writes JSON to ``BENCH_CPU_FILE``."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

from scrapy import signals


class CpuMeter:
    def __init__(self, crawler):
        self.path = Path(crawler.settings.get("BENCH_CPU_FILE") or "cpu.json")
        self.responses = 0
        self.first = self.last = 0.0
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def response_received(self, response, request, spider):
        self.responses += 1
        self.last = time.process_time()
        if self.responses == 1:
            self.first = self.last

    def spider_closed(self, spider):
        self.path.write_text(json.dumps({
            "responses": self.responses, "first_response_cpu": self.first, "last_response_cpu": self.last,
            "closed_cpu": time.process_time(), "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }), encoding="utf-8")
