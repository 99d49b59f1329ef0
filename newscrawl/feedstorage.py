"""File feed storage whose items reach the disk as they are exported."""

from __future__ import annotations

from pathlib import Path

from scrapy.extensions.feedexport import FileFeedStorage


class UnbufferedFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, unbuffered: each exported item is one write to the OS, so a crawl
    killed with SIGKILL leaves in its feed every item it reported as scraped (the resume
    logic in ``newscrawl.incremental`` relies on it). Costs one syscall per item."""

    def open(self, spider):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open(self.write_mode, buffering=0)
