"""Arabic-aware text cleanup for display values (pure functions, no Scrapy).

These keep the text as the site wrote it (hamza, tashkeel, punctuation); the folded forms
for comparison, and site labels, live in ``newscrawl.arabic``.
"""

from __future__ import annotations

import re

from newscrawl import arabic
from newscrawl.arabic import fold_for_matching  # re-exported: extraction imports it from here

__all__ = ["MAX_TITLE_CHARS", "MAX_BLOCK_CHARS", "clean_text", "collapse_text", "fold_for_matching",
           "is_label_only", "split_list", "strip_site_label"]


# Input caps for text a page controls. Real values sit far below them; past them a page is
# broken or hostile (a body pasted into <title>, megabytes of tashkeel in one paragraph), and
# only the start is read, so every later step (each linear, but run many times) stays cheap.
MAX_TITLE_CHARS = 4_000
"""A title, headline or one-line field: the longest real ones are a few hundred characters."""
MAX_BLOCK_CHARS = 50_000
"""One paragraph block, text node or ``<meta>`` value: real paragraphs are under 5,000
characters, whole articles under 50,000."""


def clean_text(text: str | None) -> str:
    """Collapse whitespace, drop invisible marks, NFC-normalise. ``None`` → ``""``."""
    if not text:
        return ""
    if text.isascii():  # (a flag of the string, not a scan) NFC and the invisibles leave ASCII as is
        return " ".join(text.split())
    return " ".join(arabic.remove_invisibles(arabic.nfc(text)).split())


def collapse_text(text: str | None) -> str:
    """``clean_text`` without the final strip: each whitespace run is one space, kept at the
    ends, so pieces of one text can be cleaned separately and joined."""
    if not text:
        return ""
    if not text.isascii():  # NFC and the invisibles leave ASCII as is
        text = arabic.remove_invisibles(arabic.nfc(text))
    # str.split() splits on exactly the characters re's \s matches (str.isspace), and joining
    # its parts is about twice as fast as a regex substitution: this runs on every text node.
    parts = text.split()
    if not parts:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + " ".join(parts) + (" " if text[-1].isspace() else "")


def strip_site_label(text: str | None, labels: tuple[str, ...]) -> str:
    """Clean *text*, then remove a site label used as a prefix or suffix ("المغرب اليوم - X",
    "X | العرب اليوم"); see ``newscrawl.arabic.strip_site_label``."""
    return arabic.strip_site_label(clean_text(text), labels)


def is_label_only(text: str | None, labels: tuple[str, ...]) -> bool:
    """True for lines that are nothing but a site label ("المغرب اليوم -", "almaghribtoday")."""
    return arabic.is_label_only(clean_text(text), labels)


def split_list(value: str | None) -> list[str]:
    """Split a keywords string on Latin or Arabic commas and semicolons, dropping blanks and repeats."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,،;؛]", value or ""):
        part = clean_text(part)
        if part:
            seen.setdefault(part, None)
    return list(seen)
