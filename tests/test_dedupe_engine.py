"""The deduper end to end: labelled pairs, time window, weekly ticker, persistence."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newscrawl.dedupe import (
    MemoryTitleStore,
    SQLiteTitleStore,
    TitleDeduper,
    TitleStore,
    Verdict,
    parse_window,
    title_key,
)

DATA = Path(__file__).parent / "data" / "title_pairs.tsv"
T0 = datetime(2024, 3, 6, 9, 0, tzinfo=timezone.utc)  # a Wednesday
ROOT = Path(__file__).resolve().parents[1]


def load_pairs():
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        label, tag, subset, a, b = line.split("\t")
        assert label in ("dup", "not_dup"), line
        rows.append((label, tag, subset, a, b))
    return rows


PAIRS = load_pairs()


def judge(first: str, second: str) -> Verdict:
    deduper = TitleDeduper(MemoryTitleStore())
    assert deduper.check_and_add(first, "https://a.example/1", T0).kind == "new"
    return deduper.check_and_add(second, "https://b.example/2", T0 + timedelta(hours=5))


@pytest.fixture(scope="module")
def pair_results():
    results = []
    for label, tag, subset, a, b in PAIRS:
        v1, v2 = judge(a, b), judge(b, a)
        results.append((label, tag, subset, a, b, v1, v2))
    return results


def _report(lines):
    """The figures, in the test's captured output: shown with ``-rP`` or ``-s`` and on failure,
    never in the middle of pytest's progress dots."""
    print("\n".join(lines))


def test_labelled_set_is_big_enough():
    labels = collections.Counter(r[0] for r in PAIRS)
    assert len(PAIRS) >= 220
    assert labels["dup"] >= 100 and labels["not_dup"] >= 100
    tags = {r[1].split(":")[0] for r in PAIRS}
    for needed in ("label_prefix", "label_suffix", "hamza_alef", "ta_marbuta", "alef_maqsura", "tashkeel",
                   "tatweel", "arabic_indic_digits", "persian_digits", "punctuation", "quotes", "spaces",
                   "synonym", "function_word", "word_added", "word_removed", "word_order",
                   "currency", "number", "name", "city", "country", "weekday", "date_month", "team", "topic"):
        assert needed in tags, needed
    sites = {r[1].split(":")[1] for r in PAIRS if r[1].startswith(("label_prefix:", "label_suffix:"))}
    assert len(sites) == 10


def test_precision_and_recall_on_labelled_pairs(pair_results):
    dup = [r for r in pair_results if r[0] == "dup"]
    neg = [r for r in pair_results if r[0] == "not_dup"]
    found = [r for r in dup if r[5].kind != "new" and r[6].kind != "new"]
    false_merges = [r for r in neg if r[5].kind != "new" or r[6].kind != "new"]
    recall = len(found) / len(dup)
    merged = len(found) + len(false_merges)
    precision = len(found) / merged if merged else 1.0
    lines = [
        f"dedupe labelled pairs: {len(dup)} duplicates, {len(neg)} hard negatives",
        f"  recall {recall:.1%} ({len(found)}/{len(dup)}), "
        f"false merges {len(false_merges)}/{len(neg)}, precision {precision:.1%}",
    ]
    for subset in ("dev", "holdout"):
        d = [r for r in dup if r[2] == subset]
        n = [r for r in neg if r[2] == subset]
        f = [r for r in d if r[5].kind != "new" and r[6].kind != "new"]
        fm = [r for r in n if r[5].kind != "new" or r[6].kind != "new"]
        if d:
            lines.append(
                f"  {subset}: recall {len(f) / len(d):.1%} ({len(f)}/{len(d)}), false merges {len(fm)}/{len(n)}"
            )
    for r in dup:
        if r not in found:
            lines.append(f"  missed [{r[1]}] {title_key(r[3])} || {title_key(r[4])}")
    for r in false_merges:
        lines.append(f"  FALSE MERGE [{r[1]}] {r[3]} || {r[4]}")
    _report(lines)
    assert not false_merges, "\n".join(lines)
    assert recall >= 0.95, "\n".join(lines)


def test_verdicts_are_symmetric(pair_results):
    asym = [(r[1], r[3], r[4]) for r in pair_results if (r[5].kind == "new") != (r[6].kind == "new")]
    assert not asym


def test_duplicate_kind_and_key(pair_results):
    for label, tag, subset, a, b, v1, v2 in pair_results:
        if v1.kind == "exact":
            assert title_key(a) == title_key(b)
        if v1.kind == "near":
            assert title_key(a) != title_key(b)
        assert v1.key == title_key(b)
        if v1.kind != "new":
            assert v1.duplicate_of == "https://a.example/1"


# ---------------------------------------------------------------------------
# engine behaviour, on both backends
# ---------------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    s = MemoryTitleStore() if request.param == "memory" else SQLiteTitleStore(tmp_path / "state" / "titles.sqlite")
    yield s
    s.close()


def test_store_implements_interface(store):
    assert isinstance(store, TitleStore)


def test_duplicate_of_points_to_first_copy(store):
    d = TitleDeduper(store)
    assert d.check_and_add("مقتل 3 أشخاص في حادثة سير بطنجة", "u/first", T0).kind == "new"
    v = d.check_and_add("المغرب اليوم - مقتل ٣ أشخاص في حادثة سير بطنجة", "u/second", T0 + timedelta(hours=1))
    assert (v.kind, v.duplicate_of) == ("exact", "u/first")
    v = d.check_and_add("مصرع 3 أشخاص في حادثة سير في طنجة | العرب اليوم", "u/third", T0 + timedelta(hours=2))
    assert (v.kind, v.duplicate_of) == ("near", "u/first")
    v = d.check_and_add("مقتل 3 أشخاص في حادثة سير بطنجة", "u/fourth", T0 + timedelta(hours=3))
    assert v.duplicate_of == "u/first"
    assert len(store) == 1


def _alike_titles(count: int) -> list[str]:
    """Titles alike but for one word (a made-up place name): they share a sketch band."""
    import random

    rng = random.Random(7)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    places = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 7))) for _ in range(count * 2)}
    return [f"وزير الداخلية يزور مدينة {place} لتفقد مشاريع التنمية والبنية التحتية" for place in sorted(places)[:count]]


def test_thousands_of_alike_titles_are_read_a_bounded_number_at_a_time_and_exact_copies_still_found(store):
    """Each check read every kept title sharing a band: quadratic on thousands of titles alike
    but for a word (adversary round 8). The store hands at most MAX_CANDIDATES of them (times the
    bands, as rows); an exact copy of a title kept after those is still found, by its key."""
    from newscrawl.dedupe.engine import MAX_CANDIDATES
    from newscrawl.dedupe.keys import title_key
    from newscrawl.dedupe.near import band_keys, content_codes

    d = TitleDeduper(store)
    titles = _alike_titles(5 * MAX_CANDIDATES)
    kinds = collections.Counter(d.check_and_add(t, f"u/{n}", T0 + timedelta(seconds=n)).kind
                                for n, t in enumerate(titles))
    assert kinds["new"] >= len(titles) - 5, kinds
    last = titles[-1]
    bands = band_keys(content_codes(title_key(last)), title_key(last))
    window = (int(T0.timestamp()) - 86400, int(T0.timestamp()) + 86400)
    read = store.candidates(bands, *window, limit=MAX_CANDIDATES)
    assert MAX_CANDIDATES <= len(read) <= MAX_CANDIDATES * len(bands), len(read)
    assert len(store.candidates(bands, *window)) > len(read), "without a limit: every one"
    copy = d.check_and_add(last, "u/copy", T0 + timedelta(hours=2))
    assert (copy.kind, copy.duplicate_of) == ("exact", f"u/{len(titles) - 1}")


def test_time_window(store):
    d = TitleDeduper(store, window=timedelta(days=3))
    title = "الحكومة تصادق على مشروع قانون المالية"
    assert d.check_and_add(title, "u/day0", T0).kind == "new"
    assert d.check_and_add(title, "u/day2", T0 + timedelta(days=2)).duplicate_of == "u/day0"
    assert d.check_and_add(title, "u/day3", T0 + timedelta(days=3)).duplicate_of == "u/day0"  # inclusive
    # outside the window of the first kept copy: a new story, and the new reference
    assert d.check_and_add(title, "u/day4", T0 + timedelta(days=3, seconds=1)).kind == "new"
    v = d.check_and_add(title, "u/day6", T0 + timedelta(days=6))
    assert (v.kind, v.duplicate_of) == ("exact", "u/day4")
    # a copy published before the reference, within the window, is still a duplicate
    v = d.check_and_add(title, "u/early", T0 - timedelta(days=1))
    assert (v.kind, v.duplicate_of) == ("exact", "u/day0")


def test_window_applies_to_near_duplicates(store):
    d = TitleDeduper(store, window=timedelta(days=1))
    assert d.check_and_add("الرجاء يتغلب على الفتح الرباطي في الدوري المغربي", "u1", T0).kind == "new"
    assert d.check_and_add("الرجاء يفوز على الفتح الرباطي في الدوري المغربي", "u2", T0 + timedelta(hours=20)).kind == "near"
    assert d.check_and_add("الرجاء يفوز على الفتح الرباطي في الدوري المغربي", "u3", T0 + timedelta(days=2)).kind == "new"


def test_weekly_ticker_kept_each_week(store):
    d = TitleDeduper(store)
    syrian = "تعرف علي سعر الدرهم المغربي مقابل الليره السوري الاربعاء"
    libyan = "تعرف علي سعر الدرهم المغربي مقابل الدينار الليبي الاربعاء"
    for week in range(6):
        wednesday = T0 + timedelta(weeks=week)
        assert d.check_and_add(syrian, f"syr/{week}", wednesday).kind == "new"
        assert d.check_and_add(libyan, f"lib/{week}", wednesday + timedelta(minutes=1)).kind == "new"
        # the same week's ticker republished on a sibling site is a duplicate of this week's copy
        v = d.check_and_add("المغرب اليوم - " + syrian, f"syr/{week}/copy", wednesday + timedelta(hours=3))
        assert (v.kind, v.duplicate_of) == ("exact", f"syr/{week}")
    assert len(store) == 12


def test_published_none_is_time_of_check(store):
    now = [T0]
    d = TitleDeduper(store, clock=lambda: now[0])
    assert d.check_and_add("البرلمان يصادق على قانون الإضراب", "u1", None).kind == "new"
    now[0] = T0 + timedelta(days=1)
    assert d.check_and_add("البرلمان يصادق على قانون الإضراب", "u2", None).kind == "exact"
    now[0] = T0 + timedelta(days=5)
    assert d.check_and_add("البرلمان يصادق على قانون الإضراب", "u3", None).kind == "new"


def test_naive_datetime_is_utc(store):
    d = TitleDeduper(store, window=timedelta(hours=1))
    assert d.check_and_add("زلزال يضرب شمال المغرب", "u1", datetime(2024, 3, 6, 9, 0)).kind == "new"
    aware = datetime(2024, 3, 6, 11, 50, tzinfo=timezone(timedelta(hours=2)))  # 09:50 UTC
    assert d.check_and_add("زلزال يضرب شمال المغرب", "u2", aware).kind == "exact"


def test_empty_headline_not_judged(store):
    d = TitleDeduper(store)
    assert d.check_and_add("", "u1", T0) == Verdict("new", "", None)
    assert d.check_and_add(" ؟! ", "u2", T0).kind == "new"
    assert len(store) == 0


def test_check_does_not_store(store):
    d = TitleDeduper(store)
    assert d.check("الحكومة تصادق على مشروع قانون المالية", T0).kind == "new"
    assert len(store) == 0


def test_exact_only_mode(store):
    d = TitleDeduper(store, near=False)
    d.check_and_add("مقتل شخصين في حادثة سير بين مراكش وأكادير", "u1", T0)
    assert d.check_and_add("مصرع شخصين في حادثة سير بين مراكش وأكادير", "u2", T0).kind == "new"


def test_hard_negatives_in_one_store(store):
    """All hard negatives of the labelled set fed through one store keep every story."""
    d = TitleDeduper(store)
    wrong = []
    for label, tag, subset, a, b in PAIRS:
        if label != "not_dup":
            continue
        for text in (a, b):
            v = d.check_and_add(text, text, T0)
            if v.kind != "new" and title_key(v.duplicate_of) != title_key(text):
                # merged with a different title: it must be a known duplicate of it
                wrong.append((text, v.duplicate_of))
    allowed = {(title_key(a), title_key(b)) for lbl, _, _, a, b in PAIRS if lbl == "dup"}
    allowed |= {(y, x) for x, y in allowed}
    wrong = [w for w in wrong if (title_key(w[0]), title_key(w[1])) not in allowed]
    assert not wrong


# ---------------------------------------------------------------------------
# persistence
# ---------------------------------------------------------------------------


def test_sqlite_creates_parent_dirs(tmp_path):
    path = tmp_path / "a" / "b" / "titles.sqlite"
    s = SQLiteTitleStore(path)
    s.close()
    assert path.exists()


def test_two_store_instances_on_one_file(tmp_path):
    path = tmp_path / "titles.sqlite"
    first, second = SQLiteTitleStore(path), SQLiteTitleStore(path)
    d1, d2 = TitleDeduper(first), TitleDeduper(second)
    assert d1.check_and_add("الوداد يعلن رحيل مدربه بالتراضي", "u/1", T0).kind == "new"
    v = d2.check_and_add("«الوداد» يعلن رحيل مدربه بالتراضي | المغرب الرياضي", "u/2", T0)
    assert (v.kind, v.duplicate_of) == ("exact", "u/1")
    assert d2.check_and_add("الرجاء يتعاقد مع مهاجم إيفواري", "u/3", T0).kind == "new"
    assert d1.check_and_add("الرجاء يتعاقد مع مهاجم ايفواري", "u/4", T0).duplicate_of == "u/3"
    first.close()
    second.close()
    # a later run sees what both kept
    third = SQLiteTitleStore(path)
    d3 = TitleDeduper(third)
    assert len(third) == 2
    assert d3.check_and_add("الوداد يعلن رحيل مدربه بالتراضي", "u/5", T0 + timedelta(days=1)).duplicate_of == "u/1"
    third.close()


def test_sqlite_is_wal_and_versioned(tmp_path):
    import sqlite3

    path = tmp_path / "titles.sqlite"
    s = SQLiteTitleStore(path)
    TitleDeduper(s)
    s.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    meta = dict(con.execute("SELECT name, value FROM meta"))
    assert meta["schema"] == "3" and "token_version" in meta
    con.close()


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, timedelta, timezone
    from newscrawl.dedupe import SQLiteTitleStore, TitleDeduper
    store = SQLiteTitleStore(sys.argv[1])
    d = TitleDeduper(store)
    t0 = datetime(2024, 3, 6, tzinfo=timezone.utc)
    i = 0
    while True:
        v = d.check_and_add(f"خبر رقم {i} عن الانتخابات الجماعية في جهة الرباط", f"u/{i}", t0)
        print("ACK", i, v.kind, flush=True)
        i += 1
        if i > 20:
            store._conn.execute("BEGIN IMMEDIATE")  # die holding the write lock, mid-transaction
            store._conn.execute("INSERT INTO titles(ts, k, toks, url) VALUES (0, 0, x'', 'uncommitted')")
            print("LOCKED", flush=True)
            time.sleep(60)
    """
)


def test_killed_process_loses_no_acknowledged_title_and_leaves_no_lock(tmp_path):
    path = tmp_path / "titles.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    acked = []
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if line.startswith("ACK"):
            acked.append(int(line.split()[1]))
        if line.startswith("LOCKED") or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert len(acked) == 21

    store = SQLiteTitleStore(path, timeout=2.0)  # a leftover lock would make this time out
    d = TitleDeduper(store)
    for i in acked:
        v = d.check(f"خبر رقم {i} عن الانتخابات الجماعية في جهة الرباط", datetime(2024, 3, 6, tzinfo=timezone.utc))
        assert (v.kind, v.duplicate_of) == ("exact", f"u/{i}")
    assert len(store) == 21  # the uncommitted row is gone
    assert d.check_and_add("خبر جديد بعد التوقف", "u/new", T0).kind == "new"
    store.close()


def test_group_commit_is_durable_on_flush(tmp_path):
    path = tmp_path / "titles.sqlite"
    writer = SQLiteTitleStore(path, commit_every=3, commit_interval=3600)
    reader = SQLiteTitleStore(path, timeout=0.5)
    d = TitleDeduper(writer)
    d.check_and_add("الحكومة تصادق على مشروع قانون المالية", "u/1", T0)
    d.check_and_add("البرلمان يصادق على قانون الإضراب", "u/2", T0)
    assert len(reader) == 0  # not committed yet
    d.check_and_add("الوداد يعلن رحيل مدربه بالتراضي", "u/3", T0)  # third title: the group commits
    assert len(reader) == 3
    d.check_and_add("الرجاء يتعاقد مع مهاجم إيفواري", "u/4", T0)
    assert len(reader) == 3
    writer.flush()
    assert len(reader) == 4
    d.check_and_add("زلزال يضرب شمال المغرب", "u/5", T0)
    writer.close()  # close commits too
    assert len(reader) == 5
    reader.close()


def test_prune_forgets_old_titles(tmp_path):
    s = SQLiteTitleStore(tmp_path / "t.sqlite")
    d = TitleDeduper(s)
    d.check_and_add("خبر قديم عن الطقس في الرباط", "u/old", T0 - timedelta(days=30))
    d.check_and_add("خبر حديث عن الطقس في طنجة", "u/new", T0)
    assert s.prune(int((T0 - timedelta(days=3)).timestamp())) == 1
    assert len(s) == 1
    s.close()


def test_parse_window():
    assert parse_window("3d") == timedelta(days=3)
    assert parse_window("72h") == timedelta(days=3)
    assert parse_window(259200) == timedelta(days=3)
    assert parse_window("1w") == timedelta(days=7)
    assert parse_window(timedelta(hours=5)) == timedelta(hours=5)
    with pytest.raises(ValueError):
        parse_window("three days")
