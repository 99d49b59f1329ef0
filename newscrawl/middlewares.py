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


GZIP_SIZE_KEY = "newscrawl_gzip_size"


class GzipTrailerMiddleware:
    """Keep the length a gzip body says its page has (the stream's last four bytes, ISIZE), for
    ``newscrawl.spiders.common.unusable_page`` to compare with the page Scrapy decompressed. Scrapy
    decompresses a gzip stream cut short without a word (what was read so far is the page), and a
    server that cuts it the same way three times would otherwise have its cut page taken for what
    the site serves (adversary round 13: half-bodies kept, never fixed). Placed above
    ``HttpCompressionMiddleware`` (590), so it sees the body as it came."""

    def process_response(self, request, response):
        request.meta.pop(GZIP_SIZE_KEY, None)  # a retry carries its first answer's meta
        encodings = [value.strip().lower() for value in response.headers.getlist("Content-Encoding")]
        body = response.body
        if encodings in ([b"gzip"], [b"x-gzip"]) and len(body) >= 18 and body[:2] == b"\x1f\x8b":
            request.meta[GZIP_SIZE_KEY] = int.from_bytes(body[-4:], "little")
        return response
