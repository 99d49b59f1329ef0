"""``scrapy runs``: the run history (newscrawl.runs) as a table, or JSON for tools.

    scrapy runs                    # the last 20 runs of every site
    scrapy runs almaghrib --last 5
    scrapy runs almaghrib --json   # every field of every run: coverage, extraction steps, monitors
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.startup import one_line_errors, print_error, refuse_extra_arguments

DEFAULT_LAST = 20
COVERAGE_COLUMNS = (("headline", "head"), ("body", "body"), ("date_published", "date"), ("author", "auth"))


def open_history(settings):
    """The run history of the state store the settings name, or an error message."""
    from newscrawl.incremental import state_path
    from newscrawl.runs import RunHistory
    from newscrawl.sqlite import DamagedStateError

    path = state_path(settings)
    if not path.is_file():
        configured = settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl")
        return None, (f"no state store found at {path.resolve()} (NEWSCRAWL_STATE_DIR is {configured!r}): crawl "
                      f"first, run this where the crawls run, or point at the store's folder with "
                      f"-s NEWSCRAWL_STATE_DIR=/path/to/dir")
    try:
        return RunHistory(path), None
    except DamagedStateError as error:
        return None, f"{error.path.resolve()} is not a newscrawl state store, or is damaged ({error.detail})"
    except Exception as error:  # noqa: BLE001 - sqlite3 or OS errors: one line
        return None, f"cannot read the state store {path.resolve()}: {error}"


def count(text: str) -> int:
    """An argparse type: a whole number SQLite can take (a huge one means "all" anyway)."""
    return min(int(text), 2**62)


def resolve_site(name: str, known: list[str], spider_names: list[str]) -> str:
    """A spider name, or a network site's domain, to the spider whose runs are kept."""
    from urllib.parse import urlsplit

    from newscrawl.sites import NETWORK_SITES

    if name in known or name in spider_names:
        return name
    host = (urlsplit(name).hostname if "://" in name else name.split("/")[0]).lower().removeprefix("www.")
    for key, site in NETWORK_SITES.items():
        if host == site.domain.lower().removeprefix("www."):
            return key
    raise UsageError(f"unknown site {name!r}: not a spider name or a site's domain. Sites in the run history: "
                     f"{', '.join(known) or 'none yet'}", print_help=False)


def _duration(run) -> str:
    try:
        seconds = int((datetime.fromisoformat(run.finished_at) - datetime.fromisoformat(run.started_at)).total_seconds())
    except (TypeError, ValueError):
        return "?"
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _main_step(run, field: str = "body") -> str:
    steps = run.extraction.get(field) or {}
    return max(steps, key=steps.get) if steps else "-"


def table(runs) -> str:
    header = ["id", "spider", "started (UTC)", "took", "finish", "pages", "new", "items", "dups", "failed",
              *(short for _, short in COVERAGE_COLUMNS), "body from", "monitors"]
    rows = [header]
    for run in runs:
        failed = sum(count for kind, count in run.failures.items() if kind.startswith("fetch/"))
        monitors = run.monitors
        outcome = ("FAILED: " + ", ".join(monitors["failed"])) if monitors.get("failed") else (
            "passed" if monitors else "-")
        rows.append([str(run.id), run.spider, run.started_at[:19].replace("T", " "), _duration(run),
                     run.finish_reason or "-", str(run.pages), str(run.new_articles), str(run.items),
                     str(run.duplicates), str(failed),
                     *(f"{run.coverage[name]:.2f}" if name in run.coverage else "-" for name, _ in COVERAGE_COLUMNS),
                     _main_step(run), outcome])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    numeric = {0, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return "\n".join(lines)


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[<site>] [--last N] [--json]"

    def short_desc(self) -> str:
        return "Show the run history: one line per finished crawl (pages, new articles, coverage, monitors)"

    def long_desc(self) -> str:
        return ("Print the runs recorded in the state store (NEWSCRAWL_STATE_DIR/state.sqlite), oldest first: "
                "when each ran and how it finished, pages received, new articles, items, duplicates, failed "
                "requests, the coverage of headline, body, date and author, the step that extracted the body, "
                "and the monitors' outcome. <site> is a spider name or a site's domain (default: every site). "
                "--json prints every field (failures by kind, coverage of every field, extraction steps, each "
                "monitor's result) as a JSON list.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_errors(parser)
        parser.add_argument("--last", type=count, metavar="N", default=DEFAULT_LAST,
                            help=f"the newest N runs (default {DEFAULT_LAST}; 0 = all)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="JSON list, for tools")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        refuse_extra_arguments(args, 1)
        if opts.last < 0:
            raise UsageError("--last takes a number of runs, 0 or more (0 = all)", print_help=False)
        history, problem = open_history(self.settings)
        if history is None:
            print_error(problem)
            self.exitcode = 1
            return
        try:
            known = [spider for spider, _ in history.spiders()]
            site = resolve_site(args[0], known, self._spider_names()) if args else None
            runs = history.runs(site, last=opts.last or None)
        finally:
            history.close()
        if opts.as_json:
            print(json.dumps([run.as_dict() for run in runs], ensure_ascii=False, indent=1))
            return
        if not runs:
            print(f"No runs{' of ' + site if site else ''} in the history of "
                  f"{Path(self.settings.get('NEWSCRAWL_STATE_DIR', '.newscrawl')).resolve()} yet.", file=sys.stderr)
            return
        print(table(runs))

    def _spider_names(self) -> list[str]:
        try:
            from scrapy.spiderloader import get_spider_loader

            return list(get_spider_loader(self.settings).list())
        except Exception:  # noqa: BLE001 - a broken spider module must not break this listing
            return []
