"""``scrapy demo``: serve the mirror in-process, crawl it with the real spider, summarise."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from scrapy import signals
from scrapy.commands import ScrapyCommand

from newscrawl.commands.mirror import add_mirror_options, mirror_site
from newscrawl.mirror.server import MirrorServer
from newscrawl.sites import NETWORK_SITES


class Command(ScrapyCommand):
    requires_project = False

    def syntax(self) -> str:
        return "[--articles N] [--spider NAME]"

    def short_desc(self) -> str:
        return "Crawl the bundled offline mirror end to end and print a summary"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_mirror_options(parser)
        parser.add_argument("--spider", default="almaghrib", help="spider to run (default almaghrib)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        # The summary is the demo's output; the log shows only problems unless -L/-s asks for more.
        assert self.settings is not None
        self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")  # -L or -s LOG_LEVEL, applied next, still win
        super().process_options(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if opts.site is None and opts.spider in NETWORK_SITES:
            opts.site = opts.spider  # mirror the site the spider is for
        site = mirror_site(opts)
        server = MirrorServer(site).start()
        feeds: list[str] = []
        state_dir = tempfile.mkdtemp(prefix="newscrawl-demo-state-")  # a demo starts from nothing
        try:
            assert self.crawler_process is not None
            crawler = self.crawler_process.create_crawler(opts.spider)
            crawler.settings.set("NEWSCRAWL_STATE_DIR", state_dir, priority="cmdline")
            def record_feed(slot) -> None:  # a named function: signal receivers are weak references
                feeds.append(slot.uri)

            crawler.signals.connect(record_feed, signal=signals.feed_slot_closed)
            print(f"Mirror of {site.domain} ({site.articles} articles) at {server.base_url}; crawling with '{opts.spider}'…",
                  flush=True)
            self.crawler_process.crawl(crawler, base_url=server.base_url)
            self.crawler_process.start()
        finally:
            server.stop()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        self.exitcode = 0 if stats.get("item_scraped_count") else 1
        settings = crawler.settings
        extra = [settings.get("NEWSCRAWL_ROLLING_FEED", "") % {"name": opts.spider}]
        print(summary(stats, feeds + [p for p in extra if p and Path(p).exists()]))


def summary(stats: dict, feeds: list[str]) -> str:
    def count(prefix: str) -> int:
        return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))

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
        f"{stats.get('newscrawl/monitors/failed', 0)} failed (report: reports/<spider>.json)",
        f"  finish reason        {stats.get('finish_reason')}",
    ]
    lines += [f"  feed                 {_shown(uri)}" for uri in feeds] or ["  feed                 (none written)"]
    return "\n".join(lines)


def _shown(uri: str) -> str:
    return str(Path(uri.removeprefix("file://")).resolve()) if "://" not in uri or uri.startswith("file://") else uri
