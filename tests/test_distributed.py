"""Shared crawls: several ``scrapy crawl`` workers on one Redis (``NEWSCRAWL_REDIS_URL``).

Real parts only: a real redis-server (``redis_server`` in conftest.py), the mirror, and worker
processes run, killed and restarted as a user would. The mirror records which worker
(``USER_AGENT=worker-N``) fetched which page. The promise under test: the union of the
workers' feeds holds every article of a single-process crawl exactly once, however workers
end, and a later run fetches no article page again.

Kill points are random; the seed is printed on failure and can be fixed with
``NEWSCRAWL_TEST_SEED``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.sites.network import classify_path
from tests.conftest import CRAWL_ENV, crawl, crawl_args, feed_items, story_counts, written_lines

SEED = int(os.environ.get("NEWSCRAWL_TEST_SEED", time.time_ns() % 100_000))
SITE = MirrorSite(articles=40)
# Short waits, so a test does not sit idle: a worker ends 1 s after the shared frontier empties,
# and a worker silent for 2 s is dead (its requests go back to the queue).
WORKER_SETTINGS = ("-s", "NEWSCRAWL_REDIS_IDLE_SECONDS=1", "-s", "NEWSCRAWL_REDIS_WORKER_TIMEOUT=2",
                   # Two requests at a time, 50 ms apart: long enough a crawl for two workers to share.
                   "-s", "CONCURRENT_REQUESTS=2", "-s", "DOWNLOAD_DELAY=0.05", "-s", "NEWSCRAWL_ARCHIVE=",
                   "-s", "NEWSCRAWL_MONITOR_REPORT=")


def is_article(path: str) -> bool:
    return classify_path(unquote(urlsplit(path).path)) in ("article", "opinion")


class RecordingMirror(MirrorServer):
    """The mirror, noting (user agent, path) of every request."""

    def __init__(self, site: MirrorSite):
        super().__init__(site)
        self.requests: list[tuple[str, str]] = []
        lock = threading.Lock()
        log = self.requests
        base = self.httpd.RequestHandlerClass

        def _respond(handler, with_body):
            with lock:
                log.append((handler.headers.get("User-Agent", ""), handler.path))
            base._respond(handler, with_body)

        self.httpd.RequestHandlerClass = type("Recording", (base,), {"_respond": _respond})

    def article_fetches(self, since: int = 0) -> dict[str, list[str]]:
        """Worker user agent -> article paths it fetched, among requests[since:]."""
        fetched: dict[str, list[str]] = {}
        for agent, path in self.requests[since:]:
            if is_article(path):
                fetched.setdefault(agent, []).append(path)
        return fetched


@pytest.fixture(scope="module")
def mirror_site():
    with RecordingMirror(SITE) as server:
        yield server


@pytest.fixture(scope="module")
def reference(mirror_site, tmp_path_factory):
    """What one process without Redis keeps: story -> 1."""
    items, stats, _ = crawl(mirror_site.base_url, tmp_path_factory.mktemp("reference"), "-s", "NEWSCRAWL_ARCHIVE=")
    assert stats["finish_reason"] == "finished"
    counts = story_counts(items, SITE)
    assert counts == {story: 1 for story in SITE.expected_stories()}
    return counts


def start_worker(base_url: str, work: Path, redis_url: str, name: str, *extra: str) -> subprocess.Popen:
    work.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(crawl_args(base_url, "-s", f"NEWSCRAWL_REDIS_URL={redis_url}", "-s", f"USER_AGENT={name}",
                                       *WORKER_SETTINGS, *extra),
                            cwd=work, env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, work: Path) -> dict:
    _, log = process.communicate(timeout=180)
    assert process.returncode == 0, log[-3000:]
    stats = json.loads((work / "stats.json").read_text("utf-8"))
    assert stats["finish_reason"] == "finished", log[-3000:]
    assert "DeprecationWarning" not in log, "warnings about scrapy-redis a user can do nothing about"
    return stats


def run_workers(mirror: RecordingMirror, root: Path, redis_url: str, count: int = 2) -> list[dict]:
    workers = [(start_worker(mirror.base_url, root / f"w{n}", redis_url, f"worker-{n}"), root / f"w{n}")
               for n in range(count)]
    return [finish(process, work) for process, work in workers]


def all_items(root: Path) -> list[dict]:
    return [item for work in sorted(root.iterdir()) if work.is_dir() for item in feed_items(work)]


def assert_each_once(items: list[dict], reference: dict, context: str) -> None:
    counts = story_counts(items, SITE)
    twice = {s: n for s, n in counts.items() if n > 1}
    assert not twice, f"written more than once ({context}): {list(twice)[:5]}"
    unexpected = [s for s in counts if s.startswith("UNEXPECTED")]
    assert not unexpected, f"not an article of the site ({context}): {unexpected[:5]}"
    missing = sorted(set(reference) - set(counts))
    assert not missing, f"{len(missing)} article(s) lost ({context}): {missing[:5]}"


@pytest.fixture(scope="module")
def first_run(mirror_site, reference, redis_server, tmp_path_factory):
    """Two workers crawl the mirror together: (redis URL, workers' root, their stats, article fetches)."""
    redis_url = f"{redis_server}/60"
    root = tmp_path_factory.mktemp("shared")
    since = len(mirror_site.requests)
    stats = run_workers(mirror_site, root, redis_url)
    return redis_url, root, stats, mirror_site.article_fetches(since)


def test_two_workers_share_the_crawl_and_keep_each_article_once(first_run, reference):
    redis_url, root, stats, fetched = first_run
    assert_each_once(all_items(root), reference, "two workers")
    assert sorted(s["newscrawl/redis/seeder"] for s in stats) == [0, 1], "exactly one worker seeds the run"
    total = sum(len(paths) for paths in fetched.values())
    for agent in ("worker-0", "worker-1"):
        assert len(fetched.get(agent, [])) >= total / 5, f"{agent} did too little: {[len(p) for p in fetched.values()]}"
    # The shared filter: no article page fetched by both workers (a page failing with 500 is retried by its one worker).
    by_page = {}
    for agent, paths in fetched.items():
        for path in set(paths):
            by_page.setdefault(path, set()).add(agent)
    assert not [p for p, agents in by_page.items() if len(agents) > 1], "an article page was fetched by two workers"
    # Each worker's rolling feed comes from the shared store: the last to leave saw every article.
    rolling = [len(json.loads((root / w / "feeds" / "almaghrib.json").read_text("utf-8"))["items"]) for w in ("w0", "w1")]
    assert max(rolling) == len(reference)


def test_export_reads_the_shared_store(first_run, reference, tmp_path):
    redis_url, *_ = first_run
    out = tmp_path / "out.jsonl"
    result = subprocess.run([sys.executable, "-m", "scrapy", "export", "almaghrib", "-o", str(out),
                             "-s", f"NEWSCRAWL_REDIS_URL={redis_url}"], cwd=tmp_path, env=CRAWL_ENV,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    exported = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert story_counts(exported, SITE) == reference
    dates = [item.get("date_published") or "" for item in exported]
    assert dates == sorted(dates), "oldest first, as from SQLite"


def test_a_second_distributed_run_of_the_unchanged_site_fetches_no_article_page(first_run, mirror_site):
    redis_url, root, _, _ = first_run
    # Only pages no crawl can settle (the mirror answers some with 500 for ever) may be asked again.
    obtainable = {path for paths in SITE.expected_stories().values() for path in paths}
    since = len(mirror_site.requests)
    stats = run_workers(mirror_site, root, redis_url)
    again = {unquote(urlsplit(path).path) for paths in mirror_site.article_fetches(since).values() for path in paths}
    assert not again & obtainable, f"article pages fetched again: {sorted(again & obtainable)[:5]}"
    assert sum(s.get("item_scraped_count", 0) for s in stats) == 0


def _kill_when(process: subprocess.Popen, work_root: Path, items: int, deadline: float = 120) -> int:
    started = time.time()
    while process.poll() is None and time.time() - started < deadline:
        if sum(written_lines(w) for w in work_root.iterdir() if w.is_dir()) >= items:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return sum(written_lines(w) for w in work_root.iterdir() if w.is_dir())


def test_a_worker_killed_halfway_and_started_again_loses_and_repeats_nothing(mirror_site, reference, redis_db,
                                                                             tmp_path):
    survivor = start_worker(mirror_site.base_url, tmp_path / "w0", redis_db, "worker-0")
    victim = start_worker(mirror_site.base_url, tmp_path / "w1", redis_db, "worker-1")
    written = _kill_when(victim, tmp_path, len(reference) // 2)
    assert written < len(reference), "the kill must land mid-crawl"
    again = start_worker(mirror_site.base_url, tmp_path / "w1", redis_db, "worker-1")
    stats = [finish(survivor, tmp_path / "w0"), finish(again, tmp_path / "w1")]
    assert_each_once(all_items(tmp_path), reference, f"SIGKILL after {written} items")
    assert sum(s.get("newscrawl/redis/reclaimed", 0) for s in stats) > 0, "the killed worker's requests came back"


def test_random_kills_of_every_worker_then_later_runs_complete_the_site_once(mirror_site, reference, redis_db,
                                                                             tmp_path):
    """Both workers killed at random points (the seeder too, perhaps while seeding); the next run
    of two workers completes the site, and a third adds nothing."""
    rng = random.Random(SEED)
    workers = [start_worker(mirror_site.base_url, tmp_path / f"w{n}", redis_db, f"worker-{n}") for n in range(2)]
    points = []
    for process in workers:
        points.append(_kill_when(process, tmp_path, rng.randint(0, len(reference) * 2 // 3),
                                 deadline=rng.uniform(1.0, 6.0)))
    for _ in range(2):
        stats = run_workers(mirror_site, tmp_path, redis_db)
    assert sum(s.get("item_scraped_count", 0) for s in stats) == 0, "the third run emitted again"
    assert_each_once(all_items(tmp_path), reference, f"kills after {points} items, seed {SEED}")


def _as_killed_after_claiming(redis_url: str, work: Path, *, written: bool) -> str:
    """Leave *work*'s worker as a SIGKILL between claiming its last article and recording it kept
    leaves it (*written*: after its feed got the line, else before): the article unrecorded in
    Redis, its claim in the name of the worker's feed files. Returns the article's URL."""
    import sqlite3

    import redis as redis_py

    client = redis_py.Redis.from_url(redis_url, decode_responses=True)
    feed = max((work / "feeds").rglob("*[0-9].jsonl"))
    lines = [line for line in feed.read_text("utf-8").splitlines(keepends=True) if line.endswith("\n")]
    articles = "newscrawl:state:articles:almaghrib"
    kept = {json.loads(v)["url"]: k for k, v in client.hscan_iter(articles)}
    # The last line the kill left recorded (the kill itself may have landed in this very window).
    line = next(line for line in reversed(lines) if json.loads(line)["url"] in kept)
    url = json.loads(line)["url"]
    key = kept[url]
    client.hdel(articles, key)
    client.hset(f"newscrawl:state:page:{key}", "status", "pending")
    client.sadd("newscrawl:state:open:almaghrib", key)
    with sqlite3.connect(work / "state" / "state.sqlite") as db:
        journal = db.execute("SELECT value FROM about WHERE name = 'journal'").fetchone()[0]
    client.hset("newscrawl:almaghrib:claims", key, f"{journal}\tkilled-worker\t{time.time()}")
    if not written:
        feed.write_text("".join(other for other in lines if other is not line), "utf-8")
    return url


@pytest.mark.parametrize("written", [True, False], ids=["in-its-feed", "not-yet-in-its-feed"])
def test_an_article_a_killed_worker_claimed_is_written_once_by_whoever_comes_next(mirror_site, reference, redis_db,
                                                                                 tmp_path, written):
    """The kill between claiming an article and recording it kept: the killed worker's feed may
    hold it, and only that worker reads its feed back. Another worker must not write it in the
    meantime (it did: the claim of a dead worker was void, and the article came out twice once
    the killed worker started again); the killed worker, started again, records it from its feed
    or fetches it again: once, nothing lost."""
    victim = tmp_path / "w0"
    _kill_when(start_worker(mirror_site.base_url, victim, redis_db, "worker-0"), tmp_path, len(reference) // 3)
    url = _as_killed_after_claiming(redis_db, victim, written=written)
    # Another worker crawls the rest while the victim is down: it holds the claimed article back.
    other = finish(start_worker(mirror_site.base_url, tmp_path / "w1", redis_db, "worker-1"), tmp_path / "w1")
    assert other.get("newscrawl/dedupe/held_for_stopped_worker", 0) >= 1, url
    assert url not in {item["url"] for item in feed_items(tmp_path / "w1")}
    # The victim again, beside a new run of the other: its feed read back, its claim released.
    again = [(start_worker(mirror_site.base_url, tmp_path / name, redis_db, name.replace("w", "worker-")),
              tmp_path / name) for name in ("w1", "w0")]
    stats = [finish(process, work) for process, work in again]
    # Read back from its feed, the article is kept (which ends its claim); not in it, the claim is
    # released and the article fetched again.
    # (a kill that landed between a claim and its keep on its own adds one to these)
    assert stats[1].get("newscrawl/redis/claims_released", 0) >= (0 if written else 1)
    assert stats[1].get("newscrawl/resume/recovered_items", 0) >= (1 if written else 0)
    import redis as redis_py

    assert not redis_py.Redis.from_url(redis_db).exists("newscrawl:almaghrib:claims"), "claims end"
    assert_each_once(all_items(tmp_path), reference, f"claimed {url}, {'in' if written else 'not in'} the feed")


def frontier_keys(redis_url: str) -> dict[str, object]:
    """The shared frontier's keys and their sizes (or values), to say why a worker waits."""
    from newscrawl.distributed import connect

    client = connect(redis_url, decode=True)
    shown = {}
    for key in sorted(client.scan_iter("newscrawl:almaghrib:*")):
        kind = client.type(key)
        shown[key] = (client.zrange(key, 0, -1, withscores=True)[:3] if kind == "zset" and "workers" in key
                      else client.zcard(key) if kind == "zset" else client.scard(key) if kind == "set"
                      else client.get(key) if kind == "string" else kind)
    return shown


def test_a_redis_restart_mid_crawl_hangs_no_worker_and_the_next_run_completes_the_site(mirror_site, reference,
                                                                                      tmp_path):
    """Redis restarted (its data kept) while requests are in flight: the workers ride out the
    errors and end on their own; what the outage cut short comes out in the next run, once."""
    from conftest import start_redis

    redis_dir, root = tmp_path / "redis", tmp_path / "workers"
    redis_dir.mkdir()
    server, port = start_redis(redis_dir, persistent=True)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        workers = [start_worker(mirror_site.base_url, root / f"w{n}", url, f"worker-{n}") for n in range(2)]
        started = time.time()
        while sum(written_lines(w) for w in root.iterdir() if w.is_dir()) < len(reference) // 4:
            assert time.time() - started < 60, "the workers wrote too little to cut the crawl"
            time.sleep(0.05)
        server.terminate()  # SIGTERM: Redis writes its append-only file and exits
        server.wait(timeout=30)
        # Down longer than the worker timeout (2 s): whoever beats first declares the others dead
        # and reclaims their requests, as a slow restart or failover does in production.
        time.sleep(3)
        server, _ = start_redis(redis_dir, port=port, persistent=True)
        logs = []
        for number, process in enumerate(workers):
            try:
                logs.append(process.communicate(timeout=120)[1])
            except subprocess.TimeoutExpired:  # the hang: say where the worker was
                process.send_signal(signal.SIGKILL)
                _, log = process.communicate()
                lines = [line for line in log.splitlines() if line[:4].isdigit()]  # log records, no tracebacks
                pytest.fail(f"worker-{number} still running 120 s after the restart; the frontier's keys: "
                            f"{frontier_keys(url)}; its log:\n" + "\n".join(lines))
        # Redis may have lost writes (it did not here: appendfsync always): the run's walks earn
        # nothing. A worker that finished says so; one that stopped because the store refused a
        # write during the outage ("write_failed") is no finished run and records no walk anyway.
        assert all("its listing walks and feed validators are not recorded" in log
                   or "Spider closed (write_failed)" in log for log in logs), logs[0][-3000:]
        run_workers(mirror_site, root, url)
    finally:
        server.kill()
    assert_each_once(all_items(root), reference, "Redis restarted mid-crawl, then a second run")


def test_a_read_only_replica_is_one_line_and_nothing_is_crawled(mirror_site, tmp_path):
    from conftest import start_redis

    (tmp_path / "primary").mkdir()
    (tmp_path / "replica").mkdir()
    primary, primary_port = start_redis(tmp_path / "primary")
    replica, replica_port = start_redis(tmp_path / "replica", "--replicaof", "127.0.0.1", str(primary_port))
    try:
        result = subprocess.run(crawl_args(mirror_site.base_url, "-s", f"NEWSCRAWL_REDIS_URL=redis://127.0.0.1:"
                                           f"{replica_port}/0"), cwd=tmp_path, env=CRAWL_ENV, capture_output=True,
                                text=True, timeout=120)
    finally:
        replica.kill()
        primary.kill()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "is a read-only replica: name the primary" in errors[0], result.stderr[-2000:]
    assert ".." not in errors[0]


def _wait_for_a_quarter(work: Path, reference) -> None:
    """Until the worker in *work* has written a quarter of the site."""
    started = time.time()
    while written_lines(work) < len(reference) // 4:
        assert time.time() - started < 60, "the worker wrote too little"
        time.sleep(0.05)


def _ended_by_itself(worker: subprocess.Popen, work: Path, timeout: float, cause: str) -> tuple[str, dict]:
    """The worker's log and final stats, once it has ended on its own within *timeout* s."""
    try:
        _, log = worker.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        pytest.fail(f"the worker kept waiting on {cause}")
    return log, json.loads((work / "stats.json").read_text("utf-8"))


def test_a_redis_out_of_memory_mid_crawl_stops_the_worker_and_the_next_run_completes_the_site(
        mirror_site, reference, tmp_path):
    """Redis answers but refuses every write: no outage that passes by itself. The worker stops
    (finish reason redis_refused, one error line) instead of waiting for ever; once memory is
    raised, the next run writes what was left, each article once."""
    import redis as redis_py
    from conftest import start_redis

    (tmp_path / "redis").mkdir()
    server, port = start_redis(tmp_path / "redis")
    url = f"redis://127.0.0.1:{port}/0"
    admin = redis_py.Redis(port=port)
    work = tmp_path / "w0"
    try:
        worker = start_worker(mirror_site.base_url, work, url, "worker-0")
        _wait_for_a_quarter(work, reference)
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", 1)
        log, stats = _ended_by_itself(worker, work, 90, "a Redis that refuses every write")
        assert stats["finish_reason"] == "redis_refused", log[-3000:]
        assert "refuses writes: it is out of memory" in log
        admin.config_set("maxmemory", 0)
        finish(start_worker(mirror_site.base_url, work, url, "worker-0"), work)
    finally:
        server.kill()
    assert_each_once(feed_items(work), reference, "Redis out of memory, then a run with memory")
    assert sum(story_counts(feed_items(work), SITE).values()) == len(reference)


def test_a_redis_gone_for_good_mid_crawl_stops_the_worker_and_loses_nothing(mirror_site, reference, tmp_path):
    """Redis stops answering and does not come back (adversary round 14: the worker waited for
    ever). Past NEWSCRAWL_REDIS_OUTAGE_SECONDS the worker stops by itself: finish reason
    redis_lost, one error line, exit status 1. With Redis back (its append-only file), the
    next run completes the site, each article once."""
    from conftest import start_redis

    (tmp_path / "redis").mkdir()
    server, port = start_redis(tmp_path / "redis", persistent=True)
    url = f"redis://127.0.0.1:{port}/0"
    work = tmp_path / "w0"
    try:
        worker = start_worker(mirror_site.base_url, work, url, "worker-0", "-s", "NEWSCRAWL_REDIS_OUTAGE_SECONDS=3")
        _wait_for_a_quarter(work, reference)
        server.kill()
        server.wait()
        log, stats = _ended_by_itself(worker, work, 120, "a Redis that is gone")
        assert worker.returncode == 1, log[-3000:]
        assert stats["finish_reason"] == "redis_lost", log[-3000:]
        assert "has not answered for" in log
        server, _ = start_redis(tmp_path / "redis", port=port, persistent=True)
        finish(start_worker(mirror_site.base_url, work, url, "worker-0"), work)
    finally:
        server.kill()
    assert_each_once(feed_items(work), reference, "Redis gone mid-crawl, then back")
    assert sum(story_counts(feed_items(work), SITE).values()) == len(reference)


def test_a_flushed_redis_is_said_at_the_start_of_the_next_run(mirror_site, redis_db, tmp_path):
    """Redis flushed between runs (adversary round 14): the next run emits every article again,
    as it must with no state, but says why at its start instead of leaving it to be found out."""
    import redis as redis_py

    work = tmp_path / "w0"
    stats = finish(start_worker(mirror_site.base_url, work, redis_db, "worker-0"), work)
    assert stats["item_scraped_count"] > 0 and "newscrawl/redis/state_lost" not in stats
    redis_py.Redis.from_url(redis_db).flushdb()
    process = start_worker(mirror_site.base_url, work, redis_db, "worker-0")
    stats = finish(process, work)
    assert stats["newscrawl/redis/state_lost"] > 0


@pytest.mark.parametrize("marker", ["Enabled spider middlewares", "Title dedupe state"])
def test_a_redis_lost_while_the_worker_starts_is_one_error_line(mirror_site, tmp_path, marker):
    """Redis killed between the command's check and the engine's start (adversary round 14: an
    asyncio traceback ending in "Engine slot not assigned"): one Error: line, exit status 1."""
    from conftest import start_redis

    (tmp_path / "redis").mkdir()
    server, port = start_redis(tmp_path / "redis")
    worker = start_worker(mirror_site.base_url, tmp_path / "w0", f"redis://127.0.0.1:{port}/0", "worker-0")
    lines = []
    try:
        for line in worker.stderr:
            lines.append(line)
            if marker in line:
                server.kill()
                break
        rest = worker.communicate(timeout=60)[1]
    finally:
        server.kill()
        worker.kill()
    log = "".join(lines) + rest
    assert any(marker in line for line in lines), log[-3000:]
    assert worker.returncode == 1, log[-3000:]
    assert "Error: lost Redis while the crawl was starting" in log and "Traceback" not in log, log[-3000:]


# --- the frontier's scripts, step by step (a real Redis; no crawl) -----------------------------
def _frontier(redis_url: str, worker: str, **options):
    from newscrawl.distributed import connect
    from newscrawl.distributed.scheduler import Frontier

    return Frontier(connect(redis_url), "spider", worker, timeout=2, **options)


def _stall(frontier) -> None:
    """*frontier*'s worker missed its heartbeats (its last one is ages old)."""
    frontier.client.zadd(frontier.workers_key, {frontier.worker_id: 0})


def test_a_worker_declared_dead_after_the_others_ended_the_run_still_ends(redis_db):
    """The hang a Redis restart caused: worker B's heartbeat is late, A reclaims it, finds the
    frontier empty and leaves as the run's last worker, clearing the run's keys, seeded mark
    and all. B comes back: it must see an empty frontier, not wait for a seeding nobody does."""
    a, b = _frontier(redis_db, "A"), _frontier(redis_db, "B")
    assert a.register()[0] and not b.register()[0]
    a.seeding_done()
    assert b.take_seeding() == -1
    _stall(b)
    a.beat()  # reclaims B
    assert a.empty() and a.leave(), "A was the last worker: it clears the run"
    reclaimed, declared_dead = b.beat()
    assert declared_dead
    assert b.empty(), "B waits for ever for a run that has ended"
    assert b.leave()


def test_a_worker_back_from_the_dead_does_not_cut_a_new_runs_seeding_short(redis_db):
    a, b, c = _frontier(redis_db, "A"), _frontier(redis_db, "B"), _frontier(redis_db, "C")
    a.register()
    b.register()
    a.seeding_done()
    b.take_seeding()
    _stall(b)
    a.beat()
    a.leave()
    assert c.register()[0], "C starts a new run and seeds it"
    assert b.beat()[1]
    assert not b.empty() and not c.empty(), "seeding is under way: nobody may end"
    assert c.take_seeding() != -1
    c.seeding_done()
    assert b.empty() and c.empty()


def test_a_request_taken_whose_answer_was_lost_goes_back_to_the_queue(redis_db):
    """Redis moved a request to the worker's taken set but the answer never reached the worker
    (redis-py sends a script again after a cut connection): put back when the worker is idle."""
    a = _frontier(redis_db, "A")
    a.register()
    a.seeding_done()
    a.client.zadd(a.requests_key, {b"request-1": 0})
    assert a.pop() == b"request-1"  # the answer, dropped on the floor
    assert not a.empty(), "a taken request keeps the frontier open"
    assert a.return_orphans() == 1
    assert a.queued() == 1 and not a.empty()
    assert a.pop() == b"request-1"
    a.finish([b"request-1"])
    assert a.empty() and a.return_orphans() == 0


def test_one_article_held_by_two_workers_is_written_by_one_and_a_stopped_ones_claim_holds_until_released(redis_db):
    """A claim outlives its worker: the stopped worker's feed may hold the article, and only
    that worker's next run (same journal: the same directory) reads it back and releases it."""
    a, b = _frontier(redis_db, "A"), _frontier(redis_db, "B")
    a.register()
    b.register()
    assert a.claim("site/1/story") and a.claim("site/1/story"), "a worker's own claim holds"
    refused = b.claim("site/1/story")
    assert not refused and refused.stopped_journal is None, "a live worker's claim holds others off"
    assert b.claim("site/2/other")
    _stall(a)
    held = b.claim("site/1/story")
    assert not held and held.stopped_journal == "A", "a stopped worker's claim still holds"
    a.leave()
    assert b.leave()
    assert b.client.hexists(b.claims_key, "site/1/story"), "claims outlive the run"
    again = _frontier(redis_db, "A-next-run", journal="A")  # the same directory, a new process
    again.register()
    assert again.claim("site/1/story"), "the journal's own claim"
    assert sorted(again.release_claims()) == ["site/1/story"]
    assert b.claim("site/1/story"), "released: free for the others"
    assert b.client.hexists(b.claims_key, "site/2/other"), "another journal's claims stay"


def test_a_stopped_workers_claim_is_void_after_the_claim_hold(redis_db):
    a, b = _frontier(redis_db, "A"), _frontier(redis_db, "B", claim_hold=0.5)
    a.register()
    b.register()
    assert a.claim("site/1/story")
    _stall(a)
    assert not b.claim("site/1/story")
    time.sleep(0.6)
    taken = b.claim("site/1/story")
    assert taken and taken.stopped_journal == "A" and taken.claimed_at is not None, "expired: taken over, and said so"
    assert not a.claim("site/1/story"), "the live taker's claim holds the first owner off"


def test_a_database_that_is_not_a_number_is_refused(redis_server):
    from newscrawl.distributed import RedisUnavailable, connect

    with pytest.raises(RedisUnavailable, match="names database 'abc': it must be a number"):
        connect(f"{redis_server}/abc")
    assert connect(f"{redis_server}/3").ping()


# --- the title store: two processes, one story each once -------------------------------------
def _judge(redis_url: str, headlines: list[str], queue, start_together) -> None:
    from datetime import datetime, timezone

    from newscrawl.dedupe import RedisTitleStore, TitleDeduper
    from newscrawl.distributed import connect

    deduper = TitleDeduper(RedisTitleStore(connect(redis_url)))
    when = datetime(2025, 3, 1, tzinfo=timezone.utc)
    start_together.wait(timeout=60)  # a process slow to start (busy CI) would otherwise judge alone
    kept = []
    for headline in headlines:
        if deduper.check_and_add(headline, f"https://x.test/{os.getpid()}/{headline}", when).kind == "new":
            kept.append(headline)
        time.sleep(0.005)  # a judging of some 0.8 s, not a few ms: a process scheduled late still overlaps
    queue.put(kept)


def test_two_processes_judging_the_same_titles_at_once_keep_each_story_once(redis_db):
    headlines = [f"وزير الداخلية يفتتح مشروع رقم {n} في مدينة الرباط" for n in range(150)]
    context = multiprocessing.get_context("spawn")
    queue, start_together = context.Queue(), context.Barrier(2)
    processes = [context.Process(target=_judge, args=(redis_db, order, queue, start_together))
                 for order in (headlines, list(reversed(headlines)))]
    for process in processes:
        process.start()
    kept = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    together = sorted(kept[0] + kept[1])
    assert together == sorted(headlines), "every story kept exactly once between the two processes"
    assert kept[0] and kept[1], "both processes judged titles at the same time"


# --- the switch ------------------------------------------------------------------------------
def test_without_the_switch_nothing_changes():
    from scrapy.settings import Settings

    from newscrawl import settings as project
    from newscrawl.distributed import apply_settings

    before = Settings()
    before.setmodule(project)
    after = before.copy()
    apply_settings(after)
    assert after.copy_to_dict() == before.copy_to_dict()


def test_an_unreachable_redis_is_one_line_and_nothing_is_crawled(mirror_site, tmp_path):
    result = subprocess.run(crawl_args(mirror_site.base_url, "-s", "NEWSCRAWL_REDIS_URL=redis://127.0.0.1:1/0"),
                            cwd=tmp_path, env=CRAWL_ENV, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot reach Redis at redis://127.0.0.1:1/0" in errors[0], result.stderr[-2000:]
    assert not (tmp_path / "feeds").exists()
