#!/usr/bin/env python
"""Dedupe benchmark: newscrawl's title deduper against a plain datasketch MinHashLSH.

    python benchmarks/bench_dedupe.py                 # 1,000,000 titles (several minutes)
    python benchmarks/bench_dedupe.py --n 100000      # quick run (~1 minute)
    python benchmarks/bench_dedupe.py --n 20000 --engines sqlite,memory

N realistic-ish Arabic headlines are generated (seeded): Zipf-Mandelbrot
distributed vocabulary of real and pattern-built Arabic words, function words, numbers,
weekly currency tickers, and a share (--dup-share, default 20%) of copies of
a recent headline with the variations the network produces (site labels,
hamza / ta marbuta / alef maqsura, tashkeel, tatweel, Arabic-Indic digits,
quotes, a function word, a dropped word, a synonym).  Published times advance
at --per-day titles a day; a copy is published up to two days after its source.

Each engine runs in a fresh subprocess over the same titles:

* ``newscrawl-sqlite``: ``TitleDeduper(SQLiteTitleStore(file))`` as the
  pipeline uses it -- one committed transaction per title.  State = file size
  after close, minus the bytes of the stored URLs, per stored title.
* ``newscrawl-sqlite-group``: the same with ``commit_every=100`` (group
  commit: durable every 100 titles or second, and on close).
* ``newscrawl-memory``: ``TitleDeduper(MemoryTitleStore())``.  State = growth
  of the process's resident memory (``--tracemalloc`` for Python-traced
  bytes instead), per stored title.
* ``datasketch``: a plain in-memory ``MinHashLSH`` (``--threshold``,
  ``--num-perm``), one ``MinHash`` per title over the same shingles (the
  newscrawl content tokens), query then insert.  The shingles are computed
  before the clock starts, so its time leaves out the title key and
  tokenising that the newscrawl figures include; it has no verification
  step, so its duplicate count is "candidates found", not decisions.

Microseconds are wall time per title over the whole run.  The goals at 1M
titles are < 50 us a title and < 128 bytes of state a title beside the URL.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_US = 50.0
GOAL_BYTES = 128.0

# ---------------------------------------------------------------------------
# title generator
# ---------------------------------------------------------------------------

LABELS = [
    "المغرب اليوم", "العرب اليوم", "مصر اليوم", "فلسطين اليوم", "عمان اليوم",
    "السعودية اليوم", "صوت الإمارات", "الامارات عاجل", "المغرب الرياضي", "العرب فيديو",
]
REAL_WORDS = """
الحكومة المغرب الملك وزير رئيس المنتخب الوطني الرباط الدار البيضاء مراكش طنجة فاس أكادير
الجزائر مصر فرنسا إسبانيا أمريكا الأمم المتحدة الاتحاد الأوروبي البرلمان مجلس الأمن
الشرطة الدرك الملكي السلطات المحلية وزارة الصحة التعليم الاقتصاد أسعار النفط الذهب الدرهم
الدولار اليورو البطولة الوداد الرجاء الجيش نهضة بركان مباراة كأس العالم إفريقيا أبطال
حادثة سير حريق زلزال أمطار الثلوج الجفاف الفلاحين الفلاحة المياه الكهرباء الطاقة مشروع قانون
المالية الانتخابات الأحزاب المعارضة الأغلبية النقابات الإضراب الأجور التقاعد الدعم الأسر
الشباب النساء الأطفال المدارس الجامعة الطلبة المستشفى الأطباء كورونا اللقاح الحصبة السياحة
السياح المهرجان السينما الفنان الفنانة وفاة تكريم جائزة معرض الكتاب الثقافة التراث المدينة
القديمة الإقليم الجهة جديدة جديد كبير مهم عاجل تحقيق محاكمة السجن المحكمة النيابة العامة
""".split()
VERBS = """
يستقبل يلتقي يعلن يكشف يؤكد يشدد يطلق يدشن يفوز يتغلب يخسر ينهزم يبحث يناقش يحذر يدعو يطالب
يزور يوقع يترأس يقرر يصادق يرفض ينفي يطالب يسجل يحقق يواجه يتأهل يغادر يعود ينظم يحتضن
""".split()
NOUN_SYNONYMS = [("مقتل", "مصرع"), ("ارتفاع", "صعود"), ("انخفاض", "تراجع"), ("توقيف", "اعتقال"),
                 ("مباراة", "مقابلة"), ("فوز", "انتصار"), ("خسارة", "هزيمة")]
VERB_SYNONYMS = [("يستقبل", "يلتقي"), ("يعلن", "يكشف"), ("يؤكد", "يشدد"), ("يطلق", "يدشن"),
                 ("يفوز", "يتغلب"), ("يخسر", "ينهزم"), ("يبحث", "يناقش"), ("يدعو", "يطالب")]
FUNCTION = ["في", "من", "على", "إلى", "مع", "عن", "أن", "بعد", "خلال", "حول"]
CURRENCIES = ["الليرة السوري", "الدينار الليبي", "الدولار الأمريكي", "اليورو", "الريال السعودي",
              "الريال القطري", "الدينار الكويتي", "الدينار الأردني", "الجنيه المصري", "الجنيه الإسترليني",
              "الدينار الجزائري", "الدينار التونسي", "الليرة التركية", "الين الياباني", "اليوان الصيني",
              "الفرنك السويسري", "الدرهم الإماراتي", "الدينار البحريني", "الريال العماني", "الروبل الروسي"]
WEEKDAYS = ["الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
PATTERNS = ["{0}{1}{2}", "ال{0}{1}{2}", "{0}ا{1}{2}", "م{0}{1}{2}", "ي{0}{1}{2}", "ت{0}{1}{2}",
            "{0}{1}ي{2}", "ال{0}{1}ي{2}ة", "م{0}{1}{2}ة", "ال{0}ا{1}{2}", "{0}{1}ا{2}", "ال{0}{1}{2}ى",
            "إ{0}{1}ا{2}", "أ{0}{1}{2}", "ال{0}{1}و{2}", "{0}{1}{2}ات"]
HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b"
AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def build_vocab(rng: random.Random, size: int) -> list[str]:
    words = list(dict.fromkeys(REAL_WORDS + VERBS))
    seen = set(words)
    while len(words) < size:
        root = [rng.choice(LETTERS) for _ in range(3)]
        w = rng.choice(PATTERNS).format(*root)
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def generate(n: int, seed: int = 7, dup_share: float = 0.2, per_day: int = 3000):
    """[(headline, url, published_unix_s, source_index_or_-1), ...]"""
    rng = random.Random(seed)
    vocab = build_vocab(rng, 60_000)
    # Zipf-Mandelbrot (s=1, q=10): the commonest content word is in ~8% of
    # headlines, as "المغرب" or "الحكومة" might be; plain Zipf puts it in half.
    cum, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 11)
        cum.append(total)
    draws = rng.choices(vocab, cum_weights=cum, k=n * 9)
    draw_i = 0
    t0 = int(datetime(2023, 1, 2, tzinfo=timezone.utc).timestamp())
    step = 86400 / per_day
    out: list[tuple[str, str, int, int]] = []
    originals: list[int] = []
    for i in range(n):
        ts = t0 + int(i * step)
        if originals and rng.random() < dup_share:
            src = originals[-1 - min(len(originals) - 1, int(rng.expovariate(1 / 400)))]
            head = vary(out[src][0], rng)
            pub = out[src][2] + rng.randrange(0, 2 * 86400)
            out.append((head, make_url(head, rng), pub, src))
            continue
        r = rng.random()
        if r < 0.02:  # weekly ticker
            day = datetime.fromtimestamp(ts, timezone.utc).weekday()
            head = f"تعرف علي سعر الدرهم المغربي مقابل {rng.choice(CURRENCIES)} {WEEKDAYS[day]}"
        else:
            k = rng.randint(5, 10)
            words = draws[draw_i:draw_i + k]
            draw_i += k
            if rng.random() < 0.5:
                words.insert(rng.randrange(1, 3), rng.choice(VERBS))
            if rng.random() < 0.2:
                words.insert(0, rng.choice(NOUN_SYNONYMS)[0])
            for _ in range(rng.randint(0, 2)):
                words.insert(rng.randrange(1, len(words)), rng.choice(FUNCTION))
            if rng.random() < 0.15:
                num = str(rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(2015, 2025)]))
                words.insert(rng.randrange(0, len(words)), num)
            head = " ".join(words)
        out.append((head, make_url(head, rng), ts, -1))
        originals.append(i)
    return out


def make_url(head: str, rng: random.Random) -> str:
    slug = "-".join(head.split()[:6])
    return f"https://www.almaghribtoday.net/{rng.choice((36, 314, 1187, 1189, 316))}/{rng.randrange(1000000):06d}-{slug}"


def vary(head: str, rng: random.Random) -> str:
    words = head.split()
    for _ in range(rng.choice((1, 1, 2))):
        kind = rng.randrange(10)
        if kind == 0:
            lbl = rng.choice(LABELS)
            head = f"{lbl} - {head}" if rng.random() < 0.5 else f"{head} | {lbl}"
            continue
        if kind == 1:  # tashkeel
            head = "".join(c + rng.choice(HARAKAT) if c.isalpha() and rng.random() < 0.3 else c for c in head)
            continue
        if kind == 2 and words:  # tatweel
            j = rng.randrange(len(words))
            w = words[j]
            if len(w) > 3:
                words[j] = w[:2] + "ـــ" + w[2:]
        elif kind == 3:  # hamza / ta marbuta / alef maqsura
            head = head.replace("أ", "ا").replace("إ", "ا").replace("ة", "ه").replace("ى", "ي")
            continue
        elif kind == 4:
            head = head.translate(AR_DIGITS)
            continue
        elif kind == 5 and words:  # quotes and punctuation
            j = rng.randrange(len(words))
            words[j] = f"«{words[j]}»"
            words[-1] += rng.choice(("؟", "!", ".", ""))
        elif kind == 6 and len(words) > 2:
            words.insert(rng.randrange(1, len(words)), rng.choice(("في", "قد", "أن")))
        elif kind == 7 and len(words) > 7:
            j = rng.randrange(len(words))
            if not words[j].isdigit():
                del words[j]
        elif kind == 8:
            for a, b in VERB_SYNONYMS + NOUN_SYNONYMS:
                if a in words:
                    words[words.index(a)] = b
                    break
        else:
            head = "  ".join(head.split())  # spacing
            continue
        head = " ".join(words)
        words = head.split()
    return head


# ---------------------------------------------------------------------------
# workers (one per subprocess)
# ---------------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def worker(engine: str, data_path: str, workdir: str, args: argparse.Namespace) -> dict:
    with open(data_path, "rb") as f:
        titles = pickle.load(f)
    n = len(titles)
    result: dict = {"engine": engine, "n": n}
    if engine in ("sqlite", "sqlite-group", "memory"):
        from newscrawl.dedupe import MemoryTitleStore, SQLiteTitleStore, TitleDeduper

        dts = [datetime.fromtimestamp(t[2], timezone.utc) for t in titles]
        path = os.path.join(workdir, "titles.sqlite")
        if engine.startswith("sqlite"):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            store = SQLiteTitleStore(path, commit_every=args.commit_every if engine == "sqlite-group" else 1)
        else:
            store = MemoryTitleStore()
        deduper = TitleDeduper(store, window=timedelta(days=3))
        check = deduper.check_and_add
        counts = {"new": 0, "exact": 0, "near": 0}
        url_bytes = 0
        gc.collect()
        if args.tracemalloc and engine == "memory":
            import tracemalloc

            tracemalloc.start()
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        dup_flags = bytearray(n)
        for i, ((head, url, _, src), dt) in enumerate(zip(titles, dts)):
            v = check(head, url, dt)
            counts[v.kind] += 1
            if v.duplicate_of is not None:
                dup_flags[i] = 1
        elapsed = time.perf_counter() - t0
        gc.collect()
        rss1 = rss_bytes()
        if args.tracemalloc and engine == "memory":
            traced = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            result["traced_bytes"] = traced
        kept = counts["new"]
        # accuracy against the generator's ground truth (second pass, untimed, memory only)
        if engine.startswith("sqlite"):
            t_close = time.perf_counter()
            store.close()  # commits a pending group; counted in the time
            elapsed += time.perf_counter() - t_close
            size = os.path.getsize(path)
            for suffix in ("-wal", "-shm"):
                if os.path.exists(path + suffix):
                    size += os.path.getsize(path + suffix)
            import sqlite3

            con = sqlite3.connect(path)
            url_bytes = con.execute("SELECT coalesce(sum(length(CAST(url AS BLOB))), 0) FROM titles").fetchone()[0]
            con.close()
            result.update(file_bytes=size, url_bytes=url_bytes,
                          state_per_title=(size - url_bytes) / kept, total_per_title=size / kept)
        else:
            grow = rss1 - rss0
            result.update(rss_growth=grow, state_per_title=grow / kept)
            if "traced_bytes" in result:
                result["state_per_title"] = result["traced_bytes"] / kept
        copies = [i for i, t in enumerate(titles) if t[3] >= 0]
        result.update(seconds=elapsed, us_per_title=elapsed / n * 1e6, kept=kept,
                      exact=counts["exact"], near=counts["near"],
                      copies_caught=sum(dup_flags[i] for i in copies) / max(1, len(copies)),
                      originals_dropped=sum(dup_flags) - sum(dup_flags[i] for i in copies))
        return result

    if engine == "datasketch":
        from datasketch import MinHash, MinHashLSH

        from newscrawl.dedupe import title_key
        from newscrawl.dedupe.near import content_codes

        shingles = []
        t_sh = time.perf_counter()
        for head, _, _, _ in titles:
            codes = content_codes(title_key(head)) or [0]
            shingles.append([c.to_bytes(4, "little") for c in set(codes)])
        result["shingle_us"] = (time.perf_counter() - t_sh) / n * 1e6
        tmpl = MinHash(num_perm=args.num_perm)
        perms, scheme = tmpl.permutations, tmpl.scheme
        lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
        found = 0
        gc.collect()
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        for i, sh in enumerate(shingles):
            m = MinHash(num_perm=args.num_perm, permutations=perms, scheme=scheme)
            m.update_batch(sh)
            if lsh.query(m):
                found += 1
            lsh.insert(i, m)
        elapsed = time.perf_counter() - t0
        del m
        gc.collect()
        rss1 = rss_bytes()
        grow = rss1 - rss0
        result.update(seconds=elapsed, us_per_title=elapsed / n * 1e6, kept=n, candidates=found,
                      rss_growth=grow, state_per_title=grow / n, b=lsh.b, r=lsh.r)
        return result
    raise SystemExit(f"unknown engine {engine}")


# ---------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="titles to generate (default 1,000,000)")
    ap.add_argument("--engines", default="sqlite,sqlite-group,memory,datasketch",
                    help="any of sqlite, sqlite-group, memory, datasketch (default: all)")
    ap.add_argument("--commit-every", type=int, default=100, help="group size for sqlite-group (default 100)")
    ap.add_argument("--dup-share", type=float, default=0.2)
    ap.add_argument("--per-day", type=int, default=3000, help="titles published a day (default 3000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--num-perm", type=int, default=64, help="datasketch MinHash permutations (default 64)")
    ap.add_argument("--threshold", type=float, default=0.7, help="datasketch LSH Jaccard threshold (default 0.7)")
    ap.add_argument("--tracemalloc", action="store_true", help="memory engine: traced Python bytes, not RSS")
    ap.add_argument("--workdir", default=None, help="where the data and the SQLite file go (default: a temp dir)")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--data", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.workdir, args)))
        return

    tmp = tempfile.TemporaryDirectory(prefix="bench_dedupe_") if args.workdir is None else None
    workdir = args.workdir or tmp.name
    os.makedirs(workdir, exist_ok=True)
    t = time.perf_counter()
    titles = generate(args.n, seed=args.seed, dup_share=args.dup_share, per_day=args.per_day)
    data = os.path.join(workdir, "titles.pkl")
    with open(data, "wb") as f:
        pickle.dump(titles, f, protocol=pickle.HIGHEST_PROTOCOL)
    copies = sum(1 for x in titles if x[3] >= 0)
    avg_url = sum(len(x[1].encode()) for x in titles) / len(titles)
    print(f"generated {len(titles):,} titles ({copies:,} copies of a recent title) in "
          f"{time.perf_counter() - t:.1f}s; average URL {avg_url:.0f} bytes; e.g.", file=sys.stderr)
    for x in titles[:3]:
        print("   ", x[0], file=sys.stderr)

    results = []
    for engine in args.engines.split(","):
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", engine, "--data", data,
               "--workdir", workdir, "--num-perm", str(args.num_perm), "--threshold", str(args.threshold),
               "--commit-every", str(args.commit_every)]
        if args.tracemalloc:
            cmd.append("--tracemalloc")
        print(f"running {engine} ...", file=sys.stderr, flush=True)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"   {engine}: {res['us_per_title']:.1f} us/title, {res['state_per_title']:.1f} B/title",
              file=sys.stderr, flush=True)
        results.append(res)

    print()
    print(f"Dedupe benchmark: {args.n:,} generated titles, {copies:,} ({copies / args.n:.0%}) copies of a recent "
          f"title, {args.per_day}/day, window 3 days; Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    print()
    print("| engine | us / title | state B / stored title (beside URL) | stored | duplicates found | how state is measured |")
    print("|---|---:|---:|---:|---:|---|")
    for r in results:
        if r["engine"].startswith("sqlite"):
            name = ("newscrawl, SQLiteTitleStore (default: 1 commit / title)" if r["engine"] == "sqlite" else
                    f"newscrawl, SQLiteTitleStore(commit_every={args.commit_every})")
            dups = (f"{r['exact']:,} exact + {r['near']:,} near; {r['copies_caught']:.1%} of copies, "
                    f"{r['originals_dropped']:,} non-copies")
            how = (f"file {r['file_bytes'] / 1e6:.1f} MB - URLs {r['url_bytes'] / 1e6:.1f} MB; "
                   f"{r['total_per_title']:.0f} B/title with URL")
        elif r["engine"] == "memory":
            name = "newscrawl, MemoryTitleStore"
            dups = (f"{r['exact']:,} exact + {r['near']:,} near; {r['copies_caught']:.1%} of copies, "
                    f"{r['originals_dropped']:,} non-copies")
            how = "tracemalloc" if "traced_bytes" in r else "RSS growth (URL strings shared with input)"
        else:
            name = f"datasketch MinHashLSH (num_perm={args.num_perm}, threshold={args.threshold}, b={r['b']}, r={r['r']})"
            dups = f"{r['candidates']:,} with candidates"
            how = f"RSS growth; shingling ({r['shingle_us']:.1f} us) not timed"
        print(f"| {name} | {r['us_per_title']:.1f} | {r['state_per_title']:.0f} | {r['kept']:,} | {dups} | {how} |")
    print()
    print(f"Goals at 1M titles: < {GOAL_US:.0f} us per title, < {GOAL_BYTES:.0f} bytes of state per title beside the URL.")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
