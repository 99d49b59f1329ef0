"""File feed storage whose items reach the disk as they are exported, or say they did not;
and the one time stamp a run's files are named with."""

from __future__ import annotations

import errno
import logging
from datetime import datetime, timezone
from pathlib import Path

from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)

def run_started(crawler) -> datetime:
    """When this run started (UTC, whole seconds), fixed on first use: the ``%(time)s`` of every
    file a run writes (feeds, duplicates feed, monitor report), so they share one stamp."""
    started = getattr(crawler, "newscrawl_run_started", None)
    if started is None:
        get_stat = getattr(getattr(crawler, "stats", None), "get_value", None)
        start = get_stat("start_time") if get_stat is not None else None
        start = start if isinstance(start, datetime) else datetime.now(timezone.utc)
        started = start.astimezone(timezone.utc).replace(microsecond=0)
        crawler.newscrawl_run_started = started
    return started


def time_stamp(moment: datetime) -> str:
    """``2026-11-25T10-51-14+00-00``: Scrapy's ``%(time)s`` form (ISO 8601, ":" → "-")."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace(":", "-")


def run_uri_params(params: dict, spider) -> dict:
    """``FEED_URI_PARAMS``: ``%(time)s`` in feed URIs is the run's start (:func:`run_started`),
    not the moment each feed happened to be opened."""
    crawler = getattr(spider, "crawler", None)
    if crawler is not None:
        params["time"] = time_stamp(run_started(crawler))
    return params


# Feed paths whose last write failed, with the error; read (and cleared) by the state
# extension right after the feed exporter has written an item (newscrawl.incremental).
WRITE_FAILURES: dict[str, OSError] = {}


def take_write_failures() -> dict[str, OSError]:
    failures = dict(WRITE_FAILURES)
    WRITE_FAILURES.clear()
    return failures


def describe(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if error.errno == errno.EFBIG:
        return "the file is too large for this system or limit"
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "the location is not writable"
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a file stands where its folder should be"
    return error.strerror or str(error)


class CheckedFile:
    """An unbuffered binary file whose every write is whole or reported. A raw write may store
    only part of the bytes (a disk filling up); the rest is written in a loop, and a failure is
    recorded in WRITE_FAILURES, and the partial bytes cut off again, before it is raised."""

    def __init__(self, path: Path, mode: str):
        self.path = str(path.resolve())
        self._file = path.open(mode, buffering=0)

    def write(self, data) -> int:
        view = memoryview(data)
        start = self._file.seek(0, 2)  # the real end: after a cut-off write, tell() is past it
        try:
            while view:
                written = self._file.write(view)
                if not written:
                    raise OSError(errno.ENOSPC, "no bytes written")
                view = view[written:]
        except OSError as error:
            WRITE_FAILURES[self.path] = error
            try:  # no half line left behind: the feed stays a sequence of whole items
                self._file.truncate(start)
            except OSError:
                pass
            raise
        return len(data)

    def __getattr__(self, name):
        return getattr(self._file, name)


class UnbufferedFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, unbuffered: each exported item is one write to the OS, so a crawl
    killed with SIGKILL leaves in its feed every item it reported as scraped (the resume
    logic in ``newscrawl.incremental`` relies on it), and a write that fails (disk full,
    read-only) is known before the item counts as kept. Costs one syscall per item."""

    def open(self, spider):
        path = Path(self.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return CheckedFile(path, self.write_mode)
        except OSError as error:  # Scrapy opens the file at the first item: that item must not count as kept
            WRITE_FAILURES[str(path.resolve())] = error
            raise
