"""Log lines for dropped items that say why, without dumping the whole article."""

from __future__ import annotations

from scrapy import logformatter


class NewscrawlLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        # Scrapy's default appends the item's repr (a whole article body); the reason carries the URL.
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry
