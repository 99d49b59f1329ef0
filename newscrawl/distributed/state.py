"""The state that decides "once", in Redis, for a shared crawl (``NEWSCRAWL_REDIS_URL``).

``SharedCrawlState`` is ``newscrawl.state.CrawlState`` with the parts every worker must see
moved to Redis: URL outcomes (``pages``), kept articles, feed validators and listing chains.
What belongs to one worker stays in its local SQLite file: its runs (was *this* worker's last
run interrupted?) and its feed files (a killed worker's JSON Lines feed is on its own disk; the
worker reconciles it into the shared store when it starts again).

Keys (under ``newscrawl:state:``), shared by every spider like ``state.sqlite`` is:

- ``page:<url key>``      hash: source, url, status, seen_at, first_seen (ISO), attempts,
  not_before (unix seconds, a failed page's backoff)
- ``open:<source>``       set of the url keys of the source not settled (pending, failed, missing)
- ``articles:<source>``   hash: url key -> the kept article as JSON
- ``sources``             set of the sources with kept articles
- ``validators``          hash: feed URL -> [etag, last_modified]
- ``chains``              hash: listing chain key -> {depth, complete, walked_at}

Each write that reads first (record, keep, discover, walked_chain) is one Lua script. Times
are the workers' clocks: keep the machines' clocks in sync (NTP), as for any crawl schedule.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Iterator

from newscrawl.distributed import PREFIX
from newscrawl.state import (FINAL_STATUSES, FIRST_BACKOFF, GONE_AFTER_ATTEMPTS, RECHECKED_STATUSES, Chain, CrawlState,
                             Validators, _now)

BASE = f"{PREFIX}:state:"

# KEYS: page, open set; ARGV: source, url, now (ISO)
_DISCOVER = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'source', ARGV[1], 'url', ARGV[2], 'status', 'pending', 'seen_at', ARGV[3],
           'first_seen', ARGV[3], 'attempts', 0)
redis.call('SADD', KEYS[2], ARGV[4])
return 1
"""

# KEYS: page, open set of the source; ARGV: source, url, status, now (ISO), now (unix s),
# retry_failed_after (s), first backoff (s), url key, 1 if the status settles the page, the
# attempts after which "gone" settles it (before, it stays open as "missing")
_RECORD = """
if redis.call('HGET', KEYS[1], 'status') == 'kept' then return 0 end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local status, settled = ARGV[3], ARGV[9]
if status == 'gone' and attempts < tonumber(ARGV[10]) then status, settled = 'missing', '0' end
redis.call('HSET', KEYS[1], 'source', ARGV[1], 'url', ARGV[2], 'status', status, 'seen_at', ARGV[4])
redis.call('HSETNX', KEYS[1], 'first_seen', ARGV[4])
if (status == 'failed' or status == 'missing') and attempts > 1 then
  local backoff = math.min(tonumber(ARGV[6]), tonumber(ARGV[7]) * 2 ^ math.min(attempts - 2, 20))
  redis.call('HSET', KEYS[1], 'not_before', tostring(tonumber(ARGV[5]) + backoff))
else
  redis.call('HDEL', KEYS[1], 'not_before')
end
if settled == '1' then redis.call('SREM', KEYS[2], ARGV[8]) else redis.call('SADD', KEYS[2], ARGV[8]) end
return 1
"""

# KEYS: page, open set, articles of the source, sources, the spider's claims, the source's articles
# published at the item's time; ARGV: url key, source, url, item JSON, now (ISO), replace (1/0),
# date_published ('' for none). Returns 1 if the article was not kept before
# (or replaced). Kept, the article needs its claim no more (newscrawl.distributed.scheduler).
_KEEP = """
local added
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
  added = 1
else
  added = redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[4])
end
redis.call('HSET', KEYS[1], 'source', ARGV[2], 'url', ARGV[3], 'status', 'kept', 'seen_at', ARGV[5])
redis.call('HSETNX', KEYS[1], 'first_seen', ARGV[5])
redis.call('HSETNX', KEYS[1], 'attempts', 0)
redis.call('HDEL', KEYS[1], 'not_before')
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('HDEL', KEYS[5], ARGV[1])
if ARGV[7] ~= '' then redis.call('SADD', KEYS[6], ARGV[1]) end
return added
"""

# KEYS: chains; ARGV: key, depth, complete (0/1), walked_at, recorded_at, whole (0/1). Depth and
# completeness only grow; whole_at is the start of the last walk that took no shortcut.
_WALKED = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
local depth, complete = tonumber(ARGV[2]), tonumber(ARGV[3])
local whole_at = nil
if ARGV[6] == '1' then whole_at = ARGV[4] end
if old then
  local chain = cjson.decode(old)
  depth = math.max(depth, chain.depth)
  complete = math.max(complete, chain.complete)
  if whole_at == nil and type(chain.whole_at) == 'string' then whole_at = chain.whole_at end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({depth = depth, complete = complete, walked_at = ARGV[4],
                                                   recorded_at = ARGV[5], whole_at = whole_at}))
return 1
"""

# KEYS: page, open set; ARGV: url key
_FORGET = """
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
"""


def _text(value) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class SharedCrawlState(CrawlState):
    """``CrawlState`` whose pages, articles, validators and chains are in Redis (*client*).

    *path*: the worker's local SQLite file (runs, feed files); None for a reader of the shared
    articles only (``scrapy export``), which then has no runs or feed files."""

    def __init__(self, path: str | Path | None, client, *, retry_failed_after: timedelta = timedelta(hours=6)):
        self.redis = client
        self.retry_failed_after = retry_failed_after
        kwargs = client.connection_pool.connection_kwargs
        self.where = f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"
        if path is not None:
            super().__init__(path, retry_failed_after=retry_failed_after)
        else:
            self.path = Path("redis")
            self.db = None
        script = client.register_script
        self._discover, self._record, self._keep = script(_DISCOVER), script(_RECORD), script(_KEEP)
        self._walked, self._forget = script(_WALKED), script(_FORGET)

    def close(self) -> None:
        if self.db is not None:
            super().close()

    # --- pages ------------------------------------------------------------------------------
    @staticmethod
    def _page(key: str) -> str:
        return f"{BASE}page:{key}"

    @staticmethod
    def _open(source: str) -> str:
        return f"{BASE}open:{source}"

    def known(self, key: str, *, before: str | None = None, gone_before: str | None = None) -> str | None:
        status, seen_at, not_before = map(_text, self.redis.hmget(self._page(key), "status", "seen_at", "not_before"))
        if status is None or (before is not None and seen_at >= before):
            return None
        if status in RECHECKED_STATUSES and gone_before is not None and seen_at < gone_before:
            return None
        if status in FINAL_STATUSES:
            return status
        if status != "pending" and not_before and float(not_before) > time.time():
            return status
        return None

    def status(self, key: str) -> str | None:
        return _text(self.redis.hget(self._page(key), "status"))

    def discovered_before(self, key: str, when: str) -> bool:
        first_seen, seen_at = map(_text, self.redis.hmget(self._page(key), "first_seen", "seen_at"))
        first = first_seen or seen_at
        return first is not None and first <= when

    def discover(self, key: str, source: str, url: str) -> None:
        self._discover(keys=[self._page(key), self._open(source)], args=[source, url, _now(), key])

    def record(self, key: str, source: str, url: str, status: str) -> None:
        self._record(keys=[self._page(key), self._open(source)],
                     args=[source, url, status, _now(), time.time(), self.retry_failed_after.total_seconds(),
                           FIRST_BACKOFF.total_seconds(), key, "1" if status in FINAL_STATUSES else "0",
                           GONE_AFTER_ATTEMPTS])

    def _open_rows(self, source: str) -> list[tuple[str, dict]]:
        keys = [_text(k) for k in self.redis.smembers(self._open(source))]
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(self._page(key))
        rows = []
        for key, page in zip(keys, pipe.execute()):
            page = {_text(k): _text(v) for k, v in page.items()}
            if page.get("status") in ("pending", "failed", "missing"):
                rows.append((key, page))
        return rows

    def open_pages(self, source: str) -> list[str]:
        now = time.time()
        rows = [page for _, page in self._open_rows(source)
                if not page.get("not_before") or float(page["not_before"]) <= now]
        rows.sort(key=lambda page: page.get("first_seen") or page.get("seen_at") or "")
        return [page["url"] for page in rows]

    def count_open(self, source: str) -> int:
        return len(self._open_rows(source))

    def forget(self, key: str) -> None:
        page = self._page(key)
        source = _text(self.redis.hget(page, "source")) or ""
        self._forget(keys=[page, self._open(source)], args=[key])

    # --- articles ---------------------------------------------------------------------------
    def keep(self, key: str, item: dict, *, replace: bool = False) -> bool:
        source = item.get("source") or ""
        # An article's source is the spider that wrote it: its claims key (Frontier.claims_key).
        published = item.get("date_published") or ""
        added = self._keep(keys=[self._page(key), self._open(source), f"{BASE}articles:{source}", f"{BASE}sources",
                                 f"{PREFIX}:{source}:claims", self._published_key(source, published)],
                           args=[key, source, item["url"], json.dumps(item, ensure_ascii=False, sort_keys=True),
                                 _now(), "1" if replace else "0", published])
        return bool(added)

    @staticmethod
    def _published_key(source: str, date_published: str) -> str:
        """The set of the keys of *source*'s articles kept with this ``date_published`` (Redis
        keeps no order by date: this is the index ``kept_published_at`` reads)."""
        return f"{BASE}published:{source}:{date_published}"

    def kept_published_at(self, source: str, date_published: str, limit: int = 20) -> list[dict]:
        """As ``CrawlState.kept_published_at`` (articles kept before this index existed are not found)."""
        keys = list(self.redis.srandmember(self._published_key(source, date_published), limit) or [])
        raws = self.redis.hmget(f"{BASE}articles:{source}", keys) if keys else []
        return [json.loads(raw) for raw in raws if raw]

    def is_kept(self, key: str) -> bool:
        return _text(self.redis.hget(self._page(key), "status")) == "kept"

    def page_url(self, key: str) -> str | None:
        return _text(self.redis.hget(self._page(key), "url"))

    def kept_item(self, key: str, source: str) -> dict | None:
        """The kept article at *key* (of *source*) as it was written, or None."""
        raw = self.redis.hget(f"{BASE}articles:{source}", key)
        return json.loads(raw) if raw else None

    def latest_record(self) -> str | None:
        """Unknown: the pages are in Redis without an index by time (a shared crawl's clocks
        are the workers' own; keep them in sync)."""
        return None

    def activity_between(self, source: str, since: str, until: str):
        """Unknown: the pages are in Redis, shared by every worker, without an index by time."""
        return None

    def sources(self) -> list[tuple[str, int]]:
        """(source, kept articles) for every source with kept articles, by name."""
        names = sorted(_text(s) for s in self.redis.smembers(f"{BASE}sources"))
        return [(name, self.count_articles(name)) for name in names]

    def articles(self, *, source: str | None = None, since: str | None = None, until: str | None = None,
                 section: str | None = None, newest_first: bool = False, limit: int | None = None) -> Iterator[dict]:
        """As ``CrawlState.articles``; the matching articles are sorted in memory (Redis keeps
        no order by date), then streamed."""
        names = [source] if source is not None else [name for name, _ in self.sources()]
        chosen = []
        for name in names:
            for key, raw in self.redis.hscan_iter(f"{BASE}articles:{name}", count=1000):
                item = json.loads(raw)
                published = item.get("date_published")
                if since is not None and (published is None or published < since):
                    continue
                if until is not None and (published is None or published >= until):
                    continue
                if section is not None and item.get("section") != section:
                    continue
                chosen.append((published or "", _text(key), item))
        # SQLite's order: by date (undated lowest), then by key, ascending even when newest first.
        chosen.sort(key=lambda row: row[1])
        chosen.sort(key=lambda row: row[0], reverse=newest_first)
        for _, _, item in chosen[:limit] if limit is not None else chosen:
            yield item

    def count_articles(self, source: str | None = None) -> int:
        if source is None:
            return sum(count for _, count in self.sources())
        return int(self.redis.hlen(f"{BASE}articles:{source}"))

    # --- conditional requests ---------------------------------------------------------------
    def validators(self, url: str) -> Validators | None:
        raw = self.redis.hget(f"{BASE}validators", url)
        return Validators(*json.loads(raw)) if raw else None  # [etag, last_modified(, stored_at)]

    def set_validators(self, url: str, etag: str | None, last_modified: str | None,
                       stored_at: str | None = None) -> None:
        self.redis.hset(f"{BASE}validators", url, json.dumps([etag, last_modified, stored_at or _now()]))

    # --- listing chains ---------------------------------------------------------------------
    def chain(self, key: str) -> Chain | None:
        raw = self.redis.hget(f"{BASE}chains", key)
        if not raw:
            return None
        chain = json.loads(raw)
        return Chain(int(chain["depth"]), bool(chain["complete"]), chain["walked_at"], chain.get("recorded_at"),
                     chain.get("whole_at"))

    def walked_chain(self, key: str, depth: int, complete: bool, walked_at: str | None = None, *,
                     whole: bool = False) -> None:
        self._walked(keys=[f"{BASE}chains"], args=[key, depth, int(complete), walked_at or _now(), _now(),
                                                   "1" if whole else "0"])
