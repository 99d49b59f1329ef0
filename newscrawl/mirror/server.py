"""The mirror's HTTP server: a real server on a loopback port, standard library only.

``serve(site)`` starts it in a background thread (tests, ``scrapy demo``);
``scrapy mirror`` runs it in the foreground. Given a ``faults.FaultPlan``, the server turns
hostile: error statuses, connection resets, truncated and garbage bodies, slow answers, redirect
loops (see ``newscrawl.mirror.faults``); without one it serves every page faithfully.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from newscrawl.mirror import pages
from newscrawl.mirror.content import SECTION_FEEDS, MirrorSite
from newscrawl.mirror.faults import HUGE_SIZE, LOOP_PARAM, Fault, FaultPlan, cut
from newscrawl.sites import NETWORK_SITES
from newscrawl.sites.network import classify_path

_LISTING = re.compile(r"^/(?P<section>\d{1,4})-[^/]+?(?:/page/(?P<page>\d{1,4}))?/?$")
# The other places a listing's next pages live in (MirrorSite.pagination): section and page in the query.
_LISTING_ELSEWHERE = {"/home/loadmore": "page", "/listing": "p"}
_WRITER = re.compile(r"^/w-(?P<writer>\d+)-more/?$")
_SECTION_FEED = re.compile(r"^/(?P<key>[a-z]+)/rss\.xml$")
_SITEMAP_PAGE = re.compile(r"^/sitemap-(?P<n>\d+)\.xml$")
# The site-wide feed under each name a network site's start_paths use (/ar/rss: arabstoday,
# /ar/rss/: palestinetoday); tests/test_mirror.py checks every start path of every site is served.
SITE_FEEDS = frozenset({"/rss", "/rss/", "/ar/rss", "/ar/rss/"})
SITEMAP = "application/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
XML = "application/rss+xml; charset=utf-8"


def route(site: MirrorSite, base: str, raw_path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) for a request path; pure, so tests can call it directly."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path)
    query = parse_qs(parts.query)
    if path == "/robots.txt":
        return 200, "text/plain; charset=utf-8", pages.robots_txt(base).encode()
    if path == "/sitemap.xml":
        return 200, SITEMAP, pages.sitemap_index(site, base).encode()
    if path == "/sitemap-news.xml":
        return 200, SITEMAP, pages.sitemap_urls(site, base, site.latest(50), news=True).encode()
    sitemap_page = _SITEMAP_PAGE.match(path)
    if sitemap_page:
        start = (int(sitemap_page["n"]) - 1) * pages.SITEMAP_PAGE_SIZE
        chunk = site.all_pages(start, pages.SITEMAP_PAGE_SIZE)
        if chunk:
            return 200, SITEMAP, pages.sitemap_urls(site, base, chunk, news=False).encode()
    if path == "/":
        return 200, HTML, pages.home_page(site, base).encode()
    if path in SITE_FEEDS:
        return 200, XML, pages.rss_feed(site, base, site.latest(60), title=site.label).encode()
    if path == "/home/rss.xml":
        return 200, XML, pages.rss_feed(site, base, site.latest(40), title=site.label, truncate=True).encode()
    feed = _SECTION_FEED.match(path)
    if feed:
        section = next((sid for sid, key in SECTION_FEEDS.items() if key == feed["key"]), None)
        if section:
            entries = site.section_page(section, 1) + site.section_page(section, 2)
            return 200, XML, pages.rss_feed(site, base, entries, title=f"{site.label} - {feed['key']}").encode()
    if path.rstrip("/") == "/2013-09-13-14-42-41":
        return 200, HTML, pages.opinion_index(site, base).encode()
    writer = _WRITER.match(path)
    if writer:
        return 200, HTML, pages.opinion_index(site, base, writer["writer"]).encode()
    listing = _LISTING.match(path)
    section, number = (listing["section"], listing["page"] or query.get("page", ["1"])[0]) if listing else (None, "1")
    if path in _LISTING_ELSEWHERE:
        section, number = query.get("section", [None])[0], query.get(_LISTING_ELSEWHERE[path], ["1"])[0]
    if section in {sid for sid, _, _ in site.sections}:
        try:
            page = max(1, int(number))
        except ValueError:
            page = 1
        html = pages.listing_page(site, base, section, page)
        if html is not None:
            return 200, HTML, html.encode()
    article = site.find(path)
    if article is not None:
        if path.startswith("/amp/"):
            return 200, HTML, pages.amp_page(site, base, article).encode()
        return _article_response(site, base, article)
    kind = "contact" if path.rstrip("/") == "/اتصل-بنا" else classify_path(path)
    if kind in pages.FURNITURE_TITLES:  # linked from every page's menus: served, as the site does
        return 200, HTML, pages.furniture_page(site, base, kind).encode()
    return 404, HTML, "<html><body><h1>404</h1><p>الصفحة غير موجودة</p></body></html>".encode()


def _article_response(site: MirrorSite, base: str, article) -> tuple[int, str, bytes]:
    if article.flaw == "dead_link":  # the story was deleted; listings still link it
        return 404, HTML, b"<html><body><h1>404 Not Found</h1></body></html>"
    if article.flaw == "server_error":
        return 500, HTML, b"<html><body><h1>500 Internal Server Error</h1></body></html>"
    if article.flaw == "not_article":
        return 200, HTML, pages.not_article_page(site, base).encode()
    if article.flaw == "cp1256_no_charset":
        return 200, "text/html", pages.article_page(site, base, article, charset=None).encode("cp1256", "replace")
    if article.flaw == "cp1256_wrong_charset":
        body = pages.article_page(site, base, article, charset=None).encode("cp1256", "replace")
        return 200, "text/html; charset=iso-8859-1", body
    return 200, HTML, pages.article_page(site, base, article).encode()



# The listing pages' "more" link (pages.listing_page), as the no_more fault removes it.
_MORE_LINK = re.compile(rb'<div class="newshomemoretopics"><a rel="next"[^>]*>[^<]*</a></div>')

class _Handler(BaseHTTPRequestHandler):
    site: MirrorSite
    faults: FaultPlan | None = None
    server_version = "newscrawl-mirror/0.1"

    def _site_for(self, host: str) -> MirrorSite:
        """The network site a request's host name asks for (``www.egypt-today.com`` → that
        sibling, same size and variant), so one server can stand in for the whole network; any
        other host name (127.0.0.1) gets the server's own site."""
        name = host.rsplit(":", 1)[0].lower().removeprefix("www.")
        key = next((k for k, profile in NETWORK_SITES.items() if profile.domain == name), None)
        if key is None or key == self.site.site_key:
            return self.site
        with self.lock:
            if key not in self.siblings:
                self.siblings[key] = dataclasses.replace(self.site, site_key=key)
            return self.siblings[key]

    def _respond(self, with_body: bool) -> None:
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        fault = self.faults.on_request(self.path) if self.faults is not None else None
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.kind in _EARLY_FAULTS:
            self._fault_without_page(fault, host, with_body)
            return
        status, content_type, body = route(self._site_for(host), f"http://{host}", self.path)
        if fault is not None and fault.kind != "latency":
            self._fault_with_page(fault, content_type, body, with_body)
            return
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)  # conditional requests, as feed readers and newscrawl send them
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if status == 200:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    # --- faults (only with a FaultPlan) -----------------------------------------------------
    def _send_simple(self, status: int, body: bytes, with_body: bool, headers: dict[str, str] | None = None,
                     content_type: str = HTML, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _fault_without_page(self, fault: Fault, host: str, with_body: bool) -> None:
        """Faults whose answer does not depend on the page: statuses, resets, redirects, junk."""
        kind = fault.kind
        if kind == "reset":
            self._reset()
        elif kind == "5xx":
            self._send_simple(fault.status or 500, f"<html><body><h1>{fault.status}</h1></body></html>".encode(), with_body)
        elif kind in ("503_retry_after", "429"):
            self._send_simple(fault.status or 503, f"<html><body><h1>{fault.status}</h1><p>Retry later</p></body></html>".encode(),
                              with_body, {"Retry-After": "1"})
        elif kind == "redirect_loop":
            parts = urlsplit(self.path)
            query = [p for p in parts.query.split("&") if p]
            marked = any(p.split("=", 1)[0] == LOOP_PARAM for p in query)
            if fault.spec.variant == 1:  # a two-URL loop: P -> P?nc-loop=1 -> P
                query = [p for p in query if p.split("=", 1)[0] != LOOP_PARAM] + ([] if marked else [f"{LOOP_PARAM}=1"])
            target = parts.path + ("?" + "&".join(query) if query else "")
            self._send_simple(302, b"", with_body, {"Location": f"http://{host}{target}"})
        elif kind == "offsite_redirect":
            assert self.faults is not None and self.faults.offsite_base
            self._send_simple(302, b"", with_body, {"Location": self.faults.offsite_base + self.path})
        elif kind == "garbage":
            assert self.faults is not None
            self._send_simple(200, self.faults.garbage(self.path), with_body)
        elif kind == "empty":
            self._send_simple(200, b"", with_body)
        self.close_connection = True

    def _fault_with_page(self, fault: Fault, content_type: str, body: bytes, with_body: bool) -> None:
        """Faults made of the real page: truncated, cut (feeds), huge."""
        self.close_connection = True
        if fault.kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))  # the full length, then less
            self.end_headers()
            if with_body:
                self.wfile.write(cut(body, fault.spec.fraction))
            self._close_write()
        elif fault.kind == "no_more":  # a listing page, whole, without its "more" link
            self._send_simple(200, _MORE_LINK.sub(b"", body), with_body, content_type=content_type)
        elif fault.kind in ("cut_rss", "short_length"):  # a Content-Length of the cut body: whole to HTTP
            self._send_simple(200, cut(body, fault.spec.fraction), with_body, content_type=content_type)
        elif fault.kind == "huge":
            padding = HUGE_SIZE - len(body) - 7
            self._send_simple(200, b"", False, content_type=content_type, length=len(body) + 7 + max(0, padding))
            if not with_body:
                return
            chunk = b"x" * 65536
            try:
                self.wfile.write(body + b"<!--")
                for offset in range(0, max(0, padding), len(chunk)):
                    self.wfile.write(chunk[: min(len(chunk), padding - offset)])
                self.wfile.write(b"-->")
            except OSError:  # the client gave up (DOWNLOAD_MAXSIZE): that is the point
                pass
        else:  # a kind the page-independent branch handles; not reached
            raise AssertionError(fault.kind)

    def _close_write(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _reset(self) -> None:
        """Close the connection without a response, with an RST (SO_LINGER on, timeout 0)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.rfile.close()  # the file object holds a reference: the socket closes with the last one
        self.connection.close()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._respond(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(False)

    def log_message(self, format: str, *args) -> None:  # requests are logged by the crawler
        pass


_EARLY_FAULTS = frozenset({"reset", "5xx", "503_retry_after", "429", "redirect_loop", "offsite_redirect", "garbage",
                           "empty"})


class MirrorServer:
    """A running mirror: ``base_url``, ``site``, ``faults``, ``stop()``; usable as a context manager.

    *faults*: a ``newscrawl.mirror.faults.FaultPlan`` to serve hostile answers; None (the
    default) serves every page faithfully."""

    def __init__(self, site: MirrorSite, host: str = "127.0.0.1", port: int = 0, faults: FaultPlan | None = None):
        handler = type("Handler", (_Handler,), {"site": site, "siblings": {}, "lock": threading.Lock(),
                                                "faults": faults})
        self.site = site
        self.faults = faults
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> "MirrorServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="newscrawl-mirror", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "MirrorServer":
        return self.start() if self._thread is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(site: MirrorSite | None = None, host: str = "127.0.0.1", port: int = 0,
          faults: FaultPlan | None = None) -> MirrorServer:
    """Start a mirror in a background thread and return it (port 0 = a free port)."""
    return MirrorServer(site or MirrorSite(), host, port, faults).start()
