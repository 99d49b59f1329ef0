"""Arabic text: marks, letter and digit folds, site labels (pure functions, no Scrapy).

The one place that says which characters are marks, which letters are spellings of one
letter, which digits are digits and how a site label is recognised. Each fold is one table
and one function; the callers compose the steps their comparison needs:

=========================  ==================  =================  ==================
step                       fold_for_matching   dates (per word)   dedupe title key
                           (phrases, names,    ``dates.py``       ``dedupe/keys.py``
                           labels)
=========================  ==================  =================  ==================
remove_invisibles          yes                 yes                yes
remove_tashkeel            yes                 yes                yes
QURANIC_SIGNS removed      yes                 yes                no (frozen key)
tatweel                    removed             removed            kashida removed, a
                                                                  free run is a dash
fold_letters               yes                 yes                yes
fold_borrowed_letters      no                  yes                no (frozen key)
fold_digits                yes                 yes                yes
fold_case                  yes                 yes                yes
=========================  ==================  =================  ==================

The differences are deliberate: the key is stored (titles.sqlite), so its folds are frozen
and a new fold would split stories already keyed; the key finds labels by their separators,
so a free-standing tatweel ("المغرب اليوم ــ خبر") must stay a separator there. Display text is
never folded: these forms are for comparing only.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "TATWEEL",
    "TASHKEEL_CHARS",
    "INVISIBLE_CHARS",
    "QURANIC_SIGNS",
    "MARKS",
    "LETTER_FOLD",
    "BORROWED_LETTER_FOLD",
    "DIGIT_FOLD",
    "LABEL_SEPARATORS",
    "nfc",
    "remove_invisibles",
    "remove_tashkeel",
    "remove_tatweel",
    "remove_marks",
    "tatweel_as_separator",
    "fold_letters",
    "fold_borrowed_letters",
    "fold_digits",
    "fold_case",
    "fold_for_matching",
    "tolerant_pattern",
    "is_site_label",
    "is_label_only",
    "strip_site_label",
]


def _chars(*ranges: tuple[int, int] | int) -> str:
    return "".join(chr(c) for r in ranges for c in (range(r[0], r[1] + 1) if isinstance(r, tuple) else (r,)))


# --- marks ---------------------------------------------------------------------------------

TATWEEL = "\u0640"
"""Kashida: stretches a word ("أيضــًا"); pages also use a free run of it as a dash."""

TASHKEEL_CHARS = _chars(
    (0x0610, 0x061A),  # Quranic honorifics and small high marks
    (0x064B, 0x065F),  # harakat, tanwin, shadda, sukun, hamza above/below as marks
    0x0670,  # superscript alef
    (0x06D6, 0x06DC), (0x06DF, 0x06E4), 0x06E7, 0x06E8, (0x06EA, 0x06ED),  # Quranic annotations
    (0x08D3, 0x08E1), (0x08E3, 0x08FF),  # Arabic Extended-A marks
)
"""The Arabic combining marks (category Mn) up to Unicode 11. The ones Unicode 14 added
(U+0898-089F, U+08CA-08D2, Quranic marks of other scripts) are not here: the dedupe key was
recorded without them."""

QURANIC_SIGNS = _chars(0x06DD, 0x06DE, 0x06E5, 0x06E6, 0x06E9)
"""Quranic signs that are no combining mark: end of ayah, rub el hizb, small waw and small
yeh (vowel signs, though Unicode calls them letters), place of sajdah. Removed with the
marks, except by the dedupe key (frozen without them: it keeps the small letters and turns
the others into spaces with the punctuation)."""

INVISIBLE_CHARS = _chars(
    0x00AD,  # soft hyphen
    0x061C,  # Arabic letter mark
    0x180E,  # Mongolian vowel separator (old zero-width space)
    (0x200B, 0x200F),  # zero-width space, ZWNJ, ZWJ, LRM, RLM (U+200F seen on the 2018 homepage)
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x2069),  # bidi isolates
    0xFEFF,  # byte order mark / zero-width no-break space
)
"""Zero-width and bidi controls the CMS scatters through text."""

MARKS = TASHKEEL_CHARS + QURANIC_SIGNS + INVISIBLE_CHARS
"""Everything that is not part of a word's letters, but tatweel. Apart from the small
waw/yeh, none is a word character to ``re`` (``\\w``): left in, they split a word ("شوّال"
read as two) or a date ("28\\u200fديسمبر")."""

# Deleting characters with a regex is 10-20x faster than str.translate on Arabic text (1.2 µs
# against 22 µs for a 260-character paragraph): translate looks every character up in a dict.
_INVISIBLE_RE = re.compile(f"[{re.escape(INVISIBLE_CHARS)}]+")
_TASHKEEL_RE = re.compile(f"[{re.escape(TASHKEEL_CHARS)}]+")
_MARKS_RE = re.compile(f"[{re.escape(MARKS + TATWEEL)}]+")


def remove_invisibles(text: str) -> str:
    """Drop zero-width and bidi control characters (``INVISIBLE_CHARS``)."""
    # Every invisible is a format character (Cf): not printable, and not whitespace. A text
    # that is printable once its whitespace is set aside holds none, and a C scan (isprintable,
    # split) says so 3x faster than the regex finds nothing (0.17 against 0.50 ms for the
    # non-ASCII texts of an eval page; 99% of them hold no invisible).
    if text.isprintable() or " ".join(text.split()).isprintable():
        return text
    return _INVISIBLE_RE.sub("", text)


def remove_tashkeel(text: str) -> str:
    """Drop harakat, tanwin, shadda, sukun, superscript alef and Quranic marks; keeps
    letters, hamza included ("أَكَّدَ" → "أكد")."""
    return _TASHKEEL_RE.sub("", text)


def remove_tatweel(text: str) -> str:
    """Drop every tatweel ("أيضــا" → "أيضا"); a free-standing one leaves its spaces."""
    return text.replace(TATWEEL, "")


# Python's NFC sorts each run of combining marks by an insertion sort: quadratic in the run's
# length (a paragraph of 50,000 stacked tashkeel took 0.3 s, and a page reads it dozens of
# times). Real text stacks a few marks on a letter; Unicode's stream-safe format (UAX #15) allows
# 30, and so does this: a longer run keeps its first 30. Texts shorter than this are not checked
# (their sort is cheap whatever they hold), nor NFC ones (one quick check, which NFC repeats).
MAX_MARKS_IN_A_ROW = 30
_CHECKED_CHARS = 1_000


def nfc(text: str) -> str:
    """``unicodedata.normalize("NFC", text)``, in linear time: runs of combining marks longer
    than ``MAX_MARKS_IN_A_ROW`` are cut to that many first."""
    if len(text) > _CHECKED_CHARS and not unicodedata.is_normalized("NFC", text):
        text = _long_mark_runs().sub(lambda run: run.group()[:MAX_MARKS_IN_A_ROW], text)
    return unicodedata.normalize("NFC", text)


@functools.cache
def _long_mark_runs() -> re.Pattern:
    """Runs of more than MAX_MARKS_IN_A_ROW characters of a non-zero combining class, by the
    running Python's Unicode tables (built on first use: a scan of every code point, 0.1 s)."""
    marks = [c for c in range(0x110000) if unicodedata.combining(chr(c))]
    ranges = []
    for c in marks:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    members = "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return re.compile(f"[{members}]{{{MAX_MARKS_IN_A_ROW + 1},}}")


def remove_marks(text: str) -> str:
    """Drop ``MARKS`` (tashkeel, Quranic signs, invisibles) and tatweel in one pass."""
    return _MARKS_RE.sub("", text)


_ELONGATION = re.compile(r"(?<=[^\W\u0640])\u0640+(?=[^\W\u0640])")
_FREE_TATWEEL = re.compile(r"\u0640+")


def tatweel_as_separator(text: str) -> str:
    """Tatweel between two letters is kashida and goes; any other run ("المغرب اليوم ـ خبر",
    a lone "ـ") is a dash and becomes " - ", so it still sets a label off."""
    if TATWEEL not in text:
        return text
    text = _ELONGATION.sub("", text)
    if TATWEEL in text:
        text = _FREE_TATWEEL.sub(" - ", text)
    return text


# --- letters -------------------------------------------------------------------------------

LETTER_FOLD: dict[str, str] = {
    # hamza and madda on alef, alef wasla, wavy-hamza alefs
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    # alef maqsura, Persian and Uighur yeh
    "ى": "ي", "ی": "ي", "ې": "ي",
    # taa marbuta, and the heh forms of Persian/Kurdish/Urdu keyboards
    "ة": "ه", "ە": "ه", "ۀ": "ه", "ہ": "ه",
    # hamza on its waw and yeh seats ("مسؤول" → "مسوول", "رئيس" → "رييس"); the bare hamza ء
    # stays. The two seats fold apart: "مسئول" → "مسيول" (the dedupe's synonyms join those)
    "ؤ": "و", "ئ": "ي",
    # Persian kaf
    "ک": "ك",
}
"""Spellings of one letter, each to its plain form; every value is one character, so a
folded text has the length of the original."""

BORROWED_LETTER_FOLD: dict[str, str] = {"پ": "ب", "ڤ": "ف", "ھ": "ه"}
"""Letters for sounds Arabic lacks, and the Urdu heh: "نوڤمبر", "سپتمبر". The date reader
folds them (month names are borrowed words); the dedupe key does not (it was frozen
without them)."""

_LETTER_TABLE = str.maketrans(LETTER_FOLD)
_BORROWED_TABLE = str.maketrans(BORROWED_LETTER_FOLD)


def fold_letters(text: str) -> str:
    """أ إ آ ٱ → ا, ى ی → ي, ة → ه, ؤ → و, ئ → ي, ک → ك (``LETTER_FOLD``); length kept."""
    return text.translate(_LETTER_TABLE)


def fold_borrowed_letters(text: str) -> str:
    """پ → ب, ڤ → ف, ھ → ه (``BORROWED_LETTER_FOLD``)."""
    return text.translate(_BORROWED_TABLE)


# --- digits --------------------------------------------------------------------------------

DIGIT_FOLD: dict[str, str] = {
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic ٠-٩
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended Arabic-Indic (Persian, Urdu) ۰-۹
}
_DIGIT_TABLE = str.maketrans(DIGIT_FOLD)


def fold_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Persian (۰-۹) digits → ASCII 0-9 (``DIGIT_FOLD``). Other
    separators stay: "٣٫٥" → "3٫5"."""
    return text.translate(_DIGIT_TABLE)


def fold_case(text: str) -> str:
    """Lower-case (the Latin in "G7", "COVID", "almaghribtoday")."""
    return text.lower()


def fold_for_matching(text: str | None) -> str:
    """The loose form for recognising fixed phrases, names and labels: NFC, marks removed,
    letters, digits and case folded, one space between words ("قد يهمك أيضــًا" →
    "قد يهمك ايضا"). For comparing only, never for display."""
    if not text:
        return ""
    if len(text) <= _FOLD_CACHED_CHARS:
        return _fold_cached(text)
    return _fold(text)


# Extraction folds the same line for several checks (furniture, end of article, share bars):
# short texts are remembered. Long ones are not, so a hostile page cannot fill memory.
_FOLD_CACHED_CHARS = 1_000


def _fold(text: str) -> str:
    text = remove_marks(nfc(text))
    return " ".join(fold_case(fold_digits(fold_letters(text))).split())


_fold_cached = functools.lru_cache(maxsize=16_384)(_fold)


def tolerant_pattern(*words: str) -> str:
    """Regex source for *words* (in folded spelling, separated by whitespace) that matches
    every spelling ``fold_for_matching`` folds to them, with marks and tatweel between the
    letters: ``tolerant_pattern("اقرا")`` matches "اقرأ" and "إقـرأ". For searching text that
    must be cut where it was found, so cannot be folded first."""
    marks = f"[{re.escape(MARKS + TATWEEL)}]*"
    return r"\s+".join(marks.join(_letter_class(c) for c in word) + marks for word in words)


def _letter_class(char: str) -> str:
    spellings = [char, *(k for k, v in LETTER_FOLD.items() if v == char)]
    return re.escape(char) if len(spellings) == 1 else "[" + "".join(spellings) + "]"


# --- site labels ---------------------------------------------------------------------------

LABEL_SEPARATORS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212|\u00a6\uff5c:\u2022\u00b7/\\_\u0640"
"""Characters that set a site label off from a title: dashes and minus, bars, colon, bullets,
slashes, underscore and tatweel used as a dash ("المغرب اليوم - X", "X | العرب اليوم")."""

_SEPARATOR_SET = frozenset(LABEL_SEPARATORS)
_SEPARATORS_AND_SPACES = re.compile(f"[{re.escape(LABEL_SEPARATORS)}\\s]+")
# (found at a line's first character, where removing every separator copies the line)
_NOT_SEPARATOR_OR_SPACE = re.compile(f"[^{re.escape(LABEL_SEPARATORS)}\\s]")


def _label_form(text: str) -> str:
    """Letters and case folded, length kept, so a match in the folded text is at the same
    place in the original."""
    folded = fold_case(fold_letters(text))
    if len(folded) == len(text):
        return folded
    # a character whose lower case is longer ("İ" → "i̇") keeps its case
    return "".join(low if len(low := fold_case(c)) == 1 else c for c in fold_letters(text))


@lru_cache(maxsize=256)
def _matching_forms(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(form for form in map(fold_for_matching, labels) if form)


def is_site_label(text: str | None, labels: tuple[str, ...]) -> bool:
    """True when *text* is one of *labels* in another spelling ("الإمارات عاجل" for
    "الامارات عاجل", "ALMAGHRIBTODAY" for "almaghribtoday"): an author that is a label means
    an unsigned piece."""
    return fold_for_matching(text) in _matching_forms(tuple(labels))


def is_label_only(text: str, labels: tuple[str, ...]) -> bool:
    """True for a line that is nothing but site labels and separators ("المغرب اليوم -",
    "almaghribtoday"). *text* as ``clean_text`` leaves it."""
    if not _NOT_SEPARATOR_OR_SPACE.search(text):
        return True
    labels = tuple(labels)
    # Most lines hold a character no label has: the first character outside every spelling of
    # the labels' letters, if its folded form is no label's letter, settles it without folding
    # the line (a folded line keeps each plain character's form at its place, and a removed
    # label takes only its own letters with it). Σ (lower case by context) and characters whose
    # lower case is longer are left to the full check.
    outside, label_chars = _label_alphabet(labels)
    found = outside.search(text)
    if found:
        char = found.group()
        form = fold_case(fold_letters(char))
        if char != "Σ" and len(form) == 1 and form not in label_chars and not _SEPARATORS_AND_SPACES.match(form):
            return False
    folded = _label_form(text)
    for form in _label_forms(labels):
        folded = folded.replace(form, " ")
    return not _SEPARATORS_AND_SPACES.sub("", folded)


# A page's few labels are folded once, not once per line checked against them.
@lru_cache(maxsize=256)
def _label_forms(labels: tuple[str, ...]) -> tuple[str, ...]:
    """``_label_form`` of each non-empty label, in order."""
    return tuple(_label_form(label) for label in labels if label)


@lru_cache(maxsize=256)
def _label_alphabet(labels: tuple[str, ...]) -> tuple[re.Pattern, frozenset[str]]:
    """A pattern finding a character outside the labels' letters in any spelling (upper case,
    unfolded letters), separators and spaces; and the letters of the labels' folded forms."""
    label_chars = frozenset("".join(_label_forms(labels)))
    spellings = set(label_chars) | {c.upper() for c in label_chars if len(c.upper()) == 1} \
        | {k for k, v in LETTER_FOLD.items() if v in label_chars}
    outside = re.compile(f"[^{re.escape(''.join(sorted(spellings)) + LABEL_SEPARATORS)}\\s]")
    return outside, label_chars


@lru_cache(maxsize=256)
def _label_forms_longest_first(labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(dict.fromkeys(_label_forms(labels)), key=len, reverse=True))


def strip_site_label(text: str, labels: tuple[str, ...]) -> str:
    """Remove site labels used as a prefix or suffix: "المغرب اليوم - X", "X | العرب اليوم".
    *text* as ``clean_text`` leaves it (one space between words).

    A label quoted inside the sentence (وأفاد مصدر إلى "المغرب اليوم") is kept. Labels match in
    any spelling ``fold_letters`` and case folding equate.

    Plain string scanning, no regex: labels can come from the page itself (og:site_name),
    and the regex this replaced backtracked exponentially on a label repeated twenty times
    and quadratically on a run of dashes. Each scan step consumes text, so the cost is
    linear in the text (times the few labels).
    """
    # Longest first, so "almaghribtoday" goes before "almaghrib"; an empty label matches nothing.
    forms = _label_forms_longest_first(tuple(labels))
    if not text or not forms:
        return text
    folded = _label_form(text)
    start = _strip_prefix_labels(folded, forms)
    end = _strip_suffix_labels(folded, start, forms)
    return text[start:end].strip()


def _label_at(text: str, start: int, labels: tuple[str, ...]) -> int:
    """End of the first of *labels* that *text* spells at *start* and a separator follows,
    else -1."""
    for label in labels:
        end = start + len(label)
        if text.startswith(label, start) and _separators_after(text, end) > end:
            return end
    return -1


def _separators_after(text: str, i: int) -> int:
    """Index after the spaces, separators (at least one, else *i*) and spaces from *i*."""
    n = len(text)
    j = i
    while j < n and text[j] == " ":
        j += 1
    k = j
    while k < n and text[k] in _SEPARATOR_SET:
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
    while k > floor and text[k - 1] in _SEPARATOR_SET:
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
            if begin >= start and text.startswith(label, begin):
                before = _separators_before(text, begin, start)
                if before < begin:
                    end = before
                    break
        else:
            return end
