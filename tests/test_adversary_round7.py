"""Adversary round 7 (black box, the crawl's promises under a site that changes and a server that
misbehaves once): each test is a finding that lost or corrupted articles silently, run against
the real spider, the real downloader and the mirror's fault injection."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.faults import OnePathFault
from newscrawl.mirror.server import MirrorServer
from tests.conftest import CRAWL_ENV as ENV
from tests.conftest import assert_sound_state, crawl_args, feed_items, story_counts


def run_to_completion(base_url: str, work: Path, *extra: str) -> dict:
    result = subprocess.run(crawl_args(base_url, *extra), cwd=work, env=ENV, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads((work / "stats.json").read_text("utf-8"))
    assert stats["finish_reason"] == "finished", result.stderr[-3000:]
    return {**stats, "log": result.stderr}


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
        stats = run_to_completion(server.base_url, work, "-a", "max_pages=0")
    assert plan.counts() == {"short_length": 1}
    (item,) = [i for i in feed_items(work) if unquote(urlsplit(i["url"]).path) == article.path]
    assert item["body"].split("\n\n")[-1] == article.paragraphs[-1]
    assert stats.get("newscrawl/pages/cut") == 1
    assert "(cut); retrying" in stats["log"]


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
    served the same way twice is what the site serves, and is read (each fetched twice at most)."""
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
        items, stats, log = crawl(base, tmp_path / "work", spider="news", start_arg=True)
    assert sorted(unquote(urlsplit(i["url"]).path) for i in items) == sorted(stories)
    assert all(fetched[p] in (1, 2) for p in stories), dict(fetched)
    assert "end without </body></html>" in log


def test_once_a_host_served_three_open_documents_its_pages_are_not_fetched_twice_to_tell():
    """The generic spider learns a host whose pages come without </body></html> (each served
    the same twice); a page still cut by a dropped connection ("partial") is not trusted."""
    import scrapy
    from scrapy.http import HtmlResponse

    from newscrawl.spiders.news import NewsSpider

    from scrapy.utils.test import get_crawler

    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, start="https://open.example/")
    crawler.spider = spider
    crawler.stats.open_spider()

    def response(path: str, *, retried_size: int | None = None, flags=()) -> HtmlResponse:
        body = f"<html><body><h1>{path}</h1><p>text</p>".encode()
        request = scrapy.Request(f"https://open.example{path}",
                                 meta={"cut_size": len(body)} if retried_size == "same" else {})
        return HtmlResponse(request.url, body=body, request=request, flags=list(flags))

    assert spider.unusable(response("/a")) == "cut"
    for path in ("/a", "/b", "/c"):
        assert spider.unusable(response(path, retried_size="same")) is None  # the same twice: read
    assert spider.unusable(response("/d")) is None  # learnt: not fetched twice
    assert spider.unusable(response("/e", flags=["partial"])) == "cut"  # a dropped connection still is
    whole = HtmlResponse("https://other.example/x", body=b"<html><body><p>x</p></body></html>",
                         request=scrapy.Request("https://other.example/x"))
    assert spider.unusable(whole) is None
    other = response("/f")
    assert spider.unusable(other.replace(url="https://other.example/f", request=other.request.replace(
        url="https://other.example/f"))) == "cut"  # another host: learnt apart
