"""What a spider needs to know about one site, as plain data (no Scrapy imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class SiteProfile:
    key: str
    """Spider name and ``source`` value, e.g. ``"almaghrib"``."""
    label: str
    """The site's Arabic label as printed in titles and datelines, e.g. ``"المغرب اليوم"``."""
    domain: str
    """Registered domain; ``www.`` and the bare domain are both accepted."""
    base_url: str
    """Canonical origin, used unless a spider is rebased with ``-a base_url=``."""
    timezone: str
    """IANA zone for dates printed without one."""
    latin_names: tuple[str, ...] = ()
    """Latin spellings of the site name that appear as boilerplate or as a fake author."""
    sections: Mapping[str, str] = field(default_factory=dict)
    """Section id → Arabic section name."""
    start_paths: tuple[str, ...] = ("/",)
    """Paths (under the base URL) where discovery starts: feeds, home page, listings."""
    skip_sections: frozenset[str] = frozenset()
    """Section ids whose "articles" carry no text (cartoons) and are not fetched."""
    generic_images: tuple[str, ...] = ()
    """Substrings of image URLs that are site logos, never an article's image."""
    generic_keywords_prefix: str = ""
    """Start of the site-wide ``keywords`` meta, which says nothing about one article."""
    parser: Any = None
    """The site's article parser (a ``newscrawl.extraction.versions.SiteParser``); None reads
    its pages with the generic page object."""

    @property
    def labels(self) -> tuple[str, ...]:
        """Every spelling of the site's name that may label a title or a dateline."""
        return (self.label, *self.latin_names)
