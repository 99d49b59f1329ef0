"""``scrapy mirror``: serve the offline almaghribtoday mirror until interrupted."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.startup import one_line_errors, refuse_extra_arguments

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.faults import AIMED_KINDS, KINDS, FaultPlan
from newscrawl.mirror.pages import PAGINATION_SCHEMES
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
    parser.add_argument("--pagination", choices=PAGINATION_SCHEMES, default="query",
                        help="how listings link their next page: 'query' ?page=N behind \"المزيد\" (default), "
                             "'path' /page/N, 'elsewhere' another path behind \"التالي\", 'head' a <link rel=next>")


def add_fault_options(parser: argparse.ArgumentParser) -> None:
    """``--faults SEED`` and friends: a hostile mirror (see ``newscrawl.mirror.faults``). Kept
    apart from ``add_mirror_options`` so a command offers them only once it passes
    ``fault_plan(opts)`` on to its ``MirrorServer``."""
    parser.add_argument("--faults", type=int, default=None, metavar="SEED",
                        help="inject server faults (5xx, 429, resets, truncated/garbage/empty bodies, latency, "
                             "redirect loops, huge pages, cut feeds), chosen per path from SEED")
    parser.add_argument("--fault-rate", type=float, default=None, metavar="R",
                        help="with --faults: share of paths that get a fault (default 0.2)")
    parser.add_argument("--fault-kinds", default=None, metavar="K,K",
                        help=f"with --faults: only these kinds (of {', '.join(k for k in KINDS if k not in AIMED_KINDS)})")
    parser.add_argument("--offsite-base", default=None, metavar="URL",
                        help="with --faults: enables offsite_redirect faults, 302s to URL + path")


def fault_plan(opts: argparse.Namespace) -> FaultPlan | None:
    """The ``FaultPlan`` the options ask for, or None without ``--faults``."""
    if opts.faults is None:
        if opts.fault_rate is not None or opts.fault_kinds is not None or opts.offsite_base is not None:
            raise UsageError("--fault-rate, --fault-kinds and --offsite-base need --faults SEED", print_help=False)
        return None
    kinds = [k.strip() for k in opts.fault_kinds.split(",") if k.strip()] if opts.fault_kinds is not None else None
    aimed = sorted(set(kinds or ()) & set(AIMED_KINDS))
    if aimed:
        raise UsageError(f"--fault-kinds: {', '.join(aimed)} is aimed at one page by the tests, never drawn by a "
                         f"plan", print_help=False)
    try:
        return FaultPlan(opts.faults, 0.2 if opts.fault_rate is None else opts.fault_rate, opts.offsite_base,
                         kinds=kinds)
    except ValueError as exc:
        raise UsageError(str(exc), print_help=False) from None


def mirror_site(opts: argparse.Namespace) -> MirrorSite:
    if not 1 <= opts.articles <= MAX_ARTICLES:
        raise UsageError(f"--articles must be between 1 and {MAX_ARTICLES:,}", print_help=False)
    return MirrorSite(articles=opts.articles, variant=opts.variant, site_key=opts.site or "almaghrib",
                      pagination=getattr(opts, "pagination", "query"))


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return ("[--port N] [--host H] [--site NAME] [--articles N] [--variant default|changed] "
                "[--faults SEED [--fault-rate R] [--fault-kinds K,K] [--offsite-base URL]]")

    def short_desc(self) -> str:
        return "Serve an offline mirror of almaghribtoday.net (or a network sibling) on a loopback port"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080; 0 = any free)")
        one_line_errors(parser)
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        add_mirror_options(parser)
        add_fault_options(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        refuse_extra_arguments(args, 0)
        site = mirror_site(opts)
        plan = fault_plan(opts)
        try:
            server = MirrorServer(site, opts.host, opts.port, faults=plan)
        except OSError as exc:
            raise UsageError(f"cannot listen on {opts.host}:{opts.port}: {exc.strerror}", print_help=False) from None
        print(f"Serving a mirror of {site.domain} ({site.articles} articles) at {server.base_url}/", flush=True)
        if plan is not None:
            print(describe_faults(plan, site), flush=True)
        print(f"Crawl it with: scrapy crawl {site.site_key} -a base_url={server.base_url}")
        print("Press Ctrl+C to stop.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


def describe_faults(plan: FaultPlan, site: MirrorSite) -> str:
    """Which faults are on, and how they fall on this site's article pages."""
    lines = ["Faults ON: " + plan.describe().splitlines()[0]] + plan.describe().splitlines()[1:3]
    if site.articles <= 20_000:  # counting needs every article generated: quick up to here
        paths = [path for story_paths in site.expected_stories().values() for path in story_paths]
        assigned = plan.assignments(paths)
        spread = ", ".join(f"{kind} {assigned[kind]}" for kind in KINDS if assigned[kind])
        lost = len(plan.unobtainable_stories(site))
        lines.append(f"  article pages: {len(paths)}, faulty {len(paths) - assigned['none']} ({spread or 'none'}); "
                     f"stories never obtainable: {lost}")
    return "\n".join(lines)
