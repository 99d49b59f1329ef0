"""Feed exporters beyond Scrapy's own: Atom (RFC 4287) through ``feedgen``, and newscrawl's CSV.

Registered as::

    FEED_EXPORTERS = {"jsonfeed": "newscrawl.jsonfeed.JsonFeedItemExporter",
                      "atom": "newscrawl.exporters.AtomItemExporter",
                      "csv": "newscrawl.exporters.CsvItemExporter"}

so ``scrapy crawl almaghrib -O out.atom:atom`` works, and ``-O out.csv`` writes the CSV layout
of ``scrapy export`` (see :class:`CsvWriter`) instead of Scrapy's (tags joined by ",", the
``extraction`` dict as a Python repr).

Atom: ``feedgen`` renders the feed head once (with no entries) and then each entry on its own,
so a run's items are never held together in memory. The head's ``xml:lang`` is the entries'
dominant language (left out when they are mixed), known only after the last entry: the
entries are spooled (in memory up to SPOOL_MEMORY, then in a temporary file) and written
after the head at the end. Given an explicit ``feed_language`` (or None), the exporter streams
each entry straight to the file. Each entry carries its own ``xml:lang``. ``feedgen`` is
imported when an Atom feed is made, not when the module is loaded.

feed ``title`` / ``id`` / alternate link: ``item_export_kwargs`` ``feed_title``,
``home_page_url``, ``feed_url`` (the ``self`` link), ``feed_id``, else the spider's site label
and ``base_url`` (see :func:`newscrawl.jsonfeed.spider_feed_defaults`). The feed's ``updated``
is the time the export started (a streamed feed cannot know its last entry's time up front).
Entry: ``id`` and alternate link the article URL, ``title`` the headline, ``content``
(type text) the body, ``summary`` the description or subtitle, ``published`` / ``updated``
(date_modified, else date_published, else the fetch time), ``author``, a ``category`` per tag.
Always UTF-8.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import fields
from datetime import datetime, timezone
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from newscrawl.items import Article

from newscrawl.jsonfeed import FROM_ITEMS, _text, rfc3339, spider_feed_defaults
from newscrawl.language import dominant_language

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SPOOL_MEMORY = 4 * 1024 * 1024  # bytes of Atom entries held in memory before they go to a temporary file

# Characters XML 1.0 cannot carry (lxml refuses them); stripped from article text.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(value: Any) -> str | None:
    text = _text(value)
    return XML_INVALID.sub("", text) if text is not None else None


class AtomItemExporter(BaseItemExporter):
    def __init__(self, file: IO[bytes], *, feed_title: str | None = None, home_page_url: str | None = None,
                 feed_url: str | None = None, feed_id: str | None = None, feed_language: str | None = FROM_ITEMS,
                 **kwargs: Any):
        super().__init__(**kwargs)
        try:
            from feedgen.feed import FeedGenerator  # noqa: F401 - fail here, with a clear message
        except ImportError as exc:  # pragma: no cover - feedgen is a dependency
            raise RuntimeError("the atom feed format needs feedgen: pip install 'feedgen>=1.0'") from exc
        self.file = file
        self.title = _xml(feed_title) or "newscrawl"
        self.home_page_url = home_page_url
        self.feed_url = feed_url
        self.feed_id = feed_id or home_page_url or feed_url or "urn:newscrawl:feed"
        self.language = feed_language
        self.started_at = datetime.now(timezone.utc).replace(microsecond=0)
        self.count = 0
        self.languages: Counter = Counter()
        # Where entries go until the head can be written (only when the head waits for them).
        self.spool = tempfile.SpooledTemporaryFile(SPOOL_MEMORY) if feed_language == FROM_ITEMS else None

    @classmethod
    def from_crawler(cls, crawler: Any, file: IO[bytes], **kwargs: Any) -> AtomItemExporter:
        kwargs = spider_feed_defaults(crawler, kwargs)
        spider = getattr(crawler, "spider", None)
        if spider is not None and not kwargs.get("home_page_url"):
            kwargs.setdefault("feed_id", f"urn:newscrawl:{spider.name}")
        return cls(file, **kwargs)

    def start_exporting(self) -> None:
        if self.spool is None:
            self._write_head(self.language)

    def _write_head(self, language: str | None) -> None:
        from feedgen.feed import FeedGenerator

        feed = FeedGenerator()
        feed.id(self.feed_id)
        feed.title(self.title)
        feed.updated(self.started_at)
        feed.author(name=self.title)  # Atom: entries without an author take the feed's
        if language:
            feed.language(language)
        if self.home_page_url:
            feed.link(href=self.home_page_url, rel="alternate")
        if self.feed_url:
            feed.link(href=self.feed_url, rel="self")
        head = feed.atom_str(pretty=False)
        self.file.write(head[:head.rindex(b"</feed>")] + b"\n")

    def export_item(self, item: Any) -> None:
        from feedgen.entry import FeedEntry  # after feedgen.feed: feedgen.util needs lxml.etree loaded
        from lxml import etree

        article = dict(self.get_serialized_fields(item))
        url = _xml(article.get("url"))
        if url is None:
            raise ValueError("an article needs a url to become an Atom entry (its id)")
        entry = FeedEntry()
        entry.id(url)
        entry.title(_xml(article.get("headline")) or url)
        entry.link(href=url, rel="alternate")
        published = rfc3339(article.get("date_published"))
        updated = rfc3339(article.get("date_modified")) or published or rfc3339(article.get("scraped_at"))
        entry.updated(updated or self.started_at)
        if published:
            entry.published(published)
        author = _xml(article.get("author"))
        if author:
            entry.author(name=author)
        body = _xml(article.get("body"))
        if body:
            entry.content(body, type="text")
        summary = _xml(article.get("description")) or _xml(article.get("subtitle"))
        if summary:
            entry.summary(summary)
        for tag in article.get("tags") or []:
            term = _xml(tag)
            if term:
                entry.category(term=term)
        element = entry.atom_entry()
        language = _xml(article.get("language"))
        if language:
            element.set(XML_LANG, language)
            self.languages[language] += 1
        out = self.spool if self.spool is not None else self.file
        out.write(etree.tostring(element, encoding="unicode").encode("utf-8") + b"\n")
        self.count += 1

    def finish_exporting(self) -> None:
        if self.spool is not None:
            self._write_head(dominant_language(self.languages))
            self.spool.seek(0)
            shutil.copyfileobj(self.spool, self.file)
            self.spool.close()
        self.file.write(b"</feed>\n")


# --- CSV: one layout for `scrapy crawl -O x.csv` and `scrapy export -o x.csv` --------------------

ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
LIST_SEPARATOR = "; "


def csv_cell(value: Any) -> str:
    """A cell: "" for None, lists joined with "; ", dicts as ``key=value; ...`` sorted by key
    (the state store keeps a dict's keys sorted: a crawl's and an export's rows are equal)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return LIST_SEPARATOR.join(f"{key}={value[key]}" for key in sorted(value))
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
    return str(value)


def read_csv_article(row: dict[str, str]) -> dict[str, Any]:
    """The inverse of a CSV row, for consumers and tests: empty cells are None, ``tags`` a list,
    ``extraction`` a dict."""
    article: dict[str, Any] = {key: (value if value != "" else None) for key, value in row.items()}
    article["tags"] = row.get("tags", "").split(LIST_SEPARATOR) if row.get("tags") else []
    article["extraction"] = dict(pair.split("=", 1) for pair in row["extraction"].split(LIST_SEPARATOR)) \
        if row.get("extraction") else {}
    return article


class CsvWriter:
    """newscrawl's CSV layout: a header of the ``Article`` field names (or *columns*), then one
    row per article, every cell through :func:`csv_cell`; UTF-8 (a byte-order mark with
    *bom*, for Excel), RFC 4180 quoting (a body keeps its blank lines inside its quoted cell),
    CRLF line ends. Keys that are not columns are not written."""

    def __init__(self, file: IO[bytes], *, bom: bool = False, columns: tuple[str, ...] = ARTICLE_FIELDS,
                 header: tuple[str, ...] | None = None, encoding: str = "utf-8"):
        self.file = file
        self.columns = tuple(columns)
        self.header = tuple(header) if header is not None else self.columns
        if bom and encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            encoding = "utf-8-sig"
        self.text = io.TextIOWrapper(file, encoding=encoding, newline="", write_through=True)
        self.rows = csv.writer(self.text)
        self.count = 0

    def start(self, with_header: bool = True) -> None:
        if with_header:
            self.rows.writerow(self.header)

    def write(self, article: dict[str, Any]) -> None:
        self.rows.writerow([csv_cell(article.get(key)) for key in self.columns])
        self.count += 1

    def finish(self) -> None:
        self.text.flush()
        self.text.detach()  # leave the binary file open for its owner


class CsvItemExporter(BaseItemExporter):
    """Scrapy feed exporter for ``csv``: :class:`CsvWriter`'s layout, so a crawl's ``-O x.csv``
    and ``scrapy export -o x.csv`` agree. ``FEED_EXPORT_FIELDS`` picks (a dict: picks and
    renames) the columns; ``item_export_kwargs``: ``include_headers_line`` (default True),
    ``bom`` (default False)."""

    def __init__(self, file: IO[bytes], *, include_headers_line: bool = True, bom: bool = False, **kwargs: Any):
        super().__init__(**kwargs)  # strict: a misspelt item_export_kwargs key is an error
        if isinstance(self.fields_to_export, dict):
            columns, header = tuple(self.fields_to_export), tuple(self.fields_to_export.values())
        elif self.fields_to_export:
            columns = header = tuple(self.fields_to_export)
        else:
            columns = header = ARTICLE_FIELDS
        self.include_headers_line = include_headers_line
        self.writer = CsvWriter(file, bom=bom, columns=columns, header=header, encoding=self.encoding or "utf-8")

    def start_exporting(self) -> None:
        self.writer.start(with_header=self.include_headers_line)

    def export_item(self, item: Any) -> None:
        self.writer.write(ItemAdapter(item).asdict())

    def finish_exporting(self) -> None:
        self.writer.finish()
