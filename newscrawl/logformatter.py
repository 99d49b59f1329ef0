"""Log lines for dropped items that say why, without dumping the whole article; and debug
messages that no handler writes left unmade."""

from __future__ import annotations

import logging

from scrapy import logformatter, signals


class NewscrawlLogFormatter(logformatter.LogFormatter):
    @classmethod
    def from_crawler(cls, crawler):
        formatter = cls()
        levels = UnwrittenLevels()
        crawler.signals.connect(levels.skip, signal=signals.spider_opened)
        crawler.signals.connect(levels.restore, signal=signals.spider_closed)
        formatter._unwritten_levels = levels  # the signals hold their receivers weakly
        return formatter

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        # Scrapy's default appends the item's repr (a whole article body); the reason carries the URL.
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry


class UnwrittenLevels:
    """Scrapy sets its ``scrapy`` logger to DEBUG and the root logger to NOTSET, and leaves the
    choice of LOG_LEVEL to its handlers: every "Crawled (200)" and "Scraped from" line of a
    page was built as a record (its caller found by walking the stack) and then thrown away by
    each handler, about 1% of a crawl's CPU. While the spider runs, those two loggers are raised
    to the lowest level any handler that could see such a record writes, so those messages stop at
    ``isEnabledFor``; nothing a handler would write is lost. Restored when the spider closes."""

    def __init__(self) -> None:
        self.saved: dict[str, int] | None = None

    @staticmethod
    def _loggers() -> dict[str, logging.Logger]:
        return {"": logging.getLogger(), "scrapy": logging.getLogger("scrapy")}

    def skip(self, spider) -> None:
        raised = self._loggers()
        # The handlers that may see a record of a logger whose level comes from the root or
        # the scrapy logger: theirs, and those of every logger that takes its level from them.
        loggers = [logger for logger in list(logging.Logger.manager.loggerDict.values())
                   if isinstance(logger, logging.Logger) and _level_source(logger) in raised.values()]
        levels = [handler.level for logger in [*raised.values(), *loggers] for handler in logger.handlers
                  if not isinstance(handler, logging.NullHandler)]
        lowest = min(levels, default=logging.NOTSET)
        if lowest <= logging.DEBUG:
            return
        self.saved = {}
        for name, logger in self._loggers().items():
            if logger.level < lowest:
                self.saved[name] = logger.level
                logger.setLevel(lowest)

    def restore(self, spider) -> None:
        if not self.saved:
            return
        for name, logger in self._loggers().items():
            if name in self.saved:
                logger.setLevel(self.saved[name])
        self.saved = None


def _level_source(logger: logging.Logger) -> logging.Logger:
    """The logger whose level *logger* goes by: itself, or its nearest ancestor with a level."""
    while logger.level == logging.NOTSET and logger.parent is not None:
        logger = logger.parent
    return logger
