"""The offline mirror: a deterministic site with the real site's shapes and its bad input."""

from __future__ import annotations

import urllib.error
from html import unescape
import urllib.request
from urllib.parse import quote

import pytest

from newscrawl.mirror.content import MirrorSite, format_stamp
from newscrawl.mirror.server import route


@pytest.fixture(scope="module")
def site():
    return MirrorSite(articles=300)


def fetch(base: str, path: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(base + quote(path, safe="/?=&-")) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_served_over_real_http(mirror):
    status, headers, body = fetch(mirror.base_url, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert 'class="readmoregmttimeband">آخر تحديث GMT' in body.decode()
    status, _, robots = fetch(mirror.base_url, "/robots.txt")
    assert status == 200 and b"Disallow: /search" in robots
    assert fetch(mirror.base_url, "/no/such/page")[0] == 404


def test_deterministic(site):
    assert route(site, "http://x", site.original(5).path) == route(MirrorSite(articles=300), "http://x", site.original(5).path)
    assert site.original(5).headline != site.original(6).headline


def test_headlines_are_unique_up_to_100k():
    big = MirrorSite(articles=100_000)
    headlines = {big.original(i).headline for i in range(0, 100_000, 7)}
    assert len(headlines) == len(range(0, 100_000, 7))
    last = big.original(99_999)
    assert big.find(last.path) == last
    status, _, body = route(big, "http://x", last.path)
    assert status == 200 and last.headline in body.decode()


def test_article_urls_follow_the_real_grammar(site):
    article = site.original(0)
    section, number = article.path.split("/")[1], article.path.split("/")[2][:6]
    assert section in {sid for sid, _, _ in site.sections}
    assert number == article.published.strftime("%H%M%S")  # the six digits are GMT HHMMSS
    assert site.original(24).path.startswith("/w-")  # opinion columns


def test_stamp_format_is_the_networks():
    from datetime import datetime, timezone
    assert format_stamp(datetime(2017, 12, 28, 12, 5, tzinfo=timezone.utc)) == \
        "GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر"


def test_listings_paginate_and_cover_every_page(site):
    seen = []
    for sid, _, _ in site.sections:
        pages = site.section_pages(sid)
        for page in range(1, pages + 1):
            entries = site.section_page(sid, page)
            assert entries, (sid, page)
            seen += entries
        assert site.section_page(sid, pages + 1) == []
        status, _, _ = route(site, "http://x", f"{site.listing_path(sid)}/?page={pages + 1}")
        assert status == 404
    assert {a.path for a in seen} | {a.path for a in site.opinion_entries()} == {a.path for a in site.iter_all()}


def test_amp_copy_points_to_canonical(site):
    article = site.original(1)
    status, _, body = route(site, "http://x", article.amp_path)
    html = body.decode()
    assert status == 200 and "<html amp" in html
    assert f'rel="canonical" href="http://x{article.path}"' in html


def test_bad_input_pages(site):
    flaws = {flaw: site.original(i) for i, flaw in site.FLAWS.items()}
    assert route(site, "http://x", flaws["dead_link"].path)[0] == 404
    assert route(site, "http://x", flaws["server_error"].path)[0] == 500
    status, content_type, body = route(site, "http://x", flaws["cp1256_no_charset"].path)
    assert content_type == "text/html" and b"charset" not in body[:2000]
    assert flaws["cp1256_no_charset"].headline in body.decode("cp1256")
    assert "iso-8859-1" in route(site, "http://x", flaws["cp1256_wrong_charset"].path)[1]
    assert '<div id="balmon">\n\n</div>' in route(site, "http://x", flaws["empty_body"].path)[2].decode()
    truncated = route(site, "http://x", "/home/rss.xml")[2].decode()
    assert not truncated.rstrip().endswith("</rss>")
    assert route(site, "http://x", "/rss")[2].decode().rstrip().endswith("</rss>")


def test_seed_article_is_served_with_a_synthetic_date(site):
    status, _, body = route(site, "http://x", site.seed.path)
    html = unescape(body.decode())
    assert status == 200
    assert "GMT 13:45 2015 الثلاثاء ,06 تشرين الأول / أكتوبر" in html
    assert all(p in html for p in site.seed.paragraphs)


def test_siblings_have_their_own_label_sections_and_syndicated_stories():
    almaghrib, arabstoday = MirrorSite(articles=40), MirrorSite(articles=40, site_key="arabstoday")
    assert arabstoday.seed is None
    assert "1152" in {sid for sid, _, _ in arabstoday.sections}  # arabstoday's own breaking-news id
    assert arabstoday.original(4).headline == almaghrib.original(4).headline  # syndicated
    assert arabstoday.original(5).headline != almaghrib.original(5).headline
    html = route(arabstoday, "http://x", arabstoday.original(5).path)[2].decode()
    assert "<title>العرب اليوم - " in html and "المغرب اليوم" not in html


def test_every_start_path_of_every_network_site_is_served():
    """A sibling's spider starts from its profile's start_paths (feeds, home page, listings): the
    mirror of that site, and the network mirror answering by host name, serve each one 200,
    over real HTTP, with a feed where the path is a feed."""
    from newscrawl.mirror.server import MirrorServer
    from newscrawl.sites import NETWORK_SITES
    from newscrawl.sites.network import classify_path

    missing = []
    with MirrorServer(MirrorSite(articles=40)) as network:
        for key, profile in NETWORK_SITES.items():
            with MirrorServer(MirrorSite(articles=40, site_key=key)) as own:
                for path in profile.start_paths:
                    for server, host in ((own, None), (network, f"www.{profile.domain}")):
                        request = urllib.request.Request(server.base_url + quote(path),
                                                         headers={"Host": host} if host else {})
                        try:
                            with urllib.request.urlopen(request, timeout=10) as response:
                                body = response.read()
                                status = response.status
                        except urllib.error.HTTPError as error:
                            status, body = error.code, b""
                        if status != 200:
                            missing.append(f"{key} {path} ({host or 'own mirror'}): HTTP {status}")
                        elif classify_path(path) == "feed" and b"<item>" not in body:
                            missing.append(f"{key} {path} ({host or 'own mirror'}): a feed without items")
    assert not missing, missing


def test_every_link_the_menus_print_is_served(site):
    """The generic spider follows same-site links: the mirror serves what its own pages link to,
    so only its deliberate bad input (dead links, server errors) fails a crawl."""
    from parsel import Selector
    from urllib.parse import unquote, urlsplit

    base = "http://x"
    deliberate = {a.path for a in site.iter_all() if a.flaw in ("dead_link", "server_error")}
    first_article = next(a for a in site.iter_all() if a.flaw is None)
    pages_to_read = ["/", first_article.path]
    failed = []
    for page in pages_to_read:
        _, _, body = route(site, base, page)
        for href in Selector(text=body.decode()).css("a::attr(href)").getall():
            parts = urlsplit(href)
            if parts.netloc != "x" or unquote(parts.path) in deliberate:
                continue
            status = route(site, base, parts.path + (f"?{parts.query}" if parts.query else ""))[0]
            if status != 200:
                failed.append((page, unquote(href), status))
    assert not failed, failed[:10]
