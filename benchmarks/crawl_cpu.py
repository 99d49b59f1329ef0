"""newscrawl's crawl CPU per page, repeated, with an optional cProfile of one run: the quick
loop for work on the crawler's own cost (everything outside extraction).

    python -m benchmarks.crawl_cpu --articles 2000 --runs 3            # steady CPU ms/page, each run
    python -m benchmarks.crawl_cpu --articles 2000 --profile out.prof  # plus one crawl under cProfile
    python -m benchmarks.crawl_cpu --runs 0 --pyspy out.txt            # one crawl under py-spy (collapsed stacks)
    python -m benchmarks.crawl_cpu --runs 5 --compare /tmp/base        # alternate with another checkout's crawl

``--compare DIR``: each run crawls once with this checkout and once with the checkout in DIR
(e.g. ``git archive main | tar -x -C DIR``), in alternating order, against the same mirror: on
a shared machine only such paired figures tell a change from the load of the moment.

The mirror runs in its own process; each crawl starts from an empty state directory (a first
crawl, as ``benchmarks.crawl.crawl_comparison`` measures it). The profile's extraction share
is printed (cumulative time of ``extract_article``) so the rest can be read off.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import benchmarks.crawl
from benchmarks.crawl import _env, crawl_newscrawl, mirror


def profiled_crawl(base_url: str, workdir: Path, out: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out.resolve()), "-m", "scrapy", "crawl", "almaghrib",
                    "-a", f"base_url={base_url}", "-a", "max_pages=0", "-s", "LOG_FILE=crawl.log",
                    "-s", "NEWSCRAWL_STATS_FILE=stats.json"],
                   cwd=workdir, env=_env(project=True), check=True)
    stats = pstats.Stats(str(out))
    total = stats.total_tt
    extraction = sum(entry[3] for func, entry in stats.stats.items() if func[2] == "extract_article")
    pages = json.loads((workdir / "stats.json").read_text(encoding="utf-8")).get("response_received_count", 0)
    print(f"profile: {total:.1f} s in all, extract_article {extraction:.1f} s ({100 * extraction / total:.0f}%),"
          f" {pages} pages: {1000 * (total - extraction) / max(1, pages):.2f} ms/page outside extraction (profiled)")


def sampled_crawl(base_url: str, workdir: Path, out: Path) -> None:
    """One crawl under py-spy (``pip install py-spy``), as collapsed stacks: less distorted
    than cProfile, which inflates code made of many small calls."""
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["py-spy", "record", "--rate", "250", "--format", "raw", "--output", str(out.resolve()), "--",
                    sys.executable, "-m", "scrapy", "crawl", "almaghrib", "-a", f"base_url={base_url}", "-a", "max_pages=0",
                    "-s", "LOG_FILE=crawl.log"], cwd=workdir, env=_env(project=True), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another checkout to pair each crawl with")
    parser.add_argument("--together", action="store_true",
                        help="with --compare: run each pair's two crawls at the same time, under the same load")
    parser.add_argument("--profile", type=Path, help="also run one crawl under cProfile, writing this file")
    parser.add_argument("--pyspy", type=Path, help="also run one crawl under py-spy, writing collapsed stacks here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newscrawl-crawlcpu-") as tmp, mirror(args.articles, Path(tmp) / "mirror") as server:
        trees = {"this": benchmarks.crawl.ROOT}
        if args.compare:
            trees["compared"] = args.compare.resolve()
        figures: dict[str, list[float]] = {name: [] for name in trees}

        def one(run: int, name: str) -> None:
            workdir = Path(tmp) / f"run{run}-{name}"
            result = crawl_newscrawl(server.base_url, workdir, timeout=3600, root=trees[name])
            figures[name].append(result["steady_cpu_ms_per_page"])
            print(f"run {run + 1} ({name}): {result['pages']} pages, {result['items']} items,"
                  f" steady {result['steady_cpu_ms_per_page']:.2f} ms/page,"
                  f" whole process {1000 * result['cpu'] / max(1, result['pages']):.2f} ms/page", flush=True)
            shutil.rmtree(workdir)

        for run in range(args.runs):
            if args.together and args.compare:
                # Both crawls at once: whatever else loads the machine loads both alike.
                with concurrent.futures.ThreadPoolExecutor(2) as pool:
                    for future in [pool.submit(one, run, name) for name in trees]:
                        future.result()
                continue
            for name in (list(trees) if run % 2 == 0 else list(reversed(trees))):
                one(run, name)
        for name, values in figures.items():
            if values:
                print(f"{name}: steady CPU ms/page min {min(values):.2f}, median {statistics.median(values):.2f}"
                      f" ({', '.join(f'{v:.2f}' for v in values)})")
        if args.compare and args.runs:
            ratios = sorted(a / b for a, b in zip(figures["this"], figures["compared"]))
            print(f"this / compared, paired: median {statistics.median(ratios):.3f} ({', '.join(f'{r:.2f}' for r in ratios)})")
        if args.profile:
            profiled_crawl(server.base_url, Path(tmp) / "profiled", args.profile)
        if args.pyspy:
            sampled_crawl(server.base_url, Path(tmp) / "sampled", args.pyspy)


if __name__ == "__main__":
    main()
