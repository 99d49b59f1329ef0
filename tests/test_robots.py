"""robots.txt is obeyed by every request, the first ones of a run included.

Scrapy 2.14+ let through every request that arrived while robots.txt was downloading but the
first (``newscrawl.robots``): a site saying ``Disallow: /`` received the feeds, the front and a
listing in a first run, and a dozen story pages in the next (adversary round 13, finding 3).
"""

from __future__ import annotations

import threading

from urllib.parse import unquote, urlsplit

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from tests.conftest import QuietHandler, crawl, http_server, story_counts


def _site_behind(site: MirrorSite, robots: dict, asked: list):
    """A handler for *site* whose robots.txt is ``robots["text"]``; records every path asked."""
    lock = threading.Lock()

    class Handler(QuietHandler):
        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            with lock:
                asked.append(path)
            if path == "/robots.txt":
                status, kind, body = 200, "text/plain", robots["text"].encode()
            else:
                status, kind, body = route(site, f"http://{self.headers['Host']}", self.path)
            self.answer(status, kind, body)

    return Handler


def test_a_site_that_disallows_everything_gets_no_request_but_robots_txt(tmp_path):
    site = MirrorSite(articles=30)
    asked: list[str] = []
    robots = {"text": "User-agent: *\nDisallow: /\n"}
    with http_server(_site_behind(site, robots, asked)) as base:
        _, first, _ = crawl(base, tmp_path)
        assert asked == ["/robots.txt"], asked[:5]
        assert first["robotstxt/forbidden"] >= 3  # the feeds, the front and the listings it starts with
        asked.clear()
        _, second, _ = crawl(base, tmp_path)
        assert asked == ["/robots.txt"], asked[:5]
        robots["text"] = "User-agent: *\nDisallow: /search\n"  # the deploy mistake fixed
        items, third, _ = crawl(base, tmp_path)
    counts = story_counts(items, site)
    assert counts == {story: 1 for story in site.expected_stories()}, "the first run it may crawl finds every story"


def test_a_disallowed_section_is_never_requested_while_the_rest_is(tmp_path):
    site = MirrorSite(articles=30)
    asked: list[str] = []
    closed = site.listing_path("314")
    robots = {"text": f"User-agent: *\nDisallow: {closed}\n"}
    with http_server(_site_behind(site, robots, asked)) as base:
        items, stats, _ = crawl(base, tmp_path)
    assert not [path for path in asked if path.startswith(closed)]
    assert items and stats["robotstxt/forbidden"] >= 1
