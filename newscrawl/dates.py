"""Read the dates Arabic news pages print, fast, and only when every part of them is read.

Pure functions, no Scrapy. ``analyse_date`` says what it read and why (flags);
``parse_date`` returns only the value. ISO 8601 goes to the standard library, RFC 822 to a
reader of its own (every zone a feed prints is read or refused); everything else goes through
one tokeniser and one phrase reader.

Precision first: a value comes back only when every date and time token of the text is
accounted for. A clock the reader cannot attach to the date, a number or word it cannot read
inside the date phrase, a zone it does not know, a weekday or a paired month that contradicts
the date: None and a flag, never a guess (a date at midnight with its printed time dropped is
a wrong minute, worse than none).

Month and weekday names, their abbreviations, day periods and zone names come from CLDR
through Babel, for every Arabic locale (ar, ar-DZ, ar-MA, ar-TN, ar-EG, ar-SA, ar-LB …) and
English (the /en/ feeds), loaded once at import. ``_REGIONAL`` holds what CLDR lacks: Hijri
months, the network's stamp forms and regional spellings, the short forms front-end libraries
print ("ينا", "فبر": date-fns). A name cut with a tatweel ("يونـ", "سبتـ") reads as the one
month or weekday it begins. Words for numbers, ordinals, zones and relative time follow.

Flags (``DateResult.flags``):
    empty               nothing to read (None, "", whitespace)
    no_date             text, but no date in it
    time_only           a clock with no date ("آخر تحديث GMT 13:52:25"): never an article date
    no_day              a month (and year) without a day: not precise enough to vouch for
    invalid_date        a date shape with impossible values ("45 شباط 2017", month 13, hour 25)
    month_pair_mismatch "كانون الأول / نوفمبر": the two names disagree, so no value
    weekday_mismatch    the weekday printed is not the date's weekday: no value
    unattached          a date or time token outside the date phrase (a second clock, a lone
                        weekday, a year after an unreadable word): no value
    unread              a number or word the reader cannot read inside or at the edge of the
                        date phrase ("عند الساعة الخامسة", "منذ ساعة ونصف"): no value
    unknown_zone        a clock followed by a zone name the reader does not know: no value
    ambiguous_time      a clock without an offset in the hour a zone's clocks go back: no value
    hijri_mismatch      a Gregorian date paired with a Hijri one that converts to another day
                        (the Gregorian date is returned)
    no_year             year-less date, year taken from ``reference`` (never in its future)
    relative            read against ``reference`` ("منذ 3 ساعات", "أمس")
    vague               relative without a count ("منذ أيام"): no value
    hijri               converted from a Hijri (Umm al-Qura) date
    truncated           input longer than MAX_SCAN_CHARS; only its start was read
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from babel import Locale, localedata
from hijridate import Hijri

from newscrawl.arabic import (MARKS, TATWEEL, fold_borrowed_letters, fold_case, fold_digits,
                              fold_letters, remove_marks)

__all__ = [
    "DateResult",
    "MAX_SCAN_CHARS",
    "PLAUSIBLE_EARLIEST",
    "analyse_date",
    "is_plausible",
    "words_besides_date",
    "parse_date",
]

PLAUSIBLE_EARLIEST = datetime(1995, 1, 1, tzinfo=timezone.utc)
# A date field is short; reading only its start bounds the cost of any input.
MAX_SCAN_CHARS = 4096


@dataclass(frozen=True, slots=True)
class DateResult:
    value: datetime | None
    flags: frozenset[str] = frozenset()


# Inside the module a result is a (value, flags) pair: only analyse_date builds the dataclass.
_Result = tuple[datetime | None, frozenset[str]]
_NO_FLAGS: frozenset[str] = frozenset()


def _fail(*flags: str) -> _Result:
    return None, frozenset(flags)


_EMPTY = _fail("empty")
_NO_DATE = _fail("no_date")
_INVALID = _fail("invalid_date")


def parse_date(text, *, reference=None, tz=None) -> datetime | None:
    """The aware datetime ``text`` states, or None. See ``analyse_date``."""
    return _analyse(text, reference, tz)[0]


def is_plausible(dt: datetime | None, *, now: datetime) -> bool:
    """True when ``dt`` can be an article date: from 1995 up to one day after ``now``."""
    if dt is None:
        return False
    dt, now = _aware(dt, timezone.utc), _aware(now, timezone.utc)
    return PLAUSIBLE_EARLIEST <= dt <= now + timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Normalisation (newscrawl.arabic's tables), per word and cached: marks and tatweel go, letters,
# borrowed letters ("نوڤمبر"), digits and case fold. Marks also leave each piece of text before
# it is cut into tokens: they would split a word ("شوّال") or a date ("28\u200fديسمبر").

_MARKS_RE = re.compile(f"[{re.escape(MARKS)}]")
_SEP_FOLD = {"،": ",", "٬": ",", "٫": ".", "؛": ";"}


def _normalise(word: str) -> str:
    return fold_case(fold_digits(fold_borrowed_letters(fold_letters(remove_marks(word)))))


# --------------------------------------------------------------------------------------------
# Vocabulary

# Token kinds
# Numbers by their digits: a day, month or hour has one or two, a year four; the value is the int.
NUM, YEAR, BIGNUM, TIME, OFFSET, SEP, WORD = "num", "year", "bignum", "time", "offset", "sep", "word"
MONTH, HMONTH, WEEKDAY, PERIOD, ZONE, ZONEWORD, HMARK = (
    "month", "hmonth", "weekday", "period", "zone", "zoneword", "hmark")
AGO, UNIT, NUMWORD, ORDINAL, RELDAY, GLUE, MONTHWORD, OF, VAGUE, ERA, CLOCKWORD = (
    "ago", "unit", "numword", "ordinal", "relday", "glue", "monthword", "of", "vague", "era", "clockword")

_UTC = timezone.utc


def _hours(start: int, stop: int) -> frozenset[int]:
    """The hours of a day period from ``start`` up to, not including, ``stop`` (may wrap)."""
    return frozenset(h % 24 for h in range(start, stop if stop > start else stop + 24))


def _cldr_names():
    """Month, weekday and day-period names and UTC zone names of every Arabic CLDR locale
    (and English), as (spelling, kind, value) rows."""
    rows: list[tuple[str, str, object]] = []
    ids = [i for i in localedata.locale_identifiers() if i == "ar" or i.startswith("ar_")]
    for ident in ids + ["en"]:
        locale = Locale.parse(ident)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):  # narrow names are single letters: ambiguous
                for number, name in locale.months[context][width].items():
                    rows.append((name, MONTH, number))
            for width in ("wide", "abbreviated", "short") if ident != "en" else ("wide", "abbreviated"):
                for number, name in locale.days[context][width].items():
                    rows.append((name, WEEKDAY, number))  # Babel numbers Monday 0, as date does
            rules = locale.day_period_rules.get(None, {})
            for width in ("wide", "abbreviated", "narrow"):
                for period, name in locale.day_periods[context][width].items():
                    if ident == "en" and period not in ("am", "pm") or width == "narrow" and period in ("am", "pm"):
                        continue  # English flexible periods ("in the morning") are not printed in dates
                    if period in ("am", "pm"):
                        hours = _hours(0, 12) if period == "am" else _hours(12, 24)
                    elif period in rules:
                        rule = rules[period][0]
                        if "at" in rule:  # midnight, noon: a moment, not a period to read a clock by
                            continue
                        hours = _hours(rule["from"] // 3600, rule["before"] // 3600)
                    else:
                        continue
                    rows.append((name, PERIOD, hours))
        utc_names = [locale.zone_formats.get(name, "%s") % "" for name in ("gmt", "gmt_utc")]
        for names in (locale.time_zones.get("Etc/UTC", {}), locale.meta_zones.get("GMT", {})):
            for width in ("long", "short"):
                utc_names.extend(names.get(width, {}).values())
        rows.extend((name.strip(), ZONE, _UTC) for name in utc_names if name.strip())
    return rows


# What CLDR lacks: the network's own forms, regional spellings, Hijri months, words.
_REGIONAL: dict[str, dict[object, list[str]]] = {
    MONTH: {
        1: ["كانون ثاني", "كانون 2", "ينا"], 2: ["فبر"], 4: ["إبريل", "أبر"],
        6: ["يونيه", "يونية"], 7: ["يوليه", "يولية", "جويليه"], 8: ["اغسطس"],
        9: ["sept"], 10: ["تشرين أول", "تشرين 1"], 11: ["تشرين ثاني", "تشرين 2"],
        12: ["كانون أول", "كانون 1"],
    },
    HMONTH: {
        1: ["محرم", "المحرم"], 2: ["صفر"], 3: ["ربيع الأول", "ربيع أول"],
        4: ["ربيع الآخر", "ربيع الآخرة", "ربيع الثاني", "ربيع ثاني", "ربيع آخر"],
        5: ["جمادى الأولى", "جمادى الأول", "جمادى أولى"],
        6: ["جمادى الآخرة", "جمادى الآخر", "جمادى الثانية", "جمادى الثاني", "جمادى ثانية"],
        7: ["رجب"], 8: ["شعبان"], 9: ["رمضان"], 10: ["شوال"],
        11: ["ذو القعدة", "ذي القعدة", "ذوالقعدة", "ذيالقعدة"],
        12: ["ذو الحجة", "ذي الحجة", "ذوالحجة", "ذيالحجة"],
    },
    WEEKDAY: {  # date.weekday(): Monday is 0
        0: ["الإثنين", "الاتنين"], 1: ["الثلاثا"], 2: ["الاربعا"], 4: ["الجمعه"],
    },
    PERIOD: {
        _hours(0, 12): ["صباحا", "صباح", "صباحاً"],
        _hours(12, 24): ["مساء", "مساءا", "ظهرا", "عصرا"],
        # CLDR's "في المساء" is 00:00-01:00 ("12:30 في المساء"); pages mean the evening by it too
        _hours(13, 24) | {0}: ["المساء", "في المساء"],
        _hours(3, 7): ["فجرا"],
        _hours(18, 6): ["ليلا"],  # "10 ليلاً" is 22:00, "2 ليلاً" is 02:00
    },
}
_ZONE_PLACES = {  # "بتوقيت <place>" / "توقيت <place>"
    "غرينتش": "UTC", "جرينتش": "UTC", "غرينيتش": "UTC", "القاهرة": "Africa/Cairo",
    "مصر": "Africa/Cairo", "مكة": "Asia/Riyadh", "مكة المكرمة": "Asia/Riyadh",
    "الرياض": "Asia/Riyadh", "السعودية": "Asia/Riyadh", "المغرب": "Africa/Casablanca",
    "الرباط": "Africa/Casablanca", "الجزائر": "Africa/Algiers", "تونس": "Africa/Tunis",
    "بيروت": "Asia/Beirut", "دمشق": "Asia/Damascus", "بغداد": "Asia/Baghdad",
    "القدس": "Asia/Jerusalem", "الإمارات": "Asia/Dubai", "أبوظبي": "Asia/Dubai",
    "دبي": "Asia/Dubai", "الدوحة": "Asia/Qatar", "الكويت": "Asia/Kuwait",
}
_ZONE_WORDS = ["gmt", "utc", "z", "غرينتش", "جرينتش", "غرينيتش"]
# Relative units: word -> (unit, count it implies alone; None = a plural that needs a number).
_UNITS = {
    "seconds": {"ثانية": 1, "ثانيه": 1, "ثانيتين": 2, "ثانيتان": 2, "ثوان": None, "ثواني": None},
    "minutes": {"دقيقة": 1, "دقيقه": 1, "دقيقتين": 2, "دقيقتان": 2, "دقائق": None},
    "hours": {"ساعة": 1, "ساعتين": 2, "ساعتان": 2, "ساعات": None},
    "days": {"يوم": 1, "يوما": 1, "يومين": 2, "يومان": 2, "أيام": None},
    "weeks": {"أسبوع": 1, "أسبوعا": 1, "أسبوعين": 2, "أسبوعان": 2, "أسابيع": None},
    "months": {"شهرا": 1, "شهرين": 2, "شهران": 2, "أشهر": None, "شهور": None},
    "years": {"سنة": 1, "عام": 1, "عاما": 1, "سنتين": 2, "سنتان": 2, "عامين": 2, "عامان": 2,
              "سنوات": None, "سنين": None, "أعوام": None},
}
_UNIT_NUMBERS = ["واحد", "اثنين", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة", "عشرة"]
_NUMBER_WORDS = {
    **{word: n for n, word in enumerate(_UNIT_NUMBERS, 1)},
    "واحدة": 1, "اثنان": 2, "ثلاث": 3, "أربع": 4, "خمس": 5, "ست": 6, "سبع": 7, "ثماني": 8,
    "ثمان": 8, "تسع": 9, "عشر": 10, "أحد عشر": 11, "إحدى عشر": 11, "احدعش": 11, "حداشر": 11,
    "اثنا عشر": 12, "اثني عشر": 12, "اطنعش": 12, "اتناشر": 12,
}
_ORDINAL_UNITS = ["الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع",
                  "الثامن", "التاسع"]


def _ordinals() -> dict[str, int]:
    """Day ordinals as printed in words, 1-31: "الثالث عشر", "الحادي والعشرون"."""
    words = {name: n for n, name in enumerate(_ORDINAL_UNITS, 1)}
    words.update({"العاشر": 10, "الحادي عشر": 11})
    for n, name in enumerate(_ORDINAL_UNITS[1:], 2):
        words[f"{name} عشر"] = 10 + n
    for tens, names in ((20, ["العشرون", "العشرين"]), (30, ["الثلاثون", "الثلاثين"])):
        for name in names:
            words[name] = tens
            for n, unit in enumerate(["الحادي"] + _ORDINAL_UNITS[1:], 1):
                if tens + n <= 31:
                    words[f"{unit} و{name}"] = words[f"{unit} و {name}"] = tens + n
    return words


_WORD_ROWS: list[tuple[str, str, object]] = [
    *[(name, kind, value) for kind, table in _REGIONAL.items()
      for value, names in table.items() for name in names],
    *[(name, ZONE, _UTC) for name in _ZONE_WORDS],
    *[(f"{prefix} {place}", ZONE, _UTC if zone == "UTC" else ZoneInfo(zone))
      for place, zone in _ZONE_PLACES.items() for prefix in ("توقيت", "بتوقيت", "التوقيت")],
    *[(word, ZONEWORD, None) for word in ("توقيت", "بتوقيت", "التوقيت", "وقت")],
    *[(name, UNIT, (unit, count)) for unit, forms in _UNITS.items() for name, count in forms.items()],
    *[(name, NUMWORD, n) for name, n in _NUMBER_WORDS.items()],
    *[(name, ORDINAL, n) for name, n in _ordinals().items()],
    *[(name, AGO, None) for name in ("منذ", "قبل")],
    # An hour in words ("الخامسة", "الثانية عشرة"): not read, so a date it follows has no value.
    *[(name, CLOCKWORD, None) for name in ("الواحدة", "الثانية", "الثالثة", "الرابعة", "الخامسة",
                                          "السادسة", "السابعة", "الثامنة", "التاسعة", "العاشرة",
                                          "الحادية عشرة", "الثانية عشرة", "منتصف النهار")],
    *[(name, VAGUE, None) for name in ("أكثر من", "أقل من", "بضع", "بضعة", "عدة")],
    *[(name, RELDAY, days) for name, days in {
        "أمس": 1, "البارحة": 1, "الأمس": 1, "اليوم": 0, "أول أمس": 2, "قبل أمس": 2,
        "أمس الأول": 2, "يوم أمس": 1, "اليوم السابق": 1}.items()],
    *[(name, MONTHWORD, None) for name in ("شهر", "الشهر", "لشهر", "بشهر")],
    ("من", OF, None),
    # Words that may join the parts of a date: "time" ones announce a clock that must follow.
    *[(name, GLUE, "time") for name in ("الساعة", "الساعه", "تمام", "في تمام الساعة", "at")],
    *[(name, GLUE, "pair") for name in ("الموافق", "الموافق ل", "الموافق لـ", "الموافقة")],
    ("و", GLUE, "and"),
    *[(name, GLUE, None) for name in ("في", "على", "عند", "مع", "المحلي", "t", "حوالي", "حوالى",
                                      "نحو", "قرابة", "تقريبا", "لعام", "العام", "لسنة", "ل")],
    *[(name, ERA, None) for name in ("ميلادي", "ميلادية", "للميلاد")],
    *[(name, HMARK, None) for name in ("هـ", "ه", "هجري", "هجرية", "للهجرة")],
]


def _build_vocabulary():
    """(single words, multi-word phrases, every proper prefix of a phrase, tatweel-cut forms)."""
    words: dict[str, tuple] = {}
    phrases: dict[tuple[str, ...], tuple] = {}
    periods: dict[str, set[int]] = {}
    rows = _cldr_names() + _WORD_ROWS
    for spelling, kind, value in rows:  # a period word read by several periods: their union
        if kind is PERIOD:
            periods.setdefault(_normalise(spelling), set()).update(value)
    for spelling, kind, value in rows:
        parts = tuple(_normalise(spelling).split())
        if not parts:
            continue
        if kind is PERIOD:
            value = frozenset(periods[" ".join(parts)])
        token = (kind, value)
        if len(parts) == 1:
            words.setdefault(parts[0], token)  # first wins: CLDR names, then the table
        else:
            phrases.setdefault(parts, token)
    prefixes = {parts[:k] for parts in phrases for k in range(1, len(parts))}
    # "يونـ", "سبتـ": the first letters of one month or weekday name, cut with a tatweel.
    cut: dict[str, set[tuple]] = {}
    for word, token in words.items():
        if token[0] in (MONTH, HMONTH, WEEKDAY):
            for k in range(3, len(word)):
                cut.setdefault(word[:k], set()).add(token)
    cut_forms = {prefix: tokens.pop() for prefix, tokens in cut.items() if len(tokens) == 1}
    return words, phrases, frozenset(prefixes), cut_forms


_WORDS, _PHRASES, _PHRASE_PREFIXES, _CUT_FORMS = _build_vocabulary()
_ERA_TOKEN = _WORDS["م"]  # after a year "م" is the era (ميلادي); after a clock, pm

# --------------------------------------------------------------------------------------------
# The tokeniser. Text splits on spaces into pieces; each piece ("الخميس", "2017", ",28",
# "12:05", "2020م") loses its marks and is cut by one regex into words, numbers, clocks, offsets
# and punctuation, once per distinct piece (pieces repeat, so the cut is cached). Words then
# join into the names of several words ("كانون الأول", "بتوقيت القاهرة", "الحادي و العشرون"),
# longest first.
# Every alternative of the regex is bounded or a single character class: the scan is linear.

_PIECE_RE = re.compile(  # groups: word, clock, number, offset, punctuation
    r"([^\W\d_]+)"
    r"|(\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(?!\d)"
    r"|(\d+)"
    r"|([+-](?:\d{2}:?\d{2}|\d{1,2}))(?![\d:])"
    r"|(.)",
    re.S,
)
_DIGIT_RUNS = re.compile(r"\d+")
_MAYBE_OFFSET = "maybe offset"  # "+0100": an offset after a clock, else a sign and a number
_PIECE_CACHE: dict[str, tuple] = {}
_CACHED_PIECE_CHARS = 64  # a hostile page's long pieces are cut each time, never kept
_PLAIN_PIECES: dict[str, tuple] = {}
_CACHE_SIZE = 50_000


def _lookup_word(word: str) -> tuple[str, tuple, bool]:
    """(normalised word, token, whether it may start a name of several words)."""
    norm = _normalise(word)
    # A final tatweel marks a cut name: "سبتـ" is September, though "سبت" is Saturday.
    token = (word.endswith(TATWEEL) and _CUT_FORMS.get(norm)) or _WORDS.get(norm)
    return norm, token or (WORD, norm), (norm,) in _PHRASE_PREFIXES


def _cut_piece(piece: str) -> tuple:
    """The items of a piece: (normalised word or number, or None; token; may start a name).
    A piece with no word that may start a name and no sign that may be an offset also goes to
    _PLAIN_PIECES, tokens only: it joins nothing."""
    items = []
    for word, clock, num, offset, sep in _PIECE_RE.findall(_MARKS_RE.sub("", piece)):
        if word:
            items.append(_lookup_word(word))
        elif num:
            norm = fold_digits(num)
            items.append((norm, _number_token(norm), False))
        elif clock:
            items.append((None, (TIME, _time_value(fold_digits(clock))), False))
        elif offset:
            offset = fold_digits(offset)
            numbers = tuple(_number_token(d) for d in _DIGIT_RUNS.findall(offset))
            items.append((None, (_MAYBE_OFFSET, (_offset_value(offset), (SEP, offset[0]), numbers)), False))
        else:
            items.append((None, (SEP, _SEP_FOLD.get(sep, sep)), False))
    items = tuple(items)
    if len(_PIECE_CACHE) < _CACHE_SIZE and len(piece) <= _CACHED_PIECE_CHARS:
        _PIECE_CACHE[piece] = items
        if not any(starts or token[0] is _MAYBE_OFFSET for _, token, starts in items):
            _PLAIN_PIECES[piece] = tuple(token for _, token, _ in items)
    return items


def _number_token(digits: str) -> tuple[str, int]:
    if len(digits) > 9:  # no date part; and int() of thousands of digits is slow
        return BIGNUM, 10**9
    return NUM if len(digits) <= 2 else YEAR if len(digits) == 4 else BIGNUM, int(digits)


def _time_value(s: str) -> tuple[int, int, int, int]:
    hms, _, fraction = s.partition(".")
    parts = hms.split(":")
    second = int(parts[2]) if len(parts) > 2 else 0
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    return int(parts[0]), int(parts[1]), second, micro


def _offset_value(s: str) -> tzinfo | None:
    digits = s[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if s[0] == "-" else delta)


_BEFORE_OFFSET = frozenset({TIME, PERIOD, ZONE})


def _tokenise(text: str) -> list[tuple]:
    toks: list[tuple] = []
    run: tuple[str, ...] | None = None  # the words just read, while they may start a name
    run_start = 0
    for piece in text.split():
        if run is None:
            plain = _PLAIN_PIECES.get(piece)
            if plain is not None:  # a known piece that starts no name
                toks += plain
                continue
        for norm, token, starts in _PIECE_CACHE.get(piece) or _cut_piece(piece):
            if norm is None:
                run = None
                if token[0] is _MAYBE_OFFSET:
                    zone, sign, numbers = token[1]
                    # After a clock or a zone name, or the bracket opened after one ("12:05 (+01:00)").
                    after_clock = toks and (toks[-1][0] in _BEFORE_OFFSET or toks[-1] in _OPENING
                                            and len(toks) > 1 and toks[-2][0] in _BEFORE_OFFSET)
                    if after_clock and zone is not None:
                        toks.append((OFFSET, zone))
                    elif after_clock and toks[-1][0] is ZONE:
                        toks.append((ZONEWORD, sign[1]))  # "GMT+99": no zone, so the date is not read
                    else:
                        toks.append(sign)
                        toks.extend(numbers)
                    continue
                toks.append(token)
                continue
            if run is not None:  # "كانون الأول", "بتوقيت القاهرة", "الحادي و العشرون", "كانون 2"
                longer = run + (norm,)
                phrase = _PHRASES.get(longer)
                if phrase is not None:
                    toks[run_start:] = [phrase]
                    run = longer if longer in _PHRASE_PREFIXES else None
                    continue
                if longer in _PHRASE_PREFIXES:
                    toks.append(token)
                    run = longer
                    continue
            if starts:
                run, run_start = (norm,), len(toks)
            else:
                run = None
            toks.append(token)
    return toks


# --------------------------------------------------------------------------------------------
# The phrase reader: from a token that can start a date, read forward while each token fills
# a part not yet filled (weekday, day, month, year, clock, period, zone), skipping separators
# and joining words. What stops it is looked at: a number or an announced clock it could not
# read makes the phrase unread.


# What one phrase printed: each part None (or False) when it did not print it. A named tuple,
# built with tuple.__new__: a phrase is built on every parse, and this costs a third of a class.
_Phrase = namedtuple("_Phrase", "start end weekday day month month_kind month_first pair_mismatch "
                                "year numeric hijri_mark clock period zone relday problem")


def _has_date(p: _Phrase) -> bool:
    return p.relday is not None or p.numeric is not None or (p.day is not None and p.month is not None)


_PAIR_SEPS = frozenset("/-(")


def _month_at(toks: list[tuple], j: int, n: int, after_day: bool = False) -> tuple[str, int, int, bool] | None:
    """(kind, month, index of its last token, paired name disagrees) for a month at toks[j]:
    a name ("شباط"), a number after "شهر" ("شهر عشرة", "الشهر التاسع", "شهر 10"), "شهر"
    before a name; with a paired name after it ("كانون الأول / ديسمبر", "حزيران (يونيو)").
    ``after_day``: the month of the day just before it, which may come after "من" or a slash
    ("الثالث عشر من شباط", "11/ينا/1987")."""
    if j >= n:
        return None
    kind, value = toks[j]
    if kind is not MONTH and kind is not HMONTH:
        if after_day and (kind is OF or kind is SEP and value in "/-") and j + 1 < n:
            j += 1
            kind, value = toks[j]
        if kind is MONTHWORD and j + 1 < n:
            next_kind, next_value = toks[j + 1]
            if next_kind is MONTH or next_kind is HMONTH:
                kind, value, j = next_kind, next_value, j + 1
            elif next_kind is NUM or next_kind is NUMWORD or next_kind is ORDINAL:
                kind, value, j = MONTH, next_value, j + 1
                if not 1 <= value <= 12:
                    return None
            elif next_kind is WEEKDAY and next_value == 0:  # "(ال)اثنين" is Monday and two: "شهر اثنين"
                kind, value, j = MONTH, 2, j + 1
        if kind is not MONTH and kind is not HMONTH:
            return None
    mismatch = False
    if j + 2 < n and toks[j + 1][0] is SEP and toks[j + 1][1] in _PAIR_SEPS:
        other_kind, other = toks[j + 2]
        if other_kind is kind:
            mismatch = other != value
            j += 2
            if j + 1 < n and toks[j + 1] == (SEP, ")"):
                j += 1
    return kind, value, j, mismatch


def _read_phrase(toks: list[tuple], i: int, n: int) -> tuple[_Phrase | None, int]:
    """The phrase starting at toks[i] (None when it reads no date part: a year or a zone
    alone) and the index where reading stopped."""
    weekday = day = month = month_kind = year = numeric = clock = period = zone = relday = None
    month_first = pair_mismatch = hijri_mark = clock_announced = False  # "الساعة": a clock must follow
    end = -1  # the last token read
    j = i
    while j < n:
        kind, value = toks[j]
        if kind in _JOINERS:
            if value == "pair":
                break  # "الموافق": the other calendar's date is a phrase of its own
            if value == "time":
                clock_announced = True
            j += 1
            continue
        if kind is NUM or kind is YEAR:
            if (j + 4 < n and toks[j + 1][0] is SEP and toks[j + 1][1] in "/.-" and toks[j + 3] == toks[j + 1]
                    and toks[j + 2][0] is NUM and toks[j + 4][0] in _NUMBERS and numeric is None
                    and day is None and month is None and year is None):
                # "28/12/2017", "2017-12-28"; two-digit years are ambiguous: read as no date
                last_kind, last = toks[j + 4]
                numeric = ((last, toks[j + 2][1], value) if last_kind is NUM and kind is YEAR else
                           (value, toks[j + 2][1], last) if last_kind is YEAR and kind is NUM else ())
                j += 4
            elif kind is YEAR:
                if year is not None or numeric is not None:
                    break
                year = value
            elif day is None and month is None and numeric is None and (
                    found := _month_at(toks, j + 1, n, True)) is not None:
                day = value
                month_kind, month, j, pair_mismatch = found
            elif month_first and day is None and end == j - 1:  # "December 28, 2017"
                day = value
            elif clock_announced and clock is None:  # "الساعة 5 مساءً"
                clock = (value, 0, 0, 0)
                clock_announced = False
                period, zone, j = _read_after_clock(toks, j + 1, n, zone)
            else:
                break
        elif kind is WEEKDAY and weekday is None:
            weekday = value
        elif kind is TIME and clock is None:
            clock = value
            clock_announced = False
            period, zone, j = _read_after_clock(toks, j + 1, n, zone)
        elif month is None and numeric is None and (kind is MONTH or kind is HMONTH or kind is MONTHWORD) and (
                found := _month_at(toks, j, n)) is not None:
            month_first = day is None
            month_kind, month, j, pair_mismatch = found
        elif kind is ORDINAL and day is None and month is None and numeric is None and (
                found := _month_at(toks, j + 1, n, True)) is not None:
            day = value  # "الثالث عشر من شباط"
            month_kind, month, j, pair_mismatch = found
        elif kind is ZONE and clock is None and zone is None:  # "GMT 12:05 2017 ..."
            zone = value
        elif (kind is ERA or toks[j] is _ERA_TOKEN) and end == j - 1 and toks[end][0] is YEAR:
            pass  # "2020م": the era after a year (ميلادي), not a period of the day
        elif kind is HMARK and end == j - 1 and (numeric is not None or toks[end][0] is YEAR):
            hijri_mark = True
        elif kind is RELDAY and relday is None and day is None and month is None and numeric is None:
            relday = value
        elif kind is UNIT and value == ("days", 1) and j + 1 < n and toks[j + 1][0] in (WEEKDAY, NUM, ORDINAL):
            pass  # "يوم الخميس", "يوم 28 ديسمبر"
        elif kind is UNIT and value == ("years", 1) and year is None and j + 1 < n and toks[j + 1][0] is YEAR:
            pass  # "عام 2017"
        else:
            break
        end = j
        j += 1
    if weekday is None and month is None and numeric is None and clock is None and relday is None:
        return None, j
    if relday is not None and (day is not None or numeric is not None):
        relday = None  # "اليوم الخميس 28 ديسمبر 2017": the printed date says which day
    problem = None
    if clock_announced or j < n and toks[j][0] is CLOCKWORD:
        problem = "unread"  # "عند الساعة الخامسة", "2000/01/01 الخامسة": a clock in words
    elif j < n and j == end + 1:
        kind = toks[j][0]
        if kind in _NUMBERS:  # a number right after the phrase (no separator between) is part of it
            problem = "unread"
        elif clock is not None and (kind is ZONEWORD or kind is WORD and 2 <= len(toks[j][1]) <= 5
                                                                 and toks[j][1].isascii()):
            problem = "unknown_zone"  # "توقيت شرق أوروبا", "12:05 EST": which offset?
        elif relday is not None and kind is not SEP:
            problem = "unread"  # "اليوم السابع", "اليوم التالي": not "today"
    return tuple.__new__(_Phrase, (i, end, weekday, day, month, month_kind, month_first, pair_mismatch,
                                   year, numeric, hijri_mark, clock, period, zone, relday, problem)), j


def _read_after_clock(toks: list[tuple], j: int, n: int, zone: tzinfo | None):
    """(period, zone, index of the last token read) after a clock ("09:23 ص", "12:05 م بتوقيت
    القاهرة", "12:05 GMT+2"); a zone printed after the clock beats one before it."""
    period = None
    if j < n and toks[j][0] is PERIOD:
        period = toks[j][1]
        j += 1
    if j < n and toks[j][0] is ZONE:
        zone = toks[j][1]
        j += 1
    elif j + 1 < n and toks[j][0] is GLUE and toks[j + 1][0] is ZONE:  # "10:00 في غرينتش"
        zone = toks[j + 1][1]
        j += 2
    elif j + 2 < n and toks[j] in _OPENING:  # "05:05 م (GMT)", "17:05 [UTC]", "(GMT+1)", "(+01:00)"
        k, bracketed = j + 1, None
        if toks[k][0] is ZONE:
            bracketed, k = toks[k][1], k + 1
        if k < n and toks[k][0] is OFFSET:
            bracketed, k = toks[k][1], k + 1
        if bracketed is not None and k < n and toks[k] == _CLOSING[toks[j]]:
            zone, j = bracketed, k + 1
    if j < n and toks[j][0] is OFFSET:
        zone = toks[j][1]
        j += 1
    return period, zone, j - 1


_CLOSING = {(SEP, "("): (SEP, ")"), (SEP, "["): (SEP, "]")}  # a zone in brackets after a clock
_OPENING = frozenset(_CLOSING)
_NUMBERS = frozenset({NUM, YEAR, BIGNUM})
_JOINERS = frozenset({SEP, GLUE})
_TIME_WORDS = frozenset({PERIOD, CLOCKWORD, GLUE})  # GLUE: only "الساعة" and the like
_START_KINDS = frozenset({WEEKDAY, MONTH, HMONTH, TIME, NUM, YEAR, ORDINAL, MONTHWORD, ZONE, RELDAY})


# --------------------------------------------------------------------------------------------
# From a phrase to a value


def _to_24h(hour: int, period: frozenset | None) -> int:
    """The hour a 12- or 24-hour clock means with the period printed after it."""
    if period is None:
        return hour
    if hour > 12 or hour == 0:  # a 24-hour clock: the period must agree
        if hour in period:
            return hour
        raise ValueError("period contradicts the hour")
    meant = [h for h in (hour % 12, hour % 12 + 12) if h in period]
    if len(meant) != 1:  # none, or the period allows both ("في المساء": 00:00-01:00 and evening)
        raise ValueError("period does not say which hour")
    return meant[0]


def _phrase_day(p: _Phrase) -> tuple[int | None, int, int, bool]:
    """(year, month, day, hijri) the phrase prints; ValueError for a shape it cannot be."""
    if p.numeric is not None:  # (day, month, year): "28/12/2017" (Arabic pages write the day first), "2017/12/28"
        if not p.numeric:  # two-digit years are ambiguous; do not guess
            raise LookupError("two-digit year")
        day, month, year = p.numeric
        # Umm al-Qura years 1343-1500 AH; no news page dates anything in Gregorian 1343-1500.
        return year, month, day, p.hijri_mark or 1343 <= year <= 1500
    if p.month_first and p.year is None:  # "ديسمبر 28" with no year: a day or a count?
        raise LookupError("month first without a year")
    if p.hijri_mark and p.month_kind is MONTH:  # "28 ديسمبر 2020 هـ": which calendar?
        raise LookupError("Gregorian month with a Hijri year")
    return p.year, p.month, p.day, p.month_kind is HMONTH


def _phrase_date(p: _Phrase) -> date:
    year, month, day, hijri = _phrase_day(p)
    if hijri:
        return _hijri_to_gregorian(year, month, day)
    return date(year, month, day)


_RELATIVE = frozenset({"relative"})
_HIJRI = frozenset({"hijri"})
_NO_YEAR = frozenset({"no_year"})


class _NotADate(Exception):
    """The phrase cannot be read as a date; ``flags`` say why."""

    def __init__(self, *flags: str) -> None:
        super().__init__(*flags)
        self.flags = frozenset(flags)


def _resolve(p: _Phrase, zone: tzinfo, reference: datetime | None) -> tuple[datetime, frozenset[str]]:
    """The phrase's value and flags; ValueError or OverflowError when it is impossible,
    _NotADate when it is no date."""
    if p.clock is None:
        hour = minute = second = micro = 0
    else:
        hour, minute, second, micro = p.clock
        if p.period is not None:
            hour = _to_24h(hour, p.period)
    zone = p.zone or zone
    if p.relday is not None:
        reference = _now_unless(reference)
        if p.clock is None:
            return reference - timedelta(days=p.relday), _RELATIVE
        day = reference.astimezone(zone).date() - timedelta(days=p.relday)
        return datetime(day.year, day.month, day.day, hour, minute, second, micro, zone), _RELATIVE
    if p.numeric is None and not p.month_first and not p.hijri_mark:  # "28 ديسمبر 2017"
        year, month, day, hijri = p.year, p.month, p.day, p.month_kind is HMONTH
    else:
        try:
            year, month, day, hijri = _phrase_day(p)
        except LookupError as error:
            raise _NotADate("unread") from error
    if hijri:
        if year is None:
            raise _NotADate("no_year", "hijri")
        day = _hijri_to_gregorian(year, month, day)
        return datetime(day.year, day.month, day.day, hour, minute, second, micro, zone), _HIJRI
    if year is None:
        reference = _now_unless(reference)
        year = reference.astimezone(zone).year
        value = datetime(year, month, day, hour, minute, second, micro, zone)
        if value > reference + timedelta(days=1):  # a news date is never in the future
            value = value.replace(year=year - 1)
        return value, _NO_YEAR
    return datetime(year, month, day, hour, minute, second, micro, zone), _NO_FLAGS


def _read_tokens(toks: list[tuple], zone: tzinfo, reference: datetime | None) -> _Result:
    # Every phrase that reads a date part, and whether a time is printed outside them: a day
    # period ("ص", "مساءً"), an announced clock ("الساعة"), an hour in words ("الخامسة").
    phrases = []
    stray_time = False
    i, n = 0, len(toks)
    while i < n:
        kind, value = toks[i]
        if kind in _TIME_WORDS and (kind is not GLUE or value == "time"):
            stray_time = True
        # "اليوم" after a word is a site name ("المغرب اليوم") or part of a phrase ("في وقت لاحق
        # من اليوم"), not "today": only at the start, or after punctuation or a joining word.
        if kind in _START_KINDS and (kind is not RELDAY or value or i == 0 or toks[i - 1][0] is SEP
                                     or toks[i - 1][0] is GLUE):
            phrase, stop = _read_phrase(toks, i, n)
            if phrase is not None:
                phrases.append(phrase)
                i = stop  # past toks[i] at least: a phrase reads its first token
                continue
        i += 1
    if len(phrases) == 1:  # the common case, without the lists
        chosen, partner = phrases[0], None
        if chosen.day is None and chosen.numeric is None and chosen.relday is None:
            return _read_without_date(toks, phrases, reference)
        if chosen.problem is not None:
            return _fail(chosen.problem)
    else:
        dated = [p for p in phrases if _has_date(p) and p.relday is None] or [
            p for p in phrases if p.relday is not None]
        if not dated:
            return _read_without_date(toks, phrases, reference)
        # The first Gregorian date, even after a Hijri one; else the first Hijri date.
        chosen = next((p for p in dated if not _is_hijri(p)), dated[0])
        partner = _pair_partner(toks, dated, chosen)
        for p in phrases:
            if p.problem is not None:
                return _fail(p.problem)
            if p is not chosen and p is not partner and not _has_date(p):
                return _fail("unattached")  # a lone clock, weekday or month besides the date
        if partner is not None and partner.clock is not None:
            if chosen.clock is not None:
                return _fail("unattached")  # two clocks for one day
            # "11 شوال 1441 هـ 10:00 الموافق 3 يونيو 2020": the pair's clock is the day's
            chosen = chosen._replace(clock=partner.clock, period=partner.period, zone=chosen.zone or partner.zone)
    if chosen.pair_mismatch or partner is not None and partner.pair_mismatch:
        return _fail("month_pair_mismatch")
    if stray_time:
        return _fail("unattached")  # "12:00 خبر ص", "2000 خبر الخامسة مساء": a time not read
    try:
        value, flags = _resolve(chosen, zone, reference)
        if chosen.clock is not None and type(value.tzinfo) is not timezone:
            # A wall clock in a zone with summer time: the hour that repeats when clocks go back
            # is two instants, the hour skipped when they go forward is none.
            if value.replace(fold=1).utcoffset() != value.utcoffset():
                if value.astimezone(_UTC).astimezone(value.tzinfo).replace(tzinfo=None) == value.replace(tzinfo=None):
                    return _fail("ambiguous_time")
                return _INVALID
        if partner is not None and _phrase_date(partner) != value.date():
            flags = flags | {"hijri_mismatch"}
    except _NotADate as error:
        return None, error.flags
    except (ValueError, OverflowError):
        return _fail("invalid_date", "relative") if chosen.relday is not None else _INVALID
    if flags is _NO_YEAR and any(tok[0] is YEAR for tok in toks):
        return _fail("unattached")  # "28 ديسمبر كلام 2017": a year the phrase did not take
    weekday = chosen.weekday if chosen.weekday is not None or partner is None else partner.weekday
    if weekday is not None and weekday != value.weekday():
        return _fail("weekday_mismatch")
    return value, flags


def _read_without_date(toks: list[tuple], phrases: list[_Phrase], reference: datetime | None) -> _Result:
    """No phrase reads a date: relative time ("منذ 3 ساعات"), or why there is no date."""
    relative = _read_relative(toks, reference)
    if relative is not None:
        if any(p.clock is not None or p.weekday is not None for p in phrases):
            return _fail("relative", "unattached")
        return relative
    if any(p.clock is not None for p in phrases):
        return _fail("time_only")
    if any(p.month is not None for p in phrases):
        return _fail("no_day")
    return _NO_DATE


def _is_hijri(p: _Phrase) -> bool:
    if p.numeric is not None:
        try:
            return _phrase_day(p)[3]
        except LookupError:
            return False
    return p.month_kind is HMONTH


def _pair_partner(toks: list[tuple], dated: list[_Phrase], chosen: _Phrase) -> _Phrase | None:
    """The Hijri date printed next to the chosen Gregorian one ("11 شوال 1441هـ - 03 يونيو
    2020م", "… الموافق …"), with only separators and joining words between."""
    if _is_hijri(chosen):
        return None
    for p in dated:
        if p is chosen or not _is_hijri(p):
            continue
        first, second = (p, chosen) if p.start < chosen.start else (chosen, p)
        between = toks[first.end + 1 : second.start]
        if all(kind is SEP or kind is GLUE or kind is PERIOD or kind is HMARK for kind, _ in between):
            return p
    return None


_HIJRI_MONTH_CACHE: dict[tuple[int, int], tuple[int, int]] = {}


def _hijri_to_gregorian(year: int, month: int, day: int) -> date:
    """Hijri(year, month, day).to_gregorian() (Umm al-Qura, validated: OverflowError for a year
    outside the tables, ValueError for a month or day that does not exist), with each month's
    first day and length cached: the library's conversion costs more than the rest of a parse."""
    known = _HIJRI_MONTH_CACHE.get((year, month))
    if known is None:
        first = Hijri(year, month, 1)  # raises as Hijri(year, month, day) would for year or month
        known = (first.to_gregorian().toordinal(), first.month_length())
        _HIJRI_MONTH_CACHE[year, month] = known
    start, length = known
    if not 1 <= day <= length:
        raise ValueError(f"day must be in 1-{length} for month, got '{day}'")
    return date.fromordinal(start + day - 1)


# --------------------------------------------------------------------------------------------
# Relative time: "منذ 3 ساعات", "قبل دقيقتين", "منذ حوالي ساعة"

_UNIT_DELTAS = {
    unit: timedelta(**{unit: 1}) for unit in ("seconds", "minutes", "hours", "days", "weeks")
}


def _minus(reference: datetime, unit: str, count: int) -> datetime:
    if unit == "months" or unit == "years":
        months = count if unit == "months" else 12 * count
        year, month0 = divmod(reference.year * 12 + reference.month - 1 - months, 12)
        day = min(reference.day, monthrange(year, month0 + 1)[1]) if year >= 1 else 1
        return reference.replace(year=year, month=month0 + 1, day=day)
    return reference - _UNIT_DELTAS[unit] * count


def _read_relative(toks: list[tuple], reference: datetime | None) -> _Result | None:
    n = len(toks)
    for i, (kind, _) in enumerate(toks):
        if kind is not AGO:
            continue
        j = i + 1
        while j < n and toks[j][0] is GLUE:
            j += 1
        if j < n and toks[j][0] is VAGUE:  # "منذ أكثر من سنة"
            return _fail("relative", "vague")
        count = None
        if j < n and (toks[j][0] in _NUMBERS and toks[j][1] < 10_000 or toks[j][0] is NUMWORD):
            count = toks[j][1]
            j += 1
        if j < n and toks[j][0] is MONTHWORD and toks[j][1] is None:
            unit, implied = "months", 1  # "منذ شهر"
        elif j < n and toks[j][0] is UNIT:
            unit, implied = toks[j][1]
        else:
            continue
        count = implied if count is None else count
        if count is None:  # "منذ أيام": some days ago, we cannot say how many
            return _fail("relative", "vague")
        after = toks[j + 1] if j + 1 < n else None
        # "منذ ساعة ونصف", "منذ 3 ساعات و20 دقيقة": a count it does not read in full
        if after is not None and (after[0] in (NUM, NUMWORD, UNIT, VAGUE) or after == (GLUE, "and")
                                  or after[0] is WORD and after[1].startswith("و") and len(after[1]) <= 5):
            return _fail("relative", "unread")
        try:
            return _minus(_now_unless(reference), unit, count), _RELATIVE
        except (ValueError, OverflowError):
            return _fail("relative", "invalid_date")
    return None


# --------------------------------------------------------------------------------------------
# Machine formats: ISO 8601 by the standard library; RFC 822 here, zones and all.

_RFC822 = re.compile(r"(?:([A-Za-z]{3}),?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_RFC_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_RFC_MONTHS = {name: i for i, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_RFC_PARTS = re.compile(
    r"(?:[A-Za-z]{3},?\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?"
    r"\s*(?:([AaPp][Mm])(?![A-Za-z]))?\s*(.*?)\s*")
# RFC 822's own zone names, and the fixed abbreviations Arabic and European feeds print. "AST"
# and "ADT" are not here: Atlantic time to the RFC, Arabia Standard Time (+03) to a Gulf site.
_RFC_ZONE_HOURS = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
                   "mdt": -6, "pst": -8, "pdt": -7, "wet": 0, "west": 1, "cet": 1, "cest": 2, "eet": 2,
                   "eest": 3, "msk": 3}
_RFC_ZONE = re.compile(r"(?:([A-Za-z]{1,5})(?=$|[\s(+-]))?\s*([+-]\d{1,2}(?::?\d{2})?)?\s*(?:\([^()]*\))?")


def _rfc822_zone(text: str, zone: tzinfo) -> tzinfo | None:
    """The zone printed after an RFC 822 clock: a name ("GMT", "EEST"), an offset ("+0300",
    "+03:00", "+3") or both ("GMT+3"), a comment after it ("+0000 (UTC)") ignored; *zone*
    when none is printed. None for a name or offset that names no zone ("XYZ", "+2400"):
    guessing one would be off by hours."""
    if not text:
        return zone
    if text == "-0000":  # RFC 2822: UTC, origin unknown
        return _UTC
    match = _RFC_ZONE.fullmatch(text)
    if match is None:
        return None
    name, offset = match.groups()
    if name is None and offset is None:
        return zone  # a comment alone
    hours = 0
    if name is not None:
        hours = _RFC_ZONE_HOURS.get(name.lower())
        if hours is None or offset is not None and hours != 0:
            return None  # "EST+2": which?
    if offset is None:
        return timezone(timedelta(hours=hours))
    digits = offset[1:].replace(":", "")
    if len(digits) not in (1, 2, 4) or ":" in offset and len(digits) != 4:
        return None
    return _offset_value(offset[0] + digits)


def _read_rfc822(s: str, zone: tzinfo) -> _Result | None:
    """RFC 822 / 2822 (RSS ``pubDate``), read here rather than by ``email.utils``, which reads
    an unknown zone ("EEST", "+03:00", "GMT+3") as none and drops "PM": a date hours off."""
    match = _RFC_PARTS.fullmatch(s)
    if match is None:
        return None
    day, month_name, year_text, hour, minute, second, period, zone_text = match.groups()
    month = _RFC_MONTHS.get(month_name.lower())
    if month is None:
        return None
    year = int(year_text)
    if len(year_text) == 2:  # RFC 2822's rule for two-digit years
        year += 2000 if year < 50 else 1900
    elif len(year_text) == 3:
        year += 1900
    hour, minute = int(hour), int(minute)
    if period:
        if not 1 <= hour <= 12:
            return _INVALID
        hour = hour % 12 + (12 if period.lower() == "pm" else 0)
    tzinfo = _rfc822_zone(zone_text, zone)
    if tzinfo is None:
        return _fail("unknown_zone")
    try:
        value = datetime(year, month, int(day), hour, minute, min(int(second or 0), 59), tzinfo=tzinfo)
    except ValueError:
        return _INVALID
    if type(tzinfo) is not timezone and value.replace(fold=1).utcoffset() != value.utcoffset():
        # A wall clock in the site's zone with summer time: the hour repeated or skipped.
        if value.astimezone(_UTC).astimezone(tzinfo).replace(tzinfo=None) == value.replace(tzinfo=None):
            return _fail("ambiguous_time")
        return _INVALID
    return value, _NO_FLAGS


def _read_machine_format(s: str, zone: tzinfo) -> _Result | None:
    """ISO 8601 (meta tags, JSON-LD) and RFC 822 (RSS pubDate); None to fall through."""
    if len(s) >= 10 and s[4] == "-" and s[:4].isdigit() or len(s) >= 13 and s[8] == "T" and s[:8].isdigit():
        try:  # (the second: ISO's basic format, "20230314T093000Z")
            return _aware(datetime.fromisoformat(s), zone), _NO_FLAGS
        except ValueError:
            return None
    match = _RFC822.match(s)
    if match:
        result = _read_rfc822(s, zone)
        if result is None:
            return None
        printed = match.group(1)
        if result[0] is not None and printed and _RFC_WEEKDAYS.get(printed.lower()) not in (None, result[0].weekday()):
            return _fail("weekday_mismatch")
        return result
    return None


# --------------------------------------------------------------------------------------------


def words_besides_date(text: str) -> int:
    """How many words of *text* name no date part (no month, weekday, zone, period, glue such
    as "في"): 0-2 for a date line ("نشر في: الخميس 28 ديسمبر 2017"), more for a sentence that
    quotes a date ("وقال الوزير إن الاتفاق وقع في 3 مارس 2010")."""
    return sum(1 for token in _tokenise(text[:MAX_SCAN_CHARS]) if token[0] is WORD)


def analyse_date(text, *, reference=None, tz=None) -> DateResult:
    """Read the date ``text`` states and say how (see the module doc for the flags).

    ``reference``: aware datetime that relative and year-less dates are read against
    (default: now). ``tz``: IANA name or tzinfo for clocks printed without a zone (default
    UTC). Never raises on any text, bytes or None; a bad ``tz`` name is the caller's error.
    """
    return DateResult(*_analyse(text, reference, tz))


def _analyse(text, reference, tz) -> _Result:
    zone = _zone(tz) if tz else _UTC
    if type(text) is not str:
        text = _as_text(text, zone)
        if type(text) is tuple:
            return text
    s = text.strip()
    if not s:
        return _EMPTY
    truncated = len(s) > MAX_SCAN_CHARS
    if truncated:
        s = s[:MAX_SCAN_CHARS]
    if reference is not None and type(reference.tzinfo) is not timezone:
        reference = _aware(reference, zone)
    result = _read_machine_format(s, zone) if s.isascii() else None
    if result is None:
        result = _read_tokens(_tokenise(s), zone, reference)
    return (result[0], result[1] | {"truncated"}) if truncated else result


def _as_text(text, zone: tzinfo) -> str | _Result:
    """Anything but a str: the text in it, or the result already."""
    if isinstance(text, datetime):
        return _aware(text, zone), _NO_FLAGS
    if isinstance(text, date):
        return datetime.combine(text, time(), zone), _NO_FLAGS
    if isinstance(text, (bytes, bytearray, memoryview)):
        try:
            return bytes(text).decode("utf-8", "replace")
        except (TypeError, ValueError):
            return _NO_DATE
    if text is None:
        return _EMPTY
    return text if isinstance(text, str) else _NO_DATE


_ZONES: dict[str, tzinfo] = {}


def _zone(tz) -> tzinfo:
    if not tz:
        return _UTC
    if isinstance(tz, tzinfo):
        return tz
    name = str(tz)
    zone = _ZONES.get(name)
    if zone is None:  # ZoneInfo caches too, but its lookup costs more than a dict's
        zone = ZoneInfo(name)  # a bad name raises: the caller's error
        if len(_ZONES) < 1000:
            _ZONES[name] = zone
    return zone


def _now_unless(reference: datetime | None) -> datetime:
    return reference if reference is not None else datetime.now(_UTC)


def _aware(dt: datetime, zone: tzinfo) -> datetime:
    if type(dt.tzinfo) is timezone:  # fixed offset: aware without asking
        return dt
    return dt if dt.tzinfo is not None and dt.utcoffset() is not None else dt.replace(tzinfo=zone)
