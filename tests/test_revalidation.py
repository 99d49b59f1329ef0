"""Evidence a scheduled run trusts is checked again whole now and then (NEWSCRAWL_REVALIDATE_HOURS).

A run saves requests on two kinds of evidence: a feed's validators (ETag / Last-Modified: a 304
means "nothing new") and a listing's walk (a page of stories all seen by an earlier whole walk
means "nothing below it is new"). Both can lie: a server whose 304 answers a changed feed, a
Last-Modified in the future, a backdated story or a listing not sorted newest first (adversary
round 11: every story only such a feed carried was lost for good, silently). At least every
NEWSCRAWL_REVALIDATE_HOURS each feed is read without validators and each listing walked whole.
"""

from __future__ import annotations

from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer, route
from tests.conftest import QuietHandler, crawl, http_server, story_counts


def _feed_only_site(site: MirrorSite, *, last_modified: str | None = None, asked: list | None = None,
                    lies: bool = True, embargoed: set | None = None):
    """A handler for a site whose stories only its feed lists, and whose feed answers 304 to any
    conditional request, changed or not (a lying cache in front of it; *lies* False: the feed is
    always served whole). Paths in *embargoed* answer 404 (listed before they go live)."""

    class Handler(QuietHandler):
        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            base = f"http://{self.headers['Host']}"
            conditional = self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
            if path == "/rss":
                if asked is not None:
                    asked.append(dict(self.headers))
                if conditional and lies:
                    self.send_response(304)
                    self.send_header("ETag", '"always-the-same"')
                    self.end_headers()
                    return
                status, kind, body = route(site, base, self.path)
            elif path == "/":
                status, kind, body = 200, "text/html; charset=utf-8", b"<html><body><h1>home</h1></body></html>"
            elif site.find(path) is not None and path not in (embargoed or ()):
                status, kind, body = route(site, base, self.path)
            else:
                status, kind, body = 404, "text/html", b"<html><body>404</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            if path == "/rss":
                self.send_header("ETag", '"always-the-same"')
                if last_modified:
                    self.send_header("Last-Modified", last_modified)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _feed_stories(site: MirrorSite) -> set[str]:
    listed = {a.path for a in site.latest(60)}
    return {story for story, paths in site.expected_stories().items() if listed & set(paths)}


def test_a_feed_whose_304_lies_is_read_whole_once_its_validators_are_old(tmp_path):
    site = MirrorSite(articles=20)
    with http_server(_feed_only_site(site)) as base:
        first, _, _ = crawl(base, tmp_path)
        site.new_articles = 3  # published since; the feed lists them, and answers 304
        _, stats, _ = crawl(base, tmp_path)
        assert stats.get("item_scraped_count", 0) == 0, "the lying 304 hides them while its validators are trusted"
        assert stats["newscrawl/incremental/feed_not_modified"] >= 1
        # A day later (here: validators older than 0 hours), the feed is read without them.
        items, stats, _ = crawl(base, tmp_path, "-s", "NEWSCRAWL_REVALIDATE_HOURS=0")
    assert stats["newscrawl/incremental/feed_revalidated"] >= 1
    assert stats.get("newscrawl/incremental/feed_not_modified", 0) == 0
    counts = story_counts(items, site)  # every run's feed file
    assert counts == {story: 1 for story in _feed_stories(site)}, "each story the feed lists, once"


def test_a_last_modified_in_the_future_is_not_sent_back(tmp_path):
    """Sent back as If-Modified-Since, a date a year ahead is answered 304 by an honest server
    until then: the feed would look unchanged for a year."""
    site = MirrorSite(articles=10)
    asked: list[dict] = []
    ahead = format_datetime(datetime.now(timezone.utc) + timedelta(days=365), usegmt=True)
    with http_server(_feed_only_site(site, last_modified=ahead, asked=asked)) as base:
        _, stats, log = crawl(base, tmp_path)
        assert stats["newscrawl/feeds/future_last_modified"] == 1
        assert "in the future: not sent back" in log
        crawl(base, tmp_path)
    assert "If-Modified-Since" not in asked[-1] and asked[-1].get("If-None-Match") == '"always-the-same"'


def test_listings_are_walked_whole_once_their_last_whole_walk_is_old(tmp_path):
    site = MirrorSite(articles=100, per_page=4)
    with MirrorServer(site) as server:
        _, first, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=0")
        _, shortcut, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=0")
        _, whole, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=0", "-s", "NEWSCRAWL_REVALIDATE_HOURS=0")
        _, after, _ = crawl(server.base_url, tmp_path, "-a", "max_pages=0")
    pages = "newscrawl/listings/pages_read"
    assert shortcut["newscrawl/incremental/listing_stop"] >= 3, "a recent whole walk: the shortcut"
    assert "newscrawl/incremental/whole_walk_due" not in shortcut
    assert whole["newscrawl/incremental/whole_walk_due"] >= 3 and "newscrawl/incremental/listing_stop" not in whole
    # every page the first walk read (less the end pages a first walk reads twice), and more than the shortcut
    walked_first = first.get(pages, 0) - first.get("newscrawl/listings/end_rechecked", 0)
    assert whole.get(pages, 0) == walked_first > shortcut.get(pages, 0), (walked_first, whole.get(pages))
    assert after["newscrawl/incremental/listing_stop"] >= 3, "walked whole again: the shortcut is earned again"


def test_a_story_listed_before_it_went_live_is_asked_again_once_it_counts_as_gone(tmp_path):
    """404 three times (the "gone" rule), though the feed kept listing it; then it goes live. It
    was never asked again: lost for good (adversary round 11). A page found gone that the site
    still links is asked again once its last answer is older than NEWSCRAWL_REVALIDATE_HOURS."""
    site = MirrorSite(articles=10)
    story = site.latest(1)[0]
    embargoed = {story.path}
    settings = ("-s", "NEWSCRAWL_RETRY_FAILED_AFTER=0", "-s", "RETRY_TIMES=0")
    with http_server(_feed_only_site(site, lies=False, embargoed=embargoed)) as base:
        for _ in range(3):
            crawl(base, tmp_path, *settings)
        embargoed.clear()  # live now
        _, recent, _ = crawl(base, tmp_path, *settings)
        assert recent.get("item_scraped_count", 0) == 0, "found gone a moment ago: not asked again yet"
        items, stats, _ = crawl(base, tmp_path, *settings, "-s", "NEWSCRAWL_REVALIDATE_HOURS=0")
    assert stats["newscrawl/incremental/gone_rechecked"] >= 1  # (the mirror's own deleted story too)
    assert story.path in {unquote(urlsplit(item["url"]).path) for item in items}, "the story, once live"
    assert story_counts(items, site) == {s: 1 for s in _feed_stories(site)}
