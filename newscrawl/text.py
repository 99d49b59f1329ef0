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
    return collapse_text(text).strip()


def collapse_text(text: str | None) -> str:
    """``clean_text`` without the final strip: each whitespace run is one space, kept at the
    ends, so pieces of one text can be cleaned separately and joined."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text)


# Characters that set a label off from the headline (as before: dashes, tatweel, colon, bar).
_SEPARATOR_CHARS = frozenset("-–—_ـ:|")


def _label_at(text: str, start: int, labels: tuple[str, ...]) -> int:
    """End of the first of *labels* (longest first) that *text* spells at *start*
    (case-insensitively) and that a separator follows, else -1."""
    for label in labels:
        end = start + len(label)
        if text[start:end].lower() == label.lower() and _separators_after(text, end) > end:
            return end
    return -1


def _separators_after(text: str, i: int) -> int:
    """Index after the spaces, separators (at least one, else *i*) and spaces from *i*."""
    n = len(text)
    j = i
    while j < n and text[j] == " ":
        j += 1
    k = j
    while k < n and text[k] in _SEPARATOR_CHARS:
        k += 1
    if k == j:
        return i
    while k < n and text[k] == " ":
        k += 1
    return k


def _separators_before(text: str, i: int, floor: int) -> int:
    """Index of the spaces, separators (at least one, else *i*) and spaces ending at *i*,
    not looking before *floor*."""
    j = i
    while j > floor and text[j - 1] == " ":
        j -= 1
    k = j
    while k > floor and text[k - 1] in _SEPARATOR_CHARS:
        k -= 1
    if k == j:
        return i
    while k > floor and text[k - 1] == " ":
        k -= 1
    return k


def _strip_prefix_labels(text: str, labels: tuple[str, ...]) -> int:
    """Where the text starts once leading "<label> -" runs are gone (0 if none)."""
    start = 0
    while True:  # each turn consumes a label and a separator: at most len(text) turns
        end = _label_at(text, start, labels)
        if end < 0:
            return start
        start = _separators_after(text, end)


def _strip_suffix_labels(text: str, start: int, labels: tuple[str, ...]) -> int:
    """Where the text ends once trailing "- <label>" runs are gone (len(text) if none);
    never before *start*."""
    end = len(text)
    while True:  # each turn consumes a separator and a label: at most len(text) turns
        for label in labels:
            begin = end - len(label)
            if begin >= start and text[begin:end].lower() == label.lower():
                before = _separators_before(text, begin, start)
                if before < begin:
                    end = before
                    break
        else:
            return end


def strip_site_label(text: str | None, labels: tuple[str, ...]) -> str:
    """Remove a site label used as a prefix or suffix: "المغرب اليوم - X", "X | العرب اليوم".

    A label quoted inside the sentence (وأفاد مصدر إلى "المغرب اليوم") is kept.

    Plain string scanning, no regex: labels can come from the page itself (og:site_name),
    and the regex this replaces backtracked exponentially on a label repeated twenty times
    and quadratically on a run of dashes. Each scan step consumes text, so the cost is
    linear in the text (times the few labels).
    """
    text = clean_text(text)
    # Longest first, so "almaghribtoday" goes before "almaghrib"; an empty label matches nothing.
    labels = tuple(sorted(dict.fromkeys(label for label in labels if label), key=len, reverse=True))
    if not text or not labels:
        return text
    start = _strip_prefix_labels(text, labels)
    end = _strip_suffix_labels(text, start, labels)
    return text[start:end].strip()


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
