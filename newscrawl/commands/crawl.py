"""``scrapy crawl``, plus an exit status for failed post-crawl monitors.

Scrapy's own ``crawl`` exits 1 only when the crawl could not start. With
``NEWSCRAWL_MONITOR_EXIT_STATUS`` set to a non-zero number (3 is free: Scrapy uses 1 for a
failed start and 2 for usage errors), a crawl whose monitors failed (the
``newscrawl/monitors/failed`` stat, see :mod:`newscrawl.monitors`) exits with that number, so
cron or any other scheduler sees it. 0, the default, keeps Scrapy's behaviour.
"""

from __future__ import annotations

import fcntl
import sqlite3
import sys
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newscrawl.dedupe import SQLiteTitleStore
from newscrawl.feedstorage import describe
from newscrawl.monitors import STAT_FAILED
from newscrawl.sqlite import DamagedStateError
from newscrawl.state import CrawlState


class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spname):  # Scrapy's crawl command creates its crawler here
        crawler = super()._create_crawler(spname)
        self._monitored_crawler = crawler
        return crawler

    def _lock_jobdir(self) -> bool:
        """One crawl per JOBDIR: two runs sharing Scrapy's disk queue corrupt it and one of them
        can hang for good. The lock (``JOBDIR/newscrawl.lock``) goes with the process, even
        after SIGKILL."""
        jobdir = self.settings.get("JOBDIR")
        if not jobdir:
            return True
        Path(jobdir).mkdir(parents=True, exist_ok=True)
        self._jobdir_lock = open(Path(jobdir) / "newscrawl.lock", "a")  # held until the process ends
        try:
            fcntl.flock(self._jobdir_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"Error: another crawl is running with JOBDIR={jobdir}; nothing was crawled. Wait for it to "
                  "end, or give this run another JOBDIR.", file=sys.stderr)
            self.exitcode = 1
            return False
        return True

    def _arguments_ok(self, args, opts) -> bool:
        """Spider options checked before the crawl starts: a bad ``-a`` value is one line and
        exit status 2, not an asyncio traceback after start-up."""
        if len(args) != 1:
            return True  # Scrapy's own usage error follows
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            return True  # Scrapy says "Spider not found"
        try:
            spidercls(**opts.spargs)  # the spiders validate their options in __init__
        except (ValueError, OSError) as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = 2
            return False
        return True

    def run(self, args, opts) -> None:
        if not self._arguments_ok(args, opts):  # before anything is created on disk
            return
        # A damaged state file stops the crawl before anything is fetched, in one sentence
        # with the path and what to do (newscrawl.sqlite), not a traceback or a silent restart.
        if self.settings.getbool("NEWSCRAWL_INCREMENTAL", True):
            state_dir = Path(self.settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl"))
            try:
                # Opened (and checked: newscrawl.sqlite) once here, so damage or a full or
                # read-only disk is one line, not a traceback later.
                CrawlState(state_dir / "state.sqlite").close()
                SQLiteTitleStore(state_dir / "titles.sqlite").close()
            except DamagedStateError as error:
                print(f"Error: {error}", file=sys.stderr)
                self.exitcode = 1
                return
            except (sqlite3.Error, OSError) as error:
                reason = describe(error) if isinstance(error, OSError) else error
                print(f"Error: cannot open the state store in {state_dir.resolve()}: {reason}. Nothing was "
                      "crawled; free space or choose another NEWSCRAWL_STATE_DIR.", file=sys.stderr)
                self.exitcode = 1
                return
        if not self._lock_jobdir():
            return
        super().run(args, opts)
        crawler = getattr(self, "_monitored_crawler", None)
        if self.exitcode or crawler is None or crawler.stats is None:
            return
        status = crawler.settings.getint("NEWSCRAWL_MONITOR_EXIT_STATUS", 0)
        if status and crawler.stats.get_value(STAT_FAILED, 0):
            self.exitcode = status
