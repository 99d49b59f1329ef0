"""Date benchmark: newscrawl.dates against dateparser, same strings, same process.

    python benchmarks/bench_dates.py            # summary table
    python benchmarks/bench_dates.py --detail   # plus one row per string

A string counts as parsed correctly when the tool returns the moment the text states (for
dateparser, whose results are naive, the same wall-clock time in the text's own zone), or
returns nothing for text that holds no article date (a bare clock, an impossible day).
dateparser is a benchmark-only dependency: it is imported here and nowhere in newscrawl/.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from datetime import datetime, timedelta, timezone
from pathlib import Path

try:
    from newscrawl.dates import parse_date
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from newscrawl.dates import parse_date

UTC = timezone.utc
PLUS1 = timezone(timedelta(hours=1))
PLUS3 = timezone(timedelta(hours=3))
REFERENCE = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)


def at(*args, tz=UTC) -> datetime:
    return datetime(*args, tzinfo=tz)


# (text, expected moment or None, relative?)
CASES = [
    # the network's stamps (docs/site-facts.md F12)
    ("GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر", at(2017, 12, 28, 12, 5), False),
    ("GMT 17:39 2019 الجمعة ,12 إبريل / نيسان", at(2019, 4, 12, 17, 39), False),
    ("GMT 13:10 2019 الإثنين ,18 آذار/ مارس", at(2019, 3, 18, 13, 10), False),
    ("GMT 03:08 2019 الأربعاء ,13 شباط / فبراير", at(2019, 2, 13, 3, 8), False),
    ("الإثنين 18 آذار/ مارس 2019", at(2019, 3, 18), False),
    ("13 تشرين الأول 2015", at(2015, 10, 13), False),
    # Moroccan and Algerian/Tunisian months
    ("28 دجنبر 2017", at(2017, 12, 28), False),
    ("12 يوليوز 2019", at(2019, 7, 12), False),
    ("15 غشت 2020", at(2020, 8, 15), False),
    ("7 شتنبر 2018", at(2018, 9, 7), False),
    ("3 جوان 2021", at(2021, 6, 3), False),
    ("الجمعة 8 فيفري 2019", at(2019, 2, 8), False),
    ("4 أفريل 2022", at(2022, 4, 4), False),
    ("5 أوت 2019", at(2019, 8, 5), False),
    # Egyptian/Gulf pages (eval annotations) and dateparser's own Arabic cases
    ("الإثنين، 24 أغسطس 2020 09:23 ص", at(2020, 8, 24, 9, 23), False),
    ("الأربعاء، 07 أكتوبر 2020 - 12:09 م", at(2020, 10, 7, 12, 9), False),
    ("٠٢:٠٠ الثلاثاء ١ / ١٢ / ٢٠٢٠", at(2020, 12, 1, 2, 0), False),
    ("03 يونيو 2020", at(2020, 6, 3), False),
    ("08 أكتوبر 2020 08:15 م", at(2020, 10, 8, 20, 15), False),
    ("6 يناير، 2015، الساعة 05:16 مساءً", at(2015, 1, 6, 17, 16), False),
    ("۳ یولیو ۲۰۱۴", at(2014, 7, 3), False),
    ("15 ربيع الأول 1437 هـ", at(2015, 12, 26), False),
    # feeds and metadata
    ("Sat, 01 Sep 2018 13:11:07 GMT", at(2018, 9, 1, 13, 11, 7), False),
    ("Sat, 01 Sep 2018 13:11:07 +0100", at(2018, 9, 1, 13, 11, 7, tz=PLUS1), False),
    ("2020-08-24T09:23:13Z", at(2020, 8, 24, 9, 23, 13), False),
    ("2020-12-01T02:00:00+03:00", at(2020, 12, 1, 2, 0, tz=PLUS3), False),
    # relative, against REFERENCE
    ("منذ 5 دقائق", REFERENCE - timedelta(minutes=5), True),
    ("منذ ساعتين", REFERENCE - timedelta(hours=2), True),
    ("منذ 3 أيام", REFERENCE - timedelta(days=3), True),
    ("منذ أسبوع", REFERENCE - timedelta(weeks=1), True),
    ("أمس", REFERENCE - timedelta(days=1), True),
    # no article date here: the right answer is None
    ("آخر تحديث GMT 13:52:25", None, False),
    ("45 شباط 2017", None, False),
]


# What other software prints, for correctness only (no timing): date-fns 3 ar-EG snapshots
# (src/locale/ar-EG/snapshot.md), Babel/CLDR patterns, and the shapes of issue 12. Each is
# (text, the moment it states, or None when it states no exact moment, relative?). A value
# other than the one stated is a wrong value: worse than none.
LIBRARY_CASES = [
    ("11 يناير 1987 الساعة 12:13:14 م GMT+0", at(1987, 1, 11, 12, 13, 14), False),
    ("الأحد، 11 يناير 1987 الساعة 12:13:14 م GMT+00:00", at(1987, 1, 11, 12, 13, 14), False),
    ("11/ينا/1987, 12:13:14 م", at(1987, 1, 11, 12, 13, 14), False),
    ("11/يونـ/1987, 12:13:14 م", at(1987, 6, 11, 12, 13, 14), False),
    ("11/سبتـ/1987, 12:13:14 م", at(1987, 9, 11, 12, 13, 14), False),
    ("الجمعة، 15 مارس 2024، 3:05:00 م التوقيت العالمي المنسق", at(2024, 3, 15, 15, 5), False),  # Babel ar full
    ("15 مارس 2024، 15:05:00 التوقيت العالمي", at(2024, 3, 15, 15, 5), False),  # Babel ar-MA long
    ("15\u200f/03\u200f/2024، 3:05:00 م", at(2024, 3, 15, 15, 5), False),  # Babel ar-DZ medium
    ("15 مارس 2024، 3:05 بعد الظهر", at(2024, 3, 15, 15, 5), False),  # CLDR day period (B)
    ("الجمعة، 15 مارس 2024، 6:05:00 م غرينتش+03:00", at(2024, 3, 15, 18, 5, tz=PLUS3), False),
    ("الثالث عشر من شباط 2019", at(2019, 2, 13), False),
    ("5 شهر عشرة 2020", at(2020, 10, 5), False),
    ("الأربعاء 11 شوال 1441 هـ الموافق 3 حزيران / يونيو 2020", at(2020, 6, 3), False),
    ("28 ديسمبر 2017 عند الساعة 10:30 مساءً", at(2017, 12, 28, 22, 30), False),
    ("28 ديسمبر 2017 مع 10:30", at(2017, 12, 28, 10, 30), False),
    ("28 ديسمبر 2017 عند الساعة الخامسة", None, False),  # a clock in words: no exact minute
    ("منذ ساعة ونصف", REFERENCE - timedelta(minutes=90), True),
    ("اليوم السابع", None, True),  # a newspaper's name, not today
    ("الأحد 28 ديسمبر 2017", None, False),  # 28 December 2017 was a Thursday: which is it?
]


def correct(value: datetime | None, expected: datetime | None) -> bool:
    if expected is None or value is None:
        return value is expected
    if value.tzinfo is None:  # compare wall-clock time as printed
        return value == expected.replace(tzinfo=None)
    return value == expected


def per_call_us(calls, budget_s: float, repeat: int = 5) -> list[float]:
    """Microseconds per call of each of ``calls``: the median of ``repeat`` timed runs of about
    ``budget_s`` each. The runs of the calls alternate, so a machine shared with other work
    slows them alike and the ratio stays fair."""
    numbers = []
    for call in calls:
        start = timeit.default_timer()
        call()
        once = max(timeit.default_timer() - start, 1e-7)
        numbers.append(max(1, int(budget_s / once)))
    runs = [[] for _ in calls]
    for _ in range(repeat):
        for call, number, times in zip(calls, numbers, runs):
            times.append(timeit.Timer(call).timeit(number=number) / number * 1e6)
    return [statistics.median(times) for times in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="one row per string")
    args = parser.parse_args()

    import dateparser  # benchmark-only dependency

    def ours(text, relative):
        return lambda: parse_date(text, reference=REFERENCE)

    def theirs(text, relative):
        settings = {"RELATIVE_BASE": REFERENCE.replace(tzinfo=None)} if relative else None
        return lambda: dateparser.parse(text, languages=["ar"], settings=settings)

    tools = {"newscrawl.dates": ours, f"dateparser {dateparser.__version__}": theirs}
    first_call = {}
    for name, make in tools.items():  # dateparser loads its language data on first use
        start = timeit.default_timer()
        make(CASES[0][0], CASES[0][2])()
        first_call[name] = (timeit.default_timer() - start) * 1e3

    rows = {name: [] for name in tools}
    for text, expected, relative in CASES:
        calls = [make(text, relative) for make in tools.values()]
        timings = per_call_us(calls, budget_s=0.01)
        for name, call, per_call in zip(tools, calls, timings):
            rows[name].append((correct(call(), expected), per_call))

    n = len(CASES)
    print(f"{n} strings, reference {REFERENCE.isoformat()}, Python {sys.version.split()[0]}\n")
    print("| tool | parsed correctly | median µs/string | mean µs/string | first call ms |")
    print("|---|---|---|---|---|")
    medians = {}
    for name, results in rows.items():
        times = [t for _, t in results]
        medians[name] = statistics.median(times)
        right = sum(ok for ok, _ in results)
        print(f"| {name} | {right}/{n} | {medians[name]:,.1f} | {statistics.fmean(times):,.1f} "
              f"| {first_call[name]:,.1f} |")
    ours_name, theirs_name = list(rows)
    print(f"\nmedian speed-up: {medians[theirs_name] / medians[ours_name]:,.0f}x")
    missed = [text for (text, _, _), (ok_ours, _), (ok_theirs, _)
              in zip(CASES, rows[ours_name], rows[theirs_name]) if ok_theirs and not ok_ours]
    print(f"strings dateparser gets right and newscrawl does not: {missed or 'none'}")

    print("\nStrings other software prints (date-fns, Babel/CLDR, issue 12), correctness only:\n")
    print("| tool | right | wrong value | no value where one is stated |")
    print("|---|---|---|---|")
    for name, make in tools.items():
        right = wrong = missing = 0
        for text, expected, relative in LIBRARY_CASES:
            value = make(text, relative)()
            if correct(value, expected):
                right += 1
            elif value is None:
                missing += 1
            else:
                wrong += 1
        print(f"| {name} | {right}/{len(LIBRARY_CASES)} | {wrong} | {missing} |")

    if args.detail:
        print("\n| string | newscrawl | µs | dateparser | µs |\n|---|---|---|---|---|")
        for (text, _, _), (ok1, t1), (ok2, t2) in zip(CASES, rows[ours_name], rows[theirs_name]):
            mark = {True: "ok", False: "WRONG"}
            print(f"| {text} | {mark[ok1]} | {t1:,.1f} | {mark[ok2]} | {t2:,.1f} |")


if __name__ == "__main__":
    main()
