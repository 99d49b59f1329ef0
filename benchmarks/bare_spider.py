"""The floor of a crawl: a Scrapy spider that only fetches a list of URLs (no parsing, no
items), run with Scrapy's default settings. ``benchmarks/crawl.py`` compares newscrawl's crawl
with it, page for page.

    scrapy runspider benchmarks/bare_spider.py -a urls_file=URLS -a stats_file=OUT.json
"""

from __future__ import annotations

import json
from pathlib import Path

import scrapy


class BareFetchSpider(scrapy.Spider):
    name = "bare_fetch"
    custom_settings = {"EXTENSIONS": {"benchmarks.cpu_meter.CpuMeter": 0}}

    def __init__(self, urls_file: str, stats_file: str, **kwargs):
        super().__init__(**kwargs)
        self.urls_file, self.stats_file = urls_file, stats_file

    async def start(self):
        for line in Path(self.urls_file).read_text(encoding="utf-8").splitlines():
            if line:
                yield scrapy.Request(line, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return []

    def closed(self, reason):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
        Path(self.stats_file).write_text(json.dumps(stats, default=str), encoding="utf-8")
