"""Round-trips through CLDR: what Babel prints for every Arabic locale, newscrawl.dates reads back.

Expected values are the datetimes Babel was asked to print, so nobody here decides what a
pattern means. A pattern that drops information (a zone printed only by its name) may read
as None, never as another value.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from babel import Locale, localedata
from babel.dates import format_date, format_datetime

from newscrawl.dates import analyse_date, parse_date

UTC = timezone.utc
ARABIC_LOCALES = sorted(i for i in localedata.locale_identifiers() if i == "ar" or i.startswith("ar_"))
WIDTHS = ["full", "long", "medium", "short"]
SAMPLES = 500  # random datetimes per locale and width (seeded)
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_every_arabic_locale_is_covered():
    # The regions the issue names, and CLDR's own list: a new Babel adding locales is read too.
    assert {"ar", "ar_DZ", "ar_MA", "ar_TN", "ar_EG", "ar_SA", "ar_LB"} <= set(ARABIC_LOCALES)
    assert len(ARABIC_LOCALES) >= 25


def _random_datetimes(seed: str) -> list[datetime]:
    rng = random.Random(seed)
    start = datetime(1995, 1, 1, tzinfo=UTC)
    span = int((datetime(2035, 12, 31, tzinfo=UTC) - start).total_seconds())
    return [start + timedelta(seconds=rng.randrange(span)) for _ in range(SAMPLES)]


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


@pytest.mark.parametrize("locale", ARABIC_LOCALES)
def test_babel_date_and_datetime_patterns_read_back(locale):
    """Every width of date and datetime pattern, 500 datetimes, in UTC: the same minute back
    (Babel prints UTC as "التوقيت العالمي المنسق" or "التوقيت العالمي"); Arabic-Indic digits
    as ar-EG and ar-SA pages print them for every fifth sample."""
    for width in WIDTHS:
        for k, moment in enumerate(_random_datetimes(f"{locale}-{width}")):
            printed = format_datetime(moment, width, tzinfo=UTC, locale=locale)
            day_only = format_date(moment, width, locale=locale)
            if k % 5 == 0:
                printed, day_only = printed.translate(ARABIC_DIGITS), day_only.translate(ARABIC_DIGITS)
            result = analyse_date(printed)
            assert result.value is not None, (printed, result.flags)
            assert _minute(result.value) == _minute(moment), printed
            if "s" in Locale.parse(locale).time_formats[width].pattern:
                assert result.value == moment.replace(microsecond=0), printed
            assert parse_date(day_only) == moment.replace(hour=0, minute=0, second=0, microsecond=0), day_only


@pytest.mark.parametrize("locale", ["ar", "ar_EG", "ar_MA", "ar_DZ", "ar_SA", "ar_LB", "ar_TN", "ar_IQ"])
@pytest.mark.parametrize("zone", [timezone(timedelta(hours=3)), timezone(-timedelta(hours=4, minutes=30)),
                                  ZoneInfo("Africa/Cairo"), ZoneInfo("Asia/Riyadh"),
                                  ZoneInfo("Africa/Casablanca"), ZoneInfo("Asia/Beirut")],
                         ids=str)
def test_patterns_in_other_zones_read_back_or_give_none(locale, zone):
    """Offsets ("غرينتش+03:00", "+0300") read back to the same instant; a zone printed only by
    its metazone name ("توقيت شرق أوروبا الرسمي": which country?) gives None, never a value in
    another zone. Patterns without a zone read in the zone the caller says the site uses; in
    the hour that repeats when summer time ends such a clock is two instants: None."""
    for width in WIDTHS:
        for moment in _random_datetimes(f"{locale}-{width}-{zone}")[:60]:
            printed = format_datetime(moment, width, tzinfo=zone, locale=locale)
            result = analyse_date(printed, tz=zone)
            if result.value is None:
                assert isinstance(zone, ZoneInfo), (printed, result.flags)
                if width == "full":
                    assert result.flags == {"unknown_zone"}, printed
                else:  # a wall clock in the hour that repeats when summer time ends
                    assert result.flags == {"ambiguous_time"}, printed
                    assert moment.astimezone(zone).fold or moment.astimezone(zone).replace(fold=1).utcoffset() \
                        != moment.astimezone(zone).utcoffset(), printed
                continue
            assert _minute(result.value) == _minute(moment), printed


@pytest.mark.parametrize("locale", ["ar", "ar_EG", "ar_MA", "ar_DZ", "ar_TN", "ar_SA", "ar_LB", "ar_IQ", "ar_MR"])
def test_skeletons_front_ends_print(locale):
    """Abbreviated month and weekday names, flexible day periods ("بعد الظهر", "فجرًا"),
    the era after the year, month names between slashes."""
    patterns = ["EEE d MMM y h:mm a", "EEEE d MMMM y G HH:mm", "d MMM y، h:mm B", "d/MMM/y h:mm a",
                "EEEE، d MMMM y 'في' h:mm a", "d MMMM y 'الساعة' HH:mm"]
    for moment in _random_datetimes(f"{locale}-skeletons")[:150]:
        for pattern in patterns:
            printed = format_datetime(moment, pattern, tzinfo=UTC, locale=locale)
            value = parse_date(printed)
            assert value is not None and _minute(value) == _minute(moment), printed
