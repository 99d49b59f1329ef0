"""Shared fixtures: the mirror on a free loopback port, the shared/ folder, crawl runners."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


def shared_dir() -> Path:
    """``../shared`` beside the checkout, or ``$NEWSCRAWL_SHARED``."""
    return Path(os.environ.get("NEWSCRAWL_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not (path / "seeds").is_dir():
        pytest.fail(f"shared material not found at {path}; set NEWSCRAWL_SHARED")
    return path


@pytest.fixture(scope="session")
def mirror():
    with MirrorServer(MirrorSite(articles=300)) as server:
        yield server


def run_scrapy(args: list[str], cwd: Path, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real ``scrapy`` command line in *cwd* (outside the checkout: settings from the env)."""
    full_env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", **(env or {})}
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def crawl(base_url: str, workdir: Path, *extra: str, spider: str = "almaghrib",
          start_arg: bool = False, env: dict | None = None) -> tuple[list[dict], dict, str]:
    """Crawl *base_url* in a subprocess; return (feed items, final stats, log).

    Network spiders take ``-a base_url=``; the generic ``news`` spider takes ``-a start=``."""
    workdir.mkdir(parents=True, exist_ok=True)
    where = f"start={base_url}/" if start_arg else f"base_url={base_url}"
    result = run_scrapy(
        ["crawl", spider, "-a", where, "-s", "NEWSCRAWL_STATS_FILE=stats.json",
         "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "LOG_LEVEL=INFO", *extra],
        cwd=workdir, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for path in sorted((workdir / "feeds" / spider).glob("*[0-9].jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    stats = json.loads((workdir / "stats.json").read_text(encoding="utf-8"))
    return items, stats, result.stderr


def story_counts(items: list[dict], site) -> dict[str, int]:
    """How many feed items each of the mirror's stories got (copies count for their story);
    items that are no story of the mirror are counted under "UNEXPECTED <url>"."""
    from collections import Counter
    from urllib.parse import unquote, urlsplit

    path_to_story = {path: story for story, paths in site.expected_stories().items() for path in paths}
    return dict(Counter(path_to_story.get(unquote(urlsplit(i["url"]).path), f"UNEXPECTED {i['url']}") for i in items))


# --- helpers for tests that run the crawl command themselves (kills, faults, full disks) --------
CRAWL_ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}


def crawl_args(base_url: str, *extra: str) -> list[str]:
    """The ``scrapy crawl almaghrib`` command line the reliability tests run, kill and rerun."""
    return [sys.executable, "-m", "scrapy", "crawl", "almaghrib", "-a", f"base_url={base_url}",
            "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "LOG_LEVEL=INFO",
            *extra]


def feed_items(work: Path) -> list[dict]:
    """Every whole line of every run's JSON Lines feed (a line cut by a kill is no item)."""
    items = []
    for path in sorted((work / "feeds").rglob("*[0-9].jsonl")):
        for line in path.read_text("utf-8").splitlines(keepends=True):
            if line.endswith("\n") and line.strip():
                items.append(json.loads(line))
    return items


def sigkill_at_random_point(args: list[str], work: Path, rng, *, max_items: int, max_seconds: float) -> int:
    """Run *args* in *work* and SIGKILL it after a random number of new feed items (1..max_items),
    or at a random moment of start-up (0.3..max_seconds s); returns the items written before."""
    import signal
    import subprocess
    import time

    before = written_lines(work)
    wait_items = rng.choice([0, rng.randint(1, max_items)])
    wait_seconds = rng.uniform(0.3, max_seconds)
    process = subprocess.Popen(args, cwd=work, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.time()
    while process.poll() is None and time.time() - started < 120:
        if (wait_items and written_lines(work) - before >= wait_items) or \
                (not wait_items and time.time() - started >= wait_seconds):
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return written_lines(work) - before


def written_lines(work: Path) -> int:
    feeds = work / "feeds"
    return sum(p.read_bytes().count(b"\n") for p in feeds.rglob("*[0-9].jsonl")) if feeds.exists() else 0


def assert_sound_state(work: Path) -> None:
    """Every SQLite file of the state directory passes PRAGMA integrity_check."""
    import sqlite3

    files = sorted((work / "state").glob("*.sqlite"))
    assert files, "no state files"
    for path in files:
        db = sqlite3.connect(path)
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], path
        finally:
            db.close()


# --- Redis for shared crawls (tests/test_distributed.py, benchmarks/bench_workers.py) ----------
REDIS_SERVER = "/usr/bin/redis-server"


def start_redis(directory: Path, *extra: str, port: int | None = None,
                persistent: bool = False) -> tuple[subprocess.Popen, int]:
    """A real redis-server on a free loopback port (or *port*), in *directory*; without
    persistence unless *persistent* (an append-only file, as production should run it)."""
    import shutil
    import socket
    import time

    binary = REDIS_SERVER if Path(REDIS_SERVER).exists() else shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: the shared-crawl tests need it "
                           "(apt-get install -y redis-server)")
    if port is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "yes" if persistent else "no", "--appendfsync", "always",
                                "--dir", str(directory), "--databases", "64", *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return process, port
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """``redis://127.0.0.1:PORT``; each test takes a database of its own (``redis_db``)."""
    try:
        process, port = start_redis(tmp_path_factory.mktemp("redis"))
    except RuntimeError as error:
        pytest.fail(str(error))
    yield f"redis://127.0.0.1:{port}"
    process.kill()
    process.wait()


_REDIS_DATABASES = iter(range(1, 64))


@pytest.fixture
def redis_db(redis_server) -> str:
    """The URL of an empty Redis database no other test uses."""
    return f"{redis_server}/{next(_REDIS_DATABASES)}"


# --- small real HTTP servers for tests that shape the answers themselves -------------------------
class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that writes no access log to the test's stderr."""

    def log_message(self, *args):
        pass

    def answer(self, status: int, kind: str, body: bytes, headers: dict | None = None) -> None:
        """Send *body* whole, with its Content-Type and Content-Length (and *headers*)."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on a free loopback port answering with *handler*, served from a
    thread while the block runs; yields its base URL (``http://127.0.0.1:PORT``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
