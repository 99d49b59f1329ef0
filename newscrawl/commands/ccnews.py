"""``scrapy ccnews``: backfill a site from Common Crawl's CC-NEWS archive.

    scrapy ccnews almaghrib --from 2019-01 --to 2019-06
    scrapy ccnews almaghrib --from 2019-01 --to 2019-06 -o backfill.jsonl
    scrapy ccnews news -a start=https://www.example-news.com/ --from 2020-03 --to 2020-03

Lists the month's WARC files (``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`` under
``NEWSCRAWL_CCNEWS_BASE``), then crawls them as ``scrapy crawl <site> -a warc=URLS`` does:
each file streamed over HTTP(S), never stored; the site's records go through the same
extraction, pipelines and dedupe (against live crawls too: one state store) into the same
feeds. A file read to the end is recorded in the state store, so the next run skips it: a
killed backfill resumes at the file it was in. ``-o FILE`` writes the run's items to FILE,
replacing it (as ``scrapy crawl -O``).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import urllib.error
import urllib.request
from datetime import date
from urllib.parse import urljoin

from scrapy.exceptions import UsageError

from newscrawl.commands.startup import one_line_errors
from newscrawl.commands.crawl import Command as CrawlCommand
from newscrawl.commands.startup import print_error

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_MONTH = date(2016, 8, 1)  # CC-NEWS begins in August 2016


def parse_month(value: str | None, option: str) -> date:
    match = MONTH.match(value or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise UsageError(f"{option} takes a month as YYYY-MM (e.g. 2019-01), got {value!r}", print_help=False)
    return date(int(match[1]), int(match[2]), 1)


def months(first: date, last: date) -> list[date]:
    found, current = [], first
    while current <= last:
        found.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return found


def listing_url(base: str, month: date) -> str:
    return urljoin(base, f"crawl-data/CC-NEWS/{month:%Y/%m}/warc.paths.gz")


class ListingError(Exception):
    pass


def month_files(base: str, month: date, timeout: float = 60.0) -> list[str] | None:
    """URLs of the month's WARC files; None if the archive has no listing for the month."""
    url = listing_url(base, month)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "newscrawl"}),
                                    timeout=timeout) as response:
            data = response.read()
    except urllib.error.HTTPError as error:
        if error.code in (403, 404):
            return None
        raise ListingError(f"cannot fetch the CC-NEWS listing {url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ListingError(f"cannot fetch the CC-NEWS listing {url}: {getattr(error, 'reason', error)}") from None
    try:
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError):
        raise ListingError(f"the CC-NEWS listing {url} is not a gzipped list of paths") from None
    return [urljoin(base, line.strip()) for line in text.splitlines() if line.strip()]


class Command(CrawlCommand):
    def syntax(self) -> str:
        return "<spider> --from YYYY-MM --to YYYY-MM [-o FILE] [-a NAME=VALUE ...]"

    def short_desc(self) -> str:
        return "Backfill a site from Common Crawl's CC-NEWS archive (resumable, streamed)"

    def long_desc(self) -> str:
        return ("List the CC-NEWS WARC files of the months --from .. --to (NEWSCRAWL_CCNEWS_BASE), stream each, "
                "and feed the site's records through the crawl's extraction, pipelines, dedupe and feeds. Files "
                "read to the end are recorded in the state store and skipped by the next run. -o FILE writes this "
                "run's items to FILE, replacing it (like scrapy crawl -O).")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_errors(parser)
        parser.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="first month (included)")
        parser.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month (included)")

    def process_options(self, args, opts) -> None:
        # -o replaces the file, as crawl's -O: a backfill's output is the run's items, not an append.
        if opts.output:
            opts.overwrite_output = (opts.overwrite_output or []) + opts.output
            opts.output = None
        if any(arg.split("=", 1)[0] == "warc" for arg in opts.spargs):
            raise UsageError("scrapy ccnews finds its WARC files itself: give --from/--to, not -a warc=",
                             print_help=False)
        super().process_options(args, opts)
        if not opts.month_from:
            raise UsageError("say which months to read: --from YYYY-MM [--to YYYY-MM]", print_help=False)
        self.first = parse_month(opts.month_from, "--from")
        self.last = parse_month(opts.month_to or opts.month_from, "--to")
        if self.first > self.last:
            raise UsageError(f"--from {opts.month_from} is after --to {opts.month_to}: no month to read",
                             print_help=False)
        if self.first < FIRST_MONTH:
            raise UsageError(f"CC-NEWS begins in {FIRST_MONTH:%Y-%m}; --from {opts.month_from} is before it",
                             print_help=False)
        if len(args) != 1:
            raise UsageError("name one spider, e.g. scrapy ccnews almaghrib --from 2019-01 --to 2019-06",
                             print_help=False)
        self.sources = self._list_sources()

    def run(self, args, opts) -> None:
        opts.spargs["warc"] = ",".join(self.sources)
        super().run(args, opts)

    def _list_sources(self) -> list[str]:
        """Every WARC file of the months, from the monthly listings. Done before Scrapy starts,
        so an unreachable archive is one line, not a line after Scrapy's start-up log."""
        base = self.settings.get("NEWSCRAWL_CCNEWS_BASE") or "https://data.commoncrawl.org/"
        base = base if base.endswith("/") else base + "/"
        sources: list[str] = []
        missing = []
        for month in months(self.first, self.last):
            try:
                files = month_files(base, month)
            except ListingError as error:
                print_error(f"{error}. Nothing was crawled.")
                raise SystemExit(1) from None
            if files is None:
                missing.append(f"{month:%Y-%m}")
                continue
            sources.extend(files)
        if missing:
            print(f"Warning: CC-NEWS at {base} has no listing for {', '.join(missing)}; those months are left out",
                  file=sys.stderr, flush=True)
        if not sources:
            print_error(f"no CC-NEWS WARC file listed for {self.first:%Y-%m} .. {self.last:%Y-%m} at {base}. "
                        "Nothing was crawled.")
            raise SystemExit(1)
        return sources
