"""Pages per second of a shared crawl with 1, 2 and 4 workers (README "Scaling out").

    python benchmarks/bench_workers.py [--articles 1000] [--workers 1,2,4] [--concurrency 16]

Starts ``scrapy mirror`` in its own process and a redis-server (``/usr/bin/redis-server`` or on
PATH) on free loopback ports, then for each worker count runs that many
``scrapy crawl almaghrib -s NEWSCRAWL_REDIS_URL=...`` processes at once, each in its own
directory, against a fresh Redis database, and reads their stats files. A single process
without Redis is measured first, as the baseline.

pages/s = responses received by all workers / the crawl's span (first worker's start to last
worker's end, less the idle time a worker waits before it ends). Every run is checked: each
article of the mirror kept once across the workers' feeds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

IDLE_SECONDS = 1.0
ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    binary = "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else shutil.which("redis-server")
    if binary is None:
        sys.exit("Error: redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit("Error: redis-server did not start")


def start_mirror(articles: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "scrapy", "mirror", "--port", "0", "--articles", str(articles)],
                               env=ENV, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    found = re.search(r"at (http://\S+?)/?$", line.strip())
    if not found:
        process.kill()
        sys.exit(f"Error: the mirror did not start ({line.strip()!r})")
    return process, found.group(1)


def run(base_url: str, root: Path, workers: int, redis_url: str | None, concurrency: int) -> dict:
    root.mkdir(parents=True)
    extra = ["-s", f"CONCURRENT_REQUESTS={concurrency}", "-s", "NEWSCRAWL_ARCHIVE=", "-s", "NEWSCRAWL_MONITOR_REPORT=",
             "-s", "LOG_LEVEL=WARNING", "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "NEWSCRAWL_STATS_FILE=stats.json"]
    if redis_url:
        extra += ["-s", f"NEWSCRAWL_REDIS_URL={redis_url}", "-s", f"NEWSCRAWL_REDIS_IDLE_SECONDS={IDLE_SECONDS}"]
    processes = []
    for n in range(workers):
        work = root / f"w{n}"
        work.mkdir()
        processes.append((work, subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "almaghrib", "-a", f"base_url={base_url}", "-a", "max_pages=0",
             *extra], cwd=work, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
    stats = []
    for work, process in processes:
        _, log = process.communicate()
        if process.returncode != 0:
            sys.exit(f"Error: a worker failed:\n{log[-2000:]}")
        stats.append(json.loads((work / "stats.json").read_text("utf-8")))
    started = min(datetime.fromisoformat(s["start_time"]) for s in stats)
    ended = max(datetime.fromisoformat(s["finish_time"]) for s in stats)
    span = (ended - started).total_seconds() - (IDLE_SECONDS if redis_url else 0)
    pages = sum(s.get("response_received_count", 0) for s in stats)
    items = [json.loads(line) for work, _ in processes for path in (work / "feeds").rglob("*[0-9].jsonl")
             for line in path.read_text("utf-8").splitlines() if line.strip()]
    urls = [item["url"] for item in items]
    return {"workers": workers, "pages": pages, "span": span, "pages_per_s": pages / span,
            "items": len(items), "repeated": len(urls) - len(set(urls)),
            "share": [s.get("response_received_count", 0) for s in stats]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure (default 1,2,4)")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS of each worker")
    opts = parser.parse_args()
    counts = [int(n) for n in opts.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench_workers_") as tmp:
        tmp = Path(tmp)
        mirror, base_url = start_mirror(opts.articles)
        redis, redis_base = start_redis(tmp)
        try:
            print(f"mirror: {opts.articles} articles at {base_url} (own process); Redis {redis_base}; "
                  f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, CONCURRENT_REQUESTS={opts.concurrency}")
            rows = [("1 process, no Redis (SQLite state)", run(base_url, tmp / "single", 1, None, opts.concurrency))]
            for db, workers in enumerate(counts, 1):
                rows.append((f"{workers} worker{'s' if workers > 1 else ''}, one Redis",
                             run(base_url, tmp / f"shared{workers}", workers, f"{redis_base}/{db}", opts.concurrency)))
        finally:
            mirror.terminate()
            redis.kill()
            mirror.wait()
            redis.wait()
    print()
    print("| run | pages | seconds | pages/s | items (repeated) | pages per worker |")
    print("|---|---:|---:|---:|---|---|")
    for label, row in rows:
        print(f"| {label} | {row['pages']} | {row['span']:.1f} | {row['pages_per_s']:.0f} | {row['items']} "
              f"({row['repeated']}) | {', '.join(map(str, row['share']))} |")


if __name__ == "__main__":
    main()
