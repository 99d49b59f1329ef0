"""Fault injection for the mirror: a hostile server, deterministic per seed.

A ``FaultPlan`` decides, from its seed and a request's path alone (never from thread timing or
request order), which fault a path gets and on which attempts; ``MirrorServer(site, faults=plan)``
serves them. Crawl tests use it to prove that every *obtainable* article is kept exactly once.

Fault kinds (``KINDS``)
-----------------------
Transient: the first attempts of a path fail, then it is served normally (``failures`` below
is per path, drawn from the range, capped by ``max_failures``):

- ``5xx``: 500, 502 or 503 (drawn per attempt) with a small HTML body, for 1–3 attempts;
- ``503_retry_after`` / ``429``: 503 / 429 with ``Retry-After: 1`` (seconds), for 1–2 attempts;
- ``reset``: no response at all, the socket closed with SO_LINGER 0 (a TCP RST), 1–2 attempts;
- ``truncate``: status line and headers with the full Content-Length, then only 30–70 % of the
  body, then the connection closed, for 1–2 attempts;
- ``short_length``: 200 with only 30–70 % of the body and a Content-Length stating that cut
  length (a server or proxy that lies about its page: the answer is whole at the HTTP level,
  only the page can tell), for 1–2 attempts;
- ``garbage``: 200 ``text/html`` whose body is 4 KiB of random binary bytes, first attempt only;
- ``empty``: 200 ``text/html`` with an empty body, first attempt only;
- ``latency``: every attempt waits 0.2–1.0 s (fixed per path), then is served normally.

Faulty 200 responses (garbage, empty, truncate, short_length, cut_rss, huge) carry no ETag, so a conditional
request never turns a faulty body into a "304 Not Modified" later.

Permanent (every attempt, forever; ``PERMANENT``), article pages only:

- ``redirect_loop``: 302 to itself, or (half of the paths, by seed) a two-URL loop
  ``P`` → ``P?nc-loop=1`` → ``P`` …
- ``offsite_redirect``: 302 to ``offsite_base + P`` (the raw request target, percent-encoding
  kept). Only enabled when ``offsite_base`` is given. ``OffsiteRecorder`` is a ready-made server
  for it that records what reaches it. Scrapy's offsite filter compares host *names*, not ports:
  give the offsite server another host name than the mirror's (``OffsiteRecorder`` binds
  127.0.0.2, a different name than 127.0.0.1).
- ``huge``: a 200 page of ~12 MB (``HUGE_SIZE``, above the crawler's 10 MB DOWNLOAD_MAXSIZE),
  sent with its Content-Length: the normal page followed by a 12 MB HTML comment. Chosen
  permanent (not first-attempt-only) so the "page too big" branch is exercised on every retry;
  a crawler without a size limit would find the article in it, one with the 10 MB limit never.

Feeds only, every attempt: ``cut_rss``: the RSS document cut mid-way (at 40–80 %, on a UTF-8
boundary), sent as a complete HTTP response (its Content-Length is the cut length). Feeds are
no articles; every article stays reachable from listings.

Which requests: every request (GET and HEAD; HEAD never gets a body) except ``/robots.txt``.
Paths are classified by the mirror's URL grammar: *article* (``/314/HHMMSS-slug``,
``/w-1046/HHMMSS-slug``, their ``/amp/`` copies), *feed* (``/rss``, ``…/rss.xml``) and *page*
(everything else: home, listings and their ``?page=N``, sitemaps, opinion indexes). Pages and
feeds only get transient faults (and feeds ``cut_rss``), so no listing, first page or not, and
not the home page, is ever lost for good, provided the crawler retries enough: a path fails at
most ``plan.max_transient_failures`` times in a row, so ``RETRY_TIMES >= that`` lets Scrapy's
retry middleware through every 5xx/429/reset/truncate fault. (``garbage`` and ``empty`` are
200s: no retry middleware retries them; the crawler has to notice.)

Keys: a path is identified by its decoded path without trailing slash, plus the query string
(``/314-slug?page=2`` and ``/314-slug`` are different paths); the host name is ignored. The
*kind* of an ``/amp/X`` path is decided as for ``X`` (an AMP copy shares its page's fault, so a
permanently broken article cannot be fetched through its AMP copy either); attempts are counted
per request path, so ``/amp/X`` and ``X`` count separately. Attempt counters are shared by all
threads (a lock), so two concurrent requests of one path are attempts 1 and 2.

Obtainable stories
------------------
``site.expected_stories()`` maps a story to the paths it is served under: its original page
and, for republished stories, a second page (another URL, its own ``rel=canonical``). AMP copies
are not listed: their canonical page is one of those paths, and they share its fault. So a
story is *obtainable* iff at least one of its listed (canonical) paths is: a crawler that finds
the original permanently broken can still keep the story from its republished copy (listings
link both), and must then keep it once. ``plan.obtainable_stories(site)`` computes exactly that;
``plan.unobtainable(path)`` answers for one path. Permanent faults hit ``permanent_rate`` of
article paths (default 1.5 %: binomial, so a 300-article site may see a few more or less), so
a story is lost only when all its paths are.

Example::

    plan = FaultPlan(seed=7, rate=0.3, offsite_base=recorder.base_url)
    with MirrorServer(site, faults=plan) as server:
        ...crawl server.base_url with RETRY_TIMES >= plan.max_transient_failures...
    expected = plan.obtainable_stories(site)     # story -> paths, as site.expected_stories()
    print(plan.describe())                       # settings and faults served so far
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable
from urllib.parse import unquote, urlsplit

TRANSIENT_KINDS = ("5xx", "503_retry_after", "429", "reset", "truncate", "short_length", "garbage", "empty",
                   "latency")
PERMANENT = frozenset({"redirect_loop", "offsite_redirect", "huge"})
FEED_KINDS = ("cut_rss",)
# Aimed at one page only (``OnePathFault``), never drawn by a plan: a listing page served whole
# but without its "more" link (a server's passing fault that only the page's content shows).
AIMED_KINDS = ("no_more",)
KINDS = TRANSIENT_KINDS + ("redirect_loop", "offsite_redirect", "huge") + FEED_KINDS + AIMED_KINDS
"""Every fault kind, in a stable order."""

FAILURES = {"5xx": (1, 3), "503_retry_after": (1, 2), "429": (1, 2), "reset": (1, 2), "truncate": (1, 2),
            "short_length": (1, 2),
            "garbage": (1, 1), "empty": (1, 1), "latency": (0, 0)}
"""Transient kinds: (fewest, most) failing attempts of a path."""

WEIGHTS = {"5xx": 3, "503_retry_after": 1, "429": 1, "reset": 2, "truncate": 2, "short_length": 1, "garbage": 1,
           "empty": 1, "latency": 2, "redirect_loop": 1, "offsite_redirect": 1, "huge": 1, "cut_rss": 4}
"""Default relative weights when a faulty path's kind is drawn (among the kinds its category allows)."""

HUGE_SIZE = 12 * 1024 * 1024
LOOP_PARAM = "nc-loop"
RETRY_AFTER = "1"

_ARTICLE = re.compile(r"^/(?:amp/)?(?:\d{1,4}|w-\d+)/\d{6}-[^/?#]+$")
_FEED = re.compile(r"^/rss$|/rss\.xml$")


def path_key(raw_path: str) -> str:
    """A request target as the plan identifies it: decoded path, no trailing slash, the query
    (decoded, without the redirect loop's marker) appended."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path).rstrip("/") or "/"
    query = "&".join(p for p in parts.query.split("&") if p and p.split("=", 1)[0] != LOOP_PARAM)
    return path + ("?" + unquote(query) if query else "")


def category(raw_path: str) -> str:
    """``exempt`` (robots.txt), ``article``, ``feed`` or ``page`` (home, listings, the rest)."""
    path = path_key(raw_path).split("?", 1)[0]
    if path == "/robots.txt":
        return "exempt"
    if _ARTICLE.match(path):
        return "article"
    if _FEED.search(path):
        return "feed"
    return "page"


@dataclass(frozen=True)
class FaultSpec:
    """What a path gets, for every attempt: pure function of (seed, path)."""

    kind: str
    failures: float
    """Attempts that get the fault (``math.inf``: every attempt); later attempts are normal."""
    delay: float = 0.0
    """Seconds to wait before answering (``latency``), on every attempt."""
    fraction: float = 0.5
    """Share of the body sent (``truncate``) or kept (``cut_rss``)."""
    variant: int = 0
    """``redirect_loop``: 0 redirects to itself, 1 loops over two URLs."""

    @property
    def permanent(self) -> bool:
        return self.kind in PERMANENT


@dataclass(frozen=True)
class Fault:
    """What one attempt of a path gets (returned by ``FaultPlan.on_request``)."""

    kind: str
    attempt: int
    """1-based attempt number of this request's path."""
    spec: FaultSpec
    status: int | None = None
    """Status for the status-code faults (5xx, 503_retry_after, 429, redirects), else None."""

    @property
    def delay(self) -> float:
        return self.spec.delay


class FaultPlan:
    """Deterministic fault injection for ``MirrorServer`` (see the module docstring).

    - *seed*: the same seed gives the same faults on the same paths.
    - *rate*: share of (non-exempt) paths that get a fault of any kind.
    - *offsite_base*: e.g. ``http://127.0.0.2:8123``; enables ``offsite_redirect``.
    - *permanent_rate*: share of article paths whose fault is permanent (part of *rate*);
      default ``min(0.015, rate / 10)``.
    - *kinds*: the kinds to serve (default every kind; ``offsite_redirect`` only with
      *offsite_base*).
    - *weights*: relative weights overriding ``WEIGHTS``.
    - *max_failures*: caps the failing attempts of transient kinds (default: no cap, i.e. 3).
    """

    def __init__(self, seed: int, rate: float = 0.2, offsite_base: str | None = None, *,
                 permanent_rate: float | None = None, kinds: Iterable[str] | None = None,
                 weights: dict[str, float] | None = None, max_failures: int | None = None):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        if permanent_rate is None:
            permanent_rate = min(0.015, rate / 10)
        if not 0.0 <= permanent_rate <= 1.0:
            raise ValueError(f"permanent_rate must be between 0 and 1, got {permanent_rate}")
        if max_failures is not None and max_failures < 1:
            raise ValueError(f"max_failures must be at least 1, got {max_failures}")
        chosen = set(KINDS if kinds is None else kinds)
        unknown = chosen - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kind(s): {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}")
        if offsite_base is None:
            if kinds is not None and "offsite_redirect" in chosen:
                raise ValueError("offsite_redirect needs offsite_base")
            chosen.discard("offsite_redirect")
        self.seed = int(seed)
        self.rate = float(rate)
        self.permanent_rate = float(permanent_rate)
        self.offsite_base = offsite_base.rstrip("/") if offsite_base else None
        self.kinds = frozenset(chosen)
        self.weights = {k: float(w) for k, w in {**WEIGHTS, **(weights or {})}.items() if k in self.kinds and w > 0}
        self.max_failures = max_failures
        self._lock = threading.Lock()
        self._attempts: Counter[str] = Counter()
        self._served: Counter[str] = Counter()
        self.events: list[tuple[str, int, str]] = []
        """(path key, attempt, kind) of every faulty response served, in serving order."""

    # --- the deterministic part ------------------------------------------------------------
    def _uniform(self, key: str, salt: str) -> float:
        digest = hashlib.blake2b(f"{self.seed}\x00{salt}\x00{key}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def _pick(self, key: str, kinds: Iterable[str]) -> str | None:
        options = [(k, self.weights[k]) for k in KINDS if k in kinds and k in self.weights]
        total = sum(w for _, w in options)
        if not options or total <= 0:
            return None
        point = self._uniform(key, "kind") * total
        for kind, weight in options:
            point -= weight
            if point < 0:
                return kind
        return options[-1][0]

    def spec(self, path: str) -> FaultSpec | None:
        """The fault *path* (a raw request target or a decoded path) gets, or None."""
        cat = category(path)
        if cat == "exempt":
            return None
        key = path_key(path)
        if cat == "article" and key.startswith("/amp/"):
            key = key[4:]  # an AMP copy shares its page's fault
        draw = self._uniform(key, "rate")
        kind = None
        if cat == "article" and draw < self.permanent_rate:
            kind = self._pick(key, PERMANENT)  # None if no permanent kind is enabled
        if kind is None and draw < self.rate:
            kind = self._pick(key, TRANSIENT_KINDS + (FEED_KINDS if cat == "feed" else ()))
        if kind is None:
            return None
        if kind in FAILURES:
            low, high = FAILURES[kind]
            failures: float = low + int(self._uniform(key, "failures") * (high - low + 1))
            if self.max_failures is not None:
                failures = min(failures, self.max_failures)
        else:
            failures = math.inf
        delay = round(0.2 + 0.8 * self._uniform(key, "delay"), 3) if kind == "latency" else 0.0
        fraction = {"truncate": 0.3 + 0.4 * self._uniform(key, "fraction"),
                    "short_length": 0.3 + 0.4 * self._uniform(key, "fraction"),
                    "cut_rss": 0.4 + 0.4 * self._uniform(key, "fraction")}.get(kind, 0.5)
        return FaultSpec(kind, failures, delay, fraction, int(self._uniform(key, "variant") * 2))

    def fault_for(self, path: str) -> str | None:
        """The kind of fault *path* gets, or None."""
        spec = self.spec(path)
        return spec.kind if spec else None

    def unobtainable(self, path: str) -> bool:
        """True if the page at *path* can never be fetched (a permanent fault)."""
        spec = self.spec(path)
        return spec is not None and spec.permanent

    def failing_attempts(self, path: str) -> float:
        """How many attempts of *path* get a fault: 0 (none, or latency only), a small int, or
        ``math.inf`` (permanent and ``cut_rss``)."""
        spec = self.spec(path)
        return spec.failures if spec else 0

    @property
    def max_transient_failures(self) -> int:
        """The most consecutive failing attempts a transient fault gives a path: a crawler with
        ``RETRY_TIMES`` at least this gets every retryable transient fault through."""
        most = max((FAILURES[k][1] for k in self.weights if k in FAILURES), default=0)
        return min(most, self.max_failures) if self.max_failures is not None else most

    def obtainable_stories(self, site) -> dict[str, list[str]]:
        """``site.expected_stories()`` without the stories none of whose paths is obtainable."""
        return {story: paths for story, paths in site.expected_stories().items()
                if not all(self.unobtainable(p) for p in paths)}

    def unobtainable_stories(self, site) -> dict[str, list[str]]:
        """The stories of ``site.expected_stories()`` that no crawler can keep under this plan."""
        return {story: paths for story, paths in site.expected_stories().items()
                if all(self.unobtainable(p) for p in paths)}

    def assignments(self, paths: Iterable[str]) -> Counter[str]:
        """How many of *paths* get each kind (``none`` for no fault)."""
        return Counter(self.fault_for(p) or "none" for p in paths)

    def find(self, kind: str, paths: Iterable[str]) -> str | None:
        """The first of *paths* that gets *kind*, or None (handy for tests)."""
        return next((p for p in paths if self.fault_for(p) == kind), None)

    # --- the stateful part -----------------------------------------------------------------
    def on_request(self, raw_path: str) -> Fault | None:
        """Count an attempt of *raw_path* and return the fault it gets, or None (serve normally).
        ``latency`` faults are returned too: wait ``fault.delay``, then serve normally."""
        spec = self.spec(raw_path)
        key = path_key(raw_path)
        with self._lock:
            self._attempts[key] += 1
            attempt = self._attempts[key]
        if spec is None or (spec.kind != "latency" and attempt > spec.failures):
            return None
        status = None
        if spec.kind == "5xx":
            status = (500, 502, 503)[int(self._uniform(f"{key}#{attempt}", "status") * 3)]
        elif spec.kind == "503_retry_after":
            status = 503
        elif spec.kind == "429":
            status = 429
        elif spec.kind in ("redirect_loop", "offsite_redirect"):
            status = 302
        with self._lock:
            self._served[spec.kind] += 1
            self.events.append((key, attempt, spec.kind))
        return Fault(spec.kind, attempt, spec, status)

    def attempts(self, path: str) -> int:
        """Requests of *path* seen so far."""
        with self._lock:
            return self._attempts[path_key(path)]

    def counts(self) -> dict[str, int]:
        """Faulty responses served so far, per kind (latency counts its delayed responses)."""
        with self._lock:
            return dict(self._served)

    def reset(self) -> None:
        """Forget attempts and counts: the next request of every path is attempt 1 again."""
        with self._lock:
            self._attempts.clear()
            self._served.clear()
            self.events.clear()

    def describe(self) -> str:
        """The plan's settings and the faults served so far, for logs and test failures."""
        kinds = ", ".join(f"{k} ({self._failures_text(k)})" for k in KINDS if k in self.weights)
        served = self.counts()
        lines = [f"FaultPlan(seed={self.seed}, rate={self.rate:g}, permanent_rate={self.permanent_rate:g}"
                 f"{f', max_failures={self.max_failures}' if self.max_failures else ''})",
                 f"  kinds: {kinds or 'none'}",
                 f"  offsite redirects to: {self.offsite_base or '(off: no offsite_base)'}",
                 "  served: " + (", ".join(f"{k} {served[k]}" for k in KINDS if k in served) or "nothing yet")]
        return "\n".join(lines)

    def _failures_text(self, kind: str) -> str:
        if kind == "latency":
            return "0.2-1 s, always"
        if kind not in FAILURES:
            return "feeds, always" if kind == "cut_rss" else "articles, permanent"
        low, high = FAILURES[kind]
        if self.max_failures is not None:
            low, high = min(low, self.max_failures), min(high, self.max_failures)
        return f"{low}-{high} attempts" if low != high else f"{low} attempt{'s' if low > 1 else ''}"

    def __repr__(self) -> str:
        return (f"FaultPlan(seed={self.seed}, rate={self.rate:g}, offsite_base={self.offsite_base!r}, "
                f"permanent_rate={self.permanent_rate:g})")

    # --- bodies ------------------------------------------------------------------------------
    def garbage(self, raw_path: str, size: int = 4096) -> bytes:
        """Deterministic random bytes for a ``garbage`` response."""
        rng = random.Random(f"{self.seed}:{path_key(raw_path)}")
        return bytes(rng.getrandbits(8) for _ in range(size))


def cut(body: bytes, fraction: float) -> bytes:
    """*body* cut at *fraction* of its length, backed off to a UTF-8 character boundary, never
    empty and never whole (for a body of two bytes or more)."""
    point = min(max(1, int(len(body) * fraction)), max(1, len(body) - 1))
    while point > 1 and (body[point] & 0xC0) == 0x80:
        point -= 1
    return body[:point]


class OnePathFault(FaultPlan):
    """A server that misbehaves on exactly one path (*kind* on its first attempt only), for
    tests that aim one fault at one page: a listing's "more" page, a sitemap."""

    def __init__(self, kind: str, target: str):
        super().__init__(0, rate=0.0, kinds=[kind])
        self.target = path_key(target)
        self.the_kind = kind

    def spec(self, path: str) -> FaultSpec | None:
        return FaultSpec(self.the_kind, 1) if path_key(path) == self.target else None


class OffsiteRecorder:
    """A tiny server standing for "another site": records every request it receives
    (``requests``: list of (method, raw path, Host header)) and answers 200 with a short page.
    Use its ``base_url`` as a ``FaultPlan``'s *offsite_base*. Binds 127.0.0.2 where it can (a
    host name other than the mirror's 127.0.0.1, which Scrapy's offsite filter needs), else
    127.0.0.1 with the name ``localhost``."""

    def __init__(self, host: str = "127.0.0.2", port: int = 0):
        recorder = self
        self.requests: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def _record(self, with_body: bool) -> None:
                with recorder._lock:
                    recorder.requests.append((self.command, self.path, self.headers.get("Host")))
                body = b"<html><body><h1>offsite</h1><p>not the mirror</p></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                self._record(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._record(False)

            def log_message(self, format: str, *args) -> None:
                pass

        try:
            self.httpd = ThreadingHTTPServer((host, port), Handler)
            name = host
        except OSError:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            name = "localhost"
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{name}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="offsite-recorder", daemon=True)

    def start(self) -> "OffsiteRecorder":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "OffsiteRecorder":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


__all__ = ["FaultPlan", "FaultSpec", "Fault", "OffsiteRecorder", "KINDS", "AIMED_KINDS", "PERMANENT", "TRANSIENT_KINDS",
           "FEED_KINDS", "FAILURES", "WEIGHTS", "HUGE_SIZE", "LOOP_PARAM", "path_key", "category", "cut"]
