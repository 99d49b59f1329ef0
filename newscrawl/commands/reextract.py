"""``scrapy reextract``: today's extraction over the archived pages of the kept articles, with a
report of what changed per field, before anything in the corpus is replaced.

    scrapy reextract almaghrib -o new.jsonl                       # new items + new.jsonl.report.json
    scrapy reextract almaghrib --since 2025-01-01 --until 2025-01-31 -o jan.jsonl
    scrapy reextract almaghrib -o new.jsonl --update              # and replace the kept articles
    scrapy reextract almaghrib -o new.jsonl --page mypatch:FixedPage   # try a fix without editing newscrawl

The pages come from the crawl's archive (``NEWSCRAWL_ARCHIVE``, every file of the site) or from
``--warc PATHS``; a page archived several times is read in its newest copy. Only articles kept
in the state store (``NEWSCRAWL_STATE_DIR``) of the site, published in the date range, are
re-extracted; the state store is not touched unless ``--update``. Pages are streamed: memory
holds one page and the keys of the articles already re-extracted.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import os
import sys
import zlib
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Headers, TextResponse
from scrapy.responsetypes import responsetypes

from newscrawl.commands.startup import one_line_errors, remove_stale_parts
from newscrawl.commands.export import JsonLinesWriter, parse_day
from newscrawl.feedstorage import describe

IGNORED_FIELDS = {"scraped_at", "extraction"}  # when and how, not what: never a change
EXAMPLES = 3  # examples per changed field in the report
SHOWN = 300  # characters of a value shown in an example


def load_page_class(spec: str) -> type:
    """``module:Class`` (or ``module.Class``) naming an ArticlePage subclass."""
    from newscrawl.extraction.page import ArticlePage

    module_name, _, class_name = spec.rpartition(":") if ":" in spec else spec.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as error:
        raise UsageError(f"--page {spec!r} names no class that can be imported ({error})", print_help=False) from None
    if not (isinstance(cls, type) and issubclass(cls, ArticlePage)):
        raise UsageError(f"--page {spec!r} is not a subclass of newscrawl.extraction.page.ArticlePage",
                         print_help=False)
    return cls


def with_page_class(site: Any, page_class: type | None) -> Any:
    """*site* whose current parser version reads pages with *page_class* instead."""
    from newscrawl.extraction.versions import SiteParser

    if page_class is None or site is None or getattr(site, "parser", None) is None:
        return site
    parser: SiteParser = site.parser
    versions = (*parser.versions[:-1], replace(parser.versions[-1], page=page_class, name=page_class.__name__))
    return replace(site, parser=SiteParser(parser.name, versions))


def decoded_response(archived) -> TextResponse | None:
    """The archived page as the crawl saw it after its middlewares: content decoding undone,
    Arabic charset fixed (``newscrawl.middlewares``); None if it is no text page."""
    from newscrawl.encoding import better_encoding

    headers = Headers(archived.headers)
    body = archived.body
    encoding = (headers.get(b"Content-Encoding") or b"").decode("latin-1").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif encoding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
    except (OSError, zlib.error, EOFError):
        return None
    headers.pop(b"Content-Encoding", None)
    cls = responsetypes.from_args(headers=headers, url=archived.url, body=body)
    if not issubclass(cls, TextResponse):
        return None
    response = cls(url=archived.url, status=archived.status, headers=headers, body=body)
    better = better_encoding(response.body, response.encoding)
    return response.replace(encoding=better) if better else response


class _Report:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.changed: Counter[str] = Counter()
        self.examples: dict[str, list[dict]] = {}

    def compare(self, url: str, old: dict, new: dict) -> bool:
        fields = sorted((set(old) | set(new)) - IGNORED_FIELDS)
        differing = [f for f in fields if old.get(f) != new.get(f)]
        for name in differing:
            self.changed[name] += 1
            shown = self.examples.setdefault(name, [])
            if len(shown) < EXAMPLES:
                shown.append({"url": url, "old": _short(old.get(name)), "new": _short(new.get(name))})
        return bool(differing)

    def as_dict(self) -> dict:
        return {**dict(self.counts), "fields": {name: {"changed": count, "examples": self.examples[name]}
                                                for name, count in self.changed.most_common()},
                "other_examples": {k: v[:EXAMPLES] for k, v in self.examples.items() if k.startswith("(")}}


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > SHOWN:
        return value[:SHOWN] + "…"
    return value


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False  # no crawl: pages come from the archive

    def syntax(self) -> str:
        return "<spider> -o FILE.jsonl [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--warc PATHS] [--update]"

    def short_desc(self) -> str:
        return "Re-run extraction on the archived pages of kept articles; report what changed per field"

    def long_desc(self) -> str:
        return ("Read the archived pages (WARC, NEWSCRAWL_ARCHIVE or --warc) of the articles the state store kept "
                "for a site, extract them again with today's code, write the new items to -o (JSON Lines) and a "
                "report of what changed per field (counts and first examples) to --report (default: FILE.report.json) "
                "and stdout. --update replaces the kept articles in the state store with the new items.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_errors(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="JSON Lines file for the re-extracted items")
        parser.add_argument("--report", metavar="FILE", help="JSON report of the changes (default: FILE.report.json)")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="articles published on or after this day")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="articles published on or before this day")
        parser.add_argument("--warc", metavar="PATHS",
                            help="WARC files, globs or URLs to read (default: the site's files of NEWSCRAWL_ARCHIVE)")
        parser.add_argument("--page", metavar="MODULE:CLASS",
                            help="read pages with this ArticlePage subclass instead of the site's current parser "
                                 "version (see what a fix changes before changing newscrawl)")
        parser.add_argument("--update", action="store_true",
                            help="replace the kept articles in the state store with the re-extracted items")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        from newscrawl.commands.startup import StartError, load_spider

        if len(args) != 1:
            raise UsageError("name one spider, e.g. scrapy reextract almaghrib -o new.jsonl", print_help=False)
        if not opts.output:
            raise UsageError("say where to write the new items: -o FILE.jsonl", print_help=False)
        if opts.output == "-":
            # The items go to a file written whole and then renamed, with a report beside it:
            # stdout can be neither (export is the command that writes to stdout).
            raise UsageError("reextract writes a file and a report beside it, not stdout: name the file "
                             "with -o FILE.jsonl (then scrapy export ... -o - reads the store)", print_help=False)
        since, until = parse_day(opts.since, "--since"), parse_day(opts.until, "--until")
        if since and until and since > until:
            raise UsageError(f"--since {since} is after --until {until}: nothing could match", print_help=False)
        try:
            spidercls = load_spider(self.settings, args[0])
        except StartError as error:
            raise UsageError(str(error), print_help=False) from None
        page_class = load_page_class(opts.page) if opts.page else None
        sources = self._sources(spidercls.name, opts.warc)

        from newscrawl.incremental import state_path
        from newscrawl.sqlite import DamagedStateError
        from newscrawl.state import CrawlState

        path = state_path(self.settings)
        if not path.is_file():
            return self._fail(f"no state store at {path.resolve()}: nothing was kept to re-extract "
                              "(run where the crawls run, or set -s NEWSCRAWL_STATE_DIR=...)")
        try:
            state = CrawlState(path)
        except (DamagedStateError, OSError) as error:
            return self._fail(str(error))
        bounds = (since.isoformat() if since else None,
                  (until + timedelta(days=1)).isoformat() if until else None)
        report_path = Path(opts.report or f"{opts.output}.report.json")
        try:
            try:
                if Path(opts.output).is_dir():
                    raise IsADirectoryError(21, "it is a folder")
                report = self._reextract(spidercls, state, sources, bounds, page_class, opts)
            finally:
                state.close()
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as error:
            where = error.filename or opts.output
            return self._fail(f"cannot write {where}: {describe(error)}")
        self._print_summary(report, opts.output, report_path)

    def _fail(self, message: str) -> None:
        print(f"Error: {message}", file=sys.stderr)
        self.exitcode = 1

    def _sources(self, name: str, warc: str | None) -> list[str]:
        from newscrawl.archive import archive_glob
        from newscrawl.warc import ArchiveError, expand_sources

        if not warc:
            template = self.settings.get("NEWSCRAWL_ARCHIVE", "")
            if not template:
                raise UsageError("NEWSCRAWL_ARCHIVE is off: name the WARC files with --warc PATHS", print_help=False)
            warc = archive_glob(template, name)
        try:
            sources = expand_sources(warc)
        except ArchiveError as error:
            raise UsageError(f"{error}: no archived pages of {name} to re-extract", print_help=False) from None
        # Newest file first: a page archived again by a later refresh is read in that copy.
        local = sorted((s for s in sources if Path(s).exists()), reverse=True)
        return local + [s for s in sources if not Path(s).exists()]

    def _reextract(self, spidercls, state, sources: list[str], bounds, page_class, opts) -> _Report:
        from newscrawl.extraction.article import extract_article
        from newscrawl.items import Article
        from newscrawl.sites import site_for_url
        from newscrawl.warc import ArchiveError, ReadStats, read_responses

        # Only the spider's URL grammar is wanted (url_key), not a crawl: no __init__ options.
        spider = spidercls.__new__(spidercls)
        site = getattr(spidercls, "site", None)
        pipeline = _ItemSteps(self.settings, site)
        report = _Report()
        report.counts["kept_in_range"] = _count_kept(state, spidercls.name, bounds)
        done: set[str] = set()
        target = Path(opts.output)
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(target)
        partial = target.with_name(f".{target.name}.part-{os.getpid()}")
        with open(partial, "wb") as out:
            writer = JsonLinesWriter(out)
            for source in sources:
                stats = ReadStats()
                try:
                    for archived in read_responses(source, lambda url: True, stats):
                        key = spider.url_key(archived.url)
                        if key in done:
                            continue
                        old = _kept(state, key, spidercls.name, bounds)
                        if old is None:
                            continue
                        if not _same_site(archived.url, old["url"], site):
                            # A network spider's key is the site and the path: a sibling site's page
                            # at the same path (CC-NEWS files hold them all) is another article.
                            report.counts["other_hosts"] += 1
                            continue
                        done.add(key)
                        response = decoded_response(archived)
                        if response is None:
                            report.counts["not_text"] += 1
                            continue
                        page_site = with_page_class(site or site_for_url(response.url), page_class)
                        try:
                            extraction = extract_article(response.text, response.url, page_site,
                                                         archived_at=archived.archived_at)
                        except Exception as error:  # noqa: BLE001 - a page class under trial may fail
                            report.counts["extraction_failed"] += 1
                            report.examples.setdefault("(extraction failed)", []).append(
                                {"url": old["url"], "error": f"{type(error).__name__}: {error}"})
                            continue
                        if extraction.not_article:
                            report.counts["no_longer_an_article"] += 1
                            report.examples.setdefault("(not an article)", []).append(
                                {"url": old["url"], "why": extraction.not_article})
                            continue
                        # Made as the spider makes it (NewscrawlSpider.make_item), under the kept URL.
                        fields = {k: v for k, v in extraction.fields.items()
                                  if k in Article.__dataclass_fields__ and k not in ("url", "source", "scraped_at")}
                        new = ItemAdapter(Article(url=old["url"], source=old.get("source"),
                                                  scraped_at=old.get("scraped_at"),
                                                  extraction=dict(extraction.provenance), **fields)).asdict()
                        dropped = pipeline.process(new)
                        if dropped:
                            report.counts[f"dropped_{dropped}"] += 1
                            continue
                        report.counts["reextracted"] += 1
                        if report.compare(old["url"], old, new):
                            report.counts["changed"] += 1
                            if opts.update:
                                state.keep(key, new, replace=True)
                                report.counts["updated"] += 1
                        else:
                            report.counts["unchanged"] += 1
                        writer.write(new)
                except ArchiveError as error:
                    print(f"warning: {error}", file=sys.stderr)
                report.counts["records_read"] += stats.records
                report.counts["cut_records"] += stats.cut
                report.counts["damaged_stretches"] += stats.damaged
        os.replace(partial, target)
        report.counts["no_archived_copy"] = max(0, report.counts["kept_in_range"] - len(done))
        return report

    def _print_summary(self, report: _Report, output: str, report_path: Path) -> None:
        counts = report.counts
        print(f"{counts['reextracted']} of {counts['kept_in_range']} kept articles re-extracted "
              f"({counts['no_archived_copy']} without an archived page); {counts['changed']} changed, "
              f"{counts['unchanged']} unchanged" + (f", {counts['updated']} updated in the state store"
                                                   if counts["updated"] else ""))
        for name, count in report.changed.most_common():
            print(f"  {name}: {count} changed")
        for reason in ("no_longer_an_article", "not_text", "extraction_failed"):
            if counts[reason]:
                print(f"  {reason.replace('_', ' ')}: {counts[reason]}")
        for key in sorted(k for k in counts if k.startswith("dropped_")):
            print(f"  {key.replace('_', ' ')}: {counts[key]}")
        print(f"New items: {Path(output).resolve()}; report: {report_path.resolve()}")


def _count_kept(state, source: str, bounds) -> int:
    clauses, args = ["source = ?"], [source]
    for op, value in ((">=", bounds[0]), ("<", bounds[1])):
        if value is not None:
            clauses.append(f"date_published {op} ?")
            args.append(value)
    return state.db.execute(f"SELECT COUNT(*) FROM articles WHERE {' AND '.join(clauses)}", args).fetchone()[0]


def _kept(state, key: str, source: str, bounds) -> dict | None:
    """The kept article *key* of *source*, if its publication date is within *bounds*."""
    row = state.db.execute("SELECT item, date_published FROM articles WHERE key = ? AND source = ?",
                           (key, source)).fetchone()
    if row is None:
        return None
    item, published = row
    since, until = bounds
    if (since or until) and not published:
        return None
    if since and published < since or until and published >= until:
        return None
    return json.loads(item)


class _ItemSteps:
    """The crawl's item pipelines that shape an item (required fields, dates), run on their
    own: title dedupe is left out, the article is already the one kept."""

    def __init__(self, settings, site):
        from scrapy.statscollectors import MemoryStatsCollector

        from newscrawl.pipelines import DatePipeline, RequiredFieldsPipeline

        class Context:  # what the pipelines read of a crawler
            pass

        context = Context()
        context.settings = settings
        context.spider = Context()
        context.spider.site = site
        context.stats = MemoryStatsCollector(context)
        self.steps = [RequiredFieldsPipeline(context), DatePipeline(context)]

    def process(self, item: dict) -> str | None:
        """None when the item passes, else the name of the step that dropped it."""
        from scrapy.exceptions import DropItem

        for step in self.steps:
            try:
                step.process_item(item)
            except DropItem as error:
                return type(error).__name__
        return None


def _host(url: str) -> str:
    """The host (``www.`` or not) and port of *url*: two mirrors on one machine differ by port."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return ""


def _same_site(archived_url: str, kept_url: str, site) -> bool:
    """Was *archived_url* fetched from the site that *kept_url* was kept from: the same host
    (``www.`` or not), or, for a network site, any of its own hosts (``m.``, ``amp.``)?"""
    archived, kept = _host(archived_url), _host(kept_url)
    if archived == kept:
        return True
    domain = getattr(site, "domain", None)
    return bool(domain) and all(h == domain or h.endswith("." + domain) for h in (archived, kept))
