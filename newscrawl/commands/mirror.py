"""``scrapy mirror``: serve the offline almaghribtoday mirror until interrupted."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.sites import NETWORK_SITES

MAX_ARTICLES = 100_000


def add_mirror_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=300, metavar="N",
                        help=f"generated articles, besides the seed article (default 300, at most {MAX_ARTICLES:,})")
    parser.add_argument("--site", choices=sorted(NETWORK_SITES), default=None,
                        help="network site to imitate (default almaghrib)")
    parser.add_argument("--variant", choices=("default", "changed"), default="default",
                        help="'changed' serves article pages in a changed template (for monitor tests)")


def mirror_site(opts: argparse.Namespace) -> MirrorSite:
    if not 1 <= opts.articles <= MAX_ARTICLES:
        raise UsageError(f"--articles must be between 1 and {MAX_ARTICLES:,}", print_help=False)
    return MirrorSite(articles=opts.articles, variant=opts.variant, site_key=opts.site or "almaghrib")


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--port N] [--host H] [--site NAME] [--articles N] [--variant default|changed]"

    def short_desc(self) -> str:
        return "Serve an offline mirror of almaghribtoday.net (or a network sibling) on a loopback port"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080; 0 = any free)")
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        add_mirror_options(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        site = mirror_site(opts)
        try:
            server = MirrorServer(site, opts.host, opts.port)
        except OSError as exc:
            raise UsageError(f"cannot listen on {opts.host}:{opts.port}: {exc.strerror}", print_help=False) from None
        print(f"Serving a mirror of {site.domain} ({site.articles} articles) at {server.base_url}/", flush=True)
        print(f"Crawl it with: scrapy crawl {site.site_key} -a base_url={server.base_url}")
        print("Press Ctrl+C to stop.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
