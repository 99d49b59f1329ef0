"""Fault injection in the mirror: each fault kind is really served, deterministically per seed."""

from __future__ import annotations

import argparse
import http.client
import math
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from scrapy.exceptions import UsageError

from newscrawl.commands.mirror import add_fault_options, add_mirror_options, describe_faults, fault_plan
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.faults import (HUGE_SIZE, KINDS, LOOP_PARAM, PERMANENT, FaultPlan, OffsiteRecorder, category,
                                     path_key)
from newscrawl.mirror.server import MirrorServer, route, serve


@pytest.fixture(scope="module")
def site():
    return MirrorSite(articles=60)


@pytest.fixture(scope="module")
def article_paths(site):
    return [path for paths in site.expected_stories().values() for path in paths]


@contextmanager
def mirror(site, plan):
    with MirrorServer(site, faults=plan) as server:
        yield server


def only(kind: str, seed: int = 1, **extra) -> FaultPlan:
    """A plan where every path its category allows gets *kind*."""
    offsite = extra.pop("offsite_base", None)
    return FaultPlan(seed, rate=1.0, offsite_base=offsite, kinds=[kind],
                     permanent_rate=1.0 if kind in PERMANENT else 0.0, **extra)


def get(server, path: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, body) over http.client: no redirect following, no retries."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, quote(path, safe="/?=&-"), headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# --- the plan ---------------------------------------------------------------------------------
def test_plan_is_deterministic_per_seed(site, article_paths):
    paths = article_paths + ["/", "/rss", "/health/rss.xml", site.listing_path("314"),
                             site.listing_path("314") + "?page=2", "/sitemap.xml"]
    first, again, other = FaultPlan(5, rate=0.5), FaultPlan(5, rate=0.5), FaultPlan(6, rate=0.5)
    assert [first.spec(p) for p in paths] == [again.spec(p) for p in reversed(paths)][::-1]
    assert [first.fault_for(p) for p in paths] != [other.fault_for(p) for p in paths]
    # spellings of one path: percent-encoded, trailing slash; an AMP copy shares its page's kind
    path = article_paths[3]
    assert first.spec(quote(path)) == first.spec(path + "/") == first.spec(path)
    assert first.fault_for("/amp" + path) == first.fault_for(path)
    assert category("/robots.txt") == "exempt" and first.spec("/robots.txt") is None
    assert category(path) == category("/amp" + path) == "article"
    assert category("/rss") == category("/health/rss.xml") == "feed"
    assert category("/") == category(site.listing_path("36") + "?page=3") == "page"
    assert path_key(f"/x/?page=2&{LOOP_PARAM}=1") == "/x?page=2"


def test_permanent_faults_are_rare_and_only_on_articles(site):
    synthetic = [f"/{section}/{n:06d}-خبر-{n}" for n in range(20_000) for section in ("314",)]
    plan = FaultPlan(11, rate=1.0, offsite_base="http://127.0.0.2:1")
    share = sum(plan.unobtainable(p) for p in synthetic) / len(synthetic)
    assert 0.005 < share <= 0.03
    pages = ["/", "/rss", "/home/rss.xml", "/sitemap.xml"] + [site.listing_path(sid) for sid, _, _ in site.sections]
    for seed in range(100):
        always = FaultPlan(seed, rate=1.0, permanent_rate=1.0, offsite_base="http://127.0.0.2:1")
        assert not any(always.unobtainable(p) for p in pages)
        assert not any(always.unobtainable(p + "?page=2") for p in pages)
    assert FaultPlan(1, rate=0.0).assignments(synthetic[:500]) == {"none": 500}


def test_obtainable_stories_need_one_canonical_path(site):
    stories = site.expected_stories()
    plan = FaultPlan(3, rate=0.5, permanent_rate=0.5)
    obtainable, lost = plan.obtainable_stories(site), plan.unobtainable_stories(site)
    assert set(obtainable) | set(lost) == set(stories) and not set(obtainable) & set(lost)
    assert lost and all(all(plan.unobtainable(p) for p in paths) for paths in lost.values())
    # a republished story whose first copy is broken for good is still obtainable from the other
    mixed = [paths for paths in obtainable.values() if len(paths) > 1 and any(plan.unobtainable(p) for p in paths)]
    assert mixed, "seed 3 should break one copy of a republished story"


def test_bad_arguments():
    with pytest.raises(ValueError):
        FaultPlan(1, rate=1.5)
    with pytest.raises(ValueError, match="unknown"):
        FaultPlan(1, kinds=["5xx", "meteor"])
    with pytest.raises(ValueError, match="offsite_base"):
        FaultPlan(1, kinds=["offsite_redirect"])
    assert "offsite_redirect" not in FaultPlan(1).kinds
    assert FaultPlan(1, max_failures=1).max_transient_failures == 1
    assert FaultPlan(1).max_transient_failures == 3


# --- each kind, over real HTTP ---------------------------------------------------------------
@pytest.mark.parametrize("kind, statuses", [("5xx", {500, 502, 503}), ("503_retry_after", {503}), ("429", {429})])
def test_error_statuses_then_the_page(site, article_paths, kind, statuses):
    plan = only(kind)
    path = article_paths[1]
    failures = plan.failing_attempts(path)
    assert failures in ((1, 2, 3) if kind == "5xx" else (1, 2))
    with mirror(site, plan) as server:
        for attempt in range(int(failures)):
            status, headers, _ = get(server, path)
            assert status in statuses, (attempt, status)
            if kind != "5xx":
                assert headers["Retry-After"] == "1"
        status, headers, body = get(server, path)
        assert status == 200 and site.find(path).headline in body.decode()
        listing = site.listing_path("314") + "?page=2"  # listings get faults too
        assert get(server, listing)[0] in statuses
        assert get(server, "/robots.txt")[0] == 200
    assert plan.counts() == {kind: int(failures) + 1}
    assert plan.attempts(path) == failures + 1


def test_reset_closes_without_a_response(site, article_paths):
    plan = only("reset")
    path = article_paths[2]
    with mirror(site, plan) as server:
        for _ in range(int(plan.failing_attempts(path))):
            with socket.create_connection((server.host, server.port), timeout=5) as raw:
                raw.sendall(f"GET {quote(path)} HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
                with pytest.raises(ConnectionResetError):  # an RST, not an orderly close
                    raw.recv(1024) or raw.recv(1024)
        assert get(server, path)[0] == 200
        home_failures = plan.failing_attempts("/")
        with pytest.raises(ConnectionResetError):  # http.client sees it too (RemoteDisconnected is one)
            get(server, "/")
        for _ in range(int(home_failures) - 1):
            with pytest.raises(ConnectionResetError):
                get(server, "/")
        assert get(server, "/")[0] == 200


def test_truncate_sends_part_of_the_promised_body(site, article_paths):
    plan = only("truncate")
    path = article_paths[4]
    full = route(site, "http://x", path)[2]
    with mirror(site, plan) as server:
        for _ in range(int(plan.failing_attempts(path))):
            conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
            conn.request("GET", quote(path))
            response = conn.getresponse()
            assert response.status == 200
            promised = int(response.getheader("Content-Length"))
            with pytest.raises(http.client.IncompleteRead) as caught:
                response.read()
            assert 0 < len(caught.value.partial) < promised
            assert response.getheader("ETag") is None
            conn.close()
        status, headers, body = get(server, path)
        assert status == 200 and int(headers["Content-Length"]) == len(body) == promised
        assert site.find(path).headline in body.decode()
    assert len(body) == len(full.replace(b"http://x", f"http://{server.host}:{server.port}".encode()))


@pytest.mark.parametrize("kind", ["garbage", "empty"])
def test_junk_200_on_the_first_attempt_only(site, article_paths, kind):
    plan = only(kind)
    path = article_paths[5]
    with mirror(site, plan) as server:
        status, headers, body = get(server, path)
        assert status == 200 and headers["Content-Type"].startswith("text/html") and "ETag" not in headers
        if kind == "empty":
            assert body == b""
        else:
            assert len(body) == 4096 and site.find(path).headline.encode() not in body
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
        status, headers, body = get(server, path)
        assert status == 200 and "ETag" in headers and site.find(path).headline in body.decode()
    assert FaultPlan(1).garbage(path) == FaultPlan(1).garbage(path) != FaultPlan(2).garbage(path)


def test_latency_delays_every_answer(site, article_paths):
    plan = only("latency")
    path = min(article_paths[:20], key=lambda p: plan.spec(p).delay)
    delay = plan.spec(path).delay
    assert 0.2 <= delay <= 1.0 and plan.failing_attempts(path) == 0
    with mirror(site, plan) as server:
        for _ in range(2):
            started = time.monotonic()
            status, _, body = get(server, path)
            assert status == 200 and time.monotonic() - started >= delay
            assert site.find(path).headline in body.decode()
    assert plan.counts() == {"latency": 2}


def test_redirect_loop_forever(site, article_paths):
    plan = only("redirect_loop")
    to_self = next(p for p in article_paths if plan.spec(p).variant == 0)
    pair = next(p for p in article_paths if plan.spec(p).variant == 1)
    assert plan.unobtainable(to_self) and plan.unobtainable("/amp" + to_self)
    with mirror(site, plan) as server:
        base = server.base_url
        for _ in range(3):
            status, headers, _ = get(server, to_self)
            assert status == 302 and headers["Location"] == base + quote(to_self)
        status, headers, _ = get(server, pair)
        assert status == 302 and headers["Location"] == f"{base}{quote(pair)}?{LOOP_PARAM}=1"
        status, headers, _ = get(server, f"{pair}?{LOOP_PARAM}=1")
        assert status == 302 and headers["Location"] == base + quote(pair)
        with pytest.raises(urllib.error.HTTPError, match="infinite loop"):
            urllib.request.urlopen(base + quote(pair), timeout=5)
        assert get(server, "/")[0] == 200  # only article pages get permanent faults
        assert get(server, site.listing_path("314"))[0] == 200


def test_offsite_redirect_points_at_offsite_base(site, article_paths):
    with OffsiteRecorder() as offsite:
        plan = only("offsite_redirect", offsite_base=offsite.base_url)
        path = article_paths[6]
        assert plan.unobtainable(path)
        with mirror(site, plan) as server:
            status, headers, _ = get(server, path)
            assert status == 302 and headers["Location"] == offsite.base_url + quote(path)
            with urllib.request.urlopen(server.base_url + quote(path), timeout=5) as response:
                assert b"offsite" in response.read()
        assert [(m, p) for m, p, _ in offsite.requests] == [("GET", quote(path))]
        assert offsite.base_url.split("//")[1].split(":")[0] != server.host  # another host name


def test_huge_page_forever(site, article_paths):
    plan = only("huge")
    path = article_paths[7]
    assert plan.unobtainable(path) and plan.failing_attempts(path) == math.inf
    with mirror(site, plan) as server:
        status, headers, _ = get(server, path, method="HEAD")
        assert status == 200 and int(headers["Content-Length"]) == HUGE_SIZE > 10 * 1024 * 1024
        status, headers, body = get(server, path)
        assert status == 200 and len(body) == HUGE_SIZE and body.endswith(b"-->")
        assert site.find(path).headline in body[:200_000].decode()
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)  # a client that gives up
        conn.request("GET", quote(path))
        assert int(conn.getresponse().getheader("Content-Length")) == HUGE_SIZE
        conn.close()
        assert get(server, "/")[0] == 200
    assert plan.counts() == {"huge": 3}


def test_cut_rss_always_and_only_feeds(site, article_paths):
    plan = only("cut_rss")
    whole = route(site, "http://x", "/rss")[2]
    with mirror(site, plan) as server:
        for _ in range(2):
            status, headers, body = get(server, "/rss")
            assert status == 200 and int(headers["Content-Length"]) == len(body)
            assert b"<item>" in body and not body.rstrip().endswith(b"</rss>") and len(body) < len(whole)
            body.decode("utf-8")  # cut on a character boundary
        assert get(server, "/health/rss.xml")[2].rstrip().endswith(b"</rss>") is False
        assert plan.fault_for(article_paths[0]) is None and plan.fault_for("/") is None
        assert get(server, article_paths[0])[0] == 200


def test_attempts_are_counted_across_threads(site, article_paths):
    plan = FaultPlan(1, rate=1.0, kinds=["5xx"], permanent_rate=0.0)
    path = next(p for p in article_paths if plan.failing_attempts(p) == 3)
    statuses = []
    with mirror(site, plan) as server:
        threads = [threading.Thread(target=lambda: statuses.append(get(server, path)[0])) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses.count(200) == 2 and len(statuses) == 5
    assert plan.counts() == {"5xx": 3} and plan.attempts(path) == 5
    assert "served: 5xx 3" in plan.describe() and "seed=1" in plan.describe()
    plan.reset()
    assert plan.attempts(path) == 0 and plan.counts() == {}


def test_a_mixed_plan_serves_every_kind(site):
    """Default kinds over a small site: everything is answered, faults are logged."""
    with OffsiteRecorder() as offsite:
        plan = FaultPlan(4, rate=0.6, offsite_base=offsite.base_url, permanent_rate=0.1,
                         weights={"latency": 0, "huge": 0})
        with mirror(site, plan) as server:
            for path in ["/", "/rss", site.listing_path("36")] + [a.path for a in site.latest(20)]:
                for _ in range(4):
                    try:
                        get(server, path)
                    except (ConnectionError, http.client.HTTPException):
                        pass
    served = plan.counts()
    assert set(served) <= set(KINDS) and len(served) >= 5
    assert sum(served.values()) == len(plan.events)


# --- the server without faults ----------------------------------------------------------------
def test_no_faults_serves_exactly_route(site, article_paths):
    assert MirrorServer(site).faults is None
    server = serve(site)
    try:
        for path in ["/", "/rss", "/robots.txt", site.listing_path("314") + "?page=2", article_paths[0], "/nope"]:
            status, headers, body = get(server, path)
            expected = route(site, f"http://{server.host}:{server.port}", quote(path, safe="/?=&-"))
            assert (status, headers["Content-Type"], body) == expected
            if status == 200:
                assert get(server, path, headers={"If-None-Match": headers["ETag"]})[0] == 304
    finally:
        server.stop()


# --- the command line -------------------------------------------------------------------------
def _options(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_mirror_options(parser)
    add_fault_options(parser)
    return parser.parse_args(list(argv))


def test_command_options(site):
    assert fault_plan(_options()) is None
    plan = fault_plan(_options("--faults", "9", "--fault-rate", "0.5", "--fault-kinds", "5xx,reset"))
    assert (plan.seed, plan.rate, plan.kinds) == (9, 0.5, frozenset({"5xx", "reset"}))
    assert fault_plan(_options("--faults", "9", "--offsite-base", "http://127.0.0.2:9/")).offsite_base == \
        "http://127.0.0.2:9"
    with pytest.raises(UsageError):
        fault_plan(_options("--fault-rate", "0.5"))
    with pytest.raises(UsageError):
        fault_plan(_options("--faults", "1", "--fault-kinds", "nope"))
    with pytest.raises(UsageError, match="no_more is aimed at one page"):  # a plan would never draw it
        fault_plan(_options("--faults", "1", "--fault-kinds", "5xx,no_more"))
    text = describe_faults(FaultPlan(9, rate=0.5), site)
    assert text.startswith("Faults ON: FaultPlan(seed=9") and "stories never obtainable" in text
