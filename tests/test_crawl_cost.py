"""What the crawler's cheaper per-page work must still do exactly as before (issue 13: the
crawl's CPU outside extraction): same links, same item dicts, same pending rows before any
request, same log lines at every level."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

import pytest
import scrapy
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse
from scrapy.utils.misc import _generator_callbacks_cache, is_generator_with_return_value
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler

from newscrawl.incremental import _plain_dict
from newscrawl.items import Article
from newscrawl.logformatter import UnwrittenLevels
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from newscrawl.spiders.almaghrib import AlmaghribSpider
from newscrawl.state import CrawlState

BASE = "http://127.0.0.1:8080"


def make_spider(state: CrawlState | None = None) -> AlmaghribSpider:
    crawler = get_crawler(AlmaghribSpider)
    spider = AlmaghribSpider.from_crawler(crawler, base_url=BASE, max_pages=0)
    crawler.spider = spider
    if state is not None:
        crawler.newscrawl_state = state
    crawler.stats.open_spider()
    return spider


def listing_response(site: MirrorSite, page: int = 2) -> HtmlResponse:
    path = f"{site.listing_path(site.sections[0][0])}/?page={page}"
    status, content_type, body = route(site, BASE, path)
    assert status == 200
    return HtmlResponse(BASE + path, body=body, headers={"Content-Type": content_type},
                        request=scrapy.Request(BASE + path))


def test_listing_links_are_those_of_scrapys_css_selector():
    response = listing_response(MirrorSite(articles=200))
    expected = [response.urljoin(h.strip()) for h in response.css("a::attr(href)").getall()
                if h.strip() and not h.strip().startswith(("#", "javascript:", "mailto:"))]
    assert len(expected) > 20
    assert make_spider()._page_links(response) == expected


def test_a_base_tag_and_odd_hrefs_are_read_as_before():
    body = ('<html><head><base href="http://127.0.0.1:8080/sub/"></head><body>'
            '<a href=" rel/1 ">a</a><a href="#top">b</a><a href="javascript:x()">c</a><a href="">d</a>'
            '<a href="mailto:a@b">e</a><a href="/abs">f</a><div><a href="?page=2">g</a></div>'
            '<a href="http://[bad/1">h</a></body></html>').encode()
    response = HtmlResponse(BASE + "/x", body=body, encoding="utf-8")
    spider = make_spider()
    assert spider._page_links(response) == [BASE + "/sub/rel/1", BASE + "/abs", BASE + "/sub/?page=2"]
    assert spider.crawler.stats.get_value("newscrawl/links/malformed") == 1


def test_the_state_store_gets_the_same_item_dict_as_itemadapter_makes():
    @dataclass
    class Inner:
        x: int = 1

    article = Article(url="http://x/1", headline="عنوان", tags=["a", "b"], extraction={"body": "selectors"})
    for item in (article, {"url": "u", "nested": {"k": [1, 2.5, None, True, Inner()]}, "t": (1, "x"), "s": {3}}):
        assert _plain_dict(ItemAdapter(item)) == ItemAdapter(item).asdict()
    assert _plain_dict(ItemAdapter({"n": [Inner()]})) == {"n": [{"x": 1}]}


def test_generator_callbacks_are_one_object_so_scrapys_return_value_check_is_cached():
    spider = make_spider()
    assert spider.parse_article is spider.parse_article
    assert spider.parse_listing is spider.parse_listing
    assert not is_generator_with_return_value(spider.parse_article)
    assert spider.parse_article in _generator_callbacks_cache  # checked once, not per response
    # Requests still serialise by method name (JOBDIR queues, the shared Redis queue).
    request = scrapy.Request(BASE + "/", callback=spider.parse_listing, errback=spider.on_error)
    as_dict = request.to_dict(spider=spider)
    assert (as_dict["callback"], as_dict["errback"]) == ("parse_listing", "on_error")
    assert request_from_dict(as_dict, spider=spider).callback == spider.parse_listing


def test_a_listings_article_urls_are_committed_as_pending_before_any_request_is_handed_on(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite")
    spider = make_spider(state)
    reader = sqlite3.connect(tmp_path / "state.sqlite")
    try:
        output = spider.parse_listing(listing_response(MirrorSite(articles=200)))
        first = next(output)
        pending = {url for (url,) in reader.execute("SELECT url FROM pages WHERE status = 'pending'")}
        assert isinstance(first, scrapy.Request)
        requests = [first, *output]
        articles = {r.url for r in requests if r.callback == spider.parse_article}
        assert len(articles) > 5
        assert articles <= pending  # all of them, seen by another connection, before the first request
        assert not state.db.in_transaction
    finally:
        reader.close()
        state.close()


def test_a_group_commits_what_was_written_even_when_it_raises(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite")
    reader = sqlite3.connect(tmp_path / "state.sqlite")
    try:
        with pytest.raises(RuntimeError), state.grouped():
            state.discover("k1", "almaghrib", "http://x/1")
            with state.grouped():  # nested: the outer group commits
                state.discover("k2", "almaghrib", "http://x/2")
            assert reader.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 0  # not yet committed
            raise RuntimeError("a callback failed")
        assert reader.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 2
        state.keep("k1", {"url": "http://x/1", "source": "almaghrib"})  # a transaction of its own still works
        assert state.known("k1") == "kept"
    finally:
        reader.close()
        state.close()


@pytest.fixture
def handlers():
    """Loggers as Scrapy leaves them (scrapy at DEBUG, root at NOTSET), with only the handlers a
    test adds; all restored after."""
    root, scrapy_logger = logging.getLogger(), logging.getLogger("scrapy")
    saved = (root.level, scrapy_logger.level, root.handlers[:])
    root.handlers[:] = []
    root.setLevel(logging.NOTSET)
    scrapy_logger.setLevel(logging.DEBUG)
    added: list[tuple[logging.Logger, logging.Handler]] = []

    def add(level: int, logger: logging.Logger = root) -> logging.Handler:
        if not added:  # pytest's own capturing handlers (NOTSET: everything) are added for the call
            root.handlers[:] = []
        handler = logging.Handler(level)
        handler.emit = lambda record: None
        logger.addHandler(handler)
        added.append((logger, handler))
        return handler

    yield add
    for logger, handler in added:
        logger.removeHandler(handler)
    root.setLevel(saved[0])
    scrapy_logger.setLevel(saved[1])
    root.handlers[:] = saved[2]


def test_debug_records_no_handler_writes_are_not_made_while_the_spider_runs(handlers):
    handlers(logging.INFO)
    handlers(logging.WARNING)
    engine = logging.getLogger("scrapy.core.engine")
    levels = UnwrittenLevels()
    levels.skip(None)
    assert not engine.isEnabledFor(logging.DEBUG) and not logging.getLogger("newscrawl.x").isEnabledFor(logging.DEBUG)
    assert engine.isEnabledFor(logging.INFO) and logging.getLogger("newscrawl.x").isEnabledFor(logging.INFO)
    levels.restore(None)
    assert engine.isEnabledFor(logging.DEBUG) and logging.getLogger().level == logging.NOTSET


@pytest.mark.parametrize("where", ["root", "child"])
def test_a_handler_that_writes_debug_keeps_every_debug_record(handlers, where):
    handlers(logging.INFO)
    handlers(logging.DEBUG, logging.getLogger() if where == "root" else logging.getLogger("newscrawl.debugging"))
    levels = UnwrittenLevels()
    levels.skip(None)
    assert logging.getLogger("scrapy.core.engine").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("newscrawl.debugging").isEnabledFor(logging.DEBUG)
    levels.restore(None)


def test_a_library_logger_with_its_own_level_and_handler_does_not_hold_the_others_back(handlers):
    library = logging.getLogger("cost_test_library")
    library.setLevel(logging.INFO)
    try:
        handlers(logging.INFO)
        handlers(logging.NOTSET, library)  # sees only the library's INFO records anyway
        levels = UnwrittenLevels()
        levels.skip(None)
        assert not logging.getLogger("scrapy.core.engine").isEnabledFor(logging.DEBUG)
        assert library.isEnabledFor(logging.INFO)
        levels.restore(None)
    finally:
        library.setLevel(logging.NOTSET)


def test_the_project_stats_collector_counts_as_scrapys_and_keeps_the_final_stats():
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.project import get_project_settings

    from newscrawl.stats import FastStatsCollector

    settings = get_project_settings()
    crawler = get_crawler(AlmaghribSpider, settings_dict={"STATS_CLASS": settings["STATS_CLASS"]})
    crawler.spider = AlmaghribSpider.from_crawler(crawler, base_url=BASE)
    ours, scrapys = crawler.stats, MemoryStatsCollector(crawler)
    assert isinstance(ours, FastStatsCollector)
    for stats in (ours, scrapys):
        stats.open_spider()
        stats.inc_value("pages")
        stats.inc_value("pages", 2)
        stats.inc_value("started", start=10)
        # Accepted by ours, as by Scrapy's own methods (whose wrapper warns about it: not called so here)
        stats.inc_value("spider_arg", **({"spider": crawler.spider} if stats is ours else {}))
        stats.set_value("reason", "finished")
        stats.max_value("depth", 3)
        stats.max_value("depth", 2)
        stats.min_value("first", 5)
        stats.min_value("first", 7)
    assert ours.get_stats() == scrapys.get_stats() == {
        "pages": 3, "started": 11, "spider_arg": 1, "reason": "finished", "depth": 3, "first": 5}
    assert ours.get_value("missing", "none") == "none"
    ours.close_spider(reason="finished")
    assert ours.spider_stats["almaghrib"]["pages"] == 3  # what Scrapy's stats collector keeps after the crawl
