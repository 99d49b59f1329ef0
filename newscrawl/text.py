"""Arabic-aware text cleanup for display values (pure functions, no Scrapy).

These keep the text as the site wrote it (hamza, tashkeel, punctuation); folding for
comparison lives in ``newscrawl.dedupe``.
"""

from __future__ import annotations

import re
import unicodedata

# Bidi and zero-width marks the CMS scatters through text (U+200F seen on the 2018 homepage).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\xad"), None)
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LABEL_SEPARATORS = r"[-–—_ـ:|/\s]"


def clean_text(text: str | None) -> str:
    """Collapse whitespace, drop invisible marks, NFC-normalise. ``None`` → ``""``."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def _label_regex(labels: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    return re.compile(
        rf"^(?:\s*(?:{names})\s*[-–—_ـ:|]+\s*)+|(?:\s*[-–—_ـ:|]+\s*(?:{names})\s*)+$",
        re.IGNORECASE,
    )


_label_cache: dict[tuple[str, ...], re.Pattern[str]] = {}


def strip_site_label(text: str | None, labels: tuple[str, ...]) -> str:
    """Remove a site label used as a prefix or suffix: "المغرب اليوم - X", "X | العرب اليوم".

    A label quoted inside the sentence (وأفاد مصدر إلى "المغرب اليوم") is kept.
    """
    text = clean_text(text)
    if not text or not labels:
        return text
    pattern = _label_cache.get(labels)
    if pattern is None:
        pattern = _label_cache[labels] = _label_regex(labels)
    return pattern.sub("", text).strip()


def is_label_only(text: str | None, labels: tuple[str, ...]) -> bool:
    """True for lines that are nothing but a site label ("المغرب اليوم -", "almaghribtoday")."""
    text = clean_text(text)
    stripped = re.sub(_LABEL_SEPARATORS, "", text)
    if not stripped:
        return True
    lowered = text.lower()
    for label in labels:
        lowered = lowered.replace(label.lower(), " ")
    return not re.sub(_LABEL_SEPARATORS, "", lowered)


def split_list(value: str | None) -> list[str]:
    """Split a keywords string on Latin or Arabic commas and semicolons, dropping blanks and repeats."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,،;؛]", value or ""):
        part = clean_text(part)
        if part:
            seen.setdefault(part, None)
    return list(seen)


_TASHKEEL_TATWEEL = re.compile("[\u064b-\u065f\u0670\u0640]")
_LETTER_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def fold_for_matching(text: str) -> str:
    """Loose form for recognising fixed phrases ("قد يهمك أيضــًا" = "قد يهمك ايضا")."""
    return _TASHKEEL_TATWEEL.sub("", clean_text(text)).translate(_LETTER_FOLD)
