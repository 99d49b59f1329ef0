"""Many workers on one crawl: scrapy-redis's scheduler, queue and request filter, plus
newscrawl's state and title dedupe, in one Redis (README "Scaling out").

One switch: ``NEWSCRAWL_REDIS_URL`` (setting or environment variable). Unset, nothing here is
loaded and a crawl is the single-process one. Set, every newscrawl spider becomes a worker:

- the frontier is scrapy-redis's ``PriorityQueue`` and ``RFPDupeFilter`` under
  ``newscrawl:<spider>:...`` (``newscrawl.distributed.scheduler``), persisted: no worker that
  finishes early flushes them; the run's last worker clears them when it leaves;
- the URL outcomes, kept articles, feed validators and listing chains live in Redis
  (``newscrawl.distributed.state``), and so do the kept titles
  (``newscrawl.dedupe.redis_store.RedisTitleStore``): two workers never both keep one story;
- exactly one worker of a run seeds it (feeds, home, sections, pages earlier runs left open);
  the others wait for work; each ends once the whole frontier (queue and every worker's
  requests in progress) has stayed empty for ``NEWSCRAWL_REDIS_IDLE_SECONDS``
  (``newscrawl.distributed.worker``);
- a worker that dies (SIGKILL, power cut) is noticed by the others once its heartbeat is
  ``NEWSCRAWL_REDIS_WORKER_TIMEOUT`` seconds old, and the requests it had taken are put back
  in the queue.

Keys hold only Redis data types a single server offers (the scripts touch keys they compute,
so Redis Cluster is not supported).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

SETTING = "NEWSCRAWL_REDIS_URL"
PREFIX = "newscrawl"


def redis_url(settings) -> str:
    """The shared crawl's Redis URL: the setting, else the environment variable, else ""."""
    value = (settings.get(SETTING) if settings is not None else None) or os.environ.get(SETTING) or ""
    return str(value).strip()


def shown_url(url: str) -> str:
    """*url* without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()
    return url


class RedisUnavailable(Exception):
    """The shared crawl's Redis cannot be used; the message is one sentence for the user."""


def connect(url: str, *, decode: bool = False, writable: bool = False):
    """A client for *url*, checked with a PING (and, if *writable*, a write that expires at
    once); ``RedisUnavailable`` says why not."""
    import redis

    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise RedisUnavailable(f"{SETTING} must be a redis://, rediss:// or unix:// URL, got {shown_url(url)!r}")
    database = urlsplit(url).path.strip("/")
    if urlsplit(url).scheme != "unix" and database and not database.isdigit():
        # redis-py would quietly use database 0: a typo must not join another crawl
        raise RedisUnavailable(f"{SETTING} names database {database!r}: it must be a number, as in "
                               f"redis://host:6379/0")
    try:
        client = redis.Redis.from_url(url, decode_responses=decode, socket_timeout=30, socket_connect_timeout=10,
                                      retry_on_timeout=True, health_check_interval=30)
        client.ping()
    except (redis.RedisError, ValueError, OSError) as error:
        raise RedisUnavailable(f"cannot reach Redis at {shown_url(url)} ({SETTING}): "
                               f"{str(error).rstrip('.')}") from None
    if writable:
        try:
            client.set(f"{PREFIX}:write-check", "1", px=1000)
        except redis.RedisError as error:
            raise RedisUnavailable(refusal(url, error)) from None
    return client


def refusal(url: str, error) -> str:
    """One sentence for a Redis that answers but refuses a worker's writes."""
    import redis

    where = f"Redis at {shown_url(url)} ({SETTING})"
    if isinstance(error, redis.exceptions.ReadOnlyError):
        return f"{where} is a read-only replica: name the primary"
    if isinstance(error, redis.exceptions.OutOfMemoryError):
        return f"{where} refuses writes: it is out of memory (maxmemory); free memory or raise maxmemory"
    return f"{where} refuses writes: {str(error).rstrip('.')}"


def apply_settings(settings) -> None:
    """Turn *settings* (not yet frozen: ``Spider.update_settings``) into a worker's when the
    switch is on; otherwise leave them untouched. Priority "spider": ``-s`` values still win."""
    url = redis_url(settings)
    if not url:
        return
    def put(name, value):
        settings.set(name, value, priority="spider")

    put(SETTING, url)
    put("REDIS_URL", url)  # scrapy-redis reads this one
    put("SCHEDULER", "newscrawl.distributed.scheduler.SharedScheduler")
    put("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter")
    put("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue")
    put("SCHEDULER_QUEUE_KEY", f"{PREFIX}:%(spider)s:requests")
    put("SCHEDULER_DUPEFILTER_KEY", f"{PREFIX}:%(spider)s:dupefilter")
    # Never flushed by scrapy-redis's close(): with persistence off, the first worker to finish
    # would clear the queue and filter under the others. The run's last worker clears them.
    put("SCHEDULER_PERSIST", True)
    put("SCHEDULER_FLUSH_ON_START", False)
    from scrapy.settings import SETTINGS_PRIORITIES

    # Before the state extension (100). At "spider" priority at least: Scrapy updates the
    # crawler's settings with the project's again after update_settings().
    for name, component, order in (("EXTENSIONS", "newscrawl.distributed.worker.SharedCrawlWorker", 90),
                                   ("SPIDER_MIDDLEWARES", "newscrawl.distributed.worker.SeedOnceMiddleware", 10)):
        merged = dict(settings.getdict(name))
        merged[component] = order
        settings.set(name, merged, priority=max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["spider"]))


def is_on(settings) -> bool:
    return bool(redis_url(settings))


def open_title_store(settings, **sqlite_options):
    """The kept-titles store for *settings*: in Redis for a shared crawl, else the SQLite file
    ``<NEWSCRAWL_STATE_DIR>/titles.sqlite`` (opened with *sqlite_options*)."""
    from pathlib import Path

    url = redis_url(settings)
    if url:
        from newscrawl.dedupe.redis_store import RedisTitleStore

        retention = settings.getfloat("NEWSCRAWL_TITLES_RETENTION", 90)
        window = settings.getfloat("NEWSCRAWL_DEDUPE_WINDOW", 3)
        return RedisTitleStore(connect(url), retention_days=max(retention, window) if retention > 0 else 0)
    from newscrawl.dedupe import SQLiteTitleStore

    return SQLiteTitleStore(Path(settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl")) / "titles.sqlite",
                            **sqlite_options)
