"""Scrapy glue for ``newscrawl.state``: incremental crawls, resume after a crash, rolling feeds.

The extension opens the state store (``<NEWSCRAWL_STATE_DIR>/state.sqlite``) for the spider
(``crawler.newscrawl_state``), records every kept or dropped item, reconciles feed files of a
run that was killed, and rewrites the rolling feed when the crawl closes.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from itemadapter import ItemAdapter
from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.defer import deferred_from_coro

from newscrawl.dedupe import TitleDeduper
from newscrawl.distributed import connect, open_title_store, redis_url
from newscrawl.feedstorage import describe, take_write_failures
from newscrawl.runs import RunHistory, history_has_run, history_path, record_killed_run
from newscrawl.spiders.common import asked_url
from newscrawl.state import CrawlState

logger = logging.getLogger(__name__)


def state_path(settings) -> Path:
    return Path(settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl")) / "state.sqlite"


def open_crawl_state(settings) -> CrawlState:
    """The state store for *settings*: SQLite, or with ``NEWSCRAWL_REDIS_URL`` the shared one
    (pages, articles, validators, chains in Redis; this worker's runs and feed files in SQLite)."""
    retry_failed_after = timedelta(hours=settings.getfloat("NEWSCRAWL_RETRY_FAILED_AFTER", 6))
    url = redis_url(settings)
    if url:
        from newscrawl.distributed.state import SharedCrawlState

        return SharedCrawlState(state_path(settings), connect(url), retry_failed_after=retry_failed_after)
    return CrawlState(state_path(settings), retry_failed_after=retry_failed_after)


def _file_path(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        return str(Path(unquote(parts.path if parts.scheme else uri)).resolve())
    return None


# Runs of the history read to tell a flushed Redis (the state of the last few suffices).
RECENT_RUNS = 20

class CrawlStateExtension:
    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_INCREMENTAL", True):
            raise NotConfigured
        self.crawler = crawler
        self.state = open_crawl_state(settings)
        self.rolling_path = settings.get("NEWSCRAWL_ROLLING_FEED", "feeds/%(name)s.json")
        self.rolling_size = settings.getint("NEWSCRAWL_FEED_SIZE", 100)
        self.feed_files: list[str] = []
        self.run = None
        self.keep_feeds_open = False
        self.write_failed: str | None = None  # why an item could not be made durable; the run is not "finished"
        crawler.newscrawl_state = self.state
        self._set_aside_broken_queue(settings.get("JOBDIR"), crawler.spidercls.name)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _key(self, url: str) -> str:
        return self.crawler.spider.url_key(url)

    # --- run start: reconcile a killed run ----------------------------------------------------
    def _set_aside_broken_queue(self, jobdir: str | None, spider_name: str) -> None:
        """Scrapy's JOBDIR holds a request queue and a set of requests already seen. Only a
        run paused cleanly (one Ctrl-C) leaves them consistent, and then both are kept.

        After a kill the queue may be cut mid-record (pushing to it then fails) and the seen set
        names requests that are lost with it, so both are moved aside and the run resumes from
        the state store: the spiders rediscover the work (already kept articles are not fetched
        again). After a finished run the seen set is stale: kept, it would filter out the next
        scheduled run's start pages, sitemaps and resumed pages, so it is moved aside too."""
        if not jobdir:
            return
        last = self.state.last_run(spider_name)
        killed = bool(self.state.unclosed_feed_files(spider_name)) or (last is not None and last.finished_at is None)
        finished = last is not None and last.reason == "finished"
        stamp = f"{datetime.now():%Y%m%dT%H%M%S}"
        for name in ("requests.queue", "requests.seen") if killed else ("requests.seen",) if finished else ():
            path = Path(jobdir) / name
            if not path.exists():
                continue
            aside = path.with_name(f"{name}.{'killed' if killed else 'finished'}-{stamp}")
            path.rename(aside)
            if killed:
                logger.warning("The last %s run was killed: %s moved to %s; resuming from the state store "
                               "(already kept articles are not fetched again)", spider_name, name, aside)
                if self.crawler.stats:
                    self.crawler.stats.inc_value("newscrawl/resume/queue_set_aside")

    def spider_opened(self, spider):
        try:
            self._open_run(spider)
        except (sqlite3.Error, RedisError, OSError) as error:
            # The previous run's feed may hold articles it could not record (a full disk): fetched
            # and written again before they are recorded, they would come out twice. Nothing is
            # fetched; the feeds stay as they are for a run that can record them.
            self.keep_feeds_open = True
            self.write_failed = f"cannot record the state of the run in {self._store_of(error)}: {error}"
            logger.error("Stopping before the crawl: %s. Nothing is fetched; the next run with a writable state "
                         "store records what earlier runs wrote and goes on.", self.write_failed)
            self.crawler.stats.set_value("newscrawl/feeds/write_failed", self.write_failed)
            raise CloseSpider("write_failed") from None

    def _store_of(self, error: Exception) -> str:
        """Where the failed write went: a shared crawl keeps its runs in SQLite, the rest in Redis."""
        return getattr(self.state, "where", None) if isinstance(error, RedisError) else str(self.state.path)

    def _open_run(self, spider):
        # The run's start as the run history records it (the crawl's start_time), so that the
        # next run can tell whether this one reached its history row.
        started = self.crawler.stats.get_value("start_time")
        self.run, interrupted = self.state.start_run(
            spider.name, started.astimezone(timezone.utc).isoformat(timespec="microseconds") if started else None)
        if interrupted is not None:
            logger.warning("The previous %s run (started %s) did not finish (%s): its unsettled pages are "
                           "requested first and no listing shortcut it could not earn is trusted",
                           spider.name, interrupted.started_at, interrupted.reason or "killed or crashed")
            self.crawler.stats.inc_value("newscrawl/resume/after_interrupted_run")
        exporter = next((e for e in self.crawler.extensions.middlewares if isinstance(e, FeedExporter)), None)
        # JSON Lines feeds are the journal a killed run is reconciled from.
        current = [p for p in (_file_path(s.uri) for s in getattr(exporter, "slots", []) if s.format == "jsonlines") if p]
        # The previous run without a history row: killed (SIGKILL, OOM) before it could add its
        # row, perhaps while closing, after it had marked itself finished. Added now, from what
        # the state store saw of it (read before the reconciliation below records its feed anew).
        previous = self.state.run_before(self.run)
        unreported = previous is not None and history_has_run(self.crawler.settings, spider.name,
                                                              previous.started_at) is False
        ended = (previous.finished_at or self.run.started_at) if previous is not None else None
        activity = self.state.activity_between(spider.name, previous.started_at, ended) if unreported else None
        recovered = self._reconcile(spider, exclude=set(current))
        if recovered:
            logger.warning("Recovered %d article(s) from the feed files of an interrupted run", recovered)
            self.crawler.stats.inc_value("newscrawl/resume/recovered_items", recovered)
        if unreported:
            record_killed_run(self.crawler.settings, spider.name, previous.started_at, ended, activity,
                              recovered if previous.finished_at is None else 0)
        for path in current:
            self.state.open_feed_file(path, spider.name)
        self.feed_files = current
        self._release_claims(spider)
        self._warn_if_shared_state_lost(spider)

    def _warn_if_shared_state_lost(self, spider) -> None:
        """A shared crawl whose Redis holds no article of the spider, though this directory's
        earlier runs kept some: Redis was flushed or replaced, and every article of the site is
        fetched and emitted again. Said once, at the start (adversary round 14), not found out
        from the feeds."""
        settings = self.crawler.settings
        if not redis_url(settings) or self.state.count_articles(spider.name):
            return
        with RunHistory(history_path(settings), check=False) as history:
            earlier = sum(run.new_articles for run in history.runs(spider.name, last=RECENT_RUNS))
        if earlier:
            logger.warning("The shared state in Redis holds no %s article, though this directory's recent runs kept %d:"
                           " was Redis flushed or replaced? Every article of the site is fetched and emitted again",
                           spider.name, earlier)
            self.crawler.stats.set_value("newscrawl/redis/state_lost", earlier)

    def _release_claims(self, spider) -> None:
        """A shared crawl's worker, its feed files read back: the claims its earlier runs left (it
        stopped between claiming articles and recording them) end, and what it had claimed but not
        written is asked again (the other workers left it alone, waiting for this moment)."""
        worker = getattr(self.crawler, "newscrawl_worker", None)
        frontier = getattr(worker, "frontier", None)
        if frontier is None:
            return
        released = frontier.release_claims()
        unwritten = [url for key in released if not self.state.is_kept(key) and (url := self.state.page_url(key))]
        if not released:
            return
        logger.warning("Released %d claim(s) this worker's earlier run left; %d of those articles it had not written "
                       "are fetched again", len(released), len(unwritten))
        self.crawler.stats.inc_value("newscrawl/redis/claims_released", len(released))
        for url in unwritten:
            # Past the shared filter: another worker may have fetched it in this run and held back.
            self.crawler.engine.crawl(spider.open_page_request(url).replace(dont_filter=True))

    def _reconcile(self, spider, exclude: set[str]) -> int:
        """Items that reached the feed of a run killed before it recorded them are recorded now,
        so the resumed run neither fetches nor emits them again."""
        recovered = 0
        deduper = None
        for path in self.state.unclosed_feed_files(spider.name):
            if path in exclude:
                continue
            for item in _read_json_lines(path):
                if self.state.keep(self._key(item["url"]), item):
                    recovered += 1
                # The title store commits in groups: make sure every title that reached the feed is in it.
                if deduper is None:
                    deduper = TitleDeduper(open_title_store(self.crawler.settings))
                published = item.get("date_published")
                deduper.check_and_add(item.get("headline") or "", item["url"],
                                      datetime.fromisoformat(published) if published else None)
            self.state.close_feed_file(path)
        if deduper is not None:
            deduper.store.close()
        return recovered

    # --- during the run ------------------------------------------------------------------------
    def item_scraped(self, item, spider):
        # The feed exporter has already written the item (its handler runs first): an item
        # counts as kept only once it is durably in every feed file.
        adapter = ItemAdapter(item)
        failures = take_write_failures()
        if failures:
            path, error = next(iter(failures.items()))
            # Another feed file may hold the item already: left unclosed, the JSON Lines
            # journal is reconciled by the next run, so what it holds is not emitted again.
            self._fail_writes(f"cannot write the feed {path}: {describe(error)} ({error})", keep_feeds_open=True)
            self.crawler.stats.inc_value("newscrawl/feeds/items_not_written")
            return  # the page stays pending: the next run fetches and emits it
        # Written whole to every feed (even after an earlier failure, when it fit): kept.
        try:
            key, refresh = self._key(adapter["url"]), getattr(spider, "refresh", False)
            kept_before = refresh and self.state.is_kept(key)  # a refresh stores kept pages again: not new
            if self.state.keep(key, _plain_dict(adapter), replace=refresh) and not kept_before:
                self.crawler.stats.inc_value("newscrawl/articles/new")  # run history (newscrawl.runs)
        except (sqlite3.Error, RedisError) as error:
            # In the feed but not in the store: the feed file stays unclosed, so the next run
            # reconciles it (records the item) instead of emitting it again.
            self._fail_writes(f"cannot write the state store {self._store_of(error)}: {error}", keep_feeds_open=True)

    def _fail_writes(self, why: str, keep_feeds_open: bool = False) -> None:
        """Stop the crawl loudly: fetching on would only produce articles nothing can keep."""
        self.keep_feeds_open = self.keep_feeds_open or keep_feeds_open
        if self.write_failed:
            return
        self.write_failed = why
        logger.error("Stopping the crawl: %s. Articles not written stay pending and come out on the next "
                     "run; nothing already written is lost.", why)
        self.crawler.stats.set_value("newscrawl/feeds/write_failed", why)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="write_failed"))

    def item_dropped(self, item, spider, exception):
        adapter = ItemAdapter(item)
        if not adapter.get("url"):
            return
        status = getattr(exception, "state_status", None)  # newscrawl.pipelines' DropItem subclasses
        if status:
            self.state.record(self._key(adapter["url"]), spider.name, adapter["url"], status)

    def spider_error(self, failure, response, spider):
        """A callback that raised leaves its page failed (retried with backoff on later runs)
        instead of pending for ever or lost."""
        if response is None or response.request is None:
            return
        self.crawler.stats.inc_value("newscrawl/pages/callback_error")
        request = response.request
        if request.callback == getattr(spider, "parse_article", None) or request.meta.get("article"):
            asked = asked_url(response)
            self.state.record(self._key(asked), spider.name, asked, "failed")

    # --- run end ------------------------------------------------------------------------------
    def spider_closed(self, spider, reason):
        stats = self.crawler.stats
        if stats.get_value("newscrawl/redis/restarted") or stats.get_value("newscrawl/redis/redis_errors"):
            # A shared crawl's Redis restarted or was unreachable: it may have lost some of the
            # articles it recorded as kept. This run's feed files stay unclosed, so the next run
            # records what they hold again (reconcile) instead of emitting those articles again.
            logger.warning("Redis was unreachable or restarted during this run: the next run records this run's "
                           "feed files in the shared store again")
            self.keep_feeds_open = True
        if not self.keep_feeds_open:
            for path in self.feed_files:
                self.state.close_feed_file(path)
        try:
            if self.run is not None:
                self.state.end_run(self.run, "write_failed" if self.write_failed else reason)
            if self.rolling_path:
                try:
                    self.write_rolling_feed(spider)
                except (OSError, sqlite3.Error, RedisError) as error:  # the articles are safe in the store; the next run rewrites it
                    logger.error("Cannot rewrite the rolling feed %s: %s (%s); the previous one stays in place",
                                 self.rolling_path % {"name": spider.name}, describe(error), error)
        finally:
            self.state.close()

    def write_rolling_feed(self, spider) -> None:
        """The newest NEWSCRAWL_FEED_SIZE stored articles of the site as JSON Feed 1.1, replaced atomically."""
        from newscrawl.jsonfeed import home_page_url, json_feed_document, public_url

        target = Path(self.rolling_path % {"name": spider.name})
        target.parent.mkdir(parents=True, exist_ok=True)
        items = list(self.state.articles(source=spider.name, newest_first=True, limit=self.rolling_size))
        settings = self.crawler.settings
        # Where subscribers find the feed and the site: only the publisher knows (a path on the
        # crawling machine is no address for them), so feed_url is left out unless set.
        document = json_feed_document(items, title=getattr(getattr(spider, "site", None), "label", spider.name),
                                      home_page_url=home_page_url(settings, spider),
                                      feed_url=public_url(settings, "NEWSCRAWL_FEED_PUBLIC_URL", spider.name))
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, target)
        logger.info("Rolling feed %s: %d newest articles", target, len(items))


def _plain_dict(adapter: ItemAdapter) -> dict:
    """``adapter.asdict()``, built without asking each string of the item whether it is an item
    (itemadapter does, through every adapter class: ~0.4 ms an article, a tenth of the crawl's
    CPU outside extraction). Anything but JSON's own types is still converted by itemadapter."""
    return {name: _plain(value) for name, value in adapter.items()}


def _plain(value):
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, set, tuple)):
        return value.__class__(_plain(inner) for inner in value)
    return ItemAdapter._asdict(value)


def _read_json_lines(path: str):
    """Complete lines of a JSON Lines file; a line cut by a crash is ignored."""
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and item.get("url"):
                    yield item
    except FileNotFoundError:
        return
