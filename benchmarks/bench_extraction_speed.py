"""Per-page cost of decoding and extraction, as ratios to ``lxml.html.fromstring`` on the same bytes.

    python benchmarks/bench_extraction_speed.py                   # eval pages and 300 mirror pages
    python benchmarks/bench_extraction_speed.py --rounds 5 --mirror-pages 100
    python benchmarks/bench_extraction_speed.py --profile eval    # cProfile of extraction, top functions
    python benchmarks/bench_extraction_speed.py --save out.json   # also write every extraction output
    python benchmarks/bench_extraction_speed.py --compare out.json  # and report outputs that differ

Pages: the 80 pages of ``<shared>/eval/`` (``--shared``, else $NEWSCRAWL_SHARED, else ../shared),
read with no site (as ``benchmarks/eval_extraction.py`` does), and the first N article pages of
a 300-article mirror, as the mirror serves them (``newscrawl.mirror.server.route``), read with
the almaghrib site as the spider reads them.

Steps, each timed in CPU time of this process, page by page; a round runs each step over every
page in turn (lxml, decode, extraction, trafilatura), so rounds alternate the steps and a busy
neighbour slows all of them alike:

  lxml         ``lxml.html.fromstring(body)``: the floor, parsing the bytes and nothing else
  decode       the downloader middleware's check (``better_encoding``) and ``bytes.decode``
  extraction   ``extract_article(text, url, site)``
  trafilatura  ``trafilatura.extract(text, url=url)`` with its defaults

The figure of a step is the least of its per-round totals, shown as ms per page and as a ratio
to lxml's. The functools caches of trafilatura, htmldate and courlan are emptied before each
step's pass (as benchmarks/eval_extraction.py does), so no step reuses what another computed;
within a pass they warm as they would over a crawl.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import lxml.html  # noqa: E402

from newscrawl.encoding import better_encoding  # noqa: E402
from benchmarks.eval_extraction import clear_caches  # noqa: E402 (one list of the tools' caches)
from newscrawl.extraction.article import extract_article  # noqa: E402

STEPS = ("lxml", "decode", "extraction", "trafilatura")


def decode(body: bytes, declared: str | None) -> str:
    codec = better_encoding(body, declared) or declared or "utf-8"
    try:
        return body.decode(codec, "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def eval_pages(shared: Path) -> list[dict]:
    eval_dir = shared / "eval"
    pages = []
    for line in (eval_dir / "manifest.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            pages.append({"key": record["file"], "body": (eval_dir / record["file"]).read_bytes(),
                          "declared": record.get("encoding_detected"), "url": record.get("url") or "",
                          "site": None})
    return pages


def mirror_pages(count: int) -> list[dict]:
    from newscrawl.mirror.content import MirrorSite
    from newscrawl.mirror.server import route
    from newscrawl.sites import SITES

    site, base = MirrorSite(articles=300), "http://127.0.0.1:8000"
    pages = []
    for article in site.iter_all():
        status, content_type, body = route(site, base, article.path)
        if status != 200 or "html" not in content_type:
            continue
        declared = content_type.partition("charset=")[2] or "cp1252"  # Scrapy's guess for no charset
        pages.append({"key": article.path, "body": body, "declared": declared, "url": base + article.path,
                      "site": SITES["almaghrib"]})
        if len(pages) == count:
            break
    return pages


def output(page: dict) -> dict:
    result = extract_article(decode(page["body"], page["declared"]), page["url"], page["site"])
    return {"fields": result.fields, "provenance": result.provenance, "not_article": result.not_article}


def measure(pages: list[dict], rounds: int, with_trafilatura: bool) -> dict[str, float]:
    """Each step's total CPU seconds: the least over rounds (a busy neighbour only ever adds
    time, so the least is the closest to the step's own cost)."""
    import trafilatura

    texts = [decode(p["body"], p["declared"]) for p in pages]
    calls = {
        "lxml": lambda i, page: lxml.html.fromstring(page["body"]),
        "decode": lambda i, page: decode(page["body"], page["declared"]),
        "extraction": lambda i, page: extract_article(texts[i], page["url"], page["site"]),
        "trafilatura": lambda i, page: trafilatura.extract(texts[i], url=page["url"] or None),
    }
    steps = STEPS if with_trafilatura else STEPS[:3]
    totals: dict[str, list[float]] = {step: [] for step in steps}
    clock = time.process_time
    for _ in range(rounds):
        for step in steps:
            call = calls[step]
            clear_caches()
            spent = 0.0
            for i, page in enumerate(pages):
                start = clock()
                call(i, page)
                spent += clock() - start
            totals[step].append(spent)
    return {step: min(values) for step, values in totals.items()}


def show(title: str, pages: int, figures: dict[str, float]) -> str:
    floor = figures["lxml"]
    lines = [f"{title} ({pages} pages)", f"  {'step':<12} {'ms/page':>8} {'× lxml':>7}"]
    for step, seconds in figures.items():
        lines.append(f"  {step:<12} {1000 * seconds / pages:8.2f} {seconds / floor:7.1f}")
    if "trafilatura" in figures:
        lines.append(f"  trafilatura / extraction: {figures['trafilatura'] / figures['extraction']:.1f}×")
    return "\n".join(lines)


def profile(pages: list[dict], top: int) -> None:
    texts = [(decode(p["body"], p["declared"]), p["url"], p["site"]) for p in pages]
    extract_article(*texts[0])  # imports and lazy compiles stay out of the profile
    profiler = cProfile.Profile()
    profiler.enable()
    for text, url, site in texts:
        extract_article(text, url, site)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(os.environ.get("NEWSCRAWL_SHARED", REPO.parent / "shared")))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mirror-pages", type=int, default=300)
    parser.add_argument("--no-trafilatura", action="store_true", help="leave trafilatura.extract out (faster)")
    parser.add_argument("--only", choices=("eval", "mirror"))
    parser.add_argument("--profile", choices=("eval", "mirror"), help="profile extraction on one set instead")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", type=Path, help="write every page's extraction output as JSON")
    parser.add_argument("--compare", type=Path, help="report pages whose output differs from a --save file")
    args = parser.parse_args(argv)

    sets = {}
    if args.only != "mirror" and args.profile != "mirror":
        sets["eval"] = eval_pages(args.shared)
    if args.only != "eval" and args.profile != "eval":
        sets["mirror"] = mirror_pages(args.mirror_pages)

    if args.profile:
        profile(sets[args.profile], args.top)
        return 0
    if args.save or args.compare:
        outputs = {f"{name}:{p['key']}": output(p) for name, pages in sets.items() for p in pages}
        outputs = json.loads(json.dumps(outputs, ensure_ascii=False, default=str))
        if args.save:
            args.save.write_text(json.dumps(outputs, ensure_ascii=False, indent=1), "utf-8")
        if args.compare:
            before = json.loads(args.compare.read_text("utf-8"))
            changed = [key for key in outputs if outputs[key] != before.get(key)]
            print(f"outputs: {len(outputs) - len(changed)} of {len(outputs)} pages identical to {args.compare}")
            for key in changed[:20]:
                for section in ("fields", "provenance"):
                    for name in sorted(set(outputs[key][section]) | set(before.get(key, {}).get(section, {}))):
                        a, b = before.get(key, {}).get(section, {}).get(name), outputs[key][section].get(name)
                        if a != b:
                            print(f"  {key} {section}.{name}: {a!r:.200} -> {b!r:.200}")

    first = next(iter(sets.values()))[0]
    extract_article(decode(first["body"], first["declared"]), first["url"], first["site"])  # warm-up
    for name, pages in sets.items():
        figures = measure(pages, args.rounds, not args.no_trafilatura)
        print(show(name, len(pages), figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
