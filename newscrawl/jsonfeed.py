"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) for newscrawl articles.

Pure functions map a stored article (the ``newscrawl.items.Article`` fields as a dict) onto a
JSON Feed item and a list of them onto a whole document; :class:`JsonFeedWriter` writes a
document to a binary file one item at a time (never holding the items), and
:class:`JsonFeedItemExporter` is that writer as a Scrapy feed exporter, registered as::

    FEED_EXPORTERS = {"jsonfeed": "newscrawl.jsonfeed.JsonFeedItemExporter"}

so ``scrapy crawl almaghrib -O out.json:jsonfeed`` works.

Mapping: ``id`` and ``url`` are the article URL, ``title`` the headline, ``content_text`` the
body (paragraphs separated by a blank line), ``summary`` the description (else the subtitle),
``image``, ``date_published`` / ``date_modified`` in RFC 3339, ``authors``, ``tags`` and
``language`` (the article's own, left out when it could not be told). The feed's ``language``
is its items' dominant language (``newscrawl.language.dominant_language``), left out when they
are mixed; a streamed feed writes it after its items (JSON object keys have no order), the
only place it is known. What JSON Feed has no key for (section, dateline city, subtitle, the raw date
texts, the source spider, the fetch time) travels in the ``_newscrawl`` extension object
(JSON Feed lets publishers add keys that start with ``_``; readers ignore them). Empty values
are left out, as the spec asks of optional keys, except ``content_text``: an item must carry
``content_text`` or ``content_html``, so an article without a body gets its summary or
headline there (or "" as a last resort).

The output is always UTF-8 with Arabic written as text (no ``\\u`` escapes): JSON Feed is
JSON, and JSON exchanged between systems is UTF-8 (RFC 8259).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timezone
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy.exporters import BaseItemExporter

from newscrawl.language import count_languages, dominant_language

logger = logging.getLogger(__name__)

VERSION = "https://jsonfeed.org/version/1.1"
MIME_TYPE = "application/feed+json"
EXTENSION_KEY = "_newscrawl"
# Article fields carried in the ``_newscrawl`` extension object, in this order.
FROM_ITEMS = "from-items"
"""A feed's ``language`` argument: the dominant language of its items (the default)."""
EXTENSION_FIELDS = ("source", "section", "location", "subtitle", "date_published_raw", "date_modified_raw",
                    "scraped_at")


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return not value
    return False


def _text(value: Any) -> str | None:
    """A non-empty string, or None."""
    if _empty(value):
        return None
    return value if isinstance(value, str) else str(value)


def rfc3339(value: Any) -> str | None:
    """*value* (an ISO 8601 string, a datetime or a date) as an RFC 3339 timestamp, or None.

    The article's own offset is kept (``2015-10-06T13:45:00+01:00``); a time without an
    offset is taken as UTC and a bare date as midnight UTC. Text that is not ISO 8601 gives
    None (the raw text stays in ``_newscrawl``)."""
    if _empty(value):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            text = value.strip()
            if text[-1:] in ("Z", "z"):  # Python 3.10's fromisoformat does not read "Z"
                text = text[:-1] + "+00:00"
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def _tags(value: Any) -> list[str]:
    if _empty(value):
        return []
    if isinstance(value, str):
        value = [value]
    seen: dict[str, None] = {}
    for tag in value:
        text = _text(tag)
        if text is not None:
            seen.setdefault(text.strip(), None)
    return list(seen)


def _compact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if not _empty(value)}


def json_feed_item(article: Mapping[str, Any]) -> dict[str, Any]:
    """One article (a dict of ``Article`` fields) as a JSON Feed 1.1 item."""
    url = _text(article.get("url"))
    if url is None:
        raise ValueError("an article needs a url to become a JSON Feed item (its id)")
    headline = _text(article.get("headline"))
    subtitle = _text(article.get("subtitle"))
    summary = _text(article.get("description")) or subtitle
    body = _text(article.get("body"))
    author = _text(article.get("author"))
    item: dict[str, Any] = {"id": url, "url": url}
    if headline:
        item["title"] = headline
    # content_text or content_html is required: fall back on what else says what the item is.
    item["content_text"] = body or summary or headline or ""
    item.update(_compact({
        "summary": summary,
        "image": _text(article.get("image")),
        "date_published": rfc3339(article.get("date_published")),
        "date_modified": rfc3339(article.get("date_modified")),
        "authors": [{"name": author}] if author else None,
        "tags": _tags(article.get("tags")),
        "language": _text(article.get("language")),
        EXTENSION_KEY: _compact({key: _text(article.get(key)) for key in EXTENSION_FIELDS}),
    }))
    return item


def _header(*, title: str, home_page_url: str | None, feed_url: str | None, language: str | None,
            description: str | None = None) -> dict[str, Any]:
    if _empty(title):
        raise ValueError("a JSON Feed needs a title")
    return {"version": VERSION, "title": str(title),
            **_compact({"home_page_url": home_page_url, "feed_url": feed_url, "description": description,
                        "language": language})}


def json_feed_document(items: Iterable[Mapping[str, Any]], *, title: str, home_page_url: str | None = None,
                       feed_url: str | None = None, language: str | None = FROM_ITEMS,
                       description: str | None = None) -> dict[str, Any]:
    """A whole JSON Feed 1.1 document (a JSON-serialisable dict) of *items*, article dicts in the
    order given (a subscribed feed is conventionally newest first). *language*: the feed's, by
    default its items' dominant language (none when mixed)."""
    items = list(items)
    if language == FROM_ITEMS:
        language = dominant_language(count_languages(items))
    document = _header(title=title, home_page_url=home_page_url, feed_url=feed_url, language=language,
                       description=description)
    document["items"] = [json_feed_item(article) for article in items]
    return document


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text with Arabic unescaped."""
    return json.dumps(value, ensure_ascii=False, indent=indent or None, default=_default)


class JsonFeedWriter:
    """Writes a JSON Feed document to a binary file as items arrive: the header on
    :meth:`start`, each item on :meth:`write`, the closing brackets on :meth:`finish`.
    Nothing but the current item is held in memory. Without *indent*, each item takes one line
    (the first shares the header's line, the others start with the separating comma), so no
    line of the file is a JSON object by itself; the file as a whole is one JSON document."""

    def __init__(self, file: IO[bytes], *, title: str, home_page_url: str | None = None,
                 feed_url: str | None = None, language: str | None = FROM_ITEMS, description: str | None = None,
                 indent: int | None = None):
        self.file = file
        self.indent = indent if indent and indent > 0 else None
        # The items' dominant language is known only at the end: written after them.
        self.languages: Counter | None = Counter() if language == FROM_ITEMS else None
        self.header = _header(title=title, home_page_url=home_page_url, feed_url=feed_url,
                              language=None if language == FROM_ITEMS else language, description=description)
        self.count = 0
        self._started = self._finished = False

    def _emit(self, text: str) -> None:
        self.file.write(text.encode("utf-8"))

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        head = dumps(self.header, self.indent)
        # The header without its closing brace, then the opening of the items array.
        opening = head[:head.rstrip().rindex("}")].rstrip()
        pad = " " * self.indent if self.indent else ""
        self._emit(opening + ("," + "\n" + pad if self.indent else ", ") + '"items": [')

    def write(self, article: Mapping[str, Any]) -> None:
        """Append one article (mapped with :func:`json_feed_item`)."""
        self.write_item(json_feed_item(article))

    def write_item(self, item: Mapping[str, Any]) -> None:
        """Append one item that is already a JSON Feed item."""
        if not self._started:
            self.start()
        if self._finished:
            raise RuntimeError("the feed is already finished")
        if self.languages is not None and item.get("language"):
            self.languages[item["language"]] += 1
        text = dumps(item, self.indent)
        if self.indent:
            pad = " " * (2 * self.indent)
            text = "\n".join(pad + line for line in text.split("\n"))
            self._emit(("," if self.count else "") + "\n" + text)
        else:
            # One item a line, the first on the header's line and the others after a leading
            # comma, so that no line is a JSON object of its own: a reader of JSON Lines (the
            # resume reconciliation reads feed files line by line) never mistakes one for an item.
            self._emit(("\n," if self.count else "") + text)
        self.count += 1

    def finish(self) -> None:
        if self._finished:
            return
        if not self._started:
            self.start()
        self._finished = True
        closing = "\n" + " " * (self.indent or 0) if self.count else ""
        language = dominant_language(self.languages) if self.languages is not None else None
        if language is None:
            self._emit(closing + ("]\n}\n" if self.indent else "]}\n"))
        elif self.indent:
            self._emit(closing + "],\n" + " " * self.indent + '"language": ' + dumps(language) + "\n}\n")
        else:
            self._emit(closing + '], "language": ' + dumps(language) + "}\n")


def public_url(settings: Any, name: str, spider_name: str) -> str | None:
    """Setting *name* (``NEWSCRAWL_FEED_PUBLIC_URL``, ``NEWSCRAWL_FEED_HOME_URL``) with
    ``%(name)s`` filled in, or None when unset. A value that is not an absolute http(s) URL is
    no URL a subscriber can use: it is ignored, with a warning."""
    template = settings.get(name) if settings is not None else None
    if not template:
        return None
    try:
        url = str(template) % {"name": spider_name}
    except (KeyError, ValueError, TypeError):
        url = str(template)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        logger.warning("%s=%r is not an absolute http(s) URL; not used", name, template)
        return None
    return url


def home_page_url(settings: Any, spider: Any) -> str | None:
    """A feed's ``home_page_url``: ``NEWSCRAWL_FEED_HOME_URL`` if set, else the site's home page
    (``spider.base_url`` + "/"), else None."""
    configured = public_url(settings, "NEWSCRAWL_FEED_HOME_URL", spider.name)
    if configured:
        return configured
    base = getattr(spider, "base_url", None)
    return base.rstrip("/") + "/" if base else None


def spider_feed_defaults(crawler: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """*kwargs* (a feed's ``item_export_kwargs`` and Scrapy's exporter options) with the feed's
    ``feed_title`` and ``home_page_url`` filled where not given: ``spider.site.label`` (else the
    spider's name) and :func:`home_page_url` (``NEWSCRAWL_FEED_HOME_URL``, else the site's home
    page)."""
    spider = getattr(crawler, "spider", None)
    if spider is not None:
        site = getattr(spider, "site", None)
        kwargs.setdefault("feed_title", getattr(site, "label", None) or spider.name)
        home = home_page_url(getattr(crawler, "settings", None), spider)
        if home:
            kwargs.setdefault("home_page_url", home)
    return kwargs


class JsonFeedItemExporter(BaseItemExporter):
    """Scrapy feed exporter for the ``jsonfeed`` format: a JSON Feed 1.1 document, streamed.

    The feed's ``title``, ``home_page_url`` and ``feed_url`` come, first, from the feed's
    ``item_export_kwargs`` (``feed_title``, ``home_page_url``, ``feed_url``, ``feed_language``
    (default: the items' dominant language), ``feed_description``), then from the settings and the spider: ``spider.site.label`` (else
    the spider's name) and ``NEWSCRAWL_FEED_HOME_URL`` (else ``spider.base_url`` + "/"). Scrapy
    builds exporters through ``from_crawler`` (Scrapy >= 2.12), which is how the spider is
    reached. A per-run file's ``feed_url`` has no default: only the publisher knows the public
    URL it will be served from (the rolling feed's is ``NEWSCRAWL_FEED_PUBLIC_URL``).

    ``fields_to_export`` (``FEED_EXPORT_FIELDS``) limits the article fields the items are made
    from; ``indent`` (``FEED_EXPORT_INDENT``) pretty-prints. The output is UTF-8 whatever
    ``FEED_EXPORT_ENCODING`` says (JSON Feed is JSON, which travels as UTF-8)."""

    def __init__(self, file: IO[bytes], *, feed_title: str | None = None, home_page_url: str | None = None,
                 feed_url: str | None = None, feed_language: str | None = FROM_ITEMS,
                 feed_description: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)  # strict: a misspelt item_export_kwargs key is an error
        if self.encoding and self.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            logger.warning("JSON Feed is written as UTF-8; ignoring the requested encoding %r", self.encoding)
        self.writer = JsonFeedWriter(file, title=feed_title or "newscrawl", home_page_url=home_page_url,
                                     feed_url=feed_url, language=feed_language, description=feed_description,
                                     indent=self.indent)

    @classmethod
    def from_crawler(cls, crawler: Any, file: IO[bytes], **kwargs: Any) -> JsonFeedItemExporter:
        return cls(file, **spider_feed_defaults(crawler, kwargs))

    @property
    def count(self) -> int:
        return self.writer.count

    def start_exporting(self) -> None:
        self.writer.start()

    def export_item(self, item: Any) -> None:
        self.writer.write(dict(self.get_serialized_fields(item)))

    def finish_exporting(self) -> None:
        self.writer.finish()
