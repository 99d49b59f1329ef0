"""File feed storage whose items reach the disk as they are exported, or say they did not."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)

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
