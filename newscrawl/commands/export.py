"""``scrapy export``: the articles kept in the state store, as JSON Lines, JSON Feed or CSV.

    scrapy export almaghrib --since 2025-01-01 -o out.jsonl
    scrapy export almaghrib --section "أخبار عالمية" -o world.json      # JSON Feed 1.1
    scrapy export all --until 2025-06-30 -o corpus.csv --bom            # every site; BOM for Excel
    scrapy export almaghrib -o - --format jsonl | head                  # to stdout

Streaming: rows come from a SQLite cursor and each is written as it is read, so a corpus of a
million articles exports in constant memory. A file is written beside its target and moved
into place when complete, so a failed export never leaves half a file at PATH.

- The site is a spider name (the ``source`` of its articles), a network site's domain
  (``almaghribtoday.net``) or ``all``.
- ``--since`` / ``--until`` are calendar days, both included, compared with the article's
  ``date_published`` as the site dated it (its own UTC offset). Articles without a publication
  date are left out whenever a date bound is given.
- The format comes from ``--format`` or the extension of ``-o``: ``.jsonl`` / ``.jl`` /
  ``.ndjson`` → JSON Lines, ``.json`` → JSON Feed, ``.csv`` → CSV; ``-o -`` (stdout) is JSON
  Lines unless ``--format`` says otherwise.
- Order: oldest first, except JSON Feed (newest first, as feed readers expect); ``--order``
  changes it.
- CSV: one row per article, a column per ``Article`` field, UTF-8, RFC 4180 quoting (the body
  keeps its blank lines inside its quoted cell), ``tags`` joined with "; ", ``extraction`` as
  ``field=step; ...``. No byte-order mark unless ``--bom``: Excel needs one to read UTF-8
  (without it, Arabic shows as mojibake) while most other tools prefer none. ``scrapy crawl
  -O x.csv`` writes the same layout (``newscrawl.exporters.CsvItemExporter``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

# The CSV layout is shared with `scrapy crawl -O x.csv` (newscrawl.exporters.CsvItemExporter).
from newscrawl.commands.startup import one_line_errors, refuse_extra_arguments, remove_stale_parts
from newscrawl.exporters import ARTICLE_FIELDS, LIST_SEPARATOR, CsvWriter, csv_cell, read_csv_article  # noqa: F401
from newscrawl.feedstorage import describe
from newscrawl.jsonfeed import JsonFeedWriter

FORMATS = ("jsonl", "jsonfeed", "csv")
EXTENSIONS = {".jsonl": "jsonl", ".jl": "jsonl", ".ndjson": "jsonl", ".json": "jsonfeed", ".csv": "csv"}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_for(path: str, requested: str | None) -> str:
    """The export format: *requested*, else the one *path*'s extension names."""
    if requested is not None:
        if requested not in FORMATS:
            raise UsageError(f"unknown format {requested!r}: choose one of {', '.join(FORMATS)}", print_help=False)
        return requested
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        known = ", ".join(f"{ext} ({fmt})" for ext, fmt in EXTENSIONS.items())
        raise UsageError(f"cannot tell the format from {path!r}: use an extension among {known}, "
                         f"or --format {'|'.join(FORMATS)}", print_help=False)
    return EXTENSIONS[suffix]


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        if not DAY.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} takes a calendar day as YYYY-MM-DD (e.g. 2025-01-31), got {value!r}",
                         print_help=False) from None


# --- writers: each takes one article dict at a time ----------------------------------------------
class JsonLinesWriter:
    def __init__(self, file: IO[bytes]):
        self.file = file
        self.count = 0

    def start(self) -> None:
        pass

    def write(self, article: dict[str, Any]) -> None:
        ordered = {key: article[key] for key in ARTICLE_FIELDS if key in article}
        ordered.update((key, value) for key, value in article.items() if key not in ordered)
        self.file.write(json.dumps(ordered, ensure_ascii=False).encode("utf-8") + b"\n")
        self.count += 1

    def finish(self) -> None:
        pass


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False  # no crawl: no reactor, no crawler process

    def syntax(self) -> str:
        return ("<spider-or-site|all> -o PATH [--format jsonl|jsonfeed|csv] [--since YYYY-MM-DD] "
                "[--until YYYY-MM-DD] [--section NAME]")

    def short_desc(self) -> str:
        return "Export stored articles (state store) to JSON Lines, JSON Feed or CSV, streaming"

    def long_desc(self) -> str:
        return ("Write the articles kept in the state store (NEWSCRAWL_STATE_DIR/state.sqlite) of a site, "
                "optionally limited to a date range (--since/--until, days included) and a section. The format "
                "comes from --format or the extension of -o (.jsonl, .json = JSON Feed 1.1, .csv); -o - writes "
                "to stdout. Rows are streamed, so memory stays constant whatever the corpus size.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_errors(parser)
        # Not required=True: argparse would complain about -o before the missing site, the
        # first thing a user needs to hear; run() checks the site first, then -o.
        parser.add_argument("-o", "--output", metavar="PATH",
                            help="file to write (its extension picks the format), or - for stdout")
        parser.add_argument("--format", dest="export_format", metavar="FORMAT",
                            help=f"one of {', '.join(FORMATS)} (default: from the -o extension; jsonl for stdout)")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="articles published on or after this day")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="articles published on or before this day")
        parser.add_argument("--section", metavar="NAME", help="only this section (its name as the site shows it)")
        parser.add_argument("--order", choices=("oldest", "newest"),
                            help="oldest or newest first (default: newest for JSON Feed, oldest otherwise)")
        parser.add_argument("--limit", type=int, metavar="N", help="at most N articles")
        parser.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 byte-order mark (for Excel)")
        parser.add_argument("--title", help="JSON Feed title (default: the site's name)")
        parser.add_argument("--feed-url", metavar="URL", help="JSON Feed feed_url: where the file will be served")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        refuse_extra_arguments(args, 1)
        if len(args) != 1:
            raise UsageError("name one site: a spider name (e.g. almaghrib), a site's domain, or all",
                             print_help=False)
        if not opts.output:
            raise UsageError("say where to write: -o FILE (.jsonl, .json or .csv), or -o - for stdout",
                             print_help=False)
        export_format = format_for(opts.output, opts.export_format)
        since = parse_day(opts.since, "--since")
        until = parse_day(opts.until, "--until")
        if since and until and since > until:
            raise UsageError(f"--since {since} is after --until {until}: nothing could match", print_help=False)
        if opts.limit is not None and opts.limit < 0:
            raise UsageError("--limit must be 0 or more", print_help=False)
        if opts.bom and export_format != "csv":
            raise UsageError("--bom applies to CSV only", print_help=False)

        from newscrawl.incremental import state_path  # the crawl's own notion of where the store is
        from newscrawl.sqlite import DamagedStateError
        from newscrawl.state import CrawlState

        from newscrawl.distributed import RedisUnavailable, connect, redis_url

        path = state_path(self.settings)
        if redis_url(self.settings):  # a shared crawl keeps its articles in Redis
            from newscrawl.distributed.state import SharedCrawlState

            try:
                state = SharedCrawlState(None, connect(redis_url(self.settings)))
            except RedisUnavailable as exc:
                return self._fail(str(exc))
        elif not path.is_file():
            return self._fail(self._missing_store_message(path))
        else:
            try:
                state = CrawlState(path)
            except DamagedStateError as exc:
                return self._fail(f"{exc.path.resolve()} is not a newscrawl state store, or is damaged ({exc.detail})")
            except sqlite3.DatabaseError as exc:
                return self._fail(f"{path.resolve()} is not a newscrawl state store ({exc})")
        try:
            source, warning = self._resolve_source(args[0], state)
            if source is False:
                return self._fail(warning)
            if warning:
                print(f"warning: {warning}", file=sys.stderr)
            newest_first = (opts.order or ("newest" if export_format == "jsonfeed" else "oldest")) == "newest"
            articles = state.articles(
                source=source, section=opts.section, newest_first=newest_first, limit=opts.limit,
                since=since.isoformat() if since else None,
                # until is a whole day, included: the store's bound is exclusive, so take the next day
                until=(until + timedelta(days=1)).isoformat() if until else None)
            try:
                count = self._write(articles, opts, export_format, source)
            except OSError as error:
                return self._fail(f"cannot write {opts.output}: {describe(error)}")
            if opts.section and not count:
                unknown = _unknown_section_warning(state, source, opts.section)
                if unknown:
                    print(f"warning: {unknown}", file=sys.stderr)
        finally:
            state.close()
        where = "stdout" if opts.output == "-" else str(Path(opts.output).resolve())
        print(f"{count} article{'s' if count != 1 else ''} written to {where} ({export_format})", file=sys.stderr)

    # --- pieces ---------------------------------------------------------------------------------
    def _fail(self, message: str) -> None:
        print(f"Error: {message}", file=sys.stderr)
        self.exitcode = 1

    def _missing_store_message(self, path: Path) -> str:
        assert self.settings is not None
        configured = self.settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl")
        relative = "" if Path(configured).is_absolute() else f", relative to the current directory {Path.cwd()}"
        return (f"no state store found at {path.resolve()} (NEWSCRAWL_STATE_DIR is {configured!r}{relative}). "
                f"Crawl first, run the export where the crawls run, or point at the store's folder with "
                f"-s NEWSCRAWL_STATE_DIR=/path/to/dir (or NEWSCRAWL_STATE_DIR in your settings module)")

    def _resolve_source(self, name: str, state: Any) -> tuple[str | None | bool, str | None]:
        """(source, warning); source False means an error, described by the second element."""
        if name == "all":
            return None, None
        if state.count_articles(name):
            return name, None
        from newscrawl.sites import NETWORK_SITES

        host = (urlsplit(name).hostname if "://" in name else name.split("/")[0]).lower().removeprefix("www.")
        for key, site in NETWORK_SITES.items():
            if host == site.domain.lower().removeprefix("www.") and state.count_articles(key):
                return key, None
        if name in self._spider_names() or name in NETWORK_SITES:
            return name, f"the state store at {_where(state)} holds no articles of {name!r} yet"
        held = ", ".join(f"{source} ({count})" for source, count in
                         (state.sources() if hasattr(state, "sources") else _sources(state.path))) or "none"
        return False, (f"unknown site {name!r}: not a spider name, a site domain or 'all'. "
                       f"Sites in the state store at {_where(state)}: {held}")

    def _spider_names(self) -> list[str]:
        assert self.settings is not None
        try:
            from scrapy.spiderloader import get_spider_loader

            return list(get_spider_loader(self.settings).list())
        except Exception:  # noqa: BLE001 - a broken spider module must not break an export
            return []

    def _write(self, articles: Iterable[dict[str, Any]], opts: argparse.Namespace, export_format: str,
               source: str | None) -> int:
        if opts.output == "-":
            out = sys.stdout.buffer
            try:
                count = self._stream(articles, out, opts, export_format, source)
                out.flush()
            except BrokenPipeError:  # `scrapy export ... -o - | head`: the reader has had enough
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise SystemExit(0) from None
            return count
        target = Path(opts.output)
        if target.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(target)
        partial = target.with_name(f".{target.name}.part-{os.getpid()}")
        try:
            with open(partial, "wb") as out:
                count = self._stream(articles, out, opts, export_format, source)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return count

    def _stream(self, articles: Iterable[dict[str, Any]], out: IO[bytes], opts: argparse.Namespace,
                export_format: str, source: str | None) -> int:
        if export_format == "jsonl":
            writer: Any = JsonLinesWriter(out)
        elif export_format == "csv":
            writer = CsvWriter(out, bom=opts.bom)
        else:
            from newscrawl.sites import NETWORK_SITES

            from newscrawl.jsonfeed import public_url

            site = NETWORK_SITES.get(source or "")
            title = opts.title or (site.label if site else source or "newscrawl")
            home = public_url(self.settings, "NEWSCRAWL_FEED_HOME_URL", source or "all") or (
                site.base_url.rstrip("/") + "/" if site else None)
            writer = JsonFeedWriter(out, title=title, home_page_url=home, feed_url=opts.feed_url)
        writer.start()
        for article in articles:
            writer.write(article)
        writer.finish()
        return writer.count


def _where(state) -> str:
    """Where *state* lives, for messages: its SQLite file, or the shared crawl's Redis."""
    return getattr(state, "where", None) or str(state.path.resolve())


def _sources(path: Path) -> list[tuple[str, int]]:
    reader = sqlite3.connect(path, timeout=30)
    try:
        return list(reader.execute("SELECT source, COUNT(*) FROM articles GROUP BY source ORDER BY source"))
    finally:
        reader.close()


def _unknown_section_warning(state, source: str | None, section: str) -> str | None:
    """When no stored article of *source* has *section*, the sections that are stored (the most
    frequent first, the nearest spellings named): a typo must not pass for an empty section.
    Read only when the export found nothing, so its pass over the store costs nothing otherwise."""
    import difflib
    from collections import Counter

    counts = Counter(article.get("section") for article in state.articles(source=source))
    counts.pop(None, None)
    if section in counts:
        return None  # the section exists; the other filters left nothing
    if not counts:
        return f"no stored article has a section, so none is {section!r}"
    names = [name for name, _ in counts.most_common()]
    near = difflib.get_close_matches(section, names, n=3, cutoff=0.5)
    listed = ", ".join(f"{name} ({counts[name]})" for name in names[:10]) + (" ..." if len(names) > 10 else "")
    hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
    return f"no stored article has the section {section!r}{hint}. Stored sections: {listed}"
