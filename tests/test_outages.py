"""An outage that lasts more than one run loses no story.

A site in maintenance answers its story URLs with a redirect to the front page, or with a 200
"service unavailable" page of its own title. One such reading is no proof that a URL names no
article; two readings in two hourly runs were taken as proof, and every story the outage hid
was settled as "not an article" for good, with every monitor passing (adversary round 13,
finding 1). A URL the site's grammar names as a story now settles as no article only once it
was found more than NEWSCRAWL_REVALIDATE_HOURS ago; until then it stays open and is asked again
with backoff, and a settled one still linked is asked again after that time.
"""

from __future__ import annotations

import pytest
from urllib.parse import unquote, urlsplit

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from tests.conftest import QuietHandler, crawl, http_server, story_counts

MAINTENANCE = ("<html lang='ar'><head><title>المغرب اليوم</title></head><body><h1>المغرب اليوم</h1>"
               "<p>الموقع في صيانة مؤقتة، نعود إليكم قريبا.</p></body></html>").encode()


def _in_outage(site: MirrorSite, state: dict, hit):
    """*site*, whose requests *hit* (a test of the request's path) answer as ``state["outage"]``
    says: None (served), "redirect" (302 to the front page) or "maintenance" (a 200 page
    without a story)."""

    class Handler(QuietHandler):
        def do_GET(self):
            outage = state.get("outage")
            if outage and hit(self.path):
                if outage == "redirect":
                    self.redirect(f"http://{self.headers['Host']}/")
                    return
                status, kind, body = 200, "text/html; charset=utf-8", MAINTENANCE
            else:
                status, kind, body = route(site, f"http://{self.headers['Host']}", self.path)
            self.answer(status, kind, body)

    return Handler


def _site_in_outage(site: MirrorSite, state: dict):
    """*site*, whose story pages (every third one) are in the outage ``state`` says."""
    hit = {a.path for i, a in enumerate(site.iter_all()) if i % 3 == 0}
    return _in_outage(site, state, lambda path: unquote(urlsplit(path).path) in hit)


@pytest.mark.parametrize("outage", ["redirect", "maintenance"])
def test_an_outage_of_two_runs_loses_no_story(tmp_path, outage):
    site = MirrorSite(articles=30)
    state = {"outage": outage}
    due_now = ("-s", "NEWSCRAWL_RETRY_FAILED_AFTER=0")  # back-to-back runs: no backoff to wait out
    with http_server(_site_in_outage(site, state)) as base:
        crawl(base, tmp_path, *due_now)
        _, second, _ = crawl(base, tmp_path, *due_now)
        assert second.get("newscrawl/pages/not_article", 0) + second.get("item_dropped_count", 0) > 0
        state["outage"] = None
        crawl(base, tmp_path, *due_now)
        items, _, _ = crawl(base, tmp_path, *due_now)
    counts = story_counts(items, site)
    missing = set(site.expected_stories()) - set(counts)
    assert not missing, f"{len(missing)} stories lost to an outage of two runs"
    assert {story: n for story, n in counts.items() if n != 1} == {}


def test_a_url_still_no_article_a_day_on_is_settled_and_asked_again_after_a_day(tmp_path):
    """A story URL that truly serves no story (the mirror's soft 404, a section front) is
    settled once found more than NEWSCRAWL_REVALIDATE_HOURS ago, and still linked, asked again
    after that time."""
    site = MirrorSite(articles=30)
    state: dict = {}
    with http_server(_site_in_outage(site, state)) as base:
        crawl(base, tmp_path)
        _, second, log = crawl(base, tmp_path, "-s", "NEWSCRAWL_RETRY_FAILED_AFTER=0")
        assert "fetched again next run before it is settled" in log
        _, third, _ = crawl(base, tmp_path, "-s", "NEWSCRAWL_REVALIDATE_HOURS=0", "-s", "NEWSCRAWL_RETRY_FAILED_AFTER=0")
        _, fourth, _ = crawl(base, tmp_path)
        _, fifth, _ = crawl(base, tmp_path, "-s", "NEWSCRAWL_REVALIDATE_HOURS=0")
    assert third.get("newscrawl/pages/not_article", 0) >= 1  # settled now (found "more than 0 hours ago")
    assert fourth.get("newscrawl/pages/not_article", 0) == 0, "a settled URL is not asked again within the day"
    assert fifth.get("newscrawl/incremental/not_article_rechecked", 0) >= 1


def _listings_in_outage(site: MirrorSite, state: dict):
    """*site*, whose listings' "more" pages (?page=N) are in the outage ``state`` says."""
    return _in_outage(site, state, lambda path: "page=" in urlsplit(path).query)


@pytest.mark.parametrize("outage", ["redirect", "maintenance"])
def test_an_outage_of_the_listings_more_pages_hides_nothing_from_the_next_run(tmp_path, outage):
    """The "more" pages answered with the front page or an error page for two runs: those runs
    vouched for walks that ended there, and the runs after them stopped above the stories below
    for a day (adversary round 13, finding 5). Such a page is retried and vouches for nothing."""
    site = MirrorSite(articles=60, per_page=4)
    state = {"outage": outage}
    with http_server(_listings_in_outage(site, state)) as base:
        crawl(base, tmp_path, "-a", "max_pages=0")
        _, second, _ = crawl(base, tmp_path, "-a", "max_pages=0")
        assert second.get(f"newscrawl/listings/{'redirected_away' if outage == 'redirect' else 'no_stories'}", 0) > 0
        state["outage"] = None
        items, third, _ = crawl(base, tmp_path, "-a", "max_pages=0")
    counts = story_counts(items, site)
    missing = set(site.expected_stories()) - set(counts)
    assert not missing, f"{len(missing)} stories hidden after the outage"
    assert {story: n for story, n in counts.items() if n != 1} == {}
