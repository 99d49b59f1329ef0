"""A worker of a shared crawl: joins the run, seeds it or waits, heartbeats, ends when idle.

``SharedCrawlWorker`` (extension) registers the worker when the spider opens: the first live
worker of a run is its seeder. Every half second it heartbeats (which also puts back the
requests of workers whose heartbeat stopped), ends the leases of requests Scrapy has finished,
and wakes the engine so an idle worker takes new work at once. When Scrapy finds the worker
idle, it stays open until the whole frontier (every worker's) has been empty for
``NEWSCRAWL_REDIS_IDLE_SECONDS``. At close it hands back what it still held and leaves; the
run's last worker clears the run's queue and filter.

``SeedOnceMiddleware`` (spider middleware) lets the spider's ``start()`` through on the seeder
only. Another worker waits until seeding is done, and takes it over if the seeder dies first
(the shared filter drops what the dead seeder had already queued).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time

from redis.exceptions import RedisError, ResponseError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call, sleep
from scrapy.utils.defer import deferred_from_coro

from newscrawl.distributed import connect, redis_url, refusal, shown_url
from newscrawl.distributed.scheduler import DEFAULT_CLAIM_HOLD, Frontier

logger = logging.getLogger(__name__)

TICK = 0.5  # seconds between heartbeats (and between looks at the queue when idle)
DEFAULT_IDLE_SECONDS = 30.0
DEFAULT_WORKER_TIMEOUT = 60.0
DEFAULT_OUTAGE_SECONDS = 120.0


class SharedCrawlWorker:
    def __init__(self, crawler):
        url = redis_url(crawler.settings)
        if not url:
            raise NotConfigured
        self.crawler = crawler
        self.url = url
        self.client = connect(url)
        self.idle_seconds = crawler.settings.getfloat("NEWSCRAWL_REDIS_IDLE_SECONDS", DEFAULT_IDLE_SECONDS)
        self.timeout = crawler.settings.getfloat("NEWSCRAWL_REDIS_WORKER_TIMEOUT", DEFAULT_WORKER_TIMEOUT)
        self.claim_hold = crawler.settings.getfloat("NEWSCRAWL_REDIS_CLAIM_HOLD", DEFAULT_CLAIM_HOLD)
        self.outage_seconds = crawler.settings.getfloat("NEWSCRAWL_REDIS_OUTAGE_SECONDS", DEFAULT_OUTAGE_SECONDS)
        if self.timeout < 3 * TICK:
            raise ValueError(f"NEWSCRAWL_REDIS_WORKER_TIMEOUT must be at least {3 * TICK:g} seconds")
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.frontier: Frontier | None = None
        self.is_seeder = False
        self._idle_since: float | None = None
        self._down_since: float | None = None  # when Redis stopped answering, during an outage
        self._server_run: str | None = None  # the Redis server's run id: it changes when Redis restarts
        self._refused = False
        self._loop = None
        crawler.newscrawl_worker = self
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"newscrawl/redis/{key}", count)

    def open_frontier(self, spider_name: str) -> Frontier:
        """The frontier, registered (the scheduler opens before spider_opened fires)."""
        if self.frontier is None:
            state = getattr(self.crawler, "newscrawl_state", None)
            journal = state.journal_id() if state is not None and state.db is not None else None
            self.frontier = Frontier(self.client, spider_name, self.worker_id, self.timeout, journal=journal,
                                     claim_hold=self.claim_hold)
            self.is_seeder, reclaimed = self.frontier.register()
            if reclaimed:
                self._stat("reclaimed", reclaimed)
            logger.info("Shared crawl on %s: worker %s %s", shown_url(self.url), self.worker_id,
                        "seeds this run" if self.is_seeder else "joins the running crawl and waits for work")
            self.crawler.stats.set_value("newscrawl/redis/seeder", int(self.is_seeder))
        return self.frontier

    def spider_opened(self, spider):
        self.open_frontier(spider.name)
        self._loop = create_looping_call(self._tick)
        self._loop.start(TICK, now=False)

    def _scheduler(self):
        slot = getattr(self.crawler.engine, "_slot", None)
        return slot, getattr(slot, "scheduler", None)

    def _tick(self) -> None:
        # A Redis outage (restart, failover) must not end the heartbeat: an exception would stop
        # this loop for good, and with it the engine's wake-ups, and the worker would hang.
        try:
            self._beat()
        except RedisError as error:
            self._redis_down(error)
            down_for = time.monotonic() - self._down_since
            if isinstance(error, ResponseError) and down_for >= self.timeout:
                self._stop_refused(error)
            elif not isinstance(error, ResponseError) and down_for >= self.outage_seconds:
                self._stop_lost(error, down_for)
        else:
            if self._down_since is not None:
                logger.warning("Redis is back after %.0f s: the shared crawl goes on",
                               time.monotonic() - self._down_since)
                self._down_since = None

    def _stop_refused(self, error) -> None:
        """Redis answers but refuses (out of memory, a read-only replica, no permission): unlike
        an outage this does not pass by itself, so the worker stops instead of waiting for ever.
        What it has not written stays pending for the next run."""
        if self._refused:
            return
        self._refused = True
        why = refusal(self.url, error)
        logger.error("Stopping this worker: %s. Articles not written stay pending and come out in the next run", why)
        self.crawler.stats.set_value("newscrawl/redis/refused", why)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="redis_refused"))

    def _stop_lost(self, error, down_for: float) -> None:
        """Redis has not answered for NEWSCRAWL_REDIS_OUTAGE_SECONDS: a restart or a failover
        is over by then, so the worker stops (finish reason ``redis_lost``, exit status 1)
        instead of waiting for ever. What it took stays in Redis's queue or pending in the
        state store; the next run, Redis back, fetches it."""
        if self._refused:
            return
        self._refused = True
        logger.error("Stopping this worker: Redis at %s has not answered for %.0f s (NEWSCRAWL_REDIS_OUTAGE_SECONDS): "
                     "%s. Articles not written stay pending and come out in the next run once Redis is back",
                     shown_url(self.url), down_for, error)
        self.crawler.stats.set_value("newscrawl/redis/lost", str(error))
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="redis_lost"))

    def _redis_down(self, error) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.error("Lost Redis (%s): retrying every %g s; requests not yet queued are kept here", error, TICK)
        self._stat("redis_errors")

    def _beat(self) -> None:
        server = self.client.info("server").get("run_id")
        if self._server_run is None:
            self._server_run = server
        elif server != self._server_run:
            # Restarted, perhaps from an append-only file a second old (appendfsync everysec),
            # perhaps too quickly for any call to fail: what this run wrote may be partly lost.
            logger.warning("Redis restarted during the crawl (its run id changed): writes since its last save may "
                           "be lost; articles they recorded may come out again in a later run")
            self._stat("restarted")
            self._server_run = server
        reclaimed, declared_dead = self.frontier.beat()
        if reclaimed:
            logger.warning("Put back %d request(s) taken by worker(s) whose heartbeat stopped", reclaimed)
            self._stat("reclaimed", reclaimed)
        if declared_dead:
            # Its requests went back to the queue and may be fetched twice; items stay once.
            logger.warning("This worker's heartbeat was late by more than NEWSCRAWL_REDIS_WORKER_TIMEOUT (%g s)",
                           self.timeout)
            self._stat("declared_dead")
        slot, scheduler = self._scheduler()
        if slot is None or scheduler is None:
            return
        scheduler.finished(slot.inprogress)
        scheduler.send_held()
        if slot.closing is None:
            slot.nextcall.schedule()  # an idle engine looks at the queue again every tick, not every 5 s

    def spider_idle(self, spider):
        try:
            self._return_orphans()
            empty = self.frontier.empty() and not getattr(self._scheduler()[1], "held", None)
        except RedisError as error:  # no answer is no proof that the frontier is empty
            self._redis_down(error)
            empty = False
        if empty:
            now = time.monotonic()
            if self._idle_since is None:
                self._idle_since = now
            if now - self._idle_since >= self.idle_seconds:
                logger.info("The shared frontier has been empty for %g s: this worker ends", self.idle_seconds)
                return
        else:
            self._idle_since = None
        raise DontCloseSpider

    def _return_orphans(self) -> None:
        """Idle, this worker holds nothing: whatever its taken set still holds goes back."""
        slot, scheduler = self._scheduler()
        if slot is None or not hasattr(scheduler, "taken"):
            return
        scheduler.finished(slot.inprogress)
        if slot.inprogress or scheduler.taken:
            return
        orphans = self.frontier.return_orphans()
        if orphans:
            logger.warning("Put back %d request(s) this worker's lease set held though it held none "
                           "(an answer Redis sent was lost)", orphans)
            self._stat("orphans_returned", orphans)

    def spider_closed(self, spider, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.frontier is None:
            return
        slot, scheduler = self._scheduler()
        if reason == "finished" and scheduler is not None and hasattr(scheduler, "taken"):
            scheduler.finished(set())  # the frontier was empty: everything taken was done
        # Otherwise (Ctrl-C, a failed write, CLOSESPIDER_*) what this worker still held, some of it
        # cut short by the stop, goes back to the queue for the others; a page done since the last
        # tick may be fetched again, and is then skipped as kept.
        try:
            last = self.frontier.leave()
        except Exception as error:  # Redis gone: the others put our requests back once our heartbeat stops
            logger.error("Could not leave the shared crawl cleanly (%s); the other workers take over", error)
            return
        logger.info("Worker %s left the shared crawl%s", self.worker_id,
                    "; it was the last one: the run's queue and request filter are cleared" if last else "")


class SeedOnceMiddleware:
    """Only the seeding worker reads the spider's ``start()`` (feeds, home, sections, resumed pages)."""

    def __init__(self, crawler):
        if not redis_url(crawler.settings):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        worker: SharedCrawlWorker = self.crawler.newscrawl_worker
        frontier = worker.open_frontier(self.crawler.spider.name)
        if not worker.is_seeder:
            while True:
                try:
                    verdict = frontier.take_seeding()
                except RedisError:  # an outage (the heartbeat logs it): ask again, never give up waiting
                    verdict = 0
                if verdict == -1:
                    return  # seeding is done: the work is in the queue
                if verdict == 1:
                    logger.warning("The seeding worker stopped before it had seeded the run: this worker seeds it")
                    worker.is_seeder = True
                    self.crawler.stats.set_value("newscrawl/redis/seeder", 1)
                    break
                await sleep(TICK)
        try:
            async for item_or_request in start:
                yield item_or_request
        except Exception:
            # start() raised (Scrapy logs it): the run is marked seeded all the same, or no worker
            # would ever end. What start() did not yield stays open in the state store for the
            # next run. (A worker stopped mid-seeding instead leaves the lock to another: LEAVE.)
            logger.error("Seeding stopped by an error: the run goes on with what was seeded")
            await self._mark_seeded(frontier)
            raise
        await self._mark_seeded(frontier)
        logger.info("Seeding done: the start requests are in the shared queue")

    @staticmethod
    async def _mark_seeded(frontier) -> None:
        while True:
            try:
                frontier.seeding_done()
                return
            except RedisError:  # an outage: the run must be marked seeded once Redis is back
                await sleep(TICK)
