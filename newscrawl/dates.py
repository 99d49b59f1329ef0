"""Read the dates Arabic news pages print, fast, and only when the text vouches for them.

Pure functions, no Scrapy. ``analyse_date`` says what it read and why (flags);
``parse_date`` returns only the value. Machine formats (ISO 8601, RFC 822) go to the standard
library; everything Arabic goes through one token scan, because the general tools
(dateparser, htmldate) miss these shapes ("GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر",
Moroccan and Algerian month names, paired months) and cost tens to thousands of times more
per call (benchmarks/bench_dates.py). The shapes pages print most (the network stamp,
"<weekday> <day> <month> <year> <clock>", RSS pubDate, short relative phrases) have fast paths
that accept only text the token scan reads the same way and fall through on anything else;
tests/test_dates.py checks that they agree with it.

Flags (``DateResult.flags``):
    empty               nothing to read (None, "", whitespace)
    no_date             text, but no date in it
    time_only           a clock with no date ("آخر تحديث GMT 13:52:25"): never an article date
    no_day              a month (and year) without a day: not precise enough to vouch for
    invalid_date        a date shape with impossible values ("45 شباط 2017", month 13, hour 25)
    month_pair_mismatch "كانون الأول / نوفمبر": the two names disagree, so no value
    weekday_mismatch    the weekday printed is not the date's weekday (value still returned)
    no_year             year-less date, year taken from ``reference`` (never in its future)
    relative            read against ``reference`` ("منذ 3 ساعات", "أمس")
    vague               relative without a count ("منذ أيام"): no value
    hijri               converted from a Hijri (Umm al-Qura) date
    truncated           input longer than MAX_SCAN_CHARS; only its start was read
"""

from __future__ import annotations

import re
import sys
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from hijridate import Hijri

from newscrawl.arabic import (MARKS, fold_borrowed_letters, fold_case, fold_digits, fold_letters,
                              remove_marks)

__all__ = [
    "DateResult",
    "MAX_SCAN_CHARS",
    "PLAUSIBLE_EARLIEST",
    "analyse_date",
    "is_plausible",
    "parse_date",
]

PLAUSIBLE_EARLIEST = datetime(1995, 1, 1, tzinfo=timezone.utc)
# A date field is short; reading only its start bounds the cost of any input.
MAX_SCAN_CHARS = 4096


@dataclass(frozen=True, slots=True)
class DateResult:
    value: datetime | None
    flags: frozenset[str] = frozenset()


# Inside the module a result is a (value, flags) pair: building the frozen dataclass costs a
# sixth of reading a common date, so only analyse_date builds one.
_Result = tuple[datetime | None, frozenset[str]]
_NO_FLAGS: frozenset[str] = frozenset()
_RELATIVE = frozenset({"relative"})
_WEEKDAY_MISMATCH = frozenset({"weekday_mismatch"})
_HIJRI = frozenset({"hijri"})
_HIJRI_WEEKDAY_MISMATCH = frozenset({"hijri", "weekday_mismatch"})
_PAIR_MISMATCH = (None, frozenset({"month_pair_mismatch"}))
_INVALID = (None, frozenset({"invalid_date"}))
_EMPTY = (None, frozenset({"empty"}))
_NO_DATE = (None, frozenset({"no_date"}))
_TRUNCATED = frozenset({"truncated"})


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
# Normalisation (newscrawl.arabic's tables). Spelling variants are folded per word, once per
# distinct word (cached): translating whole texts cost more than the rest of the parse.
# A word folds like fold_for_matching's words, plus the borrowed letters (پ ڤ ھ: "نوڤمبر"),
# which only month names need. Marks (tashkeel, Quranic signs, zero-width and bidi controls)
# would split a word ("شوّال") or a date ("28\u200fديسمبر"), so they leave the text before
# tokenising. Tatweel is a word character, so it stays a token (a free-standing "ـ" is a word
# of its own) and leaves each word in its fold. Numbers are digit runs: only fold_digits applies (int() reads ٠-٩ already).
_MARKS = re.escape(MARKS)  # for character classes
_MARKS_RE = re.compile(f"[{_MARKS}]")
_SEP_FOLD = {"،": ",", "٬": ",", "٫": ".", "؛": ";"}


def _normalise(word: str) -> str:
    return fold_case(fold_digits(fold_borrowed_letters(fold_letters(remove_marks(word)))))


# --------------------------------------------------------------------------------------------
# Vocabulary. Written as printed; normalised once at import.

_GREGORIAN_MONTHS = {
    # Levantine/Iraqi, Egyptian/Gulf, Moroccan, Algerian/Tunisian, English (the /en/ feeds).
    1: ["كانون الثاني", "كانون ثاني", "كانون 2", "يناير", "جانفي", "january", "jan"],
    2: ["شباط", "فبراير", "فيفري", "february", "feb"],
    3: ["آذار", "مارس", "march", "mar"],
    4: ["نيسان", "أبريل", "إبريل", "أفريل", "april", "apr"],
    5: ["أيار", "مايو", "ماي", "may"],
    6: ["حزيران", "يونيو", "يونيه", "يونية", "جوان", "june", "jun"],
    7: ["تموز", "يوليو", "يوليه", "يولية", "يوليوز", "جويلية", "جويليه", "july", "jul"],
    8: ["آب", "أغسطس", "اغسطس", "غشت", "أوت", "august", "aug"],
    9: ["أيلول", "سبتمبر", "شتنبر", "september", "sept", "sep"],
    10: ["تشرين الأول", "تشرين أول", "تشرين 1", "أكتوبر", "october", "oct"],
    11: ["تشرين الثاني", "تشرين ثاني", "تشرين 2", "نوفمبر", "نونبر", "november", "nov"],
    12: ["كانون الأول", "كانون أول", "كانون 1", "ديسمبر", "دجنبر", "december", "dec"],
}
_HIJRI_MONTHS = {
    1: ["محرم", "المحرم"],
    2: ["صفر"],
    3: ["ربيع الأول", "ربيع أول"],
    4: ["ربيع الآخر", "ربيع الآخرة", "ربيع الثاني", "ربيع ثاني", "ربيع آخر"],
    5: ["جمادى الأولى", "جمادى الأول", "جمادى أولى"],
    6: ["جمادى الآخرة", "جمادى الآخر", "جمادى الثانية", "جمادى الثاني", "جمادى ثانية"],
    7: ["رجب"],
    8: ["شعبان"],
    9: ["رمضان"],
    10: ["شوال"],
    11: ["ذو القعدة", "ذي القعدة", "ذوالقعدة", "ذيالقعدة"],
    12: ["ذو الحجة", "ذي الحجة", "ذوالحجة", "ذيالحجة"],
}
_WEEKDAYS = {  # date.weekday(): Monday is 0
    0: ["الاثنين", "الإثنين", "الاتنين", "monday", "mon"],
    1: ["الثلاثاء", "الثلاثا", "ثلاثاء", "tuesday", "tue"],
    2: ["الأربعاء", "الاربعا", "أربعاء", "wednesday", "wed"],
    3: ["الخميس", "خميس", "thursday", "thu"],
    4: ["الجمعة", "جمعة", "friday", "fri"],
    5: ["السبت", "سبت", "saturday", "sat"],
    6: ["الأحد", "أحد", "sunday", "sun"],
}
_DAY_PERIODS = {
    "am": ["ص", "صباحا", "صباح", "فجرا", "am"],
    "pm": ["م", "مساء", "مساءا", "ظهرا", "عصرا", "pm"],  # "م" after a year means AD: skipped
    "night": ["ليلا"],
}
_UTC = timezone.utc
_ZONE_WORDS = {"gmt": _UTC, "utc": _UTC, "z": _UTC, "غرينتش": _UTC, "جرينتش": _UTC, "غرينيتش": _UTC}
_ZONE_PLACES = {  # "بتوقيت <place>" / "توقيت <place>"
    "غرينتش": "UTC",
    "جرينتش": "UTC",
    "غرينيتش": "UTC",
    "القاهرة": "Africa/Cairo",
    "مصر": "Africa/Cairo",
    "مكة": "Asia/Riyadh",
    "الرياض": "Asia/Riyadh",
    "السعودية": "Asia/Riyadh",
    "المغرب": "Africa/Casablanca",
    "الرباط": "Africa/Casablanca",
    "الجزائر": "Africa/Algiers",
    "تونس": "Africa/Tunis",
    "بيروت": "Asia/Beirut",
    "دمشق": "Asia/Damascus",
    "بغداد": "Asia/Baghdad",
    "القدس": "Asia/Jerusalem",
    "الإمارات": "Asia/Dubai",
    "أبوظبي": "Asia/Dubai",
    "دبي": "Asia/Dubai",
    "الدوحة": "Asia/Qatar",
    "الكويت": "Asia/Kuwait",
}
# Relative units: word -> (unit, count it implies alone; None = a plural that needs a number).
_UNITS = {
    "seconds": {"ثانية": 1, "ثانيتين": 2, "ثانيتان": 2, "ثوان": None, "ثواني": None},
    "minutes": {"دقيقة": 1, "دقيقه": 1, "دقيقتين": 2, "دقيقتان": 2, "دقائق": None},
    "hours": {"ساعة": 1, "ساعتين": 2, "ساعتان": 2, "ساعات": None},
    "days": {"يوم": 1, "يوما": 1, "يومين": 2, "يومان": 2, "أيام": None},
    "weeks": {"أسبوع": 1, "أسبوعا": 1, "أسبوعين": 2, "أسبوعان": 2, "أسابيع": None},
    "months": {"شهر": 1, "شهرا": 1, "شهرين": 2, "شهران": 2, "أشهر": None, "شهور": None},
    "years": {
        "سنة": 1, "السنة": 1, "عام": 1, "عاما": 1, "سنتين": 2, "سنتان": 2, "عامين": 2,
        "عامان": 2, "سنوات": None, "سنين": None, "أعوام": None,
    },
}
_NUMBER_WORDS = {
    "واحد": 1, "ثلاث": 3, "ثلاثة": 3, "أربع": 4, "أربعة": 4, "خمس": 5, "خمسة": 5, "ست": 6,
    "ستة": 6, "سبع": 7, "سبعة": 7, "ثماني": 8, "ثمانية": 8, "تسع": 9, "تسعة": 9, "عشر": 10,
    "عشرة": 10,
}
_AGO_WORDS = ["منذ", "قبل"]
_RELATIVE_DAYS = {"أمس": 1, "البارحة": 1, "الأمس": 1, "اليوم": 0}
_RELATIVE_DAY_PAIRS = {"أول أمس": 2, "قبل أمس": 2, "يوم أمس": 1, "اليوم السابق": 1}
# Words that may sit between a date and its time or weekday ("6 يناير، 2015، الساعة 05:16").
_GLUE_WORDS = ["الساعة", "في", "على", "الموافق", "المحلي", "t", "at", "حوالي", "حوالى", "نحو", "قرابة"]
_HIJRI_MARKS = ["هـ", "ه"]

# Token kinds
NUM, TIME, NDATE, OFFSET, SEP, WORD = "num", "time", "ndate", "offset", "sep", "word"
MONTH, HMONTH, WEEKDAY, AMPM, ZONE, HMARK = "month", "hmonth", "weekday", "ampm", "zone", "hmark"
AGO, UNIT, NUMWORD, RELDAY, GLUE = "ago", "unit", "numword", "relday", "glue"


def _build_vocabulary():
    words: dict[str, tuple] = {}
    pairs: dict[tuple[str, str], tuple] = {}

    def add(spelling: str, token: tuple) -> None:
        parts = _normalise(spelling).split()
        if len(parts) == 1:
            words.setdefault(parts[0], token)
        else:
            pairs[(parts[0], parts[1])] = token

    for table, kind in ((_GREGORIAN_MONTHS, MONTH), (_HIJRI_MONTHS, HMONTH), (_WEEKDAYS, WEEKDAY),
                        (_DAY_PERIODS, AMPM)):
        for value, names in table.items():
            for name in names:
                add(name, (kind, value))
    for name, zone in _ZONE_WORDS.items():
        add(name, (ZONE, zone))
    for place, zone_name in _ZONE_PLACES.items():
        zone = _UTC if zone_name == "UTC" else ZoneInfo(zone_name)
        add("توقيت " + place, (ZONE, zone))
        add("بتوقيت " + place, (ZONE, zone))
    for unit, forms in _UNITS.items():
        for name, count in forms.items():
            add(name, (UNIT, (unit, count)))
    for name, value in _NUMBER_WORDS.items():
        add(name, (NUMWORD, value))
    for name in _AGO_WORDS:
        add(name, (AGO, None))
    for name, days in {**_RELATIVE_DAYS, **_RELATIVE_DAY_PAIRS}.items():
        add(name, (RELDAY, days))
    for name in _GLUE_WORDS:
        add(name, (GLUE, None))
    for name in _HIJRI_MARKS:
        add(name, (HMARK, None))
    return words, pairs


_WORDS, _PAIRS = _build_vocabulary()
_PAIR_FIRST = frozenset(first for first, _ in _PAIRS)

# --------------------------------------------------------------------------------------------
# Tokenising. Every alternative is bounded or a single character class, and every non-space
# character starts a token, so the scan is linear.

_TOKEN_RE = re.compile(  # groups: word, clock, numeric date, number, offset, punctuation
    r"\s*(?:([^\W\d_]+)"
    r"|(\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(?!\d)"
    r"|(\d{1,4} ?[/.-] ?\d{1,2} ?[/.-] ?\d{1,4})(?![\d:])"
    r"|(\d+)"
    r"|([+-](?:\d{2}:?\d{2}|\d{1,2}))(?![\d:])"
    r"|([^\s\w]|_))"  # every non-space character matches something: no rescanning of spaces
)
_DIGIT_RUNS = re.compile(r"\d+")


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


_WORD_CACHE: dict[str, tuple[str, tuple]] = {}
_WORD_CACHE_SIZE = 50_000


def _lookup_word(word: str) -> tuple[str, tuple]:
    """(normalised word, token) for a word as printed."""
    hit = _WORD_CACHE.get(word)
    if hit is None:
        norm = _normalise(word)
        hit = (norm, _WORDS.get(norm) or (WORD, norm))
        if len(_WORD_CACHE) < _WORD_CACHE_SIZE:
            _WORD_CACHE[word] = hit
    return hit


def _tokenise(text: str) -> list[tuple]:
    toks: list[tuple] = []
    pair_first = None  # the previous word, when it can start a two-word name
    # rstrip: the one place "\s*" can fail after scanning spaces is the end of the text
    for word, clock, ndate, num, offset, sep in _TOKEN_RE.findall(_MARKS_RE.sub("", text).rstrip()):
        if word or num:
            if word:
                norm, token = _WORD_CACHE.get(word) or _lookup_word(word)
            else:
                norm, token = fold_digits(num), (NUM, num)
            if pair_first is not None:  # "كانون الأول", "بتوقيت القاهرة", "أول أمس", "كانون 2"
                pair = _PAIRS.get((pair_first, norm))
                if pair is not None:
                    toks[-1] = pair
                    pair_first = None
                    continue
            toks.append(token)
            pair_first = norm if word and norm in _PAIR_FIRST else None
            continue
        pair_first = None
        if clock:
            toks.append((TIME, _time_value(clock)))
        elif ndate:
            toks.append((NDATE, tuple(_DIGIT_RUNS.findall(ndate))))
        elif offset:
            # "+0100" is an offset only right after a clock or "GMT"; elsewhere a sign and a number.
            zone = _offset_value(offset) if toks and toks[-1][0] in (TIME, AMPM, ZONE) else None
            if zone is not None:
                toks.append((OFFSET, zone))
            else:
                toks.append((SEP, offset[0]))
                toks.extend((NUM, digits) for digits in _DIGIT_RUNS.findall(offset))
        else:
            toks.append((SEP, _SEP_FOLD.get(sep, sep)))
    return toks


# --------------------------------------------------------------------------------------------
# Reading dates out of the tokens.


@dataclass(slots=True)
class _Candidate:
    start: int  # token span of the date itself
    end: int
    day: int
    month: int
    year: int | None
    hijri: bool
    pair_mismatch: bool = False


def _is_day(tok: tuple) -> bool:
    return tok[0] == NUM and len(tok[1]) <= 2


def _is_year(tok: tuple) -> bool:
    return tok[0] == NUM and len(tok[1]) == 4


def _read_named_date(toks: list[tuple], i: int) -> _Candidate | None:
    """A date around the month name at toks[i]; None when no day goes with it."""
    kind, month = toks[i]
    n = len(toks)
    start = end = i
    day = None
    if i > 0 and _is_day(toks[i - 1]):  # "28 ديسمبر"
        day, start = int(toks[i - 1][1]), i - 1
    mismatch = False
    # "كانون الأول / ديسمبر", "آذار/ مارس", "ديسمبر (كانون الأول)": both names must agree.
    if end + 2 < n and toks[end + 1][0] == SEP and toks[end + 1][1] in "/-(" and toks[end + 2][0] == kind:
        mismatch = toks[end + 2][1] != month
        end += 2
        if end + 1 < n and toks[end + 1] == (SEP, ")"):
            end += 1
    if day is None:  # "ديسمبر 28، 2017"
        j = end + 1
        if j < n and _is_day(toks[j]):
            k = j + 2 if j + 1 < n and toks[j + 1] == (SEP, ",") else j + 1
            if k < n and _is_year(toks[k]):
                day, end = int(toks[j][1]), j
    if day is None:
        return None
    year = None
    j = end + 2 if end + 1 < n and toks[end + 1] == (SEP, ",") else end + 1
    if j < n and _is_year(toks[j]):
        year, end = int(toks[j][1]), j
    return _Candidate(start, end, day, month, year, kind == HMONTH, mismatch)


def _read_numeric_date(toks: list[tuple], i: int) -> _Candidate | None:
    a, b, c = toks[i][1]
    if len(a) == 4 and len(c) <= 2:  # 2017/12/28
        year, month, day = int(a), int(b), int(c)
    elif len(c) == 4 and len(a) <= 2:  # 28/12/2017: Arabic pages write day first
        day, month, year = int(a), int(b), int(c)
    else:  # two-digit years are ambiguous; do not guess
        return None
    marked = i + 1 < len(toks) and toks[i + 1][0] == HMARK
    # Umm al-Qura years 1343-1500 AH; no news page dates anything in Gregorian 1343-1500.
    hijri = marked or 1343 <= year <= 1500
    return _Candidate(i, i, day, month, year, hijri)


def _first_date(toks: list[tuple]) -> _Candidate | None:
    """The first Gregorian date, even after a Hijri one; else the first Hijri date."""
    hijri = None
    i, n = 0, len(toks)
    while i < n:
        kind = toks[i][0]
        cand = None
        if kind is MONTH or kind is HMONTH:
            cand = _read_named_date(toks, i)
        elif kind is NDATE:
            cand = _read_numeric_date(toks, i)
        if cand is not None:
            if not cand.hijri:
                return cand
            hijri = hijri or cand
            i = cand.end
        i += 1
    return hijri


_WINDOW_SKIP = frozenset({SEP, GLUE, ZONE, OFFSET, AMPM, HMARK})
_WINDOW = 8


def _context(toks: list[tuple], cand: _Candidate):
    """Weekday, year and clock printed next to a date, e.g. "GMT 12:05 2017 الخميس ,28 ..."."""
    weekday = year = time_at = None
    i, stop = cand.start - 1, max(-1, cand.start - 1 - _WINDOW)
    while i > stop:
        kind, value = toks[i]
        if kind == WEEKDAY:
            weekday = value if weekday is None else weekday
        elif kind == NUM and len(value) == 4 and year is None:
            year = int(value)
        elif kind == TIME:
            time_at = i
            break
        elif kind not in _WINDOW_SKIP:
            break
        i -= 1
    i, stop = cand.end + 1, min(len(toks), cand.end + 1 + _WINDOW)
    while i < stop:
        kind, value = toks[i]
        if kind == WEEKDAY:
            weekday = value if weekday is None else weekday
        elif kind == TIME:
            time_at = i  # a clock after the date beats one before it
            break
        elif kind not in _WINDOW_SKIP:
            break
        i += 1
    return weekday, year, time_at


def _to_24h(hour: int, period: str) -> int:
    if period == "am":
        if hour > 12:
            raise ValueError("morning hour after 12")
        return 0 if hour == 12 else hour
    if period == "pm":
        return hour + 12 if hour < 12 else hour
    # "ليلا" (at night): 10 ليلا is 22:00, 2 ليلا is 02:00, 12 ليلا is midnight
    return hour + 12 if 6 <= hour < 12 else (0 if hour == 12 else hour)


def _clock(hms: tuple, after, zone_before: tzinfo | None) -> tuple:
    """(hour, minute, second, micro, zone or None) for a clock, given the tokens after it and
    the zone printed just before it; ValueError when impossible. Shared by both paths."""
    hour, minute, second, micro = hms
    zone = None
    n = len(after)
    j = 0
    if j < n and after[j][0] == AMPM:
        hour = _to_24h(hour, after[j][1])
        j += 1
    if j < n and after[j][0] == ZONE:  # "12:05 GMT", "04:32 م بتوقيت القاهرة"
        zone = after[j][1]
        j += 1
    if j < n and after[j][0] == OFFSET:  # "12:05+01:00", "12:05 GMT+2"
        zone = after[j][1]
    return hour, minute, second, micro, zone_before if zone is None else zone


def _read_time(toks: list[tuple], k: int) -> tuple[time, tzinfo | None]:
    """The clock at toks[k] with its period and zone; ValueError when impossible."""
    # A zone before the clock counts when none follows: "GMT 12:05", "توقيت القاهرة المحلي 00:12:44"
    j = k - 2 if k > 1 and toks[k - 1][0] == GLUE else k - 1
    before = toks[j][1] if j >= 0 and toks[j][0] == ZONE else None
    hour, minute, second, micro, zone = _clock(toks[k][1], toks[k + 1 : k + 4], before)
    return time(hour, minute, second, micro), zone


def _resolve(toks, cand: _Candidate, zone: tzinfo, reference: datetime | None) -> _Result:
    if cand.pair_mismatch:
        return _PAIR_MISMATCH
    flags = set()
    weekday, year_before, time_at = _context(toks, cand)
    try:
        clock = time()
        if time_at is not None:
            clock, stated_zone = _read_time(toks, time_at)
            zone = stated_zone or zone
        year = cand.year if cand.year is not None else year_before
        if year is None:
            if cand.hijri:
                return None, frozenset({"no_year", "hijri"})
            flags.add("no_year")
            reference = _now_unless(reference)
            year = reference.astimezone(zone).year
        if cand.hijri:
            flags.add("hijri")
            day = _hijri_to_gregorian(year, cand.month, cand.day)
        else:
            day = date(year, cand.month, cand.day)
        value = datetime.combine(day, clock, zone)
        if "no_year" in flags and value > reference + timedelta(days=1):
            value = value.replace(year=value.year - 1)  # a news date is never in the future
    except (ValueError, OverflowError):
        return _INVALID
    if weekday is not None and weekday != value.weekday():
        flags.add("weekday_mismatch")
    return value, frozenset(flags)


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


def _read_relative(toks, zone: tzinfo, reference: datetime | None) -> _Result | None:
    n = len(toks)
    for i, (kind, value) in enumerate(toks):
        if kind == AGO:  # "منذ 3 ساعات", "قبل دقيقتين", "منذ حوالي ساعة"
            j = i + 1
            while j < n and toks[j][0] == GLUE:
                j += 1
            count = None
            if j < n and ((toks[j][0] == NUM and len(toks[j][1]) <= 4) or toks[j][0] == NUMWORD):
                count = int(toks[j][1])
                j += 1
            if j < n and toks[j][0] == UNIT:
                unit, implied = toks[j][1]
                count = implied if count is None else count
                if count is None:  # "منذ أيام": some days ago, we cannot say how many
                    return None, frozenset({"relative", "vague"})
                try:
                    value = _minus(_now_unless(reference), unit, count)
                    return value, _RELATIVE
                except (ValueError, OverflowError):
                    return None, frozenset({"relative", "invalid_date"})
        elif kind == RELDAY:
            # "اليوم" after a word is a site name ("المغرب اليوم"), not "today".
            if value == 0 and i > 0 and toks[i - 1][0] == WORD:
                continue
            return _relative_day(toks, i, value, zone, _now_unless(reference))
    return None


def _relative_day(toks, i: int, days: int, zone: tzinfo, reference: datetime) -> _Result:
    """"أمس", "أول أمس", "اليوم", optionally with a clock ("أمس الساعة 10:30 مساء")."""
    j = i + 1
    while j < len(toks) and j <= i + 3 and toks[j][0] in (SEP, GLUE):
        j += 1
    try:  # a reference near datetime.min or max has no yesterday
        if j < len(toks) and toks[j][0] == TIME:
            clock, stated_zone = _read_time(toks, j)
            zone = stated_zone or zone
            day = reference.astimezone(zone).date() - timedelta(days=days)
            return datetime.combine(day, clock, zone), _RELATIVE
        return reference - _UNIT_DELTAS["days"] * days, _RELATIVE
    except (ValueError, OverflowError):
        return None, frozenset({"relative", "invalid_date"})


# --------------------------------------------------------------------------------------------
# Machine formats: the standard library reads these correctly and fast.

_RFC822 = re.compile(r"(?:([A-Za-z]{3}),?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_RFC_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
# The pubDate shape feeds actually print, read directly: email.utils costs several µs. Limited
# to what email.utils reads the same way (4-digit year from 1000, offsets up to ±14:59).
_RFC822_COMMON = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec) ([1-9][0-9]{3}) ([0-9]{2}):([0-9]{2})(?::([0-9]{2}))? (GMT|UTC|UT|Z|[+-]"
    r"(?:0[0-9]|1[0-4])[0-5][0-9])"
)
_RFC_MONTHS = {
    name: i for i, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)
}
_RFC_ZONES: dict[str, tzinfo] = {"GMT": _UTC, "UTC": _UTC, "UT": _UTC, "Z": _UTC, "-0000": _UTC}


def _read_rfc822_common(match: re.Match) -> _Result | None:
    printed, day, month, year, hour, minute, second, offset = match.groups()
    zone = _RFC_ZONES.get(offset)
    if zone is None:  # at most 2 × 15 × 60 distinct offsets: cache them
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:]))
        zone = _RFC_ZONES[offset] = timezone(-delta if offset[0] == "-" else delta)
    try:
        value = datetime(int(year), _RFC_MONTHS[month], int(day), int(hour), int(minute),
                         int(second) if second else 0, 0, zone)
    except ValueError:
        return None  # as when email.utils refuses it: the text reader decides
    if printed and _RFC_WEEKDAYS[printed.lower()] != value.weekday():
        return value, _WEEKDAY_MISMATCH
    return value, _NO_FLAGS


def _read_machine_format(s: str, zone: tzinfo) -> _Result | None:
    """ISO 8601 (meta tags, JSON-LD) and RFC 822 (RSS pubDate); None to fall through."""
    if len(s) >= 10 and s[4] == "-" and s[:4].isdigit():
        try:
            return _aware(datetime.fromisoformat(s), zone), _NO_FLAGS
        except ValueError:
            return None
    match = _RFC822_COMMON.fullmatch(s)
    if match:
        return _read_rfc822_common(match)
    match = _RFC822.match(s)
    if match:
        try:
            value = parsedate_to_datetime(s)
        except (ValueError, TypeError, IndexError, OverflowError):
            return None
        if value.tzinfo is None:  # "-0000" means UTC, origin unknown; other unknown zones: ours
            value = value.replace(tzinfo=_UTC if s.rstrip().endswith("-0000") else zone)
        printed = match.group(1)
        mismatch = printed and _RFC_WEEKDAYS.get(printed.lower()) not in (None, value.weekday())
        return value, _WEEKDAY_MISMATCH if mismatch else _NO_FLAGS
    return None


# --------------------------------------------------------------------------------------------
# Fast paths for the common shapes. Each is a whole-string regex that can only match text
# _tokenise splits into the tokens its reader assumes: digit runs end at a space, a letter or a
# comma, never where they would become a clock or a numeric date, and words are the
# letters-and-marks runs _tokenise sees once marks are gone. The reader then checks every word
# is of the kind it assumes and cannot pair with the next one, and returns None (fall through to
# the general path) whenever it is not.


def _plain(pattern: str) -> str:
    """``pattern`` without possessive quantifiers and atomic groups (syntax new in Python 3.11)."""
    return re.sub(r"(?<=[*+?}])\+", "", pattern).replace("(?>", "(?:")


def _compile(pattern: str, flags: int = 0) -> re.Pattern:
    # Possessive quantifiers and atomic groups only drop backtracking that cannot lead to a match
    # (tests check the plain pattern matches alike), so Python 3.10 gets the plain one, slower
    # on text that falls through. Failing fast matters: most text the general path reads tries
    # the fast paths first.
    return re.compile(pattern if sys.version_info >= (3, 11) else _plain(pattern), flags)


# A word: a letter these pages use (a subset of _TOKEN_RE's [^\W\d_] that the engine tests
# much faster), then letters and marks ("مساءً", "الخميس\u200f"). Any other letter, or a mark
# outside a word, matches nothing, so such text falls through.
_LETTERS = "A-Za-z\u0620-\u064A\u066E\u066F\u0671-\u06D3\u06D5\u06EE\u06EF\u06FA-\u06FC\u06FF"
_W = f"[{_LETTERS}][{_LETTERS}{_MARKS}]*+"
_COMMA = "[,،٬]"
_STAMP_RE = _compile(  # 17 groups, in _read_stamp's order; group 5 is the stamp's year
    rf"""
    (?>(?:({_W})\s++)?+ (\d\d?+):(\d\d)(?::(\d\d))?+ \s++ (\d{{4}}) \s++)?+  # GMT 12:05 2017
    (?:({_W}) \s*+{_COMMA}?+\s*+)?+                                      # الخميس ,
    (\d\d?+) \s*+ ({_W}) (?:\s++({_W}|\d(?!\d)))?+                        # 28 كانون الأول
    (?:\s*+[/(-]\s*+ ({_W}) (?:\s++({_W}|\d(?!\d)))?+ (?:\s*+\))?+)?+        # / ديسمبر
    (?(5)|  # the stamp ends here; any other shape needs its year next
        \s*+{_COMMA}?+\s*+ (\d{{4}})                                         # ، 2015
        (?>(?:\s*+{_COMMA}\s*+|\s++-\s++|\s++) (?:({_W})\s++)?+            # ، الساعة
            (\d\d?+):(\d\d)(?::(\d\d))?+)?+                                  # 05:16
        ((?:\s++{_W})*+)                                                   # مساءً
    )
    """,
    re.X,
)
_AGO_RE = _compile(rf"({_W})\s++(?:(\d{{1,4}}+)\s++)?+({_W})")  # "منذ 5 دقائق", "قبل ساعتين"
_WORDS_ONLY_RE = _compile(rf"(?:{_W}|\d+)(?:\s+(?:{_W}|\d+))*")  # "أمس", "منذ حوالي ساعة"
_FAST_MAX_CHARS = 160
_AFTER_CLOCK = frozenset({AMPM, ZONE, HMARK})


def _read_fast(s: str, zone: tzinfo, reference: datetime | None) -> _Result | None:
    """The result the general path gives for ``s``, when a fast path can tell; else None."""
    if len(s) > _FAST_MAX_CHARS:
        return None
    match = _STAMP_RE.fullmatch(s)
    if match is not None:
        result = _read_stamp(match.groups(), zone)
        if result is not None:
            return result
    match = _AGO_RE.fullmatch(s)
    if match is not None:
        result = _read_ago(match.groups(), reference)
        if result is not None:
            return result
    if _WORDS_ONLY_RE.fullmatch(s):
        return _read_tokens(_word_tokens(s.split()), zone, reference)
    return None


def _word_tokens(pieces: list[str]) -> list[tuple]:
    """_tokenise for text of words and digit runs only, split on spaces: the same pairing."""
    toks: list[tuple] = []
    pair_first = None
    for piece in pieces:
        if piece[0].isdecimal():  # \d is exactly the decimal digits
            norm, token, word = fold_digits(piece), (NUM, piece), False
        else:
            (norm, token), word = _WORD_CACHE.get(piece) or _lookup_word(piece), True
        if pair_first is not None:
            pair = _PAIRS.get((pair_first, norm))
            if pair is not None:
                toks[-1] = pair
                pair_first = None
                continue
        toks.append(token)
        pair_first = norm if word and norm in _PAIR_FIRST else None
    return toks


_NOT_ALONE = ("not alone", None)  # a word that may pair with the next: no kind check accepts it
_ALONE_CACHE: dict[str, tuple] = {}


def _alone(word: str) -> tuple:
    """The token for a word when a word or number follows it: _NOT_ALONE if they may pair."""
    token = _ALONE_CACHE.get(word)
    if token is None:
        norm, token = _WORD_CACHE.get(word) or _lookup_word(word)
        if norm in _PAIR_FIRST:
            token = _NOT_ALONE
        if len(_ALONE_CACHE) < _WORD_CACHE_SIZE:
            _ALONE_CACHE[word] = token
    return token


_PHRASE_CACHE: dict[tuple[str, str], tuple] = {}
_TAIL_CACHE: dict[str, tuple] = {}


def _phrase(first: str, second: str | None) -> tuple:
    """The token for one word, or for two read as one name ("كانون الأول", "كانون 2");
    _NOT_ALONE when _tokenise could read them otherwise."""
    if second is None:
        return _ALONE_CACHE.get(first) or _alone(first)
    token = _PHRASE_CACHE.get((first, second))
    if token is None:
        norm = (_WORD_CACHE.get(first) or _lookup_word(first))[0]
        if second[0].isdecimal():
            second_norm = fold_digits(second)
        else:
            second_norm = (_WORD_CACHE.get(second) or _lookup_word(second))[0]
        token = _PAIRS.get((norm, second_norm), _NOT_ALONE) if norm in _PAIR_FIRST else _NOT_ALONE
        if len(_PHRASE_CACHE) < _WORD_CACHE_SIZE:
            _PHRASE_CACHE[first, second] = token
    return token


def _read_ago(groups: tuple, reference: datetime | None) -> _Result | None:
    """_read_relative for exactly <ago> [<number>] <unit>; None to fall through."""
    ago_word, number, unit_word = groups
    ago_norm, (ago_kind, _) = _WORD_CACHE.get(ago_word) or _lookup_word(ago_word)
    unit_norm, (unit_kind, unit) = _WORD_CACHE.get(unit_word) or _lookup_word(unit_word)
    if ago_kind is not AGO or unit_kind is not UNIT:
        return None
    if (ago_norm, fold_digits(number) if number else unit_norm) in _PAIRS:
        return None  # "قبل أمس" and the like: _tokenise reads the two words as one
    unit, count = unit
    if number:
        count = int(number)
    if count is None:  # "منذ أيام": some days ago, we cannot say how many
        return None, frozenset({"relative", "vague"})
    try:
        return _minus(_now_unless(reference), unit, count), _RELATIVE
    except (ValueError, OverflowError):
        return None, frozenset({"relative", "invalid_date"})


def _read_stamp(groups: tuple, zone: tzinfo) -> _Result | None:
    """_resolve for a _STAMP_RE match, without tokens; None to fall through. Every word is
    checked to be what this reading assumes before anything is returned."""
    (stamp_zone, stamp_hour, stamp_minute, stamp_second, year_before, weekday_word, day, month1,
     month1b, month2, month2b, year, glue, hour, minute, second, tail) = groups
    kind, month = _phrase(month1, month1b)
    if kind is not MONTH and kind is not HMONTH:
        return None
    mismatch = False
    if month2 is not None:  # "كانون الأول / ديسمبر": both names must agree
        other_kind, other = _phrase(month2, month2b)
        if other_kind is not kind:
            return None
        mismatch = other != month
    weekday = None
    if weekday_word is not None:
        word_kind, weekday = _ALONE_CACHE.get(weekday_word) or _alone(weekday_word)
        if word_kind is not WEEKDAY:
            weekday = None
            # any other word ends the backward look for the stamp's year and clock
            if year_before is not None or (word_kind is not WORD and word_kind is not GLUE):
                return None
    zone_before = None
    after = ()
    if year_before is not None:  # "GMT 12:05 2017 الخميس ,28 ..."
        if stamp_zone is not None:
            word_kind, zone_before = _ALONE_CACHE.get(stamp_zone) or _alone(stamp_zone)
            if word_kind is not ZONE:
                return None
        year, hour, minute, second = year_before, stamp_hour, stamp_minute, stamp_second
    else:
        if tail:  # " ص", " مساءً", " م بتوقيت القاهرة": few distinct runs, so cached
            after = _TAIL_CACHE.get(tail)
            if after is None:
                after = tuple(_word_tokens(tail.split()))
                if len(_TAIL_CACHE) < _WORD_CACHE_SIZE:
                    _TAIL_CACHE[tail] = after
            for token in after:
                if token[0] not in _AFTER_CLOCK:
                    return None
        if glue is not None:  # "، الساعة 05:16"; "2017 GMT 12:05" gives the clock its zone
            word_kind, value = _ALONE_CACHE.get(glue) or _alone(glue)
            if word_kind is ZONE:
                zone_before = value
            elif word_kind is not GLUE:
                return None
    if mismatch:
        return _PAIR_MISMATCH
    try:
        if hour is None:
            hour = minute = second = 0
        else:
            hour, minute, second = int(hour), int(minute), int(second) if second else 0
            if after:  # "09:23 ص", "12:05 م بتوقيت القاهرة"
                hms = (hour, minute, second, 0)
                hour, minute, second, _, zone_before = _clock(hms, after, zone_before)
            zone = zone_before or zone
        if kind is HMONTH:
            day = _hijri_to_gregorian(int(year), month, int(day))
            value = datetime.combine(day, time(hour, minute, second), zone)
        else:
            value = datetime(int(year), month, int(day), hour, minute, second, 0, zone)
    except (ValueError, OverflowError):
        return _INVALID
    if weekday is not None and weekday != value.weekday():
        return value, _HIJRI_WEEKDAY_MISMATCH if kind is HMONTH else _WEEKDAY_MISMATCH
    return value, _HIJRI if kind is HMONTH else _NO_FLAGS


# --------------------------------------------------------------------------------------------


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
        result = _read_fast(s, zone, reference) or _read_text(s, zone, reference)
    return (result[0], result[1] | _TRUNCATED) if truncated else result


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


def _read_text(s: str, zone: tzinfo, reference: datetime | None) -> _Result:
    """The general path: every shape, through the token scan."""
    return _read_tokens(_tokenise(s), zone, reference)


def _read_tokens(toks: list[tuple], zone: tzinfo, reference: datetime | None) -> _Result:
    cand = _first_date(toks)
    if cand is not None:
        return _resolve(toks, cand, zone, reference)
    relative = _read_relative(toks, zone, reference)
    if relative is not None:
        return relative
    kinds = {tok[0] for tok in toks}
    if TIME in kinds:
        return None, frozenset({"time_only"})
    if MONTH in kinds or HMONTH in kinds:
        return None, frozenset({"no_day"})
    return _NO_DATE


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
