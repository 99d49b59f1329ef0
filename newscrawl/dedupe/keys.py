"""The exact-match title key.

``title_key(headline)`` turns a headline into the string two copies of one
story share however they were typed.  It is the composition of the small
pure rules below, applied in this order (the order matters: labels are found
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

# NETWORK_LABELS (newscrawl.sites.network) are matched after the letter fold, so
# "الإمارات" / "الامارات" and "السعودية" / "السعوديه" are the same label.
TATWEEL = "\u0640"

# --------------------------------------------------------------------------
# character classes and tables (built once at import)
# --------------------------------------------------------------------------


def _char_class(codepoints: list[int]) -> str:
    """A regex character class for code points, written as ranges."""
    cps = sorted(set(codepoints))
    out: list[str] = []
    start = prev = cps[0]
    for cp in cps[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        out.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = cp
    return "[" + "".join(out) + "]"


_FORMAT_CHARS = (
    [0x00AD, 0x061C, 0x180E, 0xFEFF]
    + list(range(0x200B, 0x2010))  # ZWSP ZWNJ ZWJ LRM RLM
    + list(range(0x202A, 0x202F))  # bidi embeddings / overrides
    + list(range(0x2060, 0x2065))  # word joiner, invisible operators
    + list(range(0x2066, 0x206A))  # bidi isolates
)
_FORMAT_RE = re.compile(_char_class(_FORMAT_CHARS))

_TASHKEEL_CHARS = (
    list(range(0x0610, 0x061B))  # Quranic honorifics / small marks
    + list(range(0x064B, 0x0660))  # fathatan .. wavy hamza below (harakat, shadda, sukun)
    + [0x0670]  # superscript alef
    + list(range(0x06D6, 0x06DD))  # Quranic annotation signs
    + list(range(0x06DF, 0x06E5))
    + [0x06E7, 0x06E8]
    + list(range(0x06EA, 0x06EE))
    + list(range(0x08D3, 0x08E2))  # extended-A marks
    + list(range(0x08E3, 0x0900))
)
_TASHKEEL_RE = re.compile(_char_class(_TASHKEEL_CHARS))
_MARKS_RE = re.compile(_char_class(_TASHKEEL_CHARS + _FORMAT_CHARS))

_LETTER_FOLD = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ی": "ي", "ې": "ي",
    "ة": "ه", "ە": "ه", "ۀ": "ه", "ہ": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ک": "ك",
}
_LETTER_TABLE = {ord(k): v for k, v in _LETTER_FOLD.items()}
_COMMON_FOLDS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ى", "ي"), ("ة", "ه"), ("ؤ", "و"), ("ئ", "ي"))
_RARE_FOLD_RE = re.compile("[ٱٲٳیېەۀہک]")

# Arabic-Indic U+0660-0669 and Extended Arabic-Indic (Persian, Urdu) U+06F0-06F9
_DIGIT_TABLE = {0x0660 + i: str(i) for i in range(10)}
_DIGIT_TABLE.update({0x06F0 + i: str(i) for i in range(10)})
_DIGITS_RE = re.compile("[\u0660-\u0669\u06f0-\u06f9]+")


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


def strip_format_chars(text: str) -> str:
    """Rule 2: drop zero-width and bidi control characters."""
    return _FORMAT_RE.sub("", text)


def strip_tashkeel(text: str) -> str:
    """Rule 3: drop harakat, tanwin, shadda, sukun, superscript alef, Quranic marks."""
    return _TASHKEEL_RE.sub("", text)


_ELONGATION = re.compile(r"(?<=[^\W\u0640])\u0640+(?=[^\W\u0640])")
_FREE_TATWEEL = re.compile(r"\u0640+")


def strip_tatweel(text: str) -> str:
    """Rule 4: kashida inside a word is dropped; a free-standing tatweel run is a dash."""
    if TATWEEL not in text:
        return text
    text = _ELONGATION.sub("", text)
    if TATWEEL in text:
        text = _FREE_TATWEEL.sub(" - ", text)
    return text


def fold_letters(text: str) -> str:
    """Rule 5: أ إ آ ٱ -> ا, ى -> ي, ة -> ه, ؤ -> و, ئ -> ي (plus Persian ی ک ە)."""
    return text.translate(_LETTER_TABLE)


def fold_digits(text: str) -> str:
    """Rule 6: Arabic-Indic (٠-٩) and Persian (۰-۹) digits -> ASCII 0-9."""
    return text.translate(_DIGIT_TABLE)


# separators that set a label off from the headline
_SEP_CHARS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212|\u00a6\uff5c:\u2022\u00b7/\\"
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


def fold_case(text: str) -> str:
    """Rule 9: lower-case (Latin letters in titles: "G7", "COP28")."""
    return text.lower()


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
