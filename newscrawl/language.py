"""An article's language, read from its text and checked against what the page declares (pure).

The text decides, through CLD2 (``pycld2``: its model is compiled into the package, nothing is
downloaded at run time). It was chosen on the eval pages (README "Language"): as accurate as
py3langid, langdetect and lingua there, at 100 to 150 µs per article where the others take 2
to 10 ms. CLD2 tells Arabic from Persian, Urdu, Pashto and Kurdish by their own letters and letter
sequences, so Arabic-script text in another language is not called Arabic.

Declarations (``<html lang>``, ``og:locale``, the ``Content-Language`` header, JSON-LD
``inLanguage``) are evidence of the second rank: CMS templates often print a language the
article is not in (the eval pages hold German stories under ``<html lang="en">``). The text's
language is checked against them, and the step says whether they agree (``text+declared``) or
not (``text-declared``: the text wins), so a crawl's stats count the pages whose declarations
are wrong. Alone they decide nothing: a body too short or too mixed to tell gets no language.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

import pycld2

# Below this many words a language guess is noise (a caption, a teaser): no language at all.
MIN_WORDS = 15
# A body of this many words whose leading language holds most of it is told even when CLD2 calls
# the guess unreliable (quotes in another language, names): every eval page of 50+ words is right.
SURE_WORDS = 50
MAJORITY = 50  # percent of the text in the leading language
# CLD2 reads the first few hundred words as well as the whole text at a fraction of the cost:
# about 100 µs an article at 2,000 characters (the whole of a long page costs ten times more).
SAMPLE_CHARS = 2000
# What CLD2 refuses ("invalid UTF-8", or not encodable at all): lone surrogates, C0 and C1 controls and the Unicode
# noncharacters (U+FDD0..U+FDEF and the last two code points of every plane).
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                         + "".join(f"{chr(plane * 0x10000 + 0xfffe)}{chr(plane * 0x10000 + 0xffff)}"
                                   for plane in range(17)) + "]")
# CLD2's codes that differ from ISO 639-1: Hebrew's and Javanese's old codes, traditional Chinese.
_CLD2_CODES = {"iw": "he", "jw": "jv", "zh-Hant": "zh"}
UNKNOWN = "un"

STEP_TEXT = "text"
"""The text alone decided: the page declares no language."""
STEP_CONFIRMED = "text+declared"
"""The text's language, and the page declares it too."""
STEP_OVER_DECLARED = "text-declared"
"""The text's language, which the page's declarations contradict (the text wins)."""


class TextLanguages(NamedTuple):
    """What CLD2 read in a text: its languages, most of the text first, with their share (percent)."""

    languages: list[tuple[str, int]]
    reliable: bool


def identify(text: str) -> TextLanguages:
    """The languages of *text* (ISO 639-1 codes where there is one) and whether CLD2 is sure."""
    sample = text[:SAMPLE_CHARS]
    try:
        reliable, _, details = pycld2.detect(sample, isPlainText=True)
    except (pycld2.error, UnicodeEncodeError):
        # Cleaned only when refused: the scan costs more than CLD2's reading of clean text.
        try:
            reliable, _, details = pycld2.detect(_UNREADABLE.sub(" ", sample), isPlainText=True)
        except pycld2.error:  # pragma: no cover - every character it refuses is blanked
            return TextLanguages([], False)
    languages = [(_CLD2_CODES.get(code, code), percent) for _, code, percent, _ in details
                 if code != UNKNOWN and percent > 0]
    return TextLanguages(languages, bool(reliable))


@functools.lru_cache(maxsize=1024)  # a crawl's pages declare the same few tags
def primary_subtag(tag: str | None) -> str | None:
    """The language of a declared tag, lower-cased: "ar-AA", "ar_MA", "AR" → "ar"; None for
    what names no language ("", "und", "x-default", "*")."""
    if not tag:
        return None
    code = re.split(r"[-_\s]", tag.strip(), maxsplit=1)[0].lower()
    if code in ("iw",):
        return "he"
    if not code.isascii() or not code.isalpha() or not 2 <= len(code) <= 3 or code in ("und", "mul", "zxx"):
        return None
    return code


def declared_languages(value: str | None) -> set[str]:
    """The languages a declaration names: one tag, or a header's comma-separated list."""
    return {code for code in map(primary_subtag, (value or "").split(",")) if code}


def word_count(text: str | None) -> int:
    """Words of *text*, as the spaces separate them (a threshold's count: a stray dash is one)."""
    return len((text or "").split())


def decide(text: str | None, declared: Iterable[tuple[str, str | None]] = ()) -> tuple[str | None, str | None]:
    """The language of *text* and how it was decided (one of the ``STEP_*`` names), or
    (None, None) when the text is too short or too mixed to tell: fewer than MIN_WORDS words,
    or a guess CLD2 calls unreliable on a text under SURE_WORDS words or with no language
    holding the MAJORITY of it.

    *declared* is (source, declaration) pairs: what the page says its language is."""
    words = word_count((text or "")[:SAMPLE_CHARS])  # the words CLD2 reads (a long body's first ~300)
    if words < MIN_WORDS:
        return None, None
    found = identify(text or "")
    if not found.languages:
        return None, None
    named = set().union(*(declared_languages(value) for _, value in declared))
    leading, share = found.languages[0]
    if not (found.reliable or (words >= SURE_WORDS and share >= MAJORITY)):
        return None, None
    if not named:
        return leading, STEP_TEXT
    return leading, STEP_CONFIRMED if leading in named else STEP_OVER_DECLARED


def parse_language_list(value) -> frozenset[str]:
    """``NEWSCRAWL_LANGUAGES`` ("ar,fr", or a list) as a set of codes; empty: every language.
    Raises ValueError, in one sentence, for anything that is not a language code."""
    parts = value if isinstance(value, (list, tuple, set, frozenset)) else str(value or "").split(",")
    codes = set()
    for part in (str(p).strip() for p in parts):
        if not part:
            continue
        code = part.lower()
        if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 3):
            raise ValueError(f"NEWSCRAWL_LANGUAGES must be ISO 639-1 codes separated by commas (e.g. ar,fr), "
                             f"got {part!r}")
        codes.add(code)
    return frozenset(codes)


# --- a feed's language ------------------------------------------------------------------------

DOMINANT_SHARE = 0.9
"""Share of a feed's items (those with a language) that must be in one language for the feed to
say it: an Arabic site's feed with one French story is an Arabic feed; a half-French one is mixed."""


def dominant_language(counts: Counter) -> str | None:
    """The language of at least DOMINANT_SHARE of the items counted in *counts* (language →
    items; items without a language are not counted), or None when mixed or empty."""
    total = sum(counts.values())
    if not total:
        return None
    language, count = counts.most_common(1)[0]
    return language if count >= DOMINANT_SHARE * total else None


def count_languages(items: Iterable[dict]) -> Counter:
    return Counter(item.get("language") for item in items if item.get("language"))
