"""Every newscrawl benchmark in one run: one table, and benchmarks/results.json.

    python -m benchmarks                 # the full run (README "Performance")
    python -m benchmarks --quick         # CI-sized (under two minutes; benchmarks/results-quick.json)
    python -m benchmarks --json PATH     # write the results elsewhere (default benchmarks/results.json)
    python -m benchmarks --shared PATH   # the shared folder holding eval/ (default: $NEWSCRAWL_SHARED,
                                         # else ../shared beside the checkout)

Every figure is a ratio of two things measured in this same run, on this machine, mostly of
CPU time (``time.process_time``, ``getrusage``; the crawlers and the mirror each in their own
process), so that a machine shared with other work moves both sides of a ratio alike:

- per page: newscrawl's steps (decoding, extraction, spider callback, pipelines, all of it from
  bytes to item) against ``lxml.html.fromstring`` of the same page (the floor) and against
  ``trafilatura.extract``, on mirror pages and on the eval pages (benchmarks/perpage.py);
- crawl: CPU per page of newscrawl's crawl of a mirror (in its own process) against a bare
  Scrapy fetch of the same URLs and against ``scrapy bench``'s spider; the mirror's CPU per page
  and its share of the CPU (benchmarks/crawl.py);
- memory: peak RSS of whole crawls of growing mirrors, MB per 10,000 articles: first crawls
  (every article fetched, extracted, kept), and re-runs over sites whose every article an
  earlier run kept (every article URL discovered and checked, none fetched: the per-URL run
  state at 100,000 articles, in minutes; a first crawl of 100,000 articles alone takes longer
  than this whole run may);
- mirror: its CPU per page on a large site against the same page on a small one;
- dates: newscrawl.dates against dateparser; dedupe: the title deduper against datasketch.

The memory crawls run in the background after the per-page and crawl figures are taken (those
compare steps measured one after the other, which a background crawl in another phase under
each would skew), alongside the mirror, dates and dedupe figures (each a ratio within one
process): peak RSS does not depend on the load.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# (name, full run, quick run)
SIZES = {
    "mirror_pages": (300, 20),
    "eval_pages": (None, 5),  # None: all of them (80)
    "rounds": (3, 1),
    "crawl_articles": (10_000, 200),  # the crawl comparison; also the larger first crawl for memory
    "first_crawl_small": (1_000, 30),
    "rerun_articles": ((10_000, 100_000), (1_000, 5_000)),
    "bench_seconds": (10, 3),
    "mirror_large": (100_000, 100_000),
}


def machine() -> dict:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    memory = ""
    try:
        kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
        memory = f"{kib / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        pass
    import lxml.etree
    import scrapy
    import trafilatura

    return {"cpu": model or platform.processor(), "cores": os.cpu_count(), "memory": memory,
            "system": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "scrapy": scrapy.__version__, "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
            "trafilatura": trafilatura.__version__}


def default_shared() -> Path:
    return Path(os.environ.get("NEWSCRAWL_SHARED") or ROOT.parent / "shared")


def run(quick: bool, shared: Path, log) -> dict:
    from benchmarks import crawl, dates_dedupe, perpage

    pick = 1 if quick else 0
    size = {name: values[pick] for name, values in SIZES.items()}
    results: dict = {"quick": quick, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "machine": machine(), "sizes": size}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=1) as background:
        work = Path(tmp)
        small_rerun, large_rerun = size["rerun_articles"]

        def memory_runs() -> list[dict]:
            # Their own crawler and mirror processes, alongside the rest: peak RSS does not
            # depend on the load, and every CPU figure here is CPU time.
            return [crawl.memory_run(size["first_crawl_small"], work / "first_small", timeout=3 * 3600),
                    crawl.memory_run(small_rerun, work / "rerun_small", timeout=3 * 3600, kept_before=True),
                    crawl.memory_run(large_rerun, work / "rerun_large", timeout=3 * 3600, kept_before=True)]

        log(f"per page: {size['mirror_pages']} mirror pages")
        results["per_page"] = {"mirror": perpage.measure(perpage.mirror_pages(size["mirror_pages"]), "almaghrib",
                                                         size["rounds"])}
        if (shared / "eval" / "manifest.jsonl").exists():
            pages = perpage.eval_pages(shared, size["eval_pages"])
            log(f"per page: {len(pages)} eval pages")
            results["per_page"]["eval"] = perpage.measure(pages, "news", size["rounds"])
        else:
            results["per_page"]["eval"] = {"skipped": f"no eval pages at {shared / 'eval'}"}

        log(f"crawl: newscrawl, bare fetch and scrapy bench ({size['crawl_articles']:,}-article mirror)")
        results["crawl"] = crawl.crawl_comparison(size["crawl_articles"], work / "crawl",
                                                  bench_seconds=size["bench_seconds"], timeout=3 * 3600)

        # Started only now: the per-page and crawl figures above are ratios of steps measured one
        # after the other, and a background crawl in another phase under each side skewed them
        # (the same code gave 7.2x and 9.1x the parse in two runs).
        log(f"memory: crawls of {size['first_crawl_small']:,}, then re-runs over {small_rerun:,} and "
            f"{large_rerun:,} kept articles, in the background")
        memory = background.submit(memory_runs)

        log("mirror: CPU per page, small and large site")
        results["mirror"] = crawl.mirror_page_costs(size["mirror_large"])

        log("dates")
        results["dates"] = dates_dedupe.dates(quick)
        log("dedupe")
        results["dedupe"] = dates_dedupe.dedupe(quick)

        log("memory: waiting for the background crawls")
        first_small, rerun_small, rerun_large = memory.result()
        first_large = {key: results["crawl"]["newscrawl"][key] for key in
                       ("max_rss_mb", "items", "pages", "cpu", "wall", "mirror_cpu")}
        first_large.update(articles=size["crawl_articles"], kept_before=False)

        def growth(small: dict, large: dict) -> dict:
            return {"mb_per_10k_articles": (large["max_rss_mb"] - small["max_rss_mb"])
                    / max(1, large["articles"] - small["articles"]) * 10_000,
                    "x_small": large["max_rss_mb"] / max(small["max_rss_mb"], 1e-9)}

        keys = ("articles", "kept_before", "items", "pages", "max_rss_mb", "cpu", "wall")
        results["memory"] = {
            "first_crawls": {"runs": [{k: run.get(k) for k in keys} for run in (first_small, first_large)],
                             **growth(first_small, first_large)},
            "reruns": {"runs": [{k: run.get(k) for k in keys} for run in (rerun_small, rerun_large)],
                       **growth(rerun_small, rerun_large)},
            "large_mirror_cpu_ms_per_page": 1000 * rerun_large["mirror_cpu"] / max(1, rerun_large["pages"]),
            "large_mirror_pages": rerun_large["pages"],
        }
    results["seconds"] = time.monotonic() - started
    return results


# --- the table -------------------------------------------------------------------------------
def _ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def _x(value: float) -> str:
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(section, figure, value, ratio) rows of the table."""
    table = []
    for corpus, label in (("mirror", "mirror pages"), ("eval", "eval pages")):
        figures = results["per_page"].get(corpus, {})
        if "skipped" in figures:
            table.append((f"per page, {label}", "skipped", figures["skipped"], ""))
            continue
        section = f"per page, {figures['pages']} {label}"
        traf = figures["ms_per_page"]["trafilatura.extract"]
        for step, ms in figures["ms_per_page"].items():
            ratio = f"{_x(figures['x_lxml'][step])} lxml parse"
            if step in ("extraction", "bytes → item"):
                ratio += f"; trafilatura takes {_x(traf / max(ms, 1e-9))} as long"
            table.append((section, step, _ms(ms) + " CPU", ratio))
    crawl = results["crawl"]
    section = f"crawl, {crawl['articles']:,}-article mirror"
    ours, bare, bench = crawl["newscrawl"], crawl["bare"], crawl["scrapy_bench"]
    table.append((section, "newscrawl crawl (project settings)", _ms(ours["steady_cpu_ms_per_page"]) + " CPU/page",
                  f"{_x(bare['steady_cpu_ms_per_page'] / ours['steady_cpu_ms_per_page'])} the bare fetch's rate; "
                  f"{_x(bench['steady_cpu_ms_per_page'] / ours['steady_cpu_ms_per_page'])} scrapy bench's"))
    table.append((section, "bare Scrapy fetch, same URLs", _ms(bare["steady_cpu_ms_per_page"]) + " CPU/page", "1×"))
    table.append((section, "scrapy bench spider", _ms(bench["steady_cpu_ms_per_page"]) + " CPU/page",
                  f"{_x(bare['steady_cpu_ms_per_page'] / bench['steady_cpu_ms_per_page'])} the bare fetch's rate"))
    table.append((section, "mirror process, during the crawl", _ms(ours["server_cpu_ms_per_page"]) + " CPU/page",
                  f"{ours['server_cpu_share']:.0%} of the CPU (crawler + mirror)"))
    table.append((section, "whole crawl (start-up and close included)", f"{ours['cpu']:.1f} s CPU, {ours['wall']:.1f} s wall",
                  f"{ours['pages']:,} pages, {ours['items']:,} items"))
    memory = results["memory"]
    for kind, label in (("first_crawls", "first crawl"), ("reruns", "re-run, all kept before")):
        figures = memory[kind]
        small, large = figures["runs"]
        for run in figures["runs"]:
            table.append(("memory, whole crawls", f"peak RSS, {label}, {run['articles']:,}-article mirror",
                          f"{run['max_rss_mb']:.0f} MB", f"{run['pages']:,} pages, {run['items']:,} items, "
                          f"{run['cpu']:.0f} s CPU"))
        table.append(("memory, whole crawls", f"growth, {label}",
                      f"{figures['mb_per_10k_articles']:.1f} MB per 10k articles",
                      f"{_x(figures['x_small'])} the {small['articles']:,}-article crawl's peak"))
    table.append(("memory, whole crawls", f"mirror process, {memory['large_mirror_pages']:,} pages of the largest site",
                  _ms(memory["large_mirror_cpu_ms_per_page"]) + " CPU/page", "during the re-run"))
    mirror = results["mirror"]
    for page, costs in mirror["ms_per_page"].items():
        table.append((f"mirror page, {mirror['large']:,} vs {mirror['small']} articles", page,
                      _ms(costs["large"]) + " CPU",
                      f"{_x(mirror['x_small'][page])} the same page of the small site"))
    dates = results["dates"]
    table.append((f"dates, {dates['strings']} strings", "newscrawl.dates",
                  f"{dates['us_per_string']['newscrawl']:.1f} µs CPU/string",
                  f"{_x(dates['speedup'])} faster than dateparser {dates['dateparser_version']}; right "
                  f"{dates['right']['newscrawl']} vs {dates['right']['dateparser']}"))
    dedupe = results["dedupe"]
    table.append((f"dedupe, {dedupe['titles']:,} titles", "title dedupe (SQLite store, group commits)",
                  f"{dedupe['newscrawl_us_per_title']:.1f} µs/title (wall)",
                  f"{_x(dedupe['x_datasketch'])} datasketch MinHashLSH's time; {dedupe['copies_caught']:.1%} of copies caught"))
    return table


def render(results: dict) -> str:
    m = results["machine"]
    lines = [f"newscrawl benchmarks{' (--quick: CI-sized, indicative only)' if results['quick'] else ''}: "
             f"{results['started']}, {results['seconds'] / 60:.1f} min; {m['cpu']}, {m['cores']} cores, {m['memory']}; "
             f"Python {m['python']}, Scrapy {m['scrapy']}, lxml {m['lxml']}, trafilatura {m['trafilatura']}", "",
             "| section | figure | value | ratio |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows(results)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run, under two minutes")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="where to write the results (default benchmarks/results.json; with --quick "
                             "benchmarks/results-quick.json, so a CI run never replaces the README's figures)")
    parser.add_argument("--shared", type=Path, default=None, help="the shared folder holding eval/")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    try:
        results = run(args.quick, args.shared or default_shared(), log)
    except Exception as error:  # noqa: BLE001 (one line for the user; NEWSCRAWL_BENCH_DEBUG=1 shows the traceback)
        if os.environ.get("NEWSCRAWL_BENCH_DEBUG"):
            traceback.print_exc()
        print(f"Benchmark failed: {error}", file=sys.stderr)
        return 1
    results["table"] = [dict(zip(("section", "figure", "value", "ratio"), row)) for row in rows(results)]
    if args.json is None:
        args.json = HERE / ("results-quick.json" if args.quick else "results.json")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(render(results))
    print(f"\n(written to {args.json})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
