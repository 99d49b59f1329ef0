"""Feed exporters beyond Scrapy's own: Atom (RFC 4287) through ``feedgen``.

Registered as::

    FEED_EXPORTERS = {"jsonfeed": "newscrawl.jsonfeed.JsonFeedItemExporter",
                      "atom": "newscrawl.exporters.AtomItemExporter"}

so ``scrapy crawl almaghrib -O out.atom:atom`` works. Like the JSON Feed exporter it streams:
``feedgen`` renders the feed head once (with no entries) and then each entry on its own, so a
run's items are never held together. ``feedgen`` is imported when an Atom feed is made, not
when the module is loaded.

Feed ``title`` / ``id`` / alternate link: ``item_export_kwargs`` ``feed_title``,
``home_page_url``, ``feed_url`` (the ``self`` link), ``feed_id``, else the spider's site label
and ``base_url`` (see :func:`newscrawl.jsonfeed.spider_feed_defaults`). The feed's ``updated``
is the time the export started (a streamed feed cannot know its last entry's time up front).
Entry: ``id`` and alternate link the article URL, ``title`` the headline, ``content``
(type text) the body, ``summary`` the description or subtitle, ``published`` / ``updated``
(date_modified, else date_published, else the fetch time), ``author``, a ``category`` per tag.
Always UTF-8.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import IO, Any

from scrapy.exporters import BaseItemExporter

from newscrawl.jsonfeed import _text, rfc3339, spider_feed_defaults

# Characters XML 1.0 cannot carry (lxml refuses them); stripped from article text.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(value: Any) -> str | None:
    text = _text(value)
    return XML_INVALID.sub("", text) if text is not None else None


class AtomItemExporter(BaseItemExporter):
    def __init__(self, file: IO[bytes], *, feed_title: str | None = None, home_page_url: str | None = None,
                 feed_url: str | None = None, feed_id: str | None = None, feed_language: str | None = "ar",
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

    @classmethod
    def from_crawler(cls, crawler: Any, file: IO[bytes], **kwargs: Any) -> AtomItemExporter:
        kwargs = spider_feed_defaults(crawler, kwargs)
        spider = getattr(crawler, "spider", None)
        if spider is not None and not kwargs.get("home_page_url"):
            kwargs.setdefault("feed_id", f"urn:newscrawl:{spider.name}")
        return cls(file, **kwargs)

    def start_exporting(self) -> None:
        from feedgen.feed import FeedGenerator

        feed = FeedGenerator()
        feed.id(self.feed_id)
        feed.title(self.title)
        feed.updated(self.started_at)
        feed.author(name=self.title)  # Atom: entries without an author take the feed's
        if self.language:
            feed.language(self.language)
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
        self.file.write(etree.tostring(entry.atom_entry(), encoding="unicode").encode("utf-8") + b"\n")
        self.count += 1

    def finish_exporting(self) -> None:
        self.file.write(b"</feed>\n")
