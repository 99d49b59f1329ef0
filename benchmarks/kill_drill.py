"""Interrupt crawls of the mirror the way machines do, and count what survives.

    python benchmarks/kill_drill.py [--articles 3000] [--seed 1] [--faults SEED]

Scenarios, each in a fresh work directory against one mirror (``max_pages=0``):

- ``clean``: one uninterrupted crawl, the reference;
- ``sigint``: Ctrl-C once (no JOBDIR) after a random share of the articles, then the same command
  until a run finishes;
- ``sigkill-jobdir``: SIGKILL three times at random points with ``-s JOBDIR=``, then to the end;
- ``faults`` (with ``--faults``): one run through the mirror's fault injection.

For each: articles in the union of the feeds, how many were written twice, how many of the
reference are missing, runs and seconds. Figures go in the README's "Reliability" section.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.faults import FaultPlan, OffsiteRecorder
from newscrawl.mirror.server import MirrorServer

ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}


def args_for(base_url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "almaghrib", "-a", f"base_url={base_url}", "-a", "max_pages=0",
            "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "LOG_LEVEL=WARNING",
            *extra]


def lines(work: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in (work / "feeds").rglob("*[0-9].jsonl"))


def stories(work: Path, site: MirrorSite) -> Counter:
    by_path = {path: story for story, paths in site.expected_stories().items() for path in paths}
    found = Counter()
    for path in (work / "feeds").rglob("*[0-9].jsonl"):
        for line in path.read_text("utf-8").splitlines(keepends=True):
            if line.endswith("\n") and line.strip():
                found[by_path.get(unquote(urlsplit(json.loads(line)["url"]).path), "?")] += 1
    return found


def finish(base_url: str, work: Path, *extra: str) -> int:
    """Run the same command until one run finishes; returns how many runs it took."""
    for attempt in range(1, 6):
        subprocess.run(args_for(base_url, *extra), cwd=work, env=ENV, capture_output=True, timeout=3600)
        if json.loads((work / "stats.json").read_text("utf-8")).get("finish_reason") == "finished":
            return attempt
    return attempt


def interrupt(base_url: str, work: Path, sig: int, after_items: int, *extra: str) -> None:
    before = lines(work)
    process = subprocess.Popen(args_for(base_url, *extra), cwd=work, env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    while process.poll() is None and lines(work) - before < after_items:
        time.sleep(0.02)
    process.send_signal(sig)
    process.wait(timeout=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=int, default=None, metavar="SEED")
    opts = parser.parse_args()
    rng = random.Random(opts.seed)
    site = MirrorSite(articles=opts.articles)
    expected = set(site.expected_stories())
    rows = []
    with MirrorServer(site) as server, tempfile.TemporaryDirectory() as tmp:
        def report(name: str, work: Path, runs: int, started: float, reference: set) -> None:
            found = stories(work, site)
            rows.append((name, len(found), sum(1 for n in found.values() if n > 1), len(reference - set(found)),
                         runs, time.time() - started))

        started = time.time()
        clean = Path(tmp, "clean")
        clean.mkdir()
        report("clean", clean, finish(server.base_url, clean), started, expected)

        started = time.time()
        work = Path(tmp, "sigint")
        work.mkdir()
        interrupt(server.base_url, work, signal.SIGINT, rng.randint(50, len(expected) // 2))
        report("sigint once, no JOBDIR", work, 1 + finish(server.base_url, work), started, expected)

        started = time.time()
        work = Path(tmp, "sigkill")
        work.mkdir()
        for _ in range(3):
            interrupt(server.base_url, work, signal.SIGKILL, rng.randint(1, len(expected) // 4), "-s", "JOBDIR=job")
        report("SIGKILL x3, JOBDIR", work, 3 + finish(server.base_url, work, "-s", "JOBDIR=job"), started, expected)

    if opts.faults is not None:
        with OffsiteRecorder(host="127.0.0.1") as offsite:
            plan = FaultPlan(opts.faults, rate=0.3, offsite_base=offsite.base_url)
            with MirrorServer(site, faults=plan) as server, tempfile.TemporaryDirectory() as tmp:
                started = time.time()
                work = Path(tmp, "faults")
                work.mkdir()
                subprocess.run(args_for(server.base_url), cwd=work, env=ENV, capture_output=True, timeout=3600)
                report(f"faults (seed {opts.faults}, 30% of paths)", work, 1, started,
                       set(plan.obtainable_stories(site)))
            print(f"off-site requests received: {len(offsite.requests)}")

    print(f"mirror: {opts.articles} articles, {len(expected)} stories; kill seed {opts.seed}")
    print(f"{'scenario':34} {'kept':>6} {'twice':>6} {'missing':>8} {'runs':>5} {'seconds':>8}")
    for name, kept, twice, missing, runs, seconds in rows:
        print(f"{name:34} {kept:>6} {twice:>6} {missing:>8} {runs:>5} {seconds:>8.0f}")


if __name__ == "__main__":
    main()
