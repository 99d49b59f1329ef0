"""The generic spider's scheduled runs read again only the sitemaps and feeds that changed.

A news site's sitemap index names one sitemap per day or month of its archive: ten years are
3,650 sitemaps, and a run that reads them all costs thousands of requests when one story is new
(adversary round 11, C1). The index dates each sitemap (``lastmod``): one dated before the last
finished run's reading of it is not read again. Index dates can lie like a feed's 304, so once
that reading is older than NEWSCRAWL_REVALIDATE_HOURS a run reads some of them anyway, those read
longest ago (at most ``SITEMAPS_REVALIDATED_PER_RUN``), and every sitemap comes round in turn.
Feeds and sitemaps are asked with the validators of their last reading (a 304 costs nothing).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from newscrawl.spiders.news import SITEMAPS_REVALIDATED_PER_RUN
from tests.conftest import QuietHandler, crawl, http_server

CHILDREN = 30
LONG_AGO = "2019-01-01"


class ArchiveSite:
    """A site whose sitemap index names CHILDREN sitemaps of one story each, dated LONG_AGO, and
    whose front announces a feed; both answer 304 to a matching If-None-Match."""

    def __init__(self):
        self.site = MirrorSite(articles=40)
        stories = [a for a in self.site.iter_all() if a.flaw is None and a.republished_from is None]
        self.spare = stories[CHILDREN:]  # published later
        self.children = {n: [stories[n - 1].path] for n in range(1, CHILDREN + 1)}
        self.dates = dict.fromkeys(self.children, LONG_AGO)
        self.asked: Counter = Counter()
        self.lock = threading.Lock()

    def publish(self, child: int, *, dated: bool) -> str:
        """A new story in sitemap *child*; *dated*: the index dates that sitemap now (else it lies)."""
        path = self.spare.pop(0).path
        self.children[child].append(path)
        if dated:
            self.dates[child] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return path

    def take_asked(self) -> Counter:
        with self.lock:
            asked, self.asked = self.asked, Counter()
        return asked

    def body(self, base: str, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode()
        if path == "/sitemap.xml":
            rows = "".join(f"<sitemap><loc>{base}/sitemap-{n}.xml</loc><lastmod>{self.dates[n]}</lastmod></sitemap>"
                           for n in self.children)
            return 200, "application/xml", (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns='
                                            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>').encode()
        if path.startswith("/sitemap-"):
            n = int(path.removeprefix("/sitemap-").removesuffix(".xml"))
            rows = "".join(f"<url><loc>{base}{p}</loc></url>" for p in self.children[n])
            return 200, "application/xml", (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                                            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>').encode()
        if path == "/":
            return 200, "text/html; charset=utf-8", (
                '<html lang="ar"><head><title>موقع</title><link rel="alternate" type="application/rss+xml" '
                'href="/feed.xml"></head><body><h1>الرئيسية</h1></body></html>').encode()
        if path == "/feed.xml":
            items = "".join(f"<item><title>خبر</title><link>{base}{p}</link></item>" for p in self.children[1])
            return 200, "application/rss+xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
        return route(self.site, base, path)

    def handler(self):
        archive = self

        class Handler(QuietHandler):
            def do_GET(self):
                path = unquote(urlsplit(self.path).path)
                with archive.lock:
                    archive.asked[path] += 1
                status, kind, body = archive.body(f"http://{self.headers['Host']}", path)
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.answer(status, kind, body, {"ETag": etag})

        return Handler


def _children_asked(asked: Counter) -> set[int]:
    return {int(p.removeprefix("/sitemap-").removesuffix(".xml")) for p in asked if p.startswith("/sitemap-")}


def _paths(items: list[dict]) -> set[str]:
    return {unquote(urlsplit(item["url"]).path) for item in items}


def test_a_run_reads_again_only_the_sitemaps_its_index_dates_after_the_last_reading(tmp_path):
    archive = ArchiveSite()
    with http_server(archive.handler()) as base:
        first, _, _ = crawl(base, tmp_path, spider="news", start_arg=True)
        assert _children_asked(archive.take_asked()) == set(range(1, CHILDREN + 1))
        assert len(first) == CHILDREN

        _, quiet, _ = crawl(base, tmp_path, spider="news", start_arg=True)
        asked = archive.take_asked()
        assert _children_asked(asked) == set(), "sitemaps dated before the last reading were read again"
        assert quiet["newscrawl/incremental/sitemap_not_modified"] == 1, "the index answered 304"
        assert quiet["newscrawl/incremental/feed_not_modified"] == 1
        assert quiet.get("item_scraped_count", 0) == 0

        new = archive.publish(CHILDREN, dated=True)
        items, stats, _ = crawl(base, tmp_path, spider="news", start_arg=True)
        asked = archive.take_asked()
    assert _children_asked(asked) == {CHILDREN}, "only the sitemap the index dates anew"
    assert _paths(items) - _paths(first) == {new} and len(items) == CHILDREN + 1  # every run's feed
    assert stats["newscrawl/incremental/sitemap_unchanged"] == CHILDREN - 1


def test_an_index_that_never_dates_a_changed_sitemap_is_read_again_in_turn(tmp_path):
    archive = ArchiveSite()
    revalidate = ("-s", "NEWSCRAWL_REVALIDATE_HOURS=0")  # every reading counts as old
    with http_server(archive.handler()) as base:
        crawl(base, tmp_path, spider="news", start_arg=True)
        archive.take_asked()
        hidden = archive.publish(3, dated=False)  # the index keeps dating sitemap 3 LONG_AGO
        found, read = set(), set()
        for _ in range(-(-CHILDREN // SITEMAPS_REVALIDATED_PER_RUN)):
            items, stats, _ = crawl(base, tmp_path, *revalidate, spider="news", start_arg=True)
            children = _children_asked(archive.take_asked())
            assert len(children) <= SITEMAPS_REVALIDATED_PER_RUN, "a run reads a bounded number of unchanged sitemaps"
            read |= children
            found |= _paths(items)
    assert read == set(range(1, CHILDREN + 1)), "every sitemap comes round"
    assert hidden in found, "the story in a sitemap its index never dated anew was lost"


def test_a_killed_run_vouches_for_no_sitemap(tmp_path):
    """Validators are recorded only by a finished run: a run stopped early must not make the
    next one skip sitemaps whose stories it may not have fetched."""
    archive = ArchiveSite()
    with http_server(archive.handler()) as base:
        crawl(base, tmp_path, "-s", "CLOSESPIDER_ITEMCOUNT=3", spider="news", start_arg=True)
        archive.take_asked()
        items, stats, _ = crawl(base, tmp_path, spider="news", start_arg=True)
        asked = archive.take_asked()
    assert _children_asked(asked) == set(range(1, CHILDREN + 1))
    assert "newscrawl/incremental/sitemap_unchanged" not in stats
    assert len(items) + 3 >= CHILDREN


def test_lastmod_forms(tmp_path):
    from newscrawl.spiders.news import _w3c_time

    assert _w3c_time("2024-09-12") == datetime(2024, 9, 13, tzinfo=timezone.utc), "a day is its end"
    assert _w3c_time("2024-09-12T10:00:00+02:00") == datetime(2024, 9, 12, 8, tzinfo=timezone.utc)
    assert _w3c_time("2024-09-12T10:00:00Z") == datetime(2024, 9, 12, 10, tzinfo=timezone.utc)
    assert _w3c_time("2024-09-12T10:00:00") == datetime(2024, 9, 12, 10, tzinfo=timezone.utc)
    assert _w3c_time("yesterday") is None and _w3c_time("") is None
    assert _w3c_time("2024-09-12T10:00:00.123456+00:00") - _w3c_time("2024-09-12T09:00:00+00:00") == timedelta(
        hours=1, microseconds=123456)
