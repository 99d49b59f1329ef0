"""``scrapy parse URL``: Scrapy's own command, made safe and helpful for newscrawl's spiders.

- It never reads or writes the crawl state, feeds, reports or stats of the directory it runs in:
  incremental crawling and the monitors are off, and anything else a crawl would write
  (``--pipelines``' title store) goes to a temporary directory removed at the end. So a page an
  earlier crawl already kept is parsed and printed like any other.
- The spider is found from the URL's host (any network site; ``--spider`` names one, e.g.
  ``news`` for another site). A network spider given a URL of another origin (a mirror) is
  rebased there (``base_url``); ``news`` is given the URL itself (``urls``).
- The default callback is the spiders' ``parse``, which routes the page by its kind (article,
  listing, feed) to the callback a crawl would use.
- A URL no spider handles, a bad ``-a`` option or a page that could not be downloaded is one
  ``Error:`` line and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.exceptions import ScrapyDeprecationWarning, UsageError
from scrapy.http import Request
from scrapy.spiderloader import get_spider_loader
from w3lib.url import is_url

from newscrawl.commands.startup import (StartError, check_spider_options, load_spider, one_line_errors, print_error,
                                        refuse_extra_arguments)
from newscrawl.sandbox import SANDBOX_PRIORITY, confine_outputs
from newscrawl.spiders.common import asked_url
from newscrawl.spiders.network import NetworkSpider
from newscrawl.spiders.news import NewsSpider


class Command(ScrapyParseCommand):
    def short_desc(self) -> str:
        return "Parse URL with its spider and print the results (writes no feed, state or report)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        one_line_errors(parser)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        refuse_extra_arguments(args, 1)
        assert self.settings is not None
        # Before Scrapy reads -o/-O, which it merges with the project's FEEDS: only the named feed is written.
        self.settings.set("FEEDS", {}, priority=SANDBOX_PRIORITY)
        super().process_options(args, opts)
        # No state: nothing is skipped as "already kept", nothing is recorded.
        self.settings.set("NEWSCRAWL_INCREMENTAL", False, priority=SANDBOX_PRIORITY)
        self.settings.set("SPIDERMON_ENABLED", False, priority=SANDBOX_PRIORITY)
        if len(args) != 1 or not is_url(args[0]):
            return  # Scrapy's usage error follows
        try:
            opts.spider = opts.spider or self._spider_for(args[0])
            spidercls = load_spider(self.settings, opts.spider)
            opts.spargs = spider_args(spidercls, opts.spargs, args[0])
            check_spider_options(spidercls, opts.spargs)
        except StartError as error:
            print_error(str(error))
            raise SystemExit(error.status) from None

    def _spider_for(self, url: str) -> str:
        """The network spider whose site the URL is on."""
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        loader = get_spider_loader(self.settings)
        for name in loader.list():
            site = getattr(loader.load(name), "site", None)
            if site is not None and (host == site.domain or host.endswith("." + site.domain)):
                return name
        raise StartError(f"no spider is for {host or url}; name one with --spider (a network site's, or news "
                         "for any other site)")

    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)

        def record_status(response, request, spider) -> None:  # named: signal receivers are weak references
            self._statuses[asked_url(request)] = response.status

        def record_drop(item, response, exception, spider) -> None:
            self._dropped[id(item)] = f"{type(exception).__name__}: {exception}"

        self._record_status, self._record_drop = record_status, record_drop
        crawler.signals.connect(record_status, signal=signals.response_received)
        crawler.signals.connect(record_drop, signal=signals.item_dropped)
        return crawler

    def prepare_request(self, spider, request, opts):
        request = super().prepare_request(spider, request, opts)
        request.errback = self._download_failed  # Scrapy's has none: a download error is a traceback
        return request

    def _download_failed(self, failure) -> None:
        self._failures[failure.request.url] = failure.getErrorMessage()

    def scraped_data(self, args):
        """As Scrapy's, but with ``--pipelines`` the items go to the engine, which runs the
        pipelines as a crawl does (signals, drops and all), and only the items no pipeline
        dropped are printed. (Scrapy's schedules the pipelines beside the engine and prints every
        item: a dropped one showed as scraped, its DropItem surfaced as an asyncio "Task exception
        was never retrieved", and with -o the engine ran the pipelines a second time.)"""
        items, requests, opts, depth, spider, callback = args
        if not opts.pipelines:
            return super().scraped_data(args)
        data = super().scraped_data((items, requests, argparse.Namespace(**{**vars(opts), "pipelines": False}),
                                     depth, spider, callback))
        return data if opts.output else [*items, *data]

    def print_items(self, lvl=None, colour=True) -> None:
        if self._dropped:
            self.items = {level: [item for item in items if id(item) not in self._dropped]
                          for level, items in self.items.items()}
            for why in self._dropped.values():
                print(f"# Dropped: {why}")
        super().print_items(lvl, colour)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or not is_url(args[0]):
            raise UsageError
        self._statuses: dict[str, int] = {}  # URL asked for → HTTP status of its (last) response
        self._failures: dict[str, str] = {}  # URL asked for → why it could not be downloaded
        self._dropped: dict[int, str] = {}  # id() of an item a pipeline dropped → why
        scratch = Path(tempfile.mkdtemp(prefix="newscrawl-parse-"))
        try:
            assert self.settings is not None
            confine_outputs(self.settings, scratch, feeds=False)  # -o/-O, if given, still write
            with warnings.catch_warnings():
                # Scrapy's parse command wraps every callback in a function returning a Deferred,
                # which Scrapy 2.19 itself deprecates: a warning about Scrapy, not the spider.
                warnings.filterwarnings("ignore", message=".*returned a Deferred", category=ScrapyDeprecationWarning)
                super().run(args, opts)
            if self.spidercls is not None and opts.depth > 0 and not self.first_response:
                # Scrapy exits 0 here, with a log line that does not say why.
                asked = Request(args[0]).url
                status, failure = self._statuses.get(asked), self._failures.get(asked)
                why = f"it answered HTTP {status}" if status else failure or "no response (see the log)"
                print_error(f"nothing parsed from {args[0]}: {why}")
                self.exitcode = 1
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def spider_args(spidercls: type, given: dict, url: str) -> dict:
    """The spider options that let *spidercls* fetch *url*, the user's first."""
    parts = urlsplit(url)
    if issubclass(spidercls, NetworkSpider) and "base_url" not in given:
        host = (parts.hostname or "").removeprefix("www.")
        if host != spidercls.site.domain and not host.endswith("." + spidercls.site.domain):
            return {**given, "base_url": f"{parts.scheme}://{parts.netloc}"}  # a mirror of the site
    if issubclass(spidercls, NewsSpider) and not {"start", "urls", "urls_file"} & set(given):
        return {**given, "urls": url}
    return dict(given)
