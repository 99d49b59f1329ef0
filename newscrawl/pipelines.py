"""Item pipelines: thin adapters from Scrapy to the pure modules (dates, dedupe).

Order (``ITEM_PIPELINES``): required fields → dates → title dedupe. Every drop is logged
with its reason and counted under ``newscrawl/...`` in the crawl stats.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from newscrawl.dates import analyse_date, is_plausible
from newscrawl.dedupe import SQLiteTitleStore, TitleDeduper

logger = logging.getLogger(__name__)


class _Pipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def stat(self, key: str) -> None:
        self.stats.inc_value(f"newscrawl/{key}")


class RequiredFieldsPipeline(_Pipeline):
    """Drop items without ``url``, ``headline`` or ``body``: a feed row without them is useless."""

    REQUIRED = ("url", "headline", "body")

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for name in self.REQUIRED:
            if not adapter.get(name):
                self.stat(f"items/dropped/missing_{name}")
                raise DropItem(f"missing {name}: {adapter.get('url')}", log_level="WARNING")
        return item


class DatePipeline(_Pipeline):
    """Fill ``date_published`` / ``date_modified`` (ISO 8601) from their ``*_raw`` text.

    The raw text is kept. A date outside 1995 .. crawl time + 1 day is refused and counted;
    each unparsed raw text is logged once.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._logged: set[str] = set()

    def _timezone(self) -> str:
        spider = self.crawler.spider
        site = getattr(spider, "site", None)
        return getattr(site, "timezone", None) or self.crawler.settings.get("NEWSCRAWL_DEFAULT_TIMEZONE", "UTC")

    def process_item(self, item):
        adapter = ItemAdapter(item)
        now = datetime.now(timezone.utc)
        for name in ("date_published", "date_modified"):
            raw = adapter.get(f"{name}_raw")
            if not raw:
                if name == "date_published":
                    self.stat("dates/missing")
                continue
            result = analyse_date(raw, reference=now, tz=self._timezone())
            if "weekday_mismatch" in result.flags:
                self.stat("dates/weekday_mismatch")
                logger.info("Weekday does not match the date in %r (%s)", raw, adapter.get("url"))
            if result.value is None:
                self.stat("dates/unparsed")
                if raw not in self._logged:
                    self._logged.add(raw)
                    logger.warning("Unparsed %s %r (%s; flags: %s)", name, raw, adapter.get("url"),
                                   ",".join(sorted(result.flags)) or "-")
                continue
            if not is_plausible(result.value, now=now):
                self.stat("dates/implausible")
                logger.warning("Implausible %s %s from %r refused (%s)", name, result.value.isoformat(), raw,
                               adapter.get("url"))
                continue
            adapter[name] = result.value.isoformat()
            self.stat("dates/parsed")
        return item


class TitleDedupePipeline(_Pipeline):
    """Drop a story already kept: same title after Arabic normalisation, or a near-duplicate,
    within ``NEWSCRAWL_DEDUPE_WINDOW`` days of the first copy. State persists in SQLite under
    ``NEWSCRAWL_STATE_DIR`` so scheduled runs see what earlier runs kept."""

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        state_dir = Path(settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl"))
        window = timedelta(days=settings.getfloat("NEWSCRAWL_DEDUPE_WINDOW", 3))
        self.store = SQLiteTitleStore(state_dir / "titles.sqlite")
        self.deduper = TitleDeduper(self.store, window=window)
        logger.info("Title dedupe state: %s (window %s)", state_dir / "titles.sqlite", window)

    def close_spider(self):
        self.store.close()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        published = adapter.get("date_published")
        when = datetime.fromisoformat(published) if published else None
        verdict = self.deduper.check_and_add(adapter["headline"], adapter["url"], when)
        if verdict.kind == "new" or verdict.duplicate_of == adapter["url"]:
            return item  # a page seen again (a resumed or refreshed run) is no duplicate of itself
        self.stat(f"dedupe/{verdict.kind}")
        raise DropItem(f"{verdict.kind} duplicate title of {verdict.duplicate_of}: {adapter['url']}",
                       log_level="INFO")
