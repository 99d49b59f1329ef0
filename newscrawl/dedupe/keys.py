"""The exact-match title key.

``title_key(headline)`` turns a headline into the string two copies of one
story share however they were typed.  It is the composition of the small
pure rules below (the Arabic ones are ``newscrawl.arabic``'s, shared with
extraction and the date reader), applied in this order (the order matters: labels are found
by their separators, so they are stripped before punctuation goes):

1. ``normalize_nfkc``        Unicode NFKC (presentation forms and ligatures
                             such as "ﻻ" become plain letters, hamza written
                             as a combining mark is composed onto its seat).
2. ``strip_format_chars``    zero-width and bidi controls (ZWNJ, RLM, the
                             Arabic letter mark, BOM, soft hyphen ...).
3. ``strip_tashkeel``        harakat, tanwin, shadda, sukun, superscript alef,
                             Quranic annotation marks.
4. ``strip_tatweel``         kashida inside a word is removed; a free-standing
                             run of tatweel ("المغرب اليوم ــ ...") is a dash,
                             and becomes " - " so it still separates a label.
5. ``fold_letters``          the fold:  أ إ آ ٱ ٲ ٳ -> ا ;  ى ی -> ي ;
                             ة ە ۀ ہ -> ه ;  ؤ -> و ;  ئ -> ي ;  ک -> ك.
                             The bare hamza ء is kept.
6. ``fold_digits``           Arabic-Indic ٠-٩ and Persian ۰-۹ digits -> ASCII
                             (full-width digits already went in NFKC).
7. ``strip_network_labels``  the Arabs Today network labels (NETWORK_LABELS)
                             are removed where they stand as a label: a whole
                             segment set off by a separator (- – — | : / • ·
                             or a free tatweel), at the start, the end or
                             between two separators.  A label inside the
                             sentence, or quoted («المغرب اليوم»), stays.
8. ``drop_punctuation``      every character that is neither a letter nor a
                             digit -- punctuation and symbols of any script:
                             quotes, guillemets, ، ؛ ؟ ٪ ٫, dashes, | ... --
                             becomes a space.  Decimal points too: "3.5" and
                             "3٫5" both become "3 5" (still distinct from 35).
9. ``fold_case``             Latin letters lower-cased ("G7" == "g7").
10. ``collapse_whitespace``  runs of whitespace -> one space, trimmed.

``title_key`` itself runs the same rules but skips each one when a cheap scan
shows it has nothing to do (it runs on every item); ``tests/test_dedupe_keys.py``
checks that it equals the plain composition of the rule functions.
"""

from __future__ import annotations

import re
import sys
import unicodedata

from newscrawl.arabic import (
    DIGIT_FOLD,
    INVISIBLE_CHARS,
    LABEL_SEPARATORS,
    LETTER_FOLD,
    TASHKEEL_CHARS,
    TATWEEL,
    fold_case,
    fold_digits,
    fold_letters,
    remove_invisibles,
    remove_tashkeel,
    tatweel_as_separator,
)
from newscrawl.sites.network import NETWORK_LABELS

__all__ = [
    "NETWORK_LABELS",
    "title_key",
    "normalize_nfkc",
    "strip_format_chars",
    "strip_tashkeel",
    "strip_tatweel",
    "fold_letters",
    "fold_digits",
    "strip_network_labels",
    "drop_punctuation",
    "fold_case",
    "collapse_whitespace",
    "compose_rules",
]

# The character tables are newscrawl.arabic's, shared with extraction and the date reader.
# The key is stored (titles.sqlite), so it takes only the folds it was recorded with:
# not fold_borrowed_letters (پ ڤ ھ), and "_" and tatweel are no label separators here
# (a free tatweel is made a dash first; "_" was never one). tests/test_dedupe_key_golden.py
# holds the keys of every labelled title to these tables.
# NETWORK_LABELS (newscrawl.sites.network) are matched after the letter fold, so
# "الإمارات" / "الامارات" and "السعودية" / "السعوديه" are the same label.


def _char_class(chars: str) -> str:
    """A regex character class for *chars*, written as ranges."""
    cps = sorted(set(map(ord, chars)))
    out: list[str] = []
    start = prev = cps[0]
    for cp in cps[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        out.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = cp
    return "[" + "".join(out) + "]"


_MARKS_RE = re.compile(_char_class(TASHKEEL_CHARS + INVISIBLE_CHARS))

_LETTER_TABLE = str.maketrans(LETTER_FOLD)
# the fused path replaces the common letters one by one (faster than translate on short
# titles) and translates only when a rare one is present
_COMMON_FOLDS = tuple((src, LETTER_FOLD[src]) for src in "أإآىةؤئ")
_RARE_FOLD_RE = re.compile("[" + "".join(c for c in LETTER_FOLD if c not in "أإآىةؤئ") + "]")

_DIGIT_TABLE = str.maketrans(DIGIT_FOLD)
_DIGITS_RE = re.compile(_char_class("".join(DIGIT_FOLD)) + "+")


def _digit_sub(match: re.Match[str]) -> str:
    return match.group().translate(_DIGIT_TABLE)

# not a letter, not a digit: punctuation, symbols, quotes, guillemets, "_", spaces
_NONWORD_RE = re.compile(r"[\W_]+")
_PUNCT_RE = re.compile(r"[^\w\s]|_")  # the same minus whitespace (rule 10 handles it)


# --------------------------------------------------------------------------
# the rules, one small pure function each
# --------------------------------------------------------------------------


def normalize_nfkc(text: str) -> str:
    """Rule 1: Unicode NFKC."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


# Rules 2-6 and 9 are newscrawl.arabic's functions (listed in RULES below):
strip_format_chars = remove_invisibles  # rule 2: zero-width and bidi controls
strip_tashkeel = remove_tashkeel  # rule 3: harakat, tanwin, shadda, sukun, Quranic marks
strip_tatweel = tatweel_as_separator  # rule 4: kashida dropped, a free-standing run is a dash
# rule 5: fold_letters (LETTER_FOLD), rule 6: fold_digits (DIGIT_FOLD), rule 9: fold_case

# separators that set a label off from the headline: the shared ones but "_" and tatweel
_SEP_CHARS = LABEL_SEPARATORS.replace("_", "").replace(TATWEEL, "")
_SEP = "[" + re.escape(_SEP_CHARS) + "]"

_SPLIT_RE = re.compile(f"({_SEP})")
_LABEL_SET = frozenset(fold_letters(lbl) for lbl in NETWORK_LABELS)
_MAX_LABEL_LEN = max(len(lbl) for lbl in NETWORK_LABELS)
# cheap pre-check: every label contains one of these words (folded or not)
_LABEL_HINTS = ("اليوم", "الامارات", "الإمارات", "عاجل", "الرياضي", "فيديو")


def strip_network_labels(text: str) -> str:
    """Rule 7: remove the network's site labels where they stand as a label.

    The headline is cut at the separators; a segment that is exactly a label
    (up to spaces and the letter fold) is dropped.  So "المغرب اليوم - X",
    "X | العرب اليوم", "X - مصر اليوم" and "عاجل | صوت الإمارات | X" lose the
    label, while "X «المغرب اليوم» Y" (quoted: the quotes are part of the
    segment) and "المغرب اليوم يحتفل" (no separator) keep it.  A headline that
    is nothing but labels and separators is returned unchanged.
    """
    if not any(h in text for h in _LABEL_HINTS):
        return text
    parts = _SPLIT_RE.split(text)
    if len(parts) == 1:
        return text
    changed = False
    for i in range(0, len(parts), 2):
        seg = parts[i]
        if seg and len(seg) <= _MAX_LABEL_LEN + 8 and " ".join(fold_letters(seg).split()) in _LABEL_SET:
            parts[i] = " "
            changed = True
    if not changed:
        return text
    if all(not parts[i].strip() for i in range(0, len(parts), 2)):
        return text
    return "".join(parts)


def drop_punctuation(text: str) -> str:
    """Rule 8: every character that is neither a letter nor a digit -> space.

    That is punctuation and symbols of any script: quotes, guillemets « »,
    ، ؛ ؟ ٪ ٫, dashes, "|", "$", emoji, and the underscore.
    """
    return _NONWORD_RE.sub(" ", text)


def collapse_whitespace(text: str) -> str:
    """Rule 10: whitespace runs -> one space, trimmed."""
    return " ".join(text.split())


RULES = (
    normalize_nfkc,
    strip_format_chars,
    strip_tashkeel,
    strip_tatweel,
    fold_letters,
    fold_digits,
    strip_network_labels,
    drop_punctuation,
    fold_case,
    collapse_whitespace,
)


def compose_rules(headline: str) -> str:
    """The reference definition of the key: the rules applied one by one."""
    for rule in RULES:
        headline = rule(headline)
    return headline


def title_key(headline: str) -> str:
    """The exact-match key of a headline (see the module docstring for the rules).

    Pure and fast (a few microseconds): each rule runs only when a cheap scan
    finds something for it to do; the result equals ``compose_rules``.
    """
    if not headline:
        return ""
    text = headline
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        if _MARKS_RE.search(text):
            text = _MARKS_RE.sub("", text)
        if TATWEEL in text:
            text = strip_tatweel(text)
        for src, dst in _COMMON_FOLDS:
            text = text.replace(src, dst)
        if _RARE_FOLD_RE.search(text):
            text = text.translate(_LETTER_TABLE)
        if _DIGITS_RE.search(text):
            text = _DIGITS_RE.sub(_digit_sub, text)
        text = strip_network_labels(text)
    if _PUNCT_RE.search(text):
        text = _PUNCT_RE.sub(" ", text)
    return " ".join(text.lower().split())


if sys.flags.optimize == 0:  # cheap import-time self-check of the fused path
    _probe = "المغرب اليوم - أَكَّدَ «الوزيـــر» ٣٠ ـ G7 | العرب اليوم"
    assert title_key(_probe) == compose_rules(_probe), (title_key(_probe), compose_rules(_probe))
    del _probe
