"""Downloader middleware: re-decode Arabic pages served with a missing or wrong charset."""

from __future__ import annotations

import logging

from scrapy.http import TextResponse

from newscrawl.encoding import better_encoding

logger = logging.getLogger(__name__)


class ArabicEncodingMiddleware:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        if not isinstance(response, TextResponse):
            return response
        encoding = better_encoding(response.body, response.encoding)
        if encoding is None:
            return response
        logger.info("Re-decoding %s as %s (declared/guessed: %s)", response.url, encoding, response.encoding)
        self.stats.inc_value(f"newscrawl/encoding/redecoded/{encoding}")
        return response.replace(encoding=encoding)
