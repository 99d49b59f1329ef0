"""newscrawl.retry: real crawls (in a subprocess) of a flaky stdlib HTTP server on a loopback port.

The server fails chosen paths a set number of times — 503 with ``Retry-After``, 500, 429, a
connection reset (SO_LINGER 0), a body shorter than its Content-Length, an empty 200 — then
serves the page, and records when every request came and when it answered, so the waits are
measured where they matter: at the site.
"""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newscrawl.retry import parse_retry_after

REPO = Path(__file__).resolve().parent.parent
BASE = 0.05  # NEWSCRAWL_RETRY_BACKOFF_BASE in these crawls
RETRY_TIMES = 5
RETRY_AFTER_MAX = 2.5  # NEWSCRAWL_RETRY_AFTER_MAX in these crawls (above the date case's 1-2 s)

OK = "ok"
FOREVER = object()

# path -> how the first requests fail (then the page is served), or (FOREVER, failure)
PLANS = {
    "/retry-after": ["503 retry-after 1"],
    "/retry-after-date": ["429 retry-after date+2"],
    "/retry-after-far": ["503 retry-after 3600"],
    "/retry-after-far-always": (FOREVER, "429 retry-after 86400"),
    "/three": ["reset", "truncated", "429"],
    "/always": (FOREVER, "500"),
    "/empty": ["empty", "empty"],
    "/shared": ["500", "500", (FOREVER, "empty")],
}


class FlakyServer:
    """A ThreadingHTTPServer on 127.0.0.1:0 failing paths as planned; ``hits[path]`` = [(start, end, what)]."""

    def __init__(self, plans: dict):
        self.plans = plans
        self.hits: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        self.answered: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):  # HTTP/1.0: a connection per request, no pooled reuse
            def do_GET(self):
                start = time.monotonic()
                with server.lock:
                    what = server.next_answer(self.path)
                try:
                    self.answer(what)
                finally:
                    with server.lock:
                        server.hits[self.path].append((start, time.monotonic(), what))

            def answer(self, what: str):
                if what == "reset":  # RST instead of a response
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                if what == "truncated":  # promises 4000 bytes, sends a few, hangs up
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", "4000")
                    self.end_headers()
                    self.wfile.write(b"<html><body><p>cut sh")
                    return
                status, headers, body = 200, {}, f"<html><body><h1>{self.path}</h1></body></html>".encode()
                if what == "empty":
                    body = b""
                elif what != OK:
                    status = int(what.split()[0])
                    body = f"<html><body>{status}</body></html>".encode()
                    if "retry-after" in what:
                        value = what.split()[-1]
                        if value.startswith("date+"):
                            when = datetime.now(timezone.utc) + timedelta(seconds=int(value[5:]))
                            value = format_datetime(when, usegmt=True)
                        headers["Retry-After"] = value
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # the reset ones
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def next_answer(self, path: str) -> str:
        plan = self.plans.get(path, [])
        if isinstance(plan, tuple):
            return plan[1]
        done = self.answered[path]
        self.answered[path] += 1
        if done >= len(plan):
            last = plan[-1] if plan else OK
            return last[1] if isinstance(last, tuple) else OK  # a (FOREVER, failure) step repeats
        step = plan[done]
        return step[1] if isinstance(step, tuple) else step

    def __enter__(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


SPIDER = '''
import json
import scrapy
from newscrawl.retry import retry_later


class FlakySpider(scrapy.Spider):
    name = "flaky"
    custom_settings = {
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "newscrawl.retry.BackoffRetryMiddleware": 550,
        },
        "RETRY_TIMES": %(retry_times)d,
        "NEWSCRAWL_RETRY_BACKOFF_BASE": %(base)r,
        "NEWSCRAWL_RETRY_AFTER_MAX": %(retry_after_max)r,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_TIMEOUT": 10,
        "LOG_LEVEL": "DEBUG",
        "LOG_FILE": "crawl.log",
        "TELNETCONSOLE_ENABLED": False,
        "FEEDS": {"items.jsonl": {"format": "jsonlines"}},
    }

    async def start(self):
        for url in %(urls)r:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        if not response.body.strip():
            again = retry_later(response, "empty page", self)
            if again is None:
                self.crawler.stats.inc_value("test/gave_up_empty")
            else:
                yield again
            return
        yield {"url": response.url, "retry_times": response.meta.get("retry_times", 0)}

    def closed(self, reason):
        with open("stats.json", "w") as f:
            json.dump(self.crawler.stats.get_stats(), f, default=str)
'''


def run_crawl(server: FlakyServer, workdir: Path, paths, **settings) -> dict:
    urls = [server.base_url + path for path in paths]
    values = {"retry_times": RETRY_TIMES, "base": BASE, "retry_after_max": RETRY_AFTER_MAX, "urls": urls}
    (workdir / "flaky.py").write_text(SPIDER % values, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}  # no project settings
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    extra = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "scrapy", "runspider", "flaky.py", *extra], cwd=workdir,
                            env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    log = (workdir / "crawl.log").read_text(encoding="utf-8") if (workdir / "crawl.log").exists() else ""
    assert result.returncode == 0, (result.stderr + log)[-4000:]
    items = [json.loads(line) for line in (workdir / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    stats = json.loads((workdir / "stats.json").read_text(encoding="utf-8"))
    return {"items": {item["url"][len(server.base_url):]: item for item in items}, "stats": stats,
            "log": log, "hits": dict(server.hits), "elapsed": elapsed}


def waits_logged(log: str, path: str) -> list[tuple[int, float, float]]:
    """(attempt, wait, backoff ceiling) from the middleware's DEBUG lines for *path*."""
    pattern = re.compile(r"Retry (\d+) of <GET http://127\.0\.0\.1:\d+" + re.escape(path)
                         + r"> in ([\d.]+)s \(backoff ceiling ([\d.]+)s")
    return [(int(a), float(w), float(c)) for a, w, c in pattern.findall(log)]


def gaps(hits) -> list[float]:
    """Seconds from each answer (failure) to the next request for the same path, at the server."""
    return [nxt[0] - prev[1] for prev, nxt in zip(hits, hits[1:])]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    with FlakyServer(PLANS) as server:
        return run_crawl(server, tmp_path_factory.mktemp("retry"), list(PLANS))


def test_page_failing_its_first_three_requests_comes_out_in_the_same_run(crawled):
    hits = crawled["hits"]["/three"]
    assert [what for _, _, what in hits] == ["reset", "truncated", "429", OK]
    assert crawled["items"]["/three"]["retry_times"] == 3
    stats = crawled["stats"]
    # each kind of failure was retried, under Scrapy's own retry stats
    assert stats["retry/reason_count/scrapy.exceptions.DownloadFailedError"] >= 1  # reset
    assert stats["retry/reason_count/scrapy.exceptions.ResponseDataLossError"] == 1  # truncated body
    assert stats["retry/reason_count/429 Unknown Status"] >= 1  # (Twisted knows no 429 phrase)
    for path in ("/retry-after", "/retry-after-date", "/retry-after-far", "/empty"):
        assert path in crawled["items"], path


def test_retry_after_seconds_is_waited_out_at_the_server(crawled):
    (_, failed_at, what), (retried_at, _, _) = crawled["hits"]["/retry-after"]
    assert what == "503 retry-after 1"
    assert retried_at - failed_at >= 0.95
    assert retried_at - failed_at < 3  # and not much more: the floor is 1 s, the backoff ceiling 0.05 s
    # the three Retry-After pages, and the first answer of the page asking for a day every time
    assert crawled["stats"]["newscrawl/retry/retry_after_honoured"] == 4


def test_retry_after_http_date_is_waited_out(crawled):
    (_, failed_at, _), (retried_at, _, _) = crawled["hits"]["/retry-after-date"]
    assert retried_at - failed_at >= 0.9  # "now + 2 s" to the second: between 1 and 2 s


def test_retry_after_beyond_the_bound_waits_the_bound_and_says_so(crawled):
    (_, failed_at, _), (retried_at, _, _) = crawled["hits"]["/retry-after-far"]
    assert RETRY_AFTER_MAX - 0.05 <= retried_at - failed_at < RETRY_AFTER_MAX + 1.5  # not an hour
    assert "Retry-After 3600s for <GET " in crawled["log"]
    assert f"beyond NEWSCRAWL_RETRY_AFTER_MAX: waiting {RETRY_AFTER_MAX:g}s" in crawled["log"]
    assert crawled["stats"]["newscrawl/retry/retry_after_capped"] == 2  # and the page asking for a day


def test_a_server_asking_twice_beyond_the_bound_is_left_for_the_next_run(crawled):
    """One bounded wait, then no more retries in this run (five waits of the bound held a run
    for ten minutes)."""
    hits = crawled["hits"]["/retry-after-far-always"]
    assert len(hits) == 2
    assert RETRY_AFTER_MAX - 0.05 <= hits[1][0] - hits[0][1] < RETRY_AFTER_MAX + 1.5
    assert "/retry-after-far-always" not in crawled["items"]
    assert crawled["stats"]["newscrawl/retry/retry_after_deferred"] == 1
    assert "Retry-After 86400s again for <GET " in crawled["log"] and "stays open for the next run" in crawled["log"]


def test_the_wait_does_not_block_other_requests(crawled):
    (_, failed_at, _), (retried_at, _, _) = crawled["hits"]["/retry-after"]
    others = [start for path, hits in crawled["hits"].items() if path != "/retry-after" for start, _, _ in hits]
    assert any(failed_at < start < retried_at for start in others)


def test_backoff_ceilings_double_and_the_server_sees_the_waits(crawled):
    hits = crawled["hits"]["/always"]
    logged = waits_logged(crawled["log"], "/always")
    assert [attempt for attempt, _, _ in logged] == [1, 2, 3, 4, 5]
    assert [ceiling for _, _, ceiling in logged] == pytest.approx([BASE * 2 ** n for n in range(5)])
    assert all(0 <= wait <= ceiling for _, wait, ceiling in logged)
    # full jitter: each wait is random below its ceiling, so they need not grow one by one; the
    # server saw each retry no sooner than its wait (a little slack for the clock and the loop)
    assert len(gaps(hits)) == 5
    for gap, (_, wait, _) in zip(gaps(hits), logged):
        assert gap >= wait - 0.02
    assert sum(gaps(hits)) >= sum(wait for _, wait, _ in logged) - 0.05
    assert crawled["stats"]["newscrawl/retry/delayed"] >= 5


def test_page_that_always_fails_gives_up_after_retry_times(crawled):
    hits = crawled["hits"]["/always"]
    assert len(hits) == RETRY_TIMES + 1
    assert "/always" not in crawled["items"]
    stats = crawled["stats"]
    assert stats["retry/reason_count/500 Internal Server Error"] == RETRY_TIMES + 2  # /always, and /shared's two
    assert stats["retry/max_reached"] == 2  # /always, /shared
    assert re.search(r"ERROR: Gave up retrying <GET http://127\.0\.0\.1:\d+/always> \(failed 6 times\): "
                     r"500 Internal Server Error", crawled["log"])


def test_retry_later_from_a_callback_retries_an_empty_page(crawled):
    assert [what for _, _, what in crawled["hits"]["/empty"]] == ["empty", "empty", OK]
    assert crawled["items"]["/empty"]["retry_times"] == 2
    logged = waits_logged(crawled["log"], "/empty")
    assert [attempt for attempt, _, _ in logged] == [1, 2]
    assert "empty page" in crawled["log"]
    assert crawled["stats"]["retry/reason_count/empty page"] >= 2


def test_retry_later_shares_the_attempt_count_with_the_middleware(crawled):
    # two 500s retried by the middleware, then empty pages retried from the callback: RETRY_TIMES in all
    hits = crawled["hits"]["/shared"]
    assert [what for _, _, what in hits] == ["500", "500"] + ["empty"] * (RETRY_TIMES - 1)
    assert crawled["stats"]["test/gave_up_empty"] == 1
    assert [attempt for attempt, _, _ in waits_logged(crawled["log"], "/shared")] == [1, 2, 3, 4, 5]
    assert re.search(r"Gave up retrying <GET http://127\.0\.0\.1:\d+/shared> \(failed 6 times\): empty page",
                     crawled["log"])


def test_scrapy_retry_stats_and_counts_add_up(crawled):
    stats = crawled["stats"]
    reasons = sum(v for k, v in stats.items() if k.startswith("retry/reason_count/"))
    assert stats["retry/count"] == reasons
    server_retries = sum(len(h) - 1 for h in crawled["hits"].values())
    assert stats["retry/count"] == server_retries  # every retry reached the server, none twice
    assert stats["newscrawl/retry/delayed"] == stats["retry/count"]


def test_without_asyncio_reactor_the_wait_still_works(tmp_path):
    """scrapy.utils.asyncio.sleep falls back to Twisted's deferLater on a non-asyncio reactor."""
    plans = {"/retry-after": PLANS["/retry-after"], "/three": PLANS["/three"]}
    with FlakyServer(plans) as server:
        crawled = run_crawl(server, tmp_path, list(plans),
                            TWISTED_REACTOR="twisted.internet.selectreactor.SelectReactor")
    assert "Using reactor: twisted.internet.selectreactor.SelectReactor" in crawled["log"]
    (_, failed_at, _), (retried_at, _, _) = crawled["hits"]["/retry-after"]
    assert retried_at - failed_at >= 0.95
    assert set(crawled["items"]) == {"/retry-after", "/three"}


@pytest.mark.parametrize(("value", "seconds"), [
    (b"1", 1.0), ("  120 ", 120.0), ("2.5", 2.5), ("", None), (None, None), ("soon", None), ("-3", None),
    ("Wed, 01 Jan 2025 00:00:30 GMT", 30.0), ("Tue, 31 Dec 2024 23:59:00 GMT", 0.0),
])
def test_parse_retry_after(value, seconds):
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after(value, now=now) == seconds


def test_truncated_body_let_through_is_retried_too(tmp_path):
    """DOWNLOAD_FAIL_ON_DATALOSS=False: Scrapy passes the cut body on flagged "dataloss"; it is retried."""
    plans = {"/cut": ["truncated", "truncated"]}
    with FlakyServer(plans) as server:
        crawled = run_crawl(server, tmp_path, list(plans), DOWNLOAD_FAIL_ON_DATALOSS=False)
    assert [what for _, _, what in crawled["hits"]["/cut"]] == ["truncated", "truncated", OK]
    assert crawled["items"]["/cut"]["retry_times"] == 2
    assert crawled["stats"]["retry/reason_count/dataloss"] == 2
