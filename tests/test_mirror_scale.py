"""The mirror finds every page without walking the site (listing and sitemap pages from counts,
articles from their URL's time of day): the answers must be exactly those of walking it."""

from __future__ import annotations

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from newscrawl.spiders.common import RecentUrls, UrlDigests

SITES = [dict(articles=500, new_articles=40, weekly_ticker=4), dict(articles=333, republish_every=7),
         dict(articles=200, republish_every=4),  # flawed stories fall on copy slots: the count's correction
         dict(articles=90, site_key="omantoday", per_page=7)]


@pytest.mark.parametrize("options", SITES)
def test_positions_and_lookups_match_a_walk_of_the_site(options):
    site = MirrorSite(**options)
    pages = list(site.iter_all())
    assert site.page_count() == len(pages)
    for start in range(0, len(pages) + 5, 11):
        for count in (1, 9, 1000):
            assert site.all_pages(start, count) == pages[start:start + count]
    for page in pages:
        assert site.find(page.path) == page and site.find(page.amp_path) == page
    assert site.find(pages[-2].path[:-1] + "x") is None  # right time of day, no such story
    listed = []
    for section, _, _ in site.sections:
        last = site.section_pages(section)
        for number in range(1, last + 1):
            entries = site.section_page(section, number)
            assert 0 < len(entries) <= site.per_page
            listed += entries
        assert site.section_page(section, last + 1) == []
    opinion = {page.path for page in site.opinion_entries()}
    assert sorted(page.path for page in listed) == sorted(page.path for page in pages if page.path not in opinion
                                                          and page.index > -1_000_000)


def test_a_100k_article_site_serves_its_deepest_pages():
    site = MirrorSite(articles=100_000)
    section = site.sections[0][0]
    last = site.section_pages(section)
    status, _, body = route(site, "http://127.0.0.1:8080", f"{site.listing_path(section)}/?page={last}")
    assert status == 200 and 'rel="next"' not in body.decode()  # the last page: no "more" link
    oldest = site.original(99_998)
    assert route(site, "http://127.0.0.1:8080", oldest.path)[0] == 200
    sitemap_pages = -(-site.page_count() // 1000)
    assert route(site, "http://127.0.0.1:8080", f"/sitemap-{sitemap_pages}.xml")[0] == 200
    assert route(site, "http://127.0.0.1:8080", f"/sitemap-{sitemap_pages + 1}.xml")[0] == 404


def test_run_state_sets_keep_digests_and_the_recent_links_cache_forgets_the_oldest():
    requested = UrlDigests()
    url = "http://127.0.0.1:8080/314/" + "%D8%A7" * 50
    assert requested.add_new(url) and not requested.add_new(url) and url in requested and len(requested) == 1
    assert all(isinstance(item, bytes) and len(item) == 16 for item in requested._digests)
    recent = RecentUrls(size=2)
    assert recent.add_new("a") and not recent.add_new("a")
    assert recent.add_new("b") and recent.add_new("c")  # "a" is forgotten now
    assert recent.add_new("a") and not recent.add_new("c")
