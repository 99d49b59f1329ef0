"""Article extraction: one page in, article fields out, each with the step that filled it.

Pure (parsel + lxml + web-poet, no Scrapy). ``extract_article`` parses the page once and hands
it to a page object: the site's parser (a :class:`~newscrawl.extraction.versions.SiteParser`,
chosen by the page's date or archive date among its versions) for a known site, else the
generic :class:`~newscrawl.extraction.page.ArticlePage`. Nothing here branches on a site.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newscrawl.extraction.document import Document
from newscrawl.extraction.page import ArticlePage, Extraction

__all__ = ["Extraction", "article_page", "extract_article"]


def article_page(html: str, url: str, site: Any = None, *, feed: dict | None = None,
                 archived_at: datetime | None = None) -> ArticlePage:
    """The page object that reads *html* fetched at *url*: *site*'s parser (its ``parser``, a
    ``SiteParser``) when it has one, else the generic page."""
    doc = Document(html, url)
    parser = getattr(site, "parser", None)
    if parser is None:
        return ArticlePage(doc, feed, site)
    return parser.page(doc, site=site, feed=feed, archived_at=archived_at)


def extract_article(html: str, url: str, site: Any = None, *, feed: dict | None = None,
                    archived_at: datetime | None = None) -> Extraction:
    """Extract an article from *html* fetched at *url*.

    *site* is a ``SiteProfile`` (None: a page of an unknown site). *feed* carries what a feed
    said about the article (``date_published_raw``, ``headline``), used only where the page is
    silent. *archived_at* is when an archived copy was fetched: it picks the parser version.
    """
    return article_page(html, url, site, feed=feed, archived_at=archived_at).extraction()
