"""Versions of a site's parser, each valid over a range of dates (pure, no Scrapy).

When a site changes its template, the fix is a new version valid from the day of the change;
pages of before (archived ones above all) still parse with the version of their time. A page
is matched to a version by its archive date when it has one, else by the date the newest
version reads on it; the provenance's ``parser`` entry names the version that read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from newscrawl.dates import parse_date
from newscrawl.extraction.document import Document
from newscrawl.extraction.page import ArticlePage


@dataclass(frozen=True)
class ParserVersion:
    name: str
    """Short name shown in provenance, e.g. ``"2017"``."""
    page: type[ArticlePage]
    since: date | None = None
    """First day the template was in use (None: from the start)."""
    until: date | None = None
    """First day it was no longer in use (None: still in use)."""

    def covers(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day < self.until)


@dataclass(frozen=True)
class SiteParser:
    name: str
    """The parser family, e.g. ``"network"`` for every site of one CMS."""
    versions: tuple[ParserVersion, ...]
    """Oldest first; the last one is the current template."""

    def __post_init__(self):
        if not self.versions:
            raise ValueError(f"parser {self.name!r} has no version")

    def version_for(self, day: date | None) -> ParserVersion:
        """The version whose dates cover *day*; the current one for an unknown or uncovered day."""
        if day is not None:
            for version in reversed(self.versions):
                if version.covers(day):
                    return version
        return self.versions[-1]

    def page(self, doc: Document, *, site: Any = None, feed: dict | None = None,
             archived_at: datetime | None = None) -> ArticlePage:
        """The page object reading *doc*, of the version of the page's time."""
        current = self.versions[-1]
        if archived_at is not None:
            chosen = self.version_for(archived_at.date())
        elif len(self.versions) == 1:
            chosen = current
        else:
            page = self._named(current, doc, site, feed)
            published = parse_date(page.date_published_raw.value) if page.date_published_raw else None
            chosen = self.version_for(published.date() if published else None)
            if chosen is current:
                return page  # its cached fields are reused
        return self._named(chosen, doc, site, feed)

    def _named(self, version: ParserVersion, doc: Document, site: Any, feed: dict | None) -> ArticlePage:
        page = version.page(doc, feed, site)
        page.parser_name = f"{self.name}@{version.name}"
        return page
