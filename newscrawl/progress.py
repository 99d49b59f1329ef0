"""Progress a person can see: a periodic log line and, on a terminal, a live status line.

``Progress`` is a Scrapy extension. Every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds (default 30;
``0`` turns the lines off) it logs one INFO line::

    Progress: 1,234 pages (82/min), 310 items (21/min), 4 duplicates, 2 errors, 57 queued, 00:15:02 elapsed

When stderr is a terminal and ``NEWSCRAWL_PROGRESS_BAR`` allows it (default ``"auto"``: only on a
terminal; ``False`` turns it off), it also keeps one live status line on stderr, redrawn about
once a second with ``\\r``. It never writes ``\\r`` to a stream that is not a terminal (log
files, cron, Scrapyd): ``True`` means "on a terminal", exactly like ``"auto"``. At the end of
the crawl it clears the live line and logs a final summary (printed on the terminal too when
the log goes elsewhere, e.g. ``LOG_FILE``).

Counts come from the crawl stats: pages ``downloader/response_count``, items
``item_scraped_count``, duplicates ``newscrawl/dedupe/exact`` + ``newscrawl/dedupe/near``,
errors every ``newscrawl/fetch/failed/*``, queued ``scheduler/enqueued`` -
``scheduler/dequeued``, and, when present, pages skipped as already known
(``newscrawl/incremental/skipped_known``). Absent stats count as 0.

The periodic calls use Twisted's ``LoopingCall`` (as Scrapy's ``LogStats`` does), driven by the
installed reactor or by an injected clock (``twisted.internet.task.Clock`` in tests); without a
reactor (``TWISTED_REACTOR_ENABLED = False``) Scrapy's asyncio looping call is used instead.
Rates are measured, not assumed: the count added since an earlier tick divided by the clock
time that really passed (the log line: since the previous line; the live line: over the last
minute; the final summary: over the whole crawl).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import IO, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 30.0  # seconds between "Progress:" log lines
BAR_REFRESH = 1.0  # seconds between redraws of the live line
BAR_RATE_WINDOW = 60.0  # the live line's rates are over the last minute

ERROR_PREFIX = "newscrawl/fetch/failed/"
DUPLICATE_KEYS = ("newscrawl/dedupe/exact", "newscrawl/dedupe/near")
SKIPPED_KEY = "newscrawl/incremental/skipped_known"


# --- pure formatting ------------------------------------------------------------------------

def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key)
    return int(value) if isinstance(value, (int, float)) else 0


def progress_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """The numbers a progress line shows, from a crawl stats dict (absent stats are 0)."""
    errors = sum(int(v) for k, v in stats.items()
                 if k.startswith(ERROR_PREFIX) and isinstance(v, (int, float)))
    return {
        "pages": _count(stats, "downloader/response_count"),
        "items": _count(stats, "item_scraped_count"),
        "duplicates": sum(_count(stats, k) for k in DUPLICATE_KEYS),
        "errors": errors,
        "queued": max(0, _count(stats, "scheduler/enqueued") - _count(stats, "scheduler/dequeued")),
        "skipped": _count(stats, SKIPPED_KEY),
    }


def format_elapsed(seconds: float) -> str:
    """``HH:MM:SS`` (hours keep counting past 24)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def format_progress(stats: Mapping[str, Any], elapsed: float, *, page_rate: float | None = None,
                    item_rate: float | None = None, label: str = "Progress") -> str:
    """One progress line from a stats dict and the seconds since the crawl started.

    Rates are per minute; when not given they are the averages over *elapsed*::

        Progress: 1,234 pages (82/min), 310 items (21/min), 4 duplicates, 2 errors, 57 queued, 00:15:02 elapsed
    """
    c = progress_counts(stats)
    minutes = elapsed / 60.0
    if page_rate is None:
        page_rate = c["pages"] / minutes if minutes > 0 else 0.0
    if item_rate is None:
        item_rate = c["items"] / minutes if minutes > 0 else 0.0
    parts = [
        f"{_plural(c['pages'], 'page')} ({page_rate:,.0f}/min)",
        f"{_plural(c['items'], 'item')} ({item_rate:,.0f}/min)",
        _plural(c["duplicates"], "duplicate"),
        _plural(c["errors"], "error"),
        f"{c['queued']:,} queued",
    ]
    if c["skipped"]:
        parts.append(f"{c['skipped']:,} skipped as known")
    parts.append(f"{format_elapsed(elapsed)} elapsed")
    return f"{label}: " + ", ".join(parts)


def fit_live_line(stats: Mapping[str, Any], elapsed: float, page_rate: float | None, item_rate: float | None,
                  width: int) -> str:
    """The live status line in the longest form that fits *width* columns: the progress line
    itself, then shorter spellings that keep pages, items, errors and the elapsed time (an
    80-column terminal), cut only when even the shortest does not fit."""
    full = format_progress(stats, elapsed, page_rate=page_rate, item_rate=item_rate)
    if len(full) <= width:
        return full
    c = progress_counts(stats)
    minutes = elapsed / 60.0
    pages_min = page_rate if page_rate is not None else (c["pages"] / minutes if minutes > 0 else 0.0)
    items_min = item_rate if item_rate is not None else (c["items"] / minutes if minutes > 0 else 0.0)
    clock = format_elapsed(elapsed)
    forms = [
        f"{c['pages']:,} pages ({pages_min:,.0f}/min), {c['items']:,} items ({items_min:,.0f}/min), "
        f"{c['duplicates']:,} dup, {c['errors']:,} err, {c['queued']:,} queued, {clock}",
        f"{c['pages']:,} pages, {c['items']:,} items, {c['duplicates']:,} dup, {c['errors']:,} err, "
        f"{c['queued']:,} queued, {clock}",
        f"{c['pages']:,} pages, {c['items']:,} items, {c['errors']:,} err, {clock}",
    ]
    for form in forms:
        if len(form) <= width:
            return form
    return forms[-1][: max(10, width)]


# --- rates over a window of samples ---------------------------------------------------------

class _RateMeter:
    """Pages and items per minute over (about) the last *window* seconds of samples."""

    def __init__(self, window: float):
        self.window = window
        self.samples: deque[tuple[float, int, int]] = deque()

    def add(self, now: float, pages: int, items: int) -> tuple[float | None, float | None]:
        self.samples.append((now, pages, items))
        # The base is the newest sample about *window* seconds old (5% slack for timer jitter,
        # so a tick 30.001 s after the last one measures against it, not the one before).
        while len(self.samples) > 2 and self.samples[1][0] <= now - self.window * 0.95:
            self.samples.popleft()
        then, pages0, items0 = self.samples[0]
        span = now - then
        if span <= 0:
            return None, None
        return (pages - pages0) * 60.0 / span, (items - items0) * 60.0 / span


# --- the extension --------------------------------------------------------------------------

def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty(), or a closed stream
        return False


# What NEWSCRAWL_PROGRESS_BAR may say, and whether it asks for the bar (on a terminal).
PROGRESS_BAR_VALUES = {"": True, "auto": True, "1": True, "true": True, "on": True, "yes": True,
                       "0": False, "false": False, "off": False, "no": False}


def progress_bar_setting(raw) -> bool:
    """``NEWSCRAWL_PROGRESS_BAR``: ``auto`` (default), on/off, yes/no, true/false or 1/0; a
    ValueError naming them for anything else."""
    if raw is None or isinstance(raw, bool):
        return raw is not False
    wanted = PROGRESS_BAR_VALUES.get(str(raw).strip().lower())
    if wanted is None:
        raise ValueError(f"NEWSCRAWL_PROGRESS_BAR must be auto, on or off, got {raw!r}")
    return wanted


def _bar_wanted(settings) -> bool:
    """``NEWSCRAWL_PROGRESS_BAR`` (``progress_bar_setting``); either way only on a TTY."""
    return progress_bar_setting(settings.get("NEWSCRAWL_PROGRESS_BAR", "auto"))


class _ClearLiveLine(logging.Filter):
    """Attached to a log handler writing to the terminal: wipe the live line before a record."""

    def __init__(self, progress: Progress):
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self.progress.clear_line()
        return True


class Progress:
    """Periodic progress log lines and a live terminal status line (see the module docstring)."""

    def __init__(self, stats, interval: float = DEFAULT_INTERVAL, bar: bool = False,
                 stream: IO[str] | None = None, clock=None):
        self.stats = stats
        self.interval = interval if interval and interval > 0 else 0.0
        self.stream = stream if stream is not None else sys.stderr
        # Never draw on something that is not a terminal, whatever the setting says.
        self.bar = bool(bar) and _isatty(self.stream)
        self.clock = clock  # an IReactorTime; None = the installed reactor (or asyncio)
        self._now: Callable[[], float] = clock.seconds if clock is not None else time.monotonic
        self._log_task = None
        self._bar_task = None
        self._start: float | None = None  # clock time at spider_opened
        self._log_rate = _RateMeter(self.interval or DEFAULT_INTERVAL)
        self._bar_rate = _RateMeter(BAR_RATE_WINDOW)
        self._drawn = 0  # length of the live line now on screen (0 = none)
        self._filters: list[tuple[logging.Handler, logging.Filter]] = []

    @classmethod
    def from_crawler(cls, crawler, *, stream: IO[str] | None = None, clock=None) -> Progress:
        settings = crawler.settings
        interval = settings.getfloat("NEWSCRAWL_PROGRESS_INTERVAL", DEFAULT_INTERVAL)
        extension = cls(crawler.stats, interval=interval, bar=_bar_wanted(settings),
                        stream=stream, clock=clock)
        if not extension.interval and not extension.bar:
            raise NotConfigured("NEWSCRAWL_PROGRESS_INTERVAL is 0 and there is no live line "
                                "(NEWSCRAWL_PROGRESS_BAR off or stderr not a terminal)")
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    # -- signals

    def spider_opened(self, spider) -> None:
        self._resolve_clock()
        self._start = self._now()
        self._log_rate.add(self._start, 0, 0)
        self._bar_rate.add(self._start, 0, 0)
        if self.interval:
            self._log_task = self._looping_call(self.log_progress)
            self._log_task.start(self.interval, now=False)
        if self.bar:
            self._hook_log_handlers()
            self._bar_task = self._looping_call(self.draw_line)
            self._bar_task.start(BAR_REFRESH, now=True)

    def spider_closed(self, spider, reason: str) -> None:
        for task in (self._log_task, self._bar_task):
            if task is not None and task.running:
                task.stop()
        self._log_task = self._bar_task = None
        line = format_progress(self.stats.get_stats(), self.elapsed(), label=f"Progress (final, {reason})")
        self._unhook_log_handlers()
        if self.bar:
            self.clear_line()
            if not self._log_reaches_stream():
                self._write(line + "\n")
        logger.info(line, extra={"spider": spider})

    # -- the two loops

    def elapsed(self) -> float:
        return 0.0 if self._start is None else max(0.0, self._now() - self._start)

    def current_line(self, meter: _RateMeter, label: str = "Progress") -> str:
        stats = self.stats.get_stats()
        counts = progress_counts(stats)
        page_rate, item_rate = meter.add(self._now(), counts["pages"], counts["items"])
        return format_progress(stats, self.elapsed(), page_rate=page_rate, item_rate=item_rate, label=label)

    def log_progress(self) -> None:
        try:
            logger.info(self.current_line(self._log_rate))
        except Exception:  # progress reporting must never break a crawl
            logger.exception("Progress: could not log the progress line")

    def draw_line(self) -> None:
        if not self.bar:  # the terminal went away
            return
        try:
            stats = self.stats.get_stats()
            counts = progress_counts(stats)
            page_rate, item_rate = self._bar_rate.add(self._now(), counts["pages"], counts["items"])
            # A wrapped line cannot be redrawn with \r: the longest form that fits the terminal.
            text = fit_live_line(stats, self.elapsed(), page_rate, item_rate, self._width() - 1)
            self._write("\r" + text.ljust(self._drawn))
            self._drawn = len(text)
        except Exception:
            logger.exception("Progress: could not draw the live line")

    def clear_line(self) -> None:
        if self._drawn:
            width = self._drawn
            self._drawn = 0
            self._write("\r" + " " * width + "\r")

    # -- helpers

    def _resolve_clock(self) -> None:
        """The installed reactor, unless a clock was injected; none in reactorless Scrapy."""
        if self.clock is None:
            from scrapy.utils.reactor import is_reactor_installed
            if is_reactor_installed():
                from twisted.internet import reactor
                self.clock = reactor
        self._now = self.clock.seconds if self.clock is not None else time.monotonic

    def _looping_call(self, func):
        if self.clock is None:  # reactorless Scrapy: asyncio's looping call
            from scrapy.utils.asyncio import create_looping_call
            return create_looping_call(func)
        from twisted.internet.task import LoopingCall
        task = LoopingCall(func)
        task.clock = self.clock
        return task

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop drawing
            self.bar = False
            self._drawn = 0

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        # 0: a terminal with no size set (a bare pty); $COLUMNS, stdout's terminal, else 80
        return columns or shutil.get_terminal_size().columns

    def _log_handlers_on_stream(self) -> list[logging.Handler]:
        return [h for h in logging.getLogger().handlers if getattr(h, "stream", None) is self.stream]

    def _log_reaches_stream(self) -> bool:
        """Would our INFO summary reach the terminal through the log (then don't print it again)?"""
        return logger.isEnabledFor(logging.INFO) and any(
            h.level <= logging.INFO for h in self._log_handlers_on_stream())

    def _hook_log_handlers(self) -> None:
        for handler in self._log_handlers_on_stream():
            flt = _ClearLiveLine(self)
            handler.addFilter(flt)
            self._filters.append((handler, flt))

    def _unhook_log_handlers(self) -> None:
        for handler, flt in self._filters:
            handler.removeFilter(flt)
        self._filters.clear()
