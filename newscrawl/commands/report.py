"""``scrapy report``: the crawl-health report, one self-contained HTML file (newscrawl.report).

    scrapy report                        # report.html in the current directory
    scrapy report -o /var/www/health.html --days 30
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.runs import count, open_history, resolve_site
from newscrawl.commands.startup import one_line_errors, print_error, refuse_extra_arguments
from newscrawl.report import DEFAULT_DAYS, DEFAULT_RUNS


def day_count(text: str) -> int:
    """An argparse type: days back from today (beyond 100,000 the dates overflow)."""
    return min(int(text), 100_000)


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[-o report.html] [--site NAME ...] [--days N] [--runs N]"

    def short_desc(self) -> str:
        return "Write an HTML report of the crawls' health: charts per site, monitor results (opens offline)"

    def long_desc(self) -> str:
        return ("Write one self-contained HTML file (no network needed to view it) from the state store "
                "(NEWSCRAWL_STATE_DIR/state.sqlite): per site, articles per day, new articles per run, field "
                "coverage and extraction steps over runs, failures by kind, the latest monitor results and the "
                "newest headlines.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_errors(parser)
        parser.add_argument("-o", "--output", metavar="PATH", default="report.html",
                            help="the HTML file to write (default report.html)")
        parser.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
        parser.add_argument("--days", type=day_count, default=DEFAULT_DAYS, metavar="N",
                            help=f"days in the articles-per-day chart (default {DEFAULT_DAYS})")
        parser.add_argument("--runs", type=count, default=DEFAULT_RUNS, metavar="N",
                            help=f"newest runs per site in the run charts (default {DEFAULT_RUNS})")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        refuse_extra_arguments(args, 0)
        if opts.days < 1:
            raise UsageError("--days takes a number of days, 1 or more", print_help=False)
        if opts.runs < 1:
            raise UsageError("--runs takes a number of runs, 1 or more", print_help=False)
        target = Path(opts.output)
        if target.is_dir():
            raise UsageError(f"-o {opts.output} is a directory: name the HTML file to write", print_help=False)
        history, problem = open_history(self.settings)
        if history is None:
            print_error(problem)
            self.exitcode = 1
            return
        path = history.path
        if opts.site:
            from scrapy.spiderloader import get_spider_loader

            known = [spider for spider, _ in history.spiders()]
            opts.site = [resolve_site(name, known, list(get_spider_loader(self.settings).list()))
                         for name in opts.site]
        history.close()
        from newscrawl.feedstorage import describe
        from newscrawl.report import write_report

        started = time.monotonic()
        try:
            sites, size = write_report(path, target, sites=opts.site, days=opts.days, runs=opts.runs)
        except OSError as error:
            print_error(f"cannot write {target.resolve()}: {describe(error)}")
            self.exitcode = 1
            return
        print(f"Report of {sites} site{'s' if sites != 1 else ''} written to {target.resolve()} "
              f"({size / 1e6:.1f} MB, {time.monotonic() - started:.1f} s)", file=sys.stderr)
