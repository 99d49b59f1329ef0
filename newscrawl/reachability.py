"""One line when a site cannot be reached at all, with the cause, instead of a wall of failures.

With no network, a wrong ``base_url`` or a mirror that is not running, every request fails the
same way: DNS, connection refused, or no answer. Scrapy then logs a give-up line per URL and,
for ``robots.txt``, a traceback. :class:`UnreachableSiteMiddleware` (a downloader middleware
placed after the retry middleware, so it sees only failures that retries could not cure) adds
the sentence a user needs, once per origin that has not answered anything in this run::

    Cannot reach the site at http://127.0.0.1:1: the connection was refused (nothing listens at that address and port)

and counts it: ``newscrawl/unreachable/hosts`` (origins reported; the "Errors" monitor counts
that line as a site failure, like a retry give-up) and ``newscrawl/unreachable/<cause>``
(requests lost to it: ``dns``, ``connection_refused``, ``timeout``, ``no_route``). A failed
``robots.txt`` download of such an origin is ended quietly (crawling on without robots.txt is
what Scrapy does anyway) instead of with a traceback; ``-L DEBUG`` still shows it.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)

STAT_UNREACHABLE_HOSTS = "newscrawl/unreachable/hosts"

# (exception class paths, stat key, what happened), first match wins. Scrapy >= 2.14 wraps
# Twisted's errors in its own; both are listed, so either way the cause is named.
_CAUSES = (
    (("scrapy.exceptions.CannotResolveHostError", "twisted.internet.error.DNSLookupError"),
     "dns", "its host name could not be resolved (DNS lookup failed: no such host, or no network)"),
    (("scrapy.exceptions.DownloadConnectionRefusedError", "twisted.internet.error.ConnectionRefusedError"),
     "connection_refused", "the connection was refused (nothing listens at that address and port)"),
    (("scrapy.exceptions.DownloadTimeoutError", "twisted.internet.error.TimeoutError",
      "twisted.internet.error.TCPTimedOutError", "twisted.internet.defer.TimeoutError"),
     "timeout", "no answer within {timeout:g} s (DOWNLOAD_TIMEOUT)"),
    (("twisted.internet.error.NoRouteError", "twisted.internet.error.ConnectError"),
     "no_route", "no connection could be made (no route to the host: is the network up?)"),
)


def _load(paths: tuple[str, ...]) -> tuple[type, ...]:
    loaded = []
    for path in paths:
        try:
            loaded.append(load_object(path))
        except (ImportError, AttributeError, NameError):  # pragma: no cover - another Scrapy or Twisted
            pass
    return tuple(loaded)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class UnreachableSiteMiddleware:
    """See the module docstring. ``DOWNLOADER_MIDDLEWARES = {"newscrawl.reachability.UnreachableSiteMiddleware": 540}``
    (below ``BackoffRetryMiddleware`` at 550: exceptions travel from high numbers to low)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180)
        self.causes = [(_load(paths), key, why.format(timeout=timeout)) for paths, key, why in _CAUSES]
        self.answered: set[str] = set()  # origins that sent any response in this run
        self.reported: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        self.answered.add(origin(response.url))
        return response

    def cause(self, exception: BaseException) -> tuple[str, str] | None:
        for classes, key, why in self.causes:
            if classes and isinstance(exception, classes):
                return key, why
        return None

    def process_exception(self, request, exception):
        where = origin(request.url)
        cause = self.cause(exception)
        if cause is None or where in self.answered:
            return None  # a page failing on a site that works: the retry give-up line says it
        key, why = cause
        self.stats.inc_value(f"newscrawl/unreachable/{key}")
        if where not in self.reported:
            self.reported.add(where)
            self.stats.inc_value(STAT_UNREACHABLE_HOSTS)
            logger.error("Cannot reach the site at %s: %s", where, why, extra={"spider": self.crawler.spider})
        if request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt":
            # Scrapy's robots.txt middleware would log this with a traceback; the line above says it.
            logger.debug("robots.txt of %s not fetched: %r", where, exception, exc_info=exception,
                         extra={"spider": self.crawler.spider})
            raise IgnoreRequest(f"robots.txt of {where} unreachable: {key}")
        return None
