"""`scrapy bench`'s own spider (it follows every link of Scrapy's bench server), run as a
separate process so that its CPU is measured apart from the server's: ``scrapy bench`` runs the
server as its child, and would count both. Run with the settings ``scrapy bench`` uses.

    scrapy runspider benchmarks/bench_spider.py -a stats_file=OUT.json -s CLOSESPIDER_TIMEOUT=10
"""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.commands.bench import _BenchSpider


class BenchSpider(_BenchSpider):
    name = "follow"
    total = 100000  # what `scrapy bench` passes
    custom_settings = {"EXTENSIONS": {"benchmarks.cpu_meter.CpuMeter": 0}}

    def __init__(self, stats_file: str, **kwargs):
        super().__init__(**kwargs)
        self.stats_file = stats_file

    def closed(self, reason):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
        Path(self.stats_file).write_text(json.dumps(stats, default=str), encoding="utf-8")
