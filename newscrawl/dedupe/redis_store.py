"""Kept titles in Redis: the ``TitleStore`` of a shared crawl (``NEWSCRAWL_REDIS_URL``).

Every worker of a shared crawl judges titles against the same store, and ``atomic()`` makes
lookup-then-add one step across processes and machines: it holds a lease on a Redis lock
(``SET NX PX`` with a random token), and ``add()`` writes only if the lease is still this
store's (checked in the same Lua script as the write). So two workers can never both keep one
story: of two copies judged at once, the second waits for the lock and sees the first.
A worker killed while holding the lock blocks the others for at most ``lease`` seconds.

Keys (under ``newscrawl:titles:``): ``t:<id>`` hash (ts, k, codes, url); ``b:<day>:<band key>``
set of ids; ``next_id``; ``added`` sorted set id -> time added; ``lock``. With ``retention``
(``NEWSCRAWL_TITLES_RETENTION`` days), titles and band sets expire that long after they were
written, as the SQLite store prunes them.
"""

from __future__ import annotations

import secrets
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Sequence

from .store import SLICE, StoredTitle, exact_among

__all__ = ["RedisTitleStore"]

# KEYS: lock, next_id, added; ARGV: token, ts, k, codes, url, ttl (s, 0 = none), prefix, now, bands...
_ADD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('title lock lease lost') end
local id = redis.call('INCR', KEYS[2])
local title = ARGV[7] .. 't:' .. id
redis.call('HSET', title, 'ts', ARGV[2], 'k', ARGV[3], 'codes', ARGV[4], 'url', ARGV[5])
local ttl = tonumber(ARGV[6])
if ttl > 0 then redis.call('EXPIRE', title, ttl) end
local day = math.floor(tonumber(ARGV[2]) / %d)
for i = 9, #ARGV do
  local band = ARGV[7] .. 'b:' .. day .. ':' .. ARGV[i]
  redis.call('SADD', band, id)
  if ttl > 0 then redis.call('EXPIRE', band, ttl) end
end
redis.call('ZADD', KEYS[3], ARGV[8], id)
return id
""" % SLICE

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisTitleStore:
    """``TitleStore`` over a Redis client (created with ``decode_responses=False``)."""

    def __init__(self, client, *, prefix: str = "newscrawl:titles:", retention_days: float = 0,
                 lease: float = 10.0, wait: float = 60.0) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl = int(retention_days * 86400) if retention_days > 0 else 0
        self.lease_ms = int(lease * 1000)
        self.wait = wait
        self._lock_key, self._next_key, self._added_key = prefix + "lock", prefix + "next_id", prefix + "added"
        self._add = client.register_script(_ADD)
        self._release = client.register_script(_RELEASE)
        self._local = threading.RLock()
        self._depth = 0
        self._token: str | None = None

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._local:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            token = secrets.token_hex(12)
            deadline = time.monotonic() + self.wait
            pause = 0.001
            while not self.client.set(self._lock_key, token, nx=True, px=self.lease_ms):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the shared title store's lock was held for more than {self.wait:g} s")
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
            self._token, self._depth = token, 1
            try:
                yield
            finally:
                self._depth, self._token = 0, None
                self._release(keys=[self._lock_key], args=[token])

    def candidates(self, bands: Sequence[int], lo: int, hi: int, limit: int | None = None) -> list[StoredTitle]:
        keys = [f"{self.prefix}b:{day}:{band}" for day in range(lo // SLICE, hi // SLICE + 1) for band in bands]
        ids = sorted(int(i) for i in self.client.sunion(keys)) if keys else []
        if not ids:
            return []
        pipe = self.client.pipeline(transaction=False)
        for i in ids:
            pipe.hmget(f"{self.prefix}t:{i}", "ts", "k", "codes", "url")
        found = []
        for i, (ts, k, codes, url) in zip(ids, pipe.execute()):
            if ts is None:
                continue  # expired
            ts = int(ts)
            if lo <= ts <= hi:
                found.append(StoredTitle(i, ts, int(k), codes, url.decode("utf-8")))
        return found if limit is None else found[:limit]

    def exact(self, bands: Sequence[int], key_hash: int, codes: bytes, lo: int, hi: int) -> StoredTitle | None:
        # No key index in Redis: among the titles sharing the key's bands (every one is read,
        # as candidates() does: thousands of titles alike but for a word stay quadratic here).
        return exact_among(self.candidates(bands, lo, hi), key_hash, codes)

    def add(self, published: int, key_hash: int, codes: bytes, url: str, bands: Sequence[int]) -> int:
        if self._token is None:
            raise RuntimeError("RedisTitleStore.add() must run inside atomic()")
        return int(self._add(keys=[self._lock_key, self._next_key, self._added_key],
                             args=[self._token, published, key_hash, codes, url, self.ttl, self.prefix, time.time(),
                                   *bands]))

    def flush(self) -> None:
        pass  # every add is written when it returns

    def __len__(self) -> int:
        if self.ttl:
            self.client.zremrangebyscore(self._added_key, "-inf", time.time() - self.ttl)
        return int(self.client.zcard(self._added_key))

    def close(self) -> None:
        pass  # the client belongs to the caller

    def __repr__(self) -> str:
        return f"RedisTitleStore({self.prefix!r})"
