"""Findings of the third black-box adversary round that need a crawl: a site's passing state
(a maintenance page served with 200 at every story URL) must not settle the stories it hides.

The proxy here stands between the spider and the mirror, as a CDN or a maintenance switch
would: it forwards every request, or, while ``maintenance`` is set, answers article URLs with
the site's maintenance page (status 200, the site's own title, no story)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.sites.network import ARTICLE_PATH
from tests.conftest import crawl, story_counts

SIZE = dict(articles=24, per_page=4)


class MaintenanceProxy:
    def __init__(self, upstream: str, site_title: str):
        proxy = self
        self.maintenance = False
        self.article_hits = 0
        self.cut_once: set[str] = set()  # article paths whose first answer is cut, without Content-Length
        self.rewrite = None  # (path, body) -> body, applied to every page forwarded whole

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                path = urlsplit(self.path).path
                if ARTICLE_PATH.match(unquote(path)):
                    proxy.article_hits += 1
                    if proxy.maintenance:
                        body = (f"<html><head><title>{site_title} | صيانة</title></head><body>"
                                "<p>الموقع في صيانة، نعود قريبا</p></body></html>").encode()
                        return self._send(200, {"Content-Type": "text/html; charset=utf-8"}, body)
                request = urllib.request.Request(upstream + self.path, headers={
                    k: v for k, v in self.headers.items() if k.lower() in ("if-none-match", "if-modified-since")})
                try:
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        body = answer.read()
                        if unquote(path) in proxy.cut_once:
                            proxy.cut_once.discard(unquote(path))
                            return self._send_cut(answer.status, dict(answer.headers), body[: len(body) * 2 // 3])
                        if proxy.rewrite is not None:
                            body = proxy.rewrite(unquote(path), body)
                        self._send(answer.status, dict(answer.headers), body)
                except urllib.error.HTTPError as error:
                    self._send(error.code, dict(error.headers), error.read())

            def _send(self, status, headers, body):
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _send_cut(self, status, headers, body):
                """The body's start, then the connection closed: no Content-Length, not chunked
                (so the client cannot tell the body was cut)."""
                self.send_response(status)
                self.send_header("Content-Type", headers.get("Content-Type", "text/html"))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_maintenance_page_served_with_200_loses_no_story(tmp_path):
    site = MirrorSite(**SIZE)
    work = tmp_path / "work"
    with MirrorServer(site) as mirror, MaintenanceProxy(mirror.base_url, site.site_title) as proxy:
        proxy.maintenance = True
        first, stats1, log1 = crawl(proxy.base_url, work)
        assert not first
        assert stats1["newscrawl/pages/not_article"] >= len(site.expected_stories())
        assert "fetched again next run before it is settled" in log1
        proxy.maintenance = False
        second, stats2, _ = crawl(proxy.base_url, work)
        hits_before_third = proxy.article_hits
        third, stats3, _ = crawl(proxy.base_url, work)
    counts = story_counts(third, site)  # crawl() reads every feed file the runs wrote
    assert {story: n for story, n in counts.items() if n != 1} == {}
    assert set(counts) == set(site.expected_stories())
    # The mirror's soft 404 (a story URL serving a section front) is no article on two runs:
    # settled then; the third run fetches at most the story that always fails.
    assert stats3.get("item_scraped_count", 0) == 0
    assert proxy.article_hits - hits_before_third <= 2, stats3


def test_a_body_cut_without_content_length_is_fetched_again_not_kept_cut(tmp_path):
    site = MirrorSite(**SIZE)
    story, paths = next(iter(site.expected_stories().items()))
    work = tmp_path / "work"
    with MirrorServer(site) as mirror, MaintenanceProxy(mirror.base_url, site.site_title) as proxy:
        proxy.cut_once = {paths[0]}
        items, stats, log = crawl(proxy.base_url, work)
    assert not proxy.cut_once  # the cut answer was served
    assert stats["newscrawl/pages/cut"] == 1 and "Unusable page" in log
    kept = [item for item in items if item["headline"] == story]
    assert len(kept) == 1
    article = next(a for a in site.iter_all() if a.path == paths[0])
    assert kept[0]["body"].split("\n\n") == list(article.paragraphs)
