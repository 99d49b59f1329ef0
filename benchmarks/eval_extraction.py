"""Extraction benchmark on real pages nobody here wrote: newscrawl vs trafilatura vs htmldate.

    python benchmarks/eval_extraction.py                 # summary tables
    python benchmarks/eval_extraction.py --detail        # plus one row per page and tool
    python benchmarks/eval_extraction.py --shared PATH   # shared folder (default: $NEWSCRAWL_SHARED,
                                                         # else ../shared beside the checkout)
    python benchmarks/eval_extraction.py --json PATH     # also write the figures as JSON

Every table is printed three times: for all pages, for the tuned half and for the held-out
half. The halves are fixed by a hash of each page's ``file`` path in the manifest (see
HELD_OUT_RULE): the first byte of its SHA-256 even puts the page in the held-out half. The rule
alone decides, so no page can be moved between halves to flatter a score; the held-out half is
the one extraction changes must not be tuned on (issue 11). "Tuned" is simply the other half.

The pages, their gold values and the scoring suggestions are in ``<shared>/eval/README.md``.
All three tools run in this one process on the same decoded text of each page.

Tools, as a user would call them:
  newscrawl    ``extract_article(html, url)`` with ``site=None`` (no site selectors), then
               ``parse_date`` on ``date_published_raw``. Both are timed.
  trafilatura  one ``bare_extraction(html, url=url, with_metadata=True, include_comments=False)``
               call: ``.text`` is the body (the text ``extract()`` returns, up to whitespace),
               ``.title`` / ``.date`` / ``.author`` the metadata. Comments are excluded because
               they are not the article (trafilatura's own evaluation excludes them too); the
               rest are defaults, so its date is a day without a time (no minute score).
  htmldate     ``find_date(html, url=url, original_date=True, extensive_search=True,
               outputformat="%Y-%m-%dT%H:%M:%S%z")``: the publication date rather than the
               last modification, with the default extensive search. The output format only
               carries the time through when htmldate finds one; on this set its days are the
               same as with the default "%Y-%m-%d". A naive T00:00:00 means "no time found".

Scoring (eval/README.md):
  headline     exact match after whitespace normalisation (runs of Unicode whitespace, nbsp
               included, become one space; ends stripped). Nothing else is folded.
  date         same day, and same minute where the gold has a time. When the gold and the
               prediction both carry an offset, the prediction is moved to the gold's offset;
               otherwise wall clocks are compared as stated. A prediction without a time is
               compared by its calendar day only and never counts as the right minute.
  body, full   precision / recall / F1 over word tokens (runs of Unicode word characters plus
               combining marks such as Arabic tashkeel; case-folded), as multisets; averaged
               over pages (macro). An empty body scores 0 / 0 / 0.
  body, snips  share of must-contain snippets present and of must-not snippets absent, over all
               snippets of the group. Snippets are matched as substrings after case folding and
               removing all whitespace (the golds were cut from text whose spacing differs
               between tools). An empty body contains nothing, so it passes every must-not.
  ms/page      CPU time of this process during the tool call alone (decoded text in, values
               out): mean (median). CPU rather than wall time because the machines are shared:
               wall time also counts whatever else runs. All three tools are single-threaded.
               Each tool runs in its own pass over the pages, once per page; before its pass
               the functools caches of trafilatura, htmldate and courlan are cleared (they key
               on page strings, and newscrawl's trafilatura fallback and trafilatura's own
               htmldate call would otherwise warm them for the next tool), then one untimed
               warm-up call on the first page. One-time loads a later page triggers (dateparser's
               locales, a language's stop list) stay in that page's time; the median hides them.

"Arabic (hand-read)" re-scores the lang == "ar" pages against ``arabic_annotations.jsonl``:
headline, date_iso, author (exact, whitespace-normalised), whether the body's first / last word
tokens are those of ``body_first`` / ``body_last``, and the share of ``must_not`` texts absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]

try:
    import newscrawl  # noqa: F401
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(REPO))

TOOLS = ("newscrawl", "trafilatura", "htmldate")

# --------------------------------------------------------------------------------------------
# Normalisation and metrics (pure; tests/test_eval_script.py checks them)

_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
_WORD = re.compile(rf"[\w{_MARKS}]+")
_CLOCK = re.compile(r"\d\s*:\s*\d")


def normalise_ws(text: str | None) -> str:
    return " ".join((text or "").split())


def tokens(text: str | None) -> list[str]:
    """Word tokens: runs of Unicode word characters (with combining marks), case-folded."""
    return [t.casefold() for t in _WORD.findall(unicodedata.normalize("NFC", text or ""))]


def prf(predicted: str | None, gold: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 of *predicted* against *gold*."""
    pred, ref = Counter(tokens(predicted)), Counter(tokens(gold))
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    p, r = overlap / sum(pred.values()), overlap / sum(ref.values())
    return p, r, 2 * p * r / (p + r)


def _squash(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFC", text or "").casefold().split())


def contains(body: str | None, snippet: str) -> bool:
    return bool(body) and _squash(snippet) in _squash(body)


def headline_ok(predicted: str | None, gold: str) -> bool:
    return normalise_ws(predicted) == normalise_ws(gold)


@dataclass(frozen=True)
class Moment:
    value: datetime
    has_time: bool


def read_iso(text: str | None) -> Moment | None:
    """A gold date or a tool's ISO-like output ("2020-06-03", "2015-07-24T05:36:09+0100")."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    has_time = "T" in text or " " in text
    if has_time and value.tzinfo is None and (value.hour, value.minute, value.second) == (0, 0, 0):
        has_time = False  # htmldate's "no time found"
    return Moment(value, has_time)


def compare_dates(predicted: Moment | None, gold: Moment) -> tuple[bool, bool | None]:
    """(same day, same minute); the minute is None when the gold has no time."""
    if predicted is None:
        return False, (False if gold.has_time else None)
    value, ref = predicted.value, gold.value
    if predicted.has_time and value.tzinfo is not None and ref.tzinfo is not None:
        value = value.astimezone(ref.tzinfo)
    day = value.date() == ref.date()
    if not gold.has_time:
        return day, None
    minute = predicted.has_time and value.replace(second=0, microsecond=0, tzinfo=None) == ref.replace(
        second=0, microsecond=0, tzinfo=None)
    return day, minute


# --------------------------------------------------------------------------------------------
# Per-page scores


@dataclass
class Prediction:
    headline: str | None = None
    date: Moment | None = None
    date_shown: str | None = None  # what the tool said, for --detail
    body: str | None = None
    author: str | None = None
    has: tuple[str, ...] = ("headline", "date", "body", "author")
    ms: float = 0.0
    via: str = ""  # which step filled headline / date / body (newscrawl's provenance), for --detail


@dataclass
class Score:
    """One tool on one page: a value per check, None where the check does not apply."""
    headline: bool | None = None
    day: bool | None = None
    minute: bool | None = None
    body_prf: tuple[float, float, float] | None = None
    must: tuple[int, int] | None = None  # (present, total)
    must_not: tuple[int, int] | None = None  # (absent, total)
    author: bool | None = None
    first: bool | None = None
    last: bool | None = None
    ms: float = 0.0
    notes: dict[str, str] = field(default_factory=dict)


def score_manifest(gold_record: dict, pred: Prediction) -> Score:
    """Score *pred* against the manifest's gold for one page."""
    gold, has = gold_record["gold"], gold_record.get("gold_has", {})
    s = Score(ms=pred.ms)
    if has.get("title") and gold.get("title") and "headline" in pred.has:
        s.headline = headline_ok(pred.headline, gold["title"])
    gold_date = read_iso(gold.get("date")) if has.get("date") else None
    if gold_date and "date" in pred.has:
        s.day, s.minute = compare_dates(pred.date, gold_date)
    if "body" in pred.has:
        if has.get("body_full") and gold.get("body"):
            s.body_prf = prf(pred.body, gold["body"])
        if has.get("body_snippets"):
            must = gold.get("body_must_contain") or []
            must_not = gold.get("body_must_not_contain") or []
            s.must = (sum(contains(pred.body, x) for x in must), len(must))
            s.must_not = (sum(not contains(pred.body, x) for x in must_not), len(must_not))
    return s


def score_hand(annotation: dict, pred: Prediction) -> Score:
    """Score *pred* against the hand-read values of one Arabic page."""
    s = Score(ms=pred.ms)
    if annotation.get("headline") and "headline" in pred.has:
        s.headline = headline_ok(pred.headline, annotation["headline"])
    gold_date = read_iso(annotation.get("date_iso"))
    if gold_date and "date" in pred.has:
        s.day, s.minute = compare_dates(pred.date, gold_date)
    if annotation.get("author") and "author" in pred.has:
        s.author = normalise_ws(pred.author) == normalise_ws(annotation["author"])
    if "body" in pred.has:
        body = tokens(pred.body)
        first, last = tokens(annotation.get("body_first")), tokens(annotation.get("body_last"))
        if first:
            s.first = body[: len(first)] == first
        if last:
            s.last = body[-len(last):] == last
        must_not = annotation.get("must_not") or []
        if must_not:
            s.must_not = (sum(not contains(pred.body, x) for x in must_not), len(must_not))
    return s


# --------------------------------------------------------------------------------------------
# Aggregation and tables


def _count(values: list[bool | None]) -> dict[str, Any] | None:
    """{"rate", "ok", "n"} over the checks that apply; None when none does."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"rate": sum(values) / len(values), "ok": sum(values), "n": len(values)}


def _pooled(pairs: list[tuple[int, int] | None]) -> dict[str, Any] | None:
    """{"rate", "ok", "n"} over all snippets of the pages (pooled, not per page)."""
    pairs = [p for p in pairs if p is not None]
    total = sum(t for _, t in pairs)
    if not total:
        return None
    ok = sum(k for k, _ in pairs)
    return {"rate": ok / total, "ok": ok, "n": total}


def figures(scores: list[Score], *, minute_applies: bool = True) -> dict[str, Any]:
    """The numbers behind one table row (what --json writes); None where no check applies."""
    body = [s.body_prf for s in scores if s.body_prf is not None]
    return {
        "pages": len(scores),
        "headline": _count([s.headline for s in scores]),
        "date_day": _count([s.day for s in scores]),
        "date_minute": _count([s.minute for s in scores]) if minute_applies else None,
        "body": ({"precision": statistics.fmean(x[0] for x in body), "recall": statistics.fmean(x[1] for x in body),
                  "f1": statistics.fmean(x[2] for x in body), "pages": len(body)} if body else None),
        "must_contain": _pooled([s.must for s in scores]),
        "must_not": _pooled([s.must_not for s in scores]),
        "author": _count([s.author for s in scores]),
        "first_words": _count([s.first for s in scores]),
        "last_words": _count([s.last for s in scores]),
        "ms_per_page": ({"mean": statistics.fmean(s.ms for s in scores),
                         "median": statistics.median(s.ms for s in scores)} if scores else None),
    }


def _shown(count: dict[str, Any] | None) -> str:
    return "–" if count is None else f"{100 * count['rate']:.0f}% ({count['ok']}/{count['n']})"


def summarise(scores: list[Score], *, minute_applies: bool = True) -> dict[str, str]:
    numbers = figures(scores, minute_applies=minute_applies)
    body, ms = numbers["body"], numbers["ms_per_page"]
    return {
        "headline": _shown(numbers["headline"]),
        "date (day)": _shown(numbers["date_day"]),
        "date (minute)": _shown(numbers["date_minute"]) if minute_applies else "n/a (day only)",
        "body P / R / F1 (pages)": (f"{body['precision']:.2f} / {body['recall']:.2f} / {body['f1']:.2f} "
                                    f"({body['pages']})" if body else "–"),
        "must-contain": _shown(numbers["must_contain"]),
        "must-not": _shown(numbers["must_not"]),
        "author": _shown(numbers["author"]),
        "first words": _shown(numbers["first_words"]),
        "last words": _shown(numbers["last_words"]),
        "ms/page": f"{ms['mean']:.1f} ({ms['median']:.1f})" if ms else "–",
    }


MANIFEST_COLUMNS = ("headline", "date (day)", "date (minute)", "body P / R / F1 (pages)", "must-contain",
                    "must-not", "ms/page")
HAND_COLUMNS = ("headline", "date (day)", "date (minute)", "author", "first words", "last words",
                "must-not", "ms/page")


def table(title: str, rows: dict[str, dict[str, str]], columns: tuple[str, ...]) -> str:
    lines = [f"### {title}", "", "| tool | " + " | ".join(columns) + " |",
             "|---|" + "---|" * len(columns)]
    for tool, summary in rows.items():
        lines.append(f"| {tool} | " + " | ".join(summary[c] for c in columns) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Running the tools


def decode(body: bytes, declared: str | None) -> str:
    from newscrawl.encoding import better_encoding

    codec = better_encoding(body, declared) or declared or "utf-8"
    try:
        return body.decode(codec, "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def run_newscrawl(html: str, url: str) -> Prediction:
    from newscrawl.dates import parse_date
    from newscrawl.extraction.article import extract_article

    result = extract_article(html, url or "", None)
    fields, steps = result.fields, result.provenance
    raw = fields.get("date_published_raw")
    value = parse_date(raw) if raw else None
    date = Moment(value, bool(_CLOCK.search(raw))) if value else None
    shown = f"{value.isoformat(timespec='minutes')} «{raw}»" if value else (f"unparsed «{raw}»" if raw else None)
    via = " ".join(f"{k[0]}:{steps.get(k, '-')}" for k in ("headline", "date_published_raw", "body"))
    return Prediction(fields.get("headline"), date, shown, fields.get("body"), fields.get("author"), via=via)


def run_trafilatura(html: str, url: str) -> Prediction:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True, include_comments=False)
    if doc is None:
        return Prediction()
    return Prediction(doc.title, read_iso(doc.date), doc.date, doc.text, doc.author)


def run_htmldate(html: str, url: str) -> Prediction:
    from htmldate import find_date

    found = find_date(html, url=url or None, original_date=True, extensive_search=True,
                      outputformat="%Y-%m-%dT%H:%M:%S%z")
    return Prediction(date=read_iso(found), date_shown=found, has=("date",))


RUNNERS: dict[str, Callable[[str, str], Prediction]] = {
    "newscrawl": run_newscrawl, "trafilatura": run_trafilatura, "htmldate": run_htmldate,
}


def timed(runner: Callable[[str, str], Prediction], html: str, url: str) -> Prediction:
    start = time.process_time()
    pred = runner(html, url)
    pred.ms = (time.process_time() - start) * 1000
    return pred


def load(shared: Path) -> tuple[list[dict], dict[str, dict], dict[str, str]]:
    eval_dir = shared / "eval"
    records = [json.loads(line) for line in (eval_dir / "manifest.jsonl").read_text("utf-8").splitlines()
               if line.strip()]
    annotations_path = eval_dir / "arabic_annotations.jsonl"
    annotations = {}
    if annotations_path.exists():
        for line in annotations_path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                annotations[row["file"]] = row
    pages = {r["file"]: decode((eval_dir / r["file"]).read_bytes(), r.get("encoding_detected")) for r in records}
    return records, annotations, pages


HELD_OUT_RULE = ("a page is held out when the first byte of SHA-256(its manifest 'file' path, UTF-8) "
                 "is even; the other pages are the tuned half")
SPLITS = ("all", "tuned", "held-out")


def is_held_out(file: str) -> bool:
    """The fixed split: decided by the page's path alone, never by its content or score."""
    return hashlib.sha256(file.encode("utf-8")).digest()[0] % 2 == 0


def split_records(records: list[dict]) -> dict[str, list[dict]]:
    """All pages, the tuned half and the held-out half, each in manifest order."""
    return {"all": list(records),
            "tuned": [r for r in records if not is_held_out(r["file"])],
            "held-out": [r for r in records if is_held_out(r["file"])]}


CACHED_PACKAGES = ("trafilatura", "htmldate", "courlan")


def clear_caches() -> None:
    """Empty the functools caches of the tools' packages, so no pass reuses another's work."""
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in CACHED_PACKAGES:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()


def evaluate(shared: Path, tools: tuple[str, ...] = TOOLS) -> dict[str, Any]:
    records, annotations, pages = load(shared)
    if not records:
        raise SystemExit(f"no pages in {shared / 'eval' / 'manifest.jsonl'}")
    first = records[0]
    preds: dict[tuple[str, str], Prediction] = {}
    for tool in tools:
        clear_caches()
        RUNNERS[tool](pages[first["file"]], first.get("url") or "")  # warm-up: imports, lazy compiles
        for record in records:
            preds[record["file"], tool] = timed(RUNNERS[tool], pages[record["file"]], record.get("url") or "")
    return {"records": records, "annotations": annotations, "preds": preds, "tools": tools}


def _groups(records: list[dict], annotations: dict[str, dict]) -> list[tuple[str, str, list[dict], bool]]:
    """(key, title, pages, scored by hand) for each table of one split."""
    arabic = [r for r in records if r.get("lang") == "ar"]
    hand = [r for r in arabic if r["file"] in annotations]
    return [
        ("arabic", f"Arabic pages (lang == \"ar\", {len(arabic)} pages, manifest gold)", arabic, False),
        ("arabic_hand", f"Arabic (hand-read): the same pages against arabic_annotations.jsonl ({len(hand)} pages)",
         hand, True),
        ("all_pages", f"All pages ({len(records)} pages, manifest gold)", records, False),
    ]


def split_figures(result: dict[str, Any]) -> dict[str, Any]:
    """Per split, per table, per tool: the numbers of the table rows, plus the rule and the files."""
    annotations, preds, tools = result["annotations"], result["preds"], result["tools"]
    out: dict[str, Any] = {"held_out_rule": HELD_OUT_RULE, "splits": {}}
    for name, records in split_records(result["records"]).items():
        tables: dict[str, Any] = {}
        for key, _, group, by_hand in _groups(records, annotations):
            score = score_hand if by_hand else score_manifest
            tables[key] = {tool: figures([score(annotations[r["file"]] if by_hand else r, preds[r["file"], tool])
                                          for r in group], minute_applies=tool != "trafilatura")
                           for tool in tools}
        out["splits"][name] = {"pages": len(records), "files": [r["file"] for r in records], "tables": tables}
    return out


def report(result: dict[str, Any], detail: bool = False) -> str:
    records, annotations, preds, tools = (result[k] for k in ("records", "annotations", "preds", "tools"))
    halves = split_records(records)
    out = [f"Held-out split: {HELD_OUT_RULE}.\n"
           f"all: {len(records)} pages; tuned: {len(halves['tuned'])} pages; held-out: {len(halves['held-out'])} pages "
           f"(Arabic: {sum(r.get('lang') == 'ar' for r in halves['tuned'])} tuned, "
           f"{sum(r.get('lang') == 'ar' for r in halves['held-out'])} held out).\n"]
    for name, split in halves.items():
        out.append(f"## Split: {name} ({len(split)} pages)\n")
        for _, title, group, by_hand in _groups(split, annotations):
            if not group:
                continue
            rows = {}
            for tool in tools:
                score = score_hand if by_hand else score_manifest
                scores = [score(annotations[r["file"]] if by_hand else r, preds[r["file"], tool]) for r in group]
                rows[tool] = summarise(scores, minute_applies=tool != "trafilatura")
            out.append(table(f"{title} [{name}]", rows, HAND_COLUMNS if by_hand else MANIFEST_COLUMNS))
    if detail:
        out.append(detail_rows(records, annotations, preds, tools))
    return "\n".join(out)


def _short(text: str | None, width: int = 60) -> str:
    text = normalise_ws(text).replace("|", "/")
    return text if len(text) <= width else text[: width - 1] + "…"


def _mismatch(got: str | None, want: str | None, width: int = 60) -> str:
    """«got» want «want», cut to where they first differ."""
    got, want = normalise_ws(got), normalise_ws(want)
    same = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    cut = max(0, same - 15)
    prefix = "…" if cut else ""
    return f"«{prefix}{_short(got[cut:], width)}» want «{prefix}{_short(want[cut:], width)}»"


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("ok" if ok else "✗")


def detail_rows(records, annotations, preds, tools) -> str:
    lines = ["### Per page", "",
             "| file | half | tool | headline | date got | date gold | day/min | body | ms | via |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for record in records:
        gold = record["gold"]
        rows = [("manifest", record, score_manifest, gold.get("title"), gold.get("date"))]
        ann = annotations.get(record["file"])
        if ann:
            rows.append(("hand", ann, score_hand, ann.get("headline"), ann.get("date_iso")))
        for source, gold_record, scorer, gold_title, gold_date in rows:
            for tool in tools:
                pred = preds[record["file"], tool]
                s = scorer(gold_record, pred)
                headline = _mark(s.headline)
                if s.headline is False:
                    headline = "✗ " + _mismatch(pred.headline, gold_title)
                if s.body_prf is not None:
                    body = "P {:.2f} R {:.2f} F1 {:.2f}".format(*s.body_prf)
                elif s.must is not None or s.must_not is not None or s.first is not None:
                    parts = []
                    if s.must is not None:
                        parts.append(f"must {s.must[0]}/{s.must[1]}")
                    if s.must_not is not None:
                        parts.append(f"must-not {s.must_not[0]}/{s.must_not[1]}")
                    if s.first is not None:
                        parts.append(f"first {_mark(s.first)} last {_mark(s.last)}")
                    if s.author is not None:
                        parts.append(f"author {_mark(s.author)}"
                                     + ("" if s.author else f" «{_short(pred.author, 30)}»"))
                    body = ", ".join(parts)
                else:
                    body = "–"
                name = record["file"].removeprefix("pages/") + (" (hand)" if source == "hand" else "")
                day_min = f"{_mark(s.day)}/{_mark(s.minute)}" if s.day is not None else "–"
                got = _short(pred.date_shown, 48) if "date" in pred.has else "–"
                half = "held-out" if is_held_out(record["file"]) else "tuned"
                lines.append(f"| {name} | {half} | {tool} | {headline} | {got or 'none'} | {gold_date or '–'} | "
                             f"{day_min} | {body} | {pred.ms:.1f} | {pred.via} |")
    return "\n".join(lines) + "\n"


def default_shared() -> Path:
    return Path(os.environ.get("NEWSCRAWL_SHARED") or REPO.parent / "shared")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=None,
                        help="the shared folder holding eval/ (default: $NEWSCRAWL_SHARED or ../shared)")
    parser.add_argument("--detail", action="store_true", help="print one row per page and tool")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write the figures (per split, table and tool) to PATH as JSON")
    args = parser.parse_args(argv)
    shared = args.shared or default_shared()
    if not (shared / "eval" / "manifest.jsonl").exists():
        parser.error(f"{shared / 'eval' / 'manifest.jsonl'} not found; pass --shared or set NEWSCRAWL_SHARED")
    if args.json is not None and not args.json.parent.is_dir():
        parser.error(f"cannot write {args.json}: the folder {args.json.parent} does not exist")
    result = evaluate(shared)
    print(report(result, detail=args.detail))
    if args.json is not None:
        args.json.write_text(json.dumps(split_figures(result), ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
