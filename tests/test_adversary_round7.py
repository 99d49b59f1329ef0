"""Adversary round 7 (black box, the crawl's promises under a site that changes and a server that
misbehaves once): each test is a finding that lost or corrupted articles silently, run against
the real spider, the real downloader and the mirror's fault injection."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.faults import OnePathFault
from newscrawl.mirror.server import MirrorServer
from tests.conftest import assert_sound_state, feed_items, story_counts
from tests.test_reliability import (
    run_to_completion,  # (stats, log) of a crawl that must finish
)


def test_an_article_served_once_shorter_than_its_page_is_fetched_again_not_kept_cut(tmp_path):
    """Finding 2: one answer of an article page with a Content-Length stating a cut body (a
    server or proxy that lies about its page: whole at the HTTP level, no "partial" flag) was
    kept with the cut body and never fetched again. The page does not reach its </html>: it is
    cut, and retried."""
    site = MirrorSite(articles=20)
    article = next(a for a in site.iter_all() if a.flaw is None and not a.is_opinion and a.republished_from is None)
    plan = OnePathFault("short_length", article.path)
    work = tmp_path / "work"
    work.mkdir()
    with MirrorServer(site, faults=plan) as server:
        stats, log = run_to_completion(server.base_url, work, "-a", "max_pages=0")
    assert plan.counts() == {"short_length": 1}
    (item,) = [i for i in feed_items(work) if unquote(urlsplit(i["url"]).path) == article.path]
    assert item["body"].split("\n\n")[-1] == article.paragraphs[-1]
    assert stats.get("newscrawl/pages/cut") == 1
    assert "(cut); retrying" in log
    # The retry carries the first fetch's retry count on purpose: Scrapy is told so, and says nothing.
    assert "internal meta keys" not in log


def test_a_listing_served_once_shorter_than_its_page_does_not_end_the_section(tmp_path):
    """Finding 1: section 314's first listing page answered once with a Content-Length that
    stops before its "more" link: the walk ended there, the run finished, and later runs stopped
    at page 1 (all known). The stories further down were lost for good, with no log line."""
    site = MirrorSite(articles=120, per_page=4)
    plan = OnePathFault("short_length", site.listing_path("314"))
    work = tmp_path / "work"
    work.mkdir()
    with MirrorServer(site, faults=plan) as server:
        for _ in range(2):
            run_to_completion(server.base_url, work, "-a", "max_pages=0")
    assert plan.counts() == {"short_length": 1}
    counts = story_counts(feed_items(work), site)
    missing = sorted(set(site.expected_stories()) - set(counts))
    assert not missing, f"{len(missing)} stories never written: {missing[:5]}"
    assert all(n == 1 for n in counts.values())
    assert_sound_state(work)


def test_a_site_whose_pages_never_close_their_document_loses_nothing(tmp_path):
    """The other side of the cut check: HTML lets a page end without </body></html>. A page
    served the same way three times is what the site serves, and is read (each fetched three
    times at most)."""
    from collections import Counter
    from threading import Lock

    from tests.conftest import QuietHandler, crawl, http_server

    prose = ("أعلنت الحكومة اليوم عن خطة جديدة لدعم الفلاحين في المناطق الجبلية، تشمل قروضا ميسرة "
             "وتوزيع البذور المحسنة وتحديث شبكات الري في أكثر من مئة قرية. ")
    stories = {f"/news/2024/05/{n:02d}/story-{n}": f"خبر رقم {n} عن خطة دعم الفلاحين في الجبال" for n in range(1, 9)}
    fetched: Counter = Counter()
    lock = Lock()

    class OpenDocuments(QuietHandler):
        def do_GET(self):
            with lock:
                fetched[self.path] += 1
            if self.path == "/":
                links = "".join(f"<li><a href='{p}'>{t}</a></li>" for p, t in stories.items())
                page = f"<!DOCTYPE html><html><head><title>Site</title></head><body><ul>{links}</ul>"
            elif self.path in stories:
                page = (f"<!DOCTYPE html><html lang='ar'><head><meta charset='utf-8'><title>{stories[self.path]}</title>"
                        "<meta property='og:type' content='article'>"
                        "<meta property='article:published_time' content='2024-05-02T10:00:00+00:00'></head>"
                        f"<body><h1>{stories[self.path]}</h1><article><p>{prose * 3}</p><p>{prose * 2}</p></article>")
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = page.encode("utf-8")  # no </body></html>, on every page
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with http_server(OpenDocuments) as base:
        items, _, log = crawl(base, tmp_path / "work", spider="news", start_arg=True)
    assert sorted(unquote(urlsplit(i["url"]).path) for i in items) == sorted(stories)
    assert all(1 <= fetched[p] <= 3 for p in stories), dict(fetched)
    assert "end without </body></html>" in log


def test_once_a_host_served_three_open_documents_its_pages_are_not_fetched_twice_to_tell():
    """The generic spider learns a host whose pages come without </body></html> (each served
    the same three times); a page still cut by a dropped connection ("partial") is not trusted."""
    import scrapy
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from newscrawl.spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, start="https://open.example/")
    crawler.spider = spider
    crawler.stats.open_spider()

    def response(path: str, *, retried_size: int | None = None, flags=()) -> HtmlResponse:
        body = f"<html><body><h1>{path}</h1><p>text</p>".encode()
        request = scrapy.Request(f"https://open.example{path}",
                                 meta={"cut_sizes": [len(body)] * 2} if retried_size == "same" else {})
        return HtmlResponse(request.url, body=body, request=request, flags=list(flags))

    assert spider.unusable(response("/a")) == "cut"
    for path in ("/a", "/b", "/c"):
        assert spider.unusable(response(path, retried_size="same")) is None  # the same three times: read
    assert spider.unusable(response("/d")) is None  # learnt: not fetched twice
    assert spider.unusable(response("/e", flags=["partial"])) == "cut"  # a dropped connection still is
    whole = HtmlResponse("https://other.example/x", body=b"<html><body><p>x</p></body></html>",
                         request=scrapy.Request("https://other.example/x"))
    assert spider.unusable(whole) is None
    other = response("/f")
    assert spider.unusable(other.replace(url="https://other.example/f", request=other.request.replace(
        url="https://other.example/f"))) == "cut"  # another host: learnt apart


# ---- listing walks that end, or stop, above what the last recorded walk saw ---------------------

BASE = "http://127.0.0.1:8080"
SECTION = "/314-أخبار-محلية"


def _spider(state, **options):
    import scrapy  # noqa: F401
    from scrapy.utils.test import get_crawler

    from newscrawl.spiders.almaghrib import AlmaghribSpider

    crawler = get_crawler(AlmaghribSpider)
    spider = AlmaghribSpider.from_crawler(crawler, base_url=BASE, **options)
    crawler.spider = spider
    crawler.newscrawl_state = state
    crawler.stats.open_spider()
    return spider


def _listing(stories: list[int], page: int = 1, more: bool = False, request=None):
    import scrapy
    from scrapy.http import HtmlResponse

    url = f"{BASE}{SECTION}/" + (f"?page={page}" if page > 1 else "")
    links = "".join(f"<li><a href='/314/{n:06d}-خبر-رقم-{n}'>خبر {n}</a></li>" for n in stories)
    more_link = f"<a rel='next' href='{SECTION}/?page={page + 1}'>المزيد</a>" if more else ""
    body = f"<html><body><ul>{links}</ul>{more_link}</body></html>".encode()
    return HtmlResponse(url, body=body, encoding="utf-8",
                        request=request or scrapy.Request(url, meta={"page": page}))


def _first_walk(spider, stories: list[int], page: int = 1, request=None) -> list:
    """A first walk's end page is fetched once more before it is trusted (it sets the scope of
    later runs): the page, then its recheck, answered alike."""
    out = list(spider.parse_listing(_listing(stories, page=page, request=request)))
    rechecks = [r for r in out if getattr(r, "meta", {}).get("end_rechecked")]
    for recheck in rechecks:
        out += list(spider.parse_listing(_listing(stories, page=page, request=recheck)))
    return out


def _walk_recorded(state, spider) -> None:
    """The spider's run ends (finished): its walks are recorded as a finished run records them."""
    spider.closed("finished")


def test_a_listing_page_served_once_without_its_more_link_is_read_again(tmp_path, caplog):
    """Finding 1, third form: a listing page answered whole but without its "more" link ended the
    walk; the run vouched for the chain as walked to its end, and later runs stopped above the
    stories further down. A last page of stories all new since the last recorded walk is
    fetched once more in the run; if it ends there again, the walk is not recorded."""
    from newscrawl.state import CrawlState

    state = CrawlState(tmp_path / "state.sqlite")
    first = _spider(state, max_pages=0)
    _first_walk(first, [101, 102, 103])
    _walk_recorded(state, first)  # the chain walked to its end: stories 101-103
    walked = state.chain(next(iter(first._chains)))
    assert walked is not None and walked.complete

    second = _spider(state, max_pages=0)
    out = list(second.parse_listing(_listing([201, 202, 203])))  # new stories, no "more" link
    rechecks = [r for r in out if getattr(r, "meta", {}).get("end_rechecked")]
    assert len(rechecks) == 1, out
    # The page comes again whole: the walk goes on, in this run.
    again = list(second.parse_listing(_listing([201, 202, 203], more=True, request=rechecks[0])))
    assert any("?page=2" in r.url for r in again if hasattr(r, "url"))
    # Had it come again without the link, the walk would not be recorded:
    third = _spider(state, max_pages=0)
    out = list(third.parse_listing(_listing([301, 302])))
    (recheck,) = [r for r in out if getattr(r, "meta", {}).get("end_rechecked")]
    assert not [r for r in third.parse_listing(_listing([301, 302], request=recheck))
                if getattr(r, "meta", {}).get("end_rechecked")]
    before = state.chain(next(iter(third._chains)))
    _walk_recorded(state, third)
    assert state.chain(next(iter(third._chains))) == before  # not vouched for
    assert "not taken for its end" in caplog.text


def test_a_max_pages_stop_on_new_stories_is_not_recorded_so_the_next_run_walks_past_it(tmp_path, caplog):
    """Finding 3: a run stopped by max_pages on a page of stories new since the last recorded walk
    vouched for the chain; later runs stopped above the stories between the two walks for good."""
    from newscrawl.state import CrawlState

    state = CrawlState(tmp_path / "state.sqlite")
    first = _spider(state, max_pages=1)
    list(first.parse_listing(_listing([101, 102], more=True)))  # a first walk, stopped by the limit: its scope
    _walk_recorded(state, first)
    key = next(iter(first._chains))
    recorded = state.chain(key)
    assert recorded is not None

    second = _spider(state, max_pages=1)
    asked = list(second.parse_listing(_listing([201, 202], more=True)))  # all new: 101-102 lie deeper
    _walk_recorded(state, second)
    assert state.chain(key) == recorded
    # The walk goes on past max_pages (at most as far again) to reach the first walk's stories.
    assert any(r.meta.get("page") == 2 and r.meta.get("chain") == key for r in asked)
    assert second.crawler.stats.get_value("newscrawl/listings/past_page_limit") == 1

    third = _spider(state, max_pages=1)
    list(third.parse_listing(_listing([203, 201, 202, 101], more=True)))  # reaches what the first walk saw
    _walk_recorded(state, third)
    assert state.chain(key) != recorded


@pytest.mark.parametrize(("body", "whole"), [
    (b"<html><body><p>x</p></body></html>\n", True),
    (b"<html><body><p>x</p></body></html><!-- served in 0.2 s --><script>track()</script>", True),
    (b"<html><body><p>x</p>", False),
    # the adversary's page: a "</body></html>" inside a comment in its head, cut below it
    (b"<html><head><!-- old template: </body></html> --></head><body><p>x</p><p>y", False),
    (b"<!-- " + b"x" * 9000 + b" </body></html> --><p>cut", False),  # the comment opened before the window
])
def test_a_page_ends_its_document_only_outside_comments_near_its_end(body, whole):
    from newscrawl.spiders.common import ends_document

    assert ends_document(body) is whole


# ---- one 404 is no proof -------------------------------------------------------------------------

def _open_urls_after_404s(state, answers: int) -> tuple[list[str], str]:
    for _ in range(answers):
        state.record("almaghrib:/314/101010-x", "almaghrib", "http://h/314/101010-x", "gone")
    return state.open_pages("almaghrib"), state.db.execute(
        "SELECT status FROM pages WHERE key = 'almaghrib:/314/101010-x'").fetchone()[0]


@pytest.mark.parametrize(("answers", "status"), [(1, "missing"), (2, "missing"), (3, "gone")])
def test_a_listed_story_answering_404_is_gone_only_after_three_answers(tmp_path, answers, status):
    """Finding 4: one 404 (or 410) answer settled a story as gone for good, although the page
    answered 200 from the next request on (a CMS lists a story a moment before it serves it).
    It stays open, asked again with backoff, until it answered so three times."""
    from newscrawl.state import GONE_AFTER_ATTEMPTS, CrawlState

    assert GONE_AFTER_ATTEMPTS == 3
    state = CrawlState(tmp_path / "state.sqlite")
    state.db.execute("UPDATE pages SET not_before = NULL")
    _, got = _open_urls_after_404s(state, answers)
    assert got == status
    due_later = state.db.execute("SELECT not_before FROM pages").fetchone()[0]
    assert (due_later is not None) == (answers == 2)  # the first retry is due at once, then backoff


def test_a_shared_crawl_keeps_a_404_story_open_as_well(tmp_path):
    """The same rule in a shared crawl's Redis store, and its listing walks' end times."""
    from conftest import start_redis

    from newscrawl.distributed import connect
    from newscrawl.distributed.state import SharedCrawlState

    server, port = start_redis(tmp_path)
    try:
        state = SharedCrawlState(tmp_path / "local.sqlite", connect(f"redis://127.0.0.1:{port}/0"))
        key, url = "almaghrib:/314/101010-x", "http://h/314/101010-x"
        statuses = []
        for _ in range(3):
            state.record(key, "almaghrib", url, "gone")
            statuses.append((state.redis.hget(state._page(key), "status").decode(), url in state.open_pages("almaghrib")
                             or bool(state.redis.sismember(state._open("almaghrib"), key))))
        assert statuses == [("missing", True), ("missing", True), ("gone", False)]
        state.walked_chain("almaghrib:/314-x", 3, True, walked_at="2026-01-01T00:00:00+00:00")
        chain = state.chain("almaghrib:/314-x")
        assert chain.walked_at == "2026-01-01T00:00:00+00:00" and chain.recorded_at > chain.walked_at
    finally:
        server.kill()


def test_a_first_walks_end_is_fetched_once_more_before_it_is_trusted(tmp_path):
    """Adversary round 10: a first run whose listing page came once without its "more" link
    ended the walk there, and later runs trusted that end: the stories below were lost until a
    whole walk. A first walk's end is fetched once more, like an end on stories all new."""
    from newscrawl.state import CrawlState

    state = CrawlState(tmp_path / "state.sqlite")
    first = _spider(state, max_pages=0)
    out = list(first.parse_listing(_listing([101, 102])))  # no "more" link this time
    (recheck,) = [r for r in out if getattr(r, "meta", {}).get("end_rechecked")]
    again = list(first.parse_listing(_listing([101, 102], more=True, request=recheck)))
    assert any(r.meta.get("page") == 2 for r in again if hasattr(r, "meta")), "the walk goes on"
