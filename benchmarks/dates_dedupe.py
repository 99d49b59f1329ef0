"""The dates and dedupe figures of ``python -m benchmarks``, from the existing benchmarks
(``bench_dates.py``, ``bench_dedupe.py``), as ratios measured in the same run."""

from __future__ import annotations

import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def dates(quick: bool) -> dict:
    """newscrawl.dates against dateparser on bench_dates's strings: CPU µs per string (median
    over strings; the two tools alternate on each string) and strings parsed right."""
    import dateparser

    from benchmarks.bench_dates import CASES, REFERENCE, correct
    from newscrawl.dates import parse_date

    cases = CASES[::4] if quick else CASES
    calls = 3 if quick else 20

    def ours(text, relative):
        return lambda: parse_date(text, reference=REFERENCE)

    def theirs(text, relative):
        settings = {"RELATIVE_BASE": REFERENCE.replace(tzinfo=None)} if relative else None
        return lambda: dateparser.parse(text, languages=["ar"], settings=settings)

    theirs(*CASES[0][::2])()  # dateparser loads its language data on first use: not timed
    ours(*CASES[0][::2])()
    times: dict[str, list[float]] = {"newscrawl": [], "dateparser": []}
    right = {"newscrawl": 0, "dateparser": 0}
    for text, expected, relative in cases:
        for name, make in (("newscrawl", ours), ("dateparser", theirs)):
            call = make(text, relative)
            right[name] += correct(call(), expected)
            start = time.process_time()
            for _ in range(calls):
                call()
            times[name].append((time.process_time() - start) / calls * 1e6)
    median = {name: statistics.median(values) for name, values in times.items()}
    return {"strings": len(cases), "us_per_string": median, "right": right,
            "dateparser_version": dateparser.__version__,
            "speedup": median["dateparser"] / max(median["newscrawl"], 1e-9)}


def dedupe(quick: bool) -> dict:
    """newscrawl's title dedupe as the pipeline runs it (SQLite store, group commits) against a
    plain datasketch MinHashLSH, on bench_dedupe's generated titles, each in a fresh process.
    µs per title are bench_dedupe's own figures (wall time of the loop: the SQLite store's
    waits on the disk are part of its cost)."""
    from benchmarks.bench_dedupe import generate

    titles_count = 2000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="newscrawl-dedupe-") as workdir:
        titles = generate(titles_count, seed=7)
        data = os.path.join(workdir, "titles.pkl")
        with open(data, "wb") as file:
            pickle.dump(titles, file, protocol=pickle.HIGHEST_PROTOCOL)
        results = {}
        for engine in ("sqlite-group", "datasketch"):
            out = subprocess.run([sys.executable, str(HERE / "bench_dedupe.py"), "--worker", engine, "--data", data,
                                  "--workdir", workdir], check=True, capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": str(HERE.parent)})
            results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    ours, theirs = results["sqlite-group"], results["datasketch"]
    return {"titles": titles_count, "newscrawl_us_per_title": ours["us_per_title"],
            "datasketch_us_per_title": theirs["us_per_title"],
            "x_datasketch": ours["us_per_title"] / max(theirs["us_per_title"], 1e-9),
            "copies_caught": ours["copies_caught"], "originals_dropped": ours["originals_dropped"],
            "state_bytes_per_title": ours["state_per_title"]}
