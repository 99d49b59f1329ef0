"""Downloader middleware: no request leaves the site, whatever ``dont_filter`` says.

Scrapy's own off-site filter lets through every request with ``dont_filter=True`` (newscrawl's
spiders set it on every request so a resumed run is not blocked by a persisted duplicate filter)
and the redirects such requests produce. This middleware sits in front of the downloader and
asks the spider (``is_allowed_url``) about every request, redirects included (they come back
through the middleware chain), so a redirect to another host, port or scheme is never fetched.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


class OffsiteRequestRefused(IgnoreRequest):
    """A request (or redirect) to a URL outside the crawled site."""


class SiteBoundaryMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = self.crawler.spider
        allowed = getattr(spider, "is_allowed_url", None)
        if allowed is None or allowed(request.url):
            return None
        origin = (request.meta.get("redirect_urls") or [None])[0]
        self.crawler.stats.inc_value("newscrawl/offsite/refused")
        if origin:
            self.crawler.stats.inc_value("newscrawl/offsite/refused_redirect")
            logger.warning("Refused a redirect off the site: %s -> %s", unquote(origin), unquote(request.url)[:300])
        else:
            logger.warning("Refused an off-site request: %s", unquote(request.url)[:300])
        raise OffsiteRequestRefused(f"off-site: {request.url[:300]}")
