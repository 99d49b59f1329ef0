"""Run one command and print, as JSON on the last line of stderr, the CPU seconds and peak
resident memory of that command alone (``getrusage(RUSAGE_CHILDREN)`` of this small launcher:
it has no other child).

    python -m benchmarks.measure -- scrapy crawl almaghrib ...

CPU time rather than wall time: the machines the benchmarks run on are shared.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    started = time.perf_counter()
    code = subprocess.call(argv)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"returncode": code, "user": usage.ru_utime, "system": usage.ru_stime,
                      "cpu": usage.ru_utime + usage.ru_stime, "wall": time.perf_counter() - started,
                      "max_rss_mb": usage.ru_maxrss / 1024}), file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
