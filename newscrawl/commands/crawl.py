"""``scrapy crawl``, plus an exit status for failed post-crawl monitors.

Scrapy's own ``crawl`` exits 1 only when the crawl could not start. With
``NEWSCRAWL_MONITOR_EXIT_STATUS`` set to a non-zero number (3 is free: Scrapy uses 1 for a
failed start and 2 for usage errors), a crawl whose monitors failed (the
``newscrawl/monitors/failed`` stat, see :mod:`newscrawl.monitors`) exits with that number, so
cron or any other scheduler sees it. 0, the default, keeps Scrapy's behaviour.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.startup import (
    StartError,
    check_settings,
    check_spider_options,
    load_spider,
    one_line_errors,
    print_error,
    refuse_extra_arguments,
)
from newscrawl.dedupe import SQLiteTitleStore
from newscrawl.distributed import RedisUnavailable, connect, is_on, redis_url
from newscrawl.feedstorage import describe
from newscrawl.monitors import STAT_FAILED, report_path
from newscrawl.sqlite import DamagedStateError
from newscrawl.state import CrawlState


# Where Scrapy logs a failed close step with its traceback.
_REDIS_CLOSE_LOGGERS = ("scrapy.core.engine", "scrapy.core.scraper", "scrapy.utils.signal")


class _RedisLostAtStart(logging.Filter):
    """Redis gone between the check above and the engine's start: Scrapy's start fails with a
    traceback asyncio logs ("Task exception was never retrieved"), whose last line may even be
    a follow-on error ("Engine slot not assigned"). That traceback is swallowed here and the
    command says why in one line instead; a close step that fails on the lost Redis (Scrapy's
    "Scraper close failure", a signal handler) is logged in one line, without its traceback
    (adversary round 14)."""

    def __init__(self):
        super().__init__()
        self.error: BaseException | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        from redis.exceptions import RedisError

        error = record.exc_info[1] if record.exc_info else None
        seen = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            if isinstance(error, (RedisError, RedisUnavailable)):
                if record.name == "asyncio":
                    self.error = error
                    return False
                record.msg, record.args = f"{record.getMessage()}: Redis lost ({error})", ()
                record.exc_info = record.exc_text = None
                return True
            error = error.__cause__ or error.__context__
        return True

class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spname):  # Scrapy's crawl command creates its crawler here
        crawler = super()._create_crawler(spname)
        self._monitored_crawler = crawler
        return crawler

    def _lock_jobdir(self, spider: str) -> bool:
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
            self._not_started(spider, f"another crawl is running with JOBDIR={jobdir}; nothing was crawled. "
                              "Wait for it to end, or give this run another JOBDIR.")
            self.exitcode = 1
            return False
        return True

    def _lock_state_dir(self, spider: str) -> bool:
        """One crawl of a spider per state directory: two at once would write one feed file
        (their runs start in the same second, so the same name) and the JSON Feed would be
        invalid, and each would take the other's run for an interrupted one. The lock
        (``<NEWSCRAWL_STATE_DIR>/<spider>.lock``) goes with the process, even after SIGKILL."""
        state_dir = Path(self.settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl"))
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            self._state_lock = open(state_dir / f"{spider}.lock", "a")  # held until the process ends
            fcntl.flock(self._state_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._not_started(spider, f"another crawl of {spider} is running with NEWSCRAWL_STATE_DIR={state_dir}; "
                              "nothing was crawled. Wait for it to end, or give each crawl (each shared-crawl "
                              "worker) a directory of its own.")
            self.exitcode = 1
            return False
        except OSError:
            return True  # no lock possible (a read-only or odd filesystem): the state store says why, if it matters
        return True

    def add_options(self, parser) -> None:
        super().add_options(parser)
        one_line_errors(parser)

    def process_options(self, args, opts) -> None:
        refuse_extra_arguments(args, 1)  # "--bogus" is no second spider
        if not args:
            raise UsageError("name the spider to run, e.g. scrapy crawl almaghrib (scrapy list shows them)",
                             print_help=False)
        super().process_options(args, opts)
        # Checked before Scrapy starts (and logs its start-up lines): a missing spider or a bad
        # -a value is one line and exit status 2, not an asyncio traceback after start-up.
        if len(args) != 1:
            return  # Scrapy's own usage error follows
        try:
            check_spider_options(load_spider(self.settings, args[0]), opts.spargs)
            check_settings(self.settings)
            if is_on(self.settings) and opts.spargs.get("warc"):
                raise StartError("-a warc= reads archives in one process and cannot run as a worker of a shared "
                                 "crawl: unset NEWSCRAWL_REDIS_URL for it")
        except StartError as error:
            self._not_started(args[0], str(error))
            raise SystemExit(error.status) from None

    def _not_started(self, spider: str, message: str) -> None:
        """Say why the crawl did not start, in one line, where a user and a scheduler look: stderr,
        the log file (Scrapyd's job log), and the monitor report, so that the previous run's
        "passed" does not stand for this one."""
        print_error(message)
        log_file = self.settings.get("LOG_FILE")
        if log_file:
            try:
                with open(log_file, "a", encoding="utf-8") as log:
                    log.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} [newscrawl] ERROR: {message}\n")
            except OSError:
                pass  # stderr has it
        try:
            spider = load_spider(self.settings, spider).name
        except StartError:
            return  # no such spider: no report of its own to correct
        target = report_path(self.settings.get("NEWSCRAWL_MONITOR_REPORT"), spider)
        if target is None:
            return
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        report = {"spider": spider, "passed": False, "failed": ["Crawl start"], "finish_reason": "not_started",
                  "error": message, "start_time": now, "finish_time": now, "items": 0, "monitors": []}
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
            os.replace(tmp, target)
        except OSError as error:
            print_error(f"cannot write the monitor report {target}: {describe(error)}")

    def run(self, args, opts) -> None:
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
                self._not_started(args[0], str(error))
                self.exitcode = 1
                return
            except (sqlite3.Error, OSError) as error:
                reason = describe(error) if isinstance(error, OSError) else error
                self._not_started(args[0], f"cannot open the state store in {state_dir.resolve()}: {reason}. "
                                  "Nothing was crawled; free space or choose another NEWSCRAWL_STATE_DIR.")
                self.exitcode = 1
                return
        if is_on(self.settings):
            try:
                connect(redis_url(self.settings), writable=True).close()
            except RedisUnavailable as error:
                self._not_started(args[0], f"{error}. Nothing was crawled; start Redis or fix the URL.")
                self.exitcode = 1
                return
        if not self._lock_jobdir(args[0]) or not self._lock_state_dir(args[0]):
            return
        lost_at_start = _RedisLostAtStart()
        if is_on(self.settings):
            for name in ("asyncio", *_REDIS_CLOSE_LOGGERS):
                logging.getLogger(name).addFilter(lost_at_start)
        super().run(args, opts)
        if lost_at_start.error is not None:
            self._not_started(args[0], f"lost Redis while the crawl was starting ({lost_at_start.error}). Nothing more was "
                              "crawled; start Redis or fix the URL.")
            self.exitcode = 1
            return
        crawler = getattr(self, "_monitored_crawler", None)
        if self.exitcode or crawler is None or crawler.stats is None:
            return
        if crawler.stats.get_value("finish_reason") in ("redis_lost", "redis_refused"):
            self.exitcode = 1  # a worker that stopped for its Redis did not finish its share
            return
        status = crawler.settings.getint("NEWSCRAWL_MONITOR_EXIT_STATUS", 0)
        if status and crawler.stats.get_value(STAT_FAILED, 0):
            self.exitcode = status
