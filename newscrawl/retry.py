"""Retries that back off: exponential backoff with full jitter, ``Retry-After``, no blocked reactor.

:class:`BackoffRetryMiddleware` replaces Scrapy's ``RetryMiddleware`` at the same priority::

    DOWNLOADER_MIDDLEWARES = {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "newscrawl.retry.BackoffRetryMiddleware": 550,
    }

It is a subclass: what is retried (``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``, ``dont_retry``,
``max_retry_times``), how attempts are counted (the ``retry_times`` meta key), the stats
(``retry/count``, ``retry/reason_count/<reason>``, ``retry/max_reached``) and the give-up line
(``Gave up retrying <GET url> (failed N times): reason`` at ``RETRY_GIVE_UP_LOG_LEVEL``) are
Scrapy's own, through :func:`scrapy.downloadermiddlewares.retry.get_retry_request`. What it adds:

* **when** the retry goes out. Retry *n* (1, 2, …) waits
  ``random.uniform(0, min(NEWSCRAWL_RETRY_BACKOFF_MAX, NEWSCRAWL_RETRY_BACKOFF_BASE * 2 ** (n - 1)))``
  seconds ("full jitter": the ceiling doubles, the wait is anywhere below it, so retries of many
  requests that failed together spread out instead of hitting the site again in step);
* a retried response's ``Retry-After`` (seconds or an HTTP-date) is a floor under that wait,
  itself bounded by ``NEWSCRAWL_RETRY_AFTER_MAX``: a server asking for an hour gets the bound,
  and the log says so; asked beyond the bound a second time, the page is not retried again in
  this run (stat ``newscrawl/retry/retry_after_deferred``) and stays open for the next;
* truncated bodies: besides ``ResponseDataLossError`` (Twisted's ``ResponseFailed`` wrapping
  ``_DataLoss``, already in ``RETRY_EXCEPTIONS``), a response Scrapy let through flagged
  ``dataloss`` (``DOWNLOAD_FAIL_ON_DATALOSS = False``) is retried too, and the raw Twisted
  exceptions are retried should a download handler not wrap them;
* stats ``newscrawl/retry/delayed`` (retries sent with a wait), ``newscrawl/retry/retry_after_honoured``
  and ``newscrawl/retry/retry_after_capped``.

The wait does not block anything: the retry request carries ``meta["newscrawl_not_before"]``
(a ``time.monotonic()`` deadline) and the middleware's ``process_request`` awaits
:func:`scrapy.utils.asyncio.sleep` until then, while other requests go on. A waiting request
does hold one of the downloader's ``CONCURRENT_REQUESTS`` places.

From a spider callback, :func:`retry_later` retries a page that downloaded fine but is no use
(an empty or garbage 200), with the same backoff and the same attempt count::

    def parse(self, response):
        if not response.css("article"):
            yield from filter(None, [retry_later(response, "empty page", self)])
            return
"""

from __future__ import annotations

import logging
import random
import re
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Callable

from scrapy import Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.misc import load_object
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

META_NOT_BEFORE = "newscrawl_not_before"  # time.monotonic() before which the request must not go out
META_DELAY = "newscrawl_retry_delay"  # the wait chosen for it, in seconds (also bounds the wait)
META_RETRY_AFTER_CAPPED = "newscrawl_retry_after_capped"  # its wait was a Retry-After cut to the bound

DEFAULT_BACKOFF_BASE = 1.0
DEFAULT_BACKOFF_MAX = 60.0
DEFAULT_RETRY_AFTER_MAX = 120.0

# Retried as well as RETRY_EXCEPTIONS: what Scrapy's HTTP/1.1 handler wraps into its own exceptions
# (DownloadFailedError, ResponseDataLossError, …), in case another handler lets the original through.
EXTRA_RETRY_EXCEPTIONS = (
    "twisted.web.client.ResponseFailed",  # ResponseNeverReceived (reset before a response), _DataLoss
    "twisted.internet.error.TimeoutError",
    "twisted.internet.error.TCPTimedOutError",
    "twisted.internet.error.ConnectionRefusedError",
    "twisted.internet.error.DNSLookupError",
    "twisted.internet.defer.TimeoutError",
)

_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header value asks for (≥ 0), or None when absent or unreadable.

    Both forms of RFC 9110: ``120`` (delay-seconds) and ``Fri, 31 Dec 1999 23:59:59 GMT``
    (an HTTP-date; a date in the past means 0)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if match := _SECONDS.match(value):
        return float(match.group(1))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, origin unknown
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class Backoff:
    """The wait before a retry, from the settings; marks the retry request with it."""

    def __init__(self, settings: BaseSettings):
        self.base = max(0.0, settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE", DEFAULT_BACKOFF_BASE))
        self.cap = max(0.0, settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX", DEFAULT_BACKOFF_MAX))
        self.retry_after_max = max(0.0, settings.getfloat("NEWSCRAWL_RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX))

    def ceiling(self, attempt: int) -> float:
        """The most retry number *attempt* (1 for the first retry) waits: base·2^(attempt−1), capped."""
        return min(self.cap, self.base * 2.0 ** min(max(attempt - 1, 0), 64))

    def apply(self, request: Request, reason: Any, crawler: Crawler, *,
              retry_after: float | None = None, delay: float | None = None) -> float:
        """Choose the wait for retry *request* (already counted in ``retry_times``) and mark it."""
        stats = crawler.stats
        attempt = int(request.meta.get("retry_times", 1))
        ceiling = self.ceiling(attempt)
        if delay is not None:
            wait, how = max(0.0, float(delay)), "as asked"
        else:
            wait, how = random.uniform(0.0, ceiling), f"backoff ceiling {ceiling:.3f}s"
            if retry_after is not None:
                if retry_after > self.retry_after_max:
                    logger.info(
                        "Retry-After %(asked)gs for %(request)s is beyond NEWSCRAWL_RETRY_AFTER_MAX: "
                        "waiting %(bound)gs", {"asked": retry_after, "request": request, "bound": self.retry_after_max},
                        extra={"spider": crawler.spider})
                    stats.inc_value("newscrawl/retry/retry_after_capped")
                    request.meta[META_RETRY_AFTER_CAPPED] = True
                floor = min(retry_after, self.retry_after_max)
                stats.inc_value("newscrawl/retry/retry_after_honoured")
                how += f", Retry-After {retry_after:g}s"
                wait = max(wait, floor)
        request.meta[META_DELAY] = wait
        request.meta[META_NOT_BEFORE] = time.monotonic() + wait
        if wait > 0:
            stats.inc_value("newscrawl/retry/delayed")
        if isinstance(reason, BaseException) or (isinstance(reason, type) and issubclass(reason, BaseException)):
            reason = getattr(reason, "__name__", None) or type(reason).__name__
        logger.debug("Retry %(attempt)d of %(request)s in %(wait).3fs (%(how)s): %(reason)s",
                     {"attempt": attempt, "request": request, "wait": wait, "how": how, "reason": reason},
                     extra={"spider": crawler.spider})
        return wait


async def wait_until_due(request: Request, stopping: Callable[[], bool] | None = None) -> None:
    """Sleep, without blocking the reactor, until *request* may go out (see :data:`META_NOT_BEFORE`).

    With *stopping*, the wait is cut when it returns True (Ctrl-C): a retry waiting out a long
    Retry-After must not hold up a graceful stop; it is dropped (IgnoreRequest), and the page
    stays open for the next run."""
    not_before = request.meta.pop(META_NOT_BEFORE, None)
    if not_before is None:
        return
    remaining = float(not_before) - time.monotonic()
    # Never longer than the wait chosen: a deadline from another boot (a JOBDIR queue) is no deadline.
    remaining = min(remaining, float(request.meta.get(META_DELAY, remaining)))
    deadline = time.monotonic() + remaining
    while remaining > 0:
        if stopping is not None and stopping():
            raise IgnoreRequest(f"crawl stopping; retry of {request.url} not sent")
        await sleep(min(remaining, 0.5))
        remaining = deadline - time.monotonic()


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, with the retry sent after a backoff (see the module docstring)."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff = Backoff(settings)
        extra = []
        for path in EXTRA_RETRY_EXCEPTIONS:
            try:
                extra.append(load_object(path))
            except (ImportError, AttributeError, NameError):  # pragma: no cover - another Twisted
                pass
        self.exceptions_to_retry = tuple(dict.fromkeys((*self.exceptions_to_retry, *extra)))

    async def process_request(self, request: Request) -> None:
        await wait_until_due(request, self._stopping)

    def _stopping(self) -> bool:
        try:
            return not self.crawler.engine.running
        except (AttributeError, RuntimeError):
            return False

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False):
            return response
        if response.status in self.retry_http_codes:
            reason = response_status_message(response.status)
            retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
            if retry_after is not None and retry_after > self.backoff.retry_after_max \
                    and request.meta.get(META_RETRY_AFTER_CAPPED):
                # Asked twice for longer than the bound: the server means it. Another bounded
                # wait per retry would hold the run for RETRY_TIMES bounds (10 minutes by default).
                logger.info("Retry-After %(asked)gs again for %(request)s: not retried in this run "
                            "(the page stays open for the next run)", {"asked": retry_after, "request": request},
                            extra={"spider": self.crawler.spider})
                self.crawler.stats.inc_value("newscrawl/retry/retry_after_deferred")
                return response
            return self._retry(request, reason, retry_after=retry_after) or response
        if "dataloss" in response.flags:  # a truncated body let through (DOWNLOAD_FAIL_ON_DATALOSS = False)
            return self._retry(request, "dataloss") or response
        return response

    def _retry(self, request: Request, reason: str | Exception | type[Exception],
               retry_after: float | None = None) -> Request | None:
        new_request = super()._retry(request, reason)
        if new_request is not None:
            self.backoff.apply(new_request, reason, self.crawler, retry_after=retry_after)
        return new_request


def retry_later(request: Request | Response, reason: str, spider: Spider | Crawler, *,
                delay: float | None = None, max_retry_times: int | None = None) -> Request | None:
    """A retry of *request* (or of the request behind a response) after a backoff, or None when spent.

    For pages that downloaded but are no use (an empty or garbage 200). The attempt is counted in
    the ``retry_times`` meta key, like the downloads the middleware retried, so ``RETRY_TIMES`` (or
    the request's ``max_retry_times``) limits both together; the stats and the give-up line are
    Scrapy's. *delay* (seconds) replaces the computed backoff. *spider* may be the crawler.
    The wait itself needs :class:`BackoffRetryMiddleware` enabled."""
    if isinstance(request, Response):
        request = request.request
    crawler = spider if not isinstance(spider, Spider) else spider.crawler
    spider_obj = spider if isinstance(spider, Spider) else crawler.spider
    meta = request.meta
    new_request = get_retry_request(
        request,
        spider=spider_obj,
        reason=reason,
        max_retry_times=max_retry_times,
        priority_adjust=meta.get("priority_adjust"),
        give_up_log_level=meta.get("give_up_log_level"),
    )
    if new_request is not None:
        # The meta is the first fetch's: its latency is no fact about the next one (the retry
        # count and the redirect trail stay on purpose, see META_COPY_WARN_SKIP_KEYS in settings).
        new_request.meta.pop("download_latency", None)
        Backoff(crawler.settings).apply(new_request, reason, crawler, delay=delay)
        _warn_if_no_middleware(crawler)
    return new_request


def _warn_if_no_middleware(crawler: Crawler) -> None:
    if getattr(crawler, "_newscrawl_retry_checked", False):
        return
    crawler._newscrawl_retry_checked = True  # type: ignore[attr-defined]
    try:
        engine = crawler.engine
    except RuntimeError:  # no crawl running (a callback called from a unit test)
        return
    downloader = getattr(engine, "downloader", None)
    middlewares = getattr(getattr(downloader, "middleware", None), "middlewares", None)
    if middlewares is not None and not any(isinstance(mw, BackoffRetryMiddleware) for mw in middlewares):
        logger.warning("retry_later(): BackoffRetryMiddleware is not enabled, retries go out without waiting",
                       extra={"spider": crawler.spider})
