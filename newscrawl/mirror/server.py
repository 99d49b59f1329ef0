"""The mirror's HTTP server: a real server on a loopback port, standard library only.

``serve(site)`` starts it in a background thread (tests, ``scrapy demo``);
``scrapy mirror`` runs it in the foreground.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from newscrawl.mirror import pages
from newscrawl.mirror.content import SECTION_FEEDS, MirrorSite
from newscrawl.sites import NETWORK_SITES

_LISTING = re.compile(r"^/(?P<section>\d{1,4})-[^/]+/?$")
_WRITER = re.compile(r"^/w-(?P<writer>\d+)-more/?$")
_SECTION_FEED = re.compile(r"^/(?P<key>[a-z]+)/rss\.xml$")
_SITEMAP_PAGE = re.compile(r"^/sitemap-(?P<n>\d+)\.xml$")
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
        chunk = list(itertools.islice(site.iter_all(), start, start + pages.SITEMAP_PAGE_SIZE))
        if chunk:
            return 200, SITEMAP, pages.sitemap_urls(site, base, chunk, news=False).encode()
    if path == "/":
        return 200, HTML, pages.home_page(site, base).encode()
    if path in ("/rss", "/rss/"):
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
    if listing and listing["section"] in {sid for sid, _, _ in site.sections}:
        try:
            page = max(1, int(query.get("page", ["1"])[0]))
        except ValueError:
            page = 1
        html = pages.listing_page(site, base, listing["section"], page)
        if html is not None:
            return 200, HTML, html.encode()
    article = site.find(path)
    if article is not None:
        if path.startswith("/amp/"):
            return 200, HTML, pages.amp_page(site, base, article).encode()
        return _article_response(site, base, article)
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


class _Handler(BaseHTTPRequestHandler):
    site: MirrorSite
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
        status, content_type, body = route(self._site_for(host), f"http://{host}", self.path)
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

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._respond(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(False)

    def log_message(self, format: str, *args) -> None:  # requests are logged by the crawler
        pass


class MirrorServer:
    """A running mirror: ``base_url``, ``site``, ``stop()``; usable as a context manager."""

    def __init__(self, site: MirrorSite, host: str = "127.0.0.1", port: int = 0):
        handler = type("Handler", (_Handler,), {"site": site, "siblings": {}, "lock": threading.Lock()})
        self.site = site
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> "MirrorServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="newscrawl-mirror", daemon=True)
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


def serve(site: MirrorSite | None = None, host: str = "127.0.0.1", port: int = 0) -> MirrorServer:
    """Start a mirror in a background thread and return it (port 0 = a free port)."""
    return MirrorServer(site or MirrorSite(), host, port).start()
