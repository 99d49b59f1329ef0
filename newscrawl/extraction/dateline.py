"""Datelines: "دمشق - نور خوام" → (location "دمشق", author "نور خوام")."""

from __future__ import annotations

import re

from newscrawl.arabic import is_site_label
from newscrawl.text import clean_text

# Separators seen on the network: "-", "–", "ـ" (tatweel used as a dash), "_", "/", ":"
# (docs/site-facts.md F10).
_SEPARATOR = r"(?:\s*[-–—_:/]+\s*|\s+ـ+\s*|\s*ـ+\s+)"
_NAME = r"[^\d\-–—_:/|«»\"()<>.,،؛!؟?]"
_DATELINE = re.compile(rf"^(?P<city>{_NAME}{{2,40}}?){_SEPARATOR}(?P<author>{_NAME}{{2,60}})$")
MAX_CITY_WORDS = 4
MAX_AUTHOR_WORDS = 6


def parse_dateline(text: str | None, labels: tuple[str, ...] = (), *,
                   max_city_words: int = MAX_CITY_WORDS) -> tuple[str, str | None] | None:
    """(location, author) of a dateline line, or None if *text* is not one.

    An author equal to a site label ("الرباط - المغرب اليوم") means the piece is unsigned:
    the author is None.
    """
    text = _without_trailing_time(clean_text(text))
    if text.startswith("(") and text.endswith(")"):  # "(أبوظبي - البيان)", agency style
        text = text[1:-1].strip()
    if not text or len(text) > 90:
        return None
    match = _DATELINE.match(text)
    if not match:
        return None
    city, author = clean_text(match["city"]), clean_text(match["author"])
    if len(city.split()) > max_city_words or len(author.split()) > MAX_AUTHOR_WORDS:
        return None
    if is_site_label(city, labels) or _BYLINE_WORD.match(city):
        return None  # "كتب: محمد أحمد" is a byline, not a place
    if is_site_label(author, labels):
        return city, None
    return city, author


# A time printed on the dateline's line after it: "City - Reporter | GMT 10:12 2019 ...",
# "City - Reporter GMT 10:12 ..." (a byline bar holding both).
_TRAILING_TIME = re.compile(r"\s*(?:\|[^|]*\d.*|(?:GMT|UTC)\s*\d.*)$")


def _without_trailing_time(text: str) -> str:
    return _TRAILING_TIME.sub("", text) if "|" in text or "GMT" in text or "UTC" in text else text


# Words that open a byline or a credit line, never a place name.
_BYLINE_WORD = re.compile(r"^(?:بقلم|كتبت|كتب|بريشة|إعداد|اعداد|ترجمة|متابعة|حوار|تصوير)$")
_BYLINE = re.compile(r"^(?:بقلم|كتبت|كتب|بريشة|حوار|إعداد|اعداد)\s*:?\s*(?P<name>[^\d:|.,،]{3,60})$")


def parse_byline(text: str | None) -> str | None:
    """Writer of an opinion piece from "بقلم : خيرالله خيرالله"."""
    match = _BYLINE.match(clean_text(text))
    if not match:
        return None
    name = clean_text(match["name"])
    return name if len(name.split()) <= MAX_AUTHOR_WORDS else None
