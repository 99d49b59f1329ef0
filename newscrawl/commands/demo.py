"""``scrapy demo``: serve the mirror in-process, crawl it with the real spider, summarise.

Everything the crawl writes (feeds, report, state, stats) goes to a temporary directory that is
removed at the end, or to ``--output DIR``: a demo never touches the feeds, reports or state of
the directory it runs in, nor the paths a production settings module names."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from newscrawl.commands.mirror import add_mirror_options, mirror_site
from newscrawl.commands.startup import (StartError, check_spider_options, load_spider, one_line_errors, print_error,
                                        refuse_extra_arguments)
from newscrawl.mirror.server import MirrorServer
from newscrawl.sandbox import SANDBOX_PRIORITY, confine_outputs
from newscrawl.sites import NETWORK_SITES
from newscrawl.spiders.network import DEFAULT_MAX_PAGES, NetworkSpider
from newscrawl.spiders.news import NewsSpider

_UNUSED_ORIGIN = "http://127.0.0.1:9"  # stands in for the mirror while options are checked


class Command(ScrapyCommand):
    requires_project = False

    def syntax(self) -> str:
        return "[--spider NAME] [--articles N] [-a NAME=VALUE] [--output DIR]"

    def short_desc(self) -> str:
        return "Crawl the bundled offline mirror end to end and print a summary"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_mirror_options(parser)
        one_line_errors(parser)
        parser.add_argument("--spider", default="almaghrib",
                            help="spider to run (default almaghrib; any network site, or news)")
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="spider option, as with scrapy crawl (e.g. -a max_pages=0)")
        parser.add_argument("--output", metavar="DIR", default=None,
                            help="keep the feeds, report and state in DIR (new or empty); "
                                 "default: a temporary directory, removed at the end")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        refuse_extra_arguments(args, 0)
        assert self.settings is not None
        if not self.settings.getlist("SPIDER_MODULES"):
            # Outside a project (no scrapy.cfg, no SCRAPY_SETTINGS_MODULE): the demo needs only newscrawl's.
            self.settings.setmodule("newscrawl.settings", priority="project")
        # The summary is the demo's output; the log shows only problems unless -L/-s asks for more.
        self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")  # -L or -s LOG_LEVEL, applied next, still win
        # Set before Scrapy configures logging: a production LOG_FILE is not the demo's.
        self.settings.set("LOG_FILE", None, priority=SANDBOX_PRIORITY)
        super().process_options(args, opts)
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("Invalid -a value, use -a NAME=VALUE", print_help=False) from None
        mirror_site(opts)  # a bad --articles is a usage error before anything starts
        try:
            self._check(opts)
        except StartError as error:
            print_error(str(error))
            raise SystemExit(error.status) from None

    def _check(self, opts: argparse.Namespace) -> None:
        spidercls = load_spider(self.settings, opts.spider)
        if issubclass(spidercls, NetworkSpider):
            if opts.site is not None and opts.site != spidercls.site.key:
                raise StartError(f"--site {opts.site} is not the site of spider {opts.spider!r} "
                                 f"({spidercls.site.key}); leave --site out")
            opts.site = spidercls.site.key  # mirror the site the spider is for
        elif not issubclass(spidercls, NewsSpider):
            raise StartError(f"the demo runs newscrawl's spiders ({', '.join(sorted(NETWORK_SITES))} or news), "
                             f"not {opts.spider!r}")
        check_spider_options(spidercls, spider_args(spidercls, opts.spargs, _UNUSED_ORIGIN))
        if opts.output is not None:
            output = Path(opts.output)
            if output.exists() and (not output.is_dir() or any(output.iterdir())):
                raise StartError(f"--output {opts.output} must be a new or empty directory, so that nothing "
                                 "in it is overwritten")
        opts.spidercls = spidercls

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        site = mirror_site(opts)
        work = Path(opts.output) if opts.output else Path(tempfile.mkdtemp(prefix="newscrawl-demo-"))
        server = None
        try:
            work.mkdir(parents=True, exist_ok=True)
            assert self.settings is not None and self.crawler_process is not None
            confine_outputs(self.settings, work.resolve())
            server = MirrorServer(site).start()
            crawler = self.crawler_process.create_crawler(opts.spidercls)
            feeds: list[str] = []

            def record_feed(slot) -> None:  # a named function: signal receivers are weak references
                feeds.append(slot.uri)

            crawler.signals.connect(record_feed, signal=signals.feed_slot_closed)
            print(f"Mirror of {site.domain} ({site.articles} articles) at {server.base_url}; crawling with "
                  f"'{opts.spider}'…", flush=True)
            self.crawler_process.crawl(crawler, **spider_args(opts.spidercls, opts.spargs, server.base_url))
            self.crawler_process.start()
            server.stop()
            server = None
            stats = _final_stats(crawler)
            rolling = crawler.settings.get("NEWSCRAWL_ROLLING_FEED", "") % {"name": opts.spider}
            feeds += [rolling] if rolling and Path(rolling).exists() else []
            kept = work.resolve() if opts.output else None
            print(summary(stats, feeds, kept=kept, spider=opts.spider))
            note = max_pages_note(stats, opts.spargs.get("max_pages", DEFAULT_MAX_PAGES), site.articles)
            if note:
                print(note)
            monitors_failed = stats.get("newscrawl/monitors/failed", 0)
            self.exitcode = 0 if stats.get("item_scraped_count") and not monitors_failed else 1
        finally:
            if server is not None:
                server.stop()
            if not opts.output:
                shutil.rmtree(work, ignore_errors=True)
        sys.stdout.flush()


def _final_stats(crawler) -> dict:
    try:
        return crawler.stats.get_stats() if crawler.stats else {}
    except RuntimeError:  # Scrapy 2.19: the crawl never started
        return {}


def spider_args(spidercls: type, given: dict, mirror_url: str) -> dict:
    """The spider options of a demo: the user's, plus where the mirror is."""
    if issubclass(spidercls, NewsSpider):
        if not {"start", "urls", "urls_file"} & set(given):
            return {**given, "start": mirror_url + "/"}
        return dict(given)
    return {"base_url": mirror_url, **given}


def summary(stats: dict, feeds: list[str], *, kept: Path | None, spider: str) -> str:
    def count(prefix: str) -> int:
        return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))

    report = f"report: {kept / 'reports' / (spider + '.json')}" if kept else "report not kept"
    lines = [
        "newscrawl demo summary",
        f"  pages fetched        {stats.get('downloader/response_count', 0)}",
        f"  articles in feed     {stats.get('item_scraped_count', 0)}",
        f"  duplicates dropped   {count('newscrawl/dedupe/')}",
        f"  other items dropped  {count('newscrawl/items/dropped/')}",
        f"  dates parsed         {stats.get('newscrawl/dates/parsed', 0)} (unparsed {stats.get('newscrawl/dates/unparsed', 0)})",
        f"  failed requests      {count('newscrawl/fetch/failed/')}",
        f"  non-article pages    {stats.get('newscrawl/pages/not_article', 0)}",
        f"  monitors             {stats.get('newscrawl/monitors/passed', 0)} passed, "
        f"{stats.get('newscrawl/monitors/failed', 0)} failed ({report})",
        f"  finish reason        {stats.get('finish_reason')}",
    ]
    if kept is None:
        lines.append("  output               removed with its temporary directory (--output DIR keeps the feeds, "
                     "report and state)")
    else:
        lines += [f"  feed                 {_shown(uri)}" for uri in feeds] or ["  feed                 (none written)"]
    return "\n".join(lines)


def max_pages_note(stats: dict, max_pages: int | str | None, articles: int) -> str | None:
    """A line when ``max_pages`` cut section listings short, so fewer articles were found than the mirror has."""
    cut = stats.get("newscrawl/listings/page_limit_reached", 0)
    if not cut or not max_pages or str(max_pages) == "0":
        return None
    return (f"Note: max_pages={max_pages} stopped {cut} section listing(s) before their last page, so "
            f"{stats.get('item_scraped_count', 0):,} of the mirror's {articles:,} articles were found; "
            "-a max_pages=0 follows every listing page (or raise it: -a max_pages=N).")


def _shown(uri: str) -> str:
    return str(Path(uri.removeprefix("file://")).resolve()) if "://" not in uri or uri.startswith("file://") else uri
