"""The item every newscrawl spider yields.

Field names are the snake_case forms of schema.org ``NewsArticle`` properties
(``headline``, ``datePublished`` → ``date_published``, ``articleBody`` → ``body``,
``articleSection`` → ``section``, ``inLanguage`` → ``language``, ``keywords`` →
``tags``), so a feed consumer who knows schema.org knows them already. Raw values
sit beside normalised ones (``date_published_raw`` next to ``date_published``) so
every normalisation can be checked against the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Article:
    url: str
    """Canonical article URL (absolute; AMP copies folded onto the canonical page). Required."""

    source: str | None = None
    """Site key of the spider that found the article, e.g. ``"almaghrib"``."""

    section: str | None = None
    """Section name as the site shows it (Arabic), e.g. ``"أخبار عالمية"``."""

    headline: str | None = None
    """Headline without the site label ("المغرب اليوم -", "| العرب اليوم" ...)."""

    subtitle: str | None = None
    """Sub-headline / kicker shown with the headline, or None."""

    author: str | None = None
    """Reporter or writer name; None for unsigned pieces ("الرباط - المغرب اليوم")."""

    location: str | None = None
    """Dateline city ("دمشق" in "دمشق - نور خوام"), or None."""

    date_published: str | None = None
    """Publication time, ISO 8601 with UTC offset (``2015-10-06T13:45:00+00:00``); None if unknown."""

    date_published_raw: str | None = None
    """The publication date text exactly as found on the page or feed."""

    date_modified: str | None = None
    """Last modification time, ISO 8601 with offset, or None."""

    date_modified_raw: str | None = None
    """The modification date text exactly as found, or None."""

    body: str | None = None
    """Article text: paragraphs in page order, separated by one blank line (``"\\n\\n"``)."""

    description: str | None = None
    """Short summary (``og:description`` / meta description), or None."""

    image: str | None = None
    """Absolute URL of the lead image, or None."""

    tags: list[str] = field(default_factory=list)
    """Keywords / tags of the article, in page order, without duplicates."""

    language: str | None = None
    """ISO 639-1 code of the body's language, read from the text (``newscrawl.language``);
    None when the body is too short to tell. Never a default."""

    scraped_at: str | None = None
    """When the page was fetched, ISO 8601 UTC."""

    extraction: dict[str, str] = field(default_factory=dict)
    """Which extraction step filled each field, e.g. ``{"body": "selectors", "date_published": "feed"}``."""
