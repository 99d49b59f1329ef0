"""The shared frontier: scrapy-redis's scheduler, queue and request filter, with a lease on
every request a worker takes (pop without acknowledgement would lose them with a killed worker).

Keys of spider S (``newscrawl:S:...``):

- ``requests``   scrapy-redis's ``PriorityQueue`` (sorted set: score -priority, member the request)
- ``dupefilter`` scrapy-redis's ``RFPDupeFilter`` (set of fingerprints) -- the shared filter
- ``workers``    sorted set: worker id -> time of its last heartbeat (the Redis server's clock)
- ``taken:<worker>`` sorted set, like ``requests``: what that worker took and has not finished
  (downloaded, parsed, its items through the pipelines and kept). A worker whose heartbeat is
  older than the worker timeout is dead: the first live worker to notice moves its ``taken``
  back into ``requests``.
- ``seeding`` / ``seeded``: which worker is seeding the run (expires with its heartbeat), and
  that the run's seeding is done.
- ``claims``     hash: article URL key -> "<journal>\t<worker>\t<claimed at>": the worker writing
  it, and the feed files (journal) it writes to. Two workers can hold one request at once (a
  worker declared dead keeps working while another fetches its requests again); the claim lets
  one of them write the article. A claim outlives its worker and its run: a worker that stopped
  between claiming an article and recording it kept (killed, Redis lost) may have written it to
  its feed, which only that worker reads back (reconciles) when it starts again in its
  directory. Until then the claim holds the others off; then that worker releases its
  claims (and fetches again what it had not written). Recording the article kept ends its
  claim. A claim whose worker never comes back is void after the claim hold.

Every step that moves requests between keys is one Lua script, so a kill at any point leaves
each request in exactly one of ``requests`` and some ``taken``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from newscrawl.distributed import PREFIX
from newscrawl.retry import META_NOT_BEFORE

if TYPE_CHECKING:
    from scrapy import Request

# scrapy-redis 0.9 still calls APIs Scrapy 2.13+ deprecates (stats with spider=, Spider.log):
# warnings about that library, repeated in every worker's log, that a user can do nothing about.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module=r"scrapy_redis\.")

# Retry waits are time.monotonic() deadlines, which mean nothing on another machine: in the
# shared queue a waiting retry carries a wall-clock deadline instead.
META_NOT_BEFORE_WALL = "newscrawl_not_before_wall"

# How long the claim of a worker that stopped before recording its article holds the others
# off (NEWSCRAWL_REDIS_CLAIM_HOLD): longer than the schedule's period, so that the worker's
# next run (which reads its feed back) comes first.
DEFAULT_CLAIM_HOLD = 3 * 86400.0

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

# Workers whose last heartbeat is older than ARGV[2] seconds are dead: their taken requests go
# back in the queue (KEYS[2]), and a dead seeder's seeding lock is released for another.
_RECLAIM = _NOW + """
local reclaimed = 0
for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))) do
  local taken = ARGV[3] .. w
  local n = redis.call('ZCARD', taken)
  if n > 0 then
    redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], taken, 'AGGREGATE', 'MIN')
    redis.call('DEL', taken)
    reclaimed = reclaimed + n
  end
  redis.call('ZREM', KEYS[1], w)
  if redis.call('GET', KEYS[3]) == w then redis.call('DEL', KEYS[3]) end
end
"""

# KEYS: workers, requests, seeding, dupefilter, seeded; ARGV: worker, timeout, taken prefix.
# The first live worker of a run clears what a dead run left (its unsettled articles are in the
# state store, its listings are walked again) and takes the seeding lock. Claims stay: they
# outlive runs (see the module docstring).
REGISTER = _RECLAIM + """
local live = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
if live == 0 then
  redis.call('DEL', KEYS[2], KEYS[4], KEYS[5])
  redis.call('SET', KEYS[3], ARGV[1], 'PX', math.floor(tonumber(ARGV[2]) * 1000))
  return {1, reclaimed}
end
return {0, reclaimed}
"""

# KEYS: workers, requests, seeding, seeded; ARGV: worker, timeout, taken prefix, 1 if this
# worker saw its run seeded. Returns {requests reclaimed from dead workers, 1 if this worker had
# itself been declared dead}. A worker declared dead (a heartbeat late: a Redis restart, a
# stalled machine) may come back after the others ended the run and its last worker cleared the
# run's keys: with no seeding under way, it marks the run seeded again, or it would wait for a
# seeding nobody will do and never end.
BEAT = _RECLAIM + """
local back = redis.call('ZADD', KEYS[1], now, ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[3], math.floor(tonumber(ARGV[2]) * 1000))
end
if back == 1 and ARGV[4] == '1' and redis.call('EXISTS', KEYS[3]) == 0 and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[4], ARGV[1])
end
return {reclaimed, back}
"""

# KEYS: requests, taken:<worker>. Everything the worker's taken set holds goes back to the queue.
RETURN_TAKEN = """
local n = redis.call('ZCARD', KEYS[2])
if n > 0 then
  redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[2], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[2])
end
return n
"""

# KEYS: seeding, seeded; ARGV: worker, timeout. Take over seeding if nobody seeds and it is not done.
TAKE_SEEDING = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', math.floor(tonumber(ARGV[2]) * 1000)) then return 1 end
return 0
"""

# KEYS: seeding, seeded; ARGV: worker.
SEEDED = """
redis.call('SET', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""

# KEYS: requests, taken:<worker>. The best request moves to the worker's taken set.
POP = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return false end
redis.call('ZREM', KEYS[1], best[1])
redis.call('ZADD', KEYS[2], best[2], best[1])
return best[1]
"""

# KEYS: workers, requests, seeded; ARGV: taken prefix. 1 when the whole frontier is empty:
# nothing queued, seeding done, and no worker (live, or dead and not yet reclaimed) holds a request.
FRONTIER_EMPTY = """
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
for _, w in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('ZCARD', ARGV[1] .. w) > 0 then return 0 end
end
return 1
"""

# KEYS: claims, workers; ARGV: url key, worker, timeout, journal, claim hold (s). May the worker
# write the article? 1: yes (nobody claimed it, or this journal did); 0: no, a live worker claimed
# it and writes it; -1: not yet, a stopped worker claimed it and its feed may hold it (until that
# worker starts again and releases it, or the hold passes); 2: yes, the stopped worker's claim
# is older than the hold (returned with the claim's journal and time, for the log).
CLAIM = _NOW + """
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held then
  local journal, owner, since = string.match(held, '^(.-)\t(.-)\t(.*)$')
  if journal ~= ARGV[4] then
    if journal then
      local beat = redis.call('ZSCORE', KEYS[2], owner)
      if beat and tonumber(beat) >= now - tonumber(ARGV[3]) then return {0} end
      if now - tonumber(since) < tonumber(ARGV[5]) then return {-1, journal, since} end
    end
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[4] .. '\t' .. ARGV[2] .. '\t' .. now)
    return {2, journal or held, since or '0'}
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4] .. '\t' .. ARGV[2] .. '\t' .. now)
return {1}
"""

# KEYS: claims; ARGV: journal. Every claim of the journal ends; their url keys are returned.
RELEASE = """
local released = {}
local claims = redis.call('HGETALL', KEYS[1])
local prefix = ARGV[1] .. '\t'
for i = 1, #claims, 2 do
  if string.sub(claims[i + 1], 1, #prefix) == prefix then
    released[#released + 1] = claims[i]
  end
end
for _, key in ipairs(released) do redis.call('HDEL', KEYS[1], key) end
return released
"""

# KEYS: workers, requests, seeding, seeded, dupefilter, taken:<worker>; ARGV: worker.
# What the worker still held goes back to the queue; the run's last worker clears the run (not
# the claims: they outlive runs).
LEAVE = """
if redis.call('ZCARD', KEYS[6]) > 0 then
  redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], KEYS[6], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[6])
end
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Claim:
    """``Frontier.claim``'s answer. *stopped_journal* and *claimed_at* (unix seconds) name the
    claim of a stopped worker: the one that holds this worker off (``granted`` False), or the
    expired one it took over (``granted`` True)."""

    granted: bool
    stopped_journal: str | None = None
    claimed_at: float | None = None

    def __bool__(self) -> bool:
        return self.granted


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Frontier:
    """The shared frontier's keys and scripts for one spider and one worker."""

    def __init__(self, client, spider_name: str, worker_id: str, timeout: float, *, journal: str | None = None,
                 claim_hold: float = DEFAULT_CLAIM_HOLD):
        self.client = client
        self.worker_id = worker_id
        self.timeout = timeout
        # The feed files this worker writes to: the same across its runs in one directory.
        self.journal = journal or worker_id
        self.claim_hold = claim_hold
        base = f"{PREFIX}:{spider_name}"
        self.requests_key = f"{base}:requests"
        self.dupefilter_key = f"{base}:dupefilter"
        self.workers_key = f"{base}:workers"
        self.seeding_key = f"{base}:seeding"
        self.seeded_key = f"{base}:seeded"
        self.claims_key = f"{base}:claims"
        self.taken_prefix = f"{base}:taken:"
        self.taken_key = self.taken_prefix + worker_id
        script = client.register_script
        self._register, self._beat, self._take_seeding = script(REGISTER), script(BEAT), script(TAKE_SEEDING)
        self._seeded, self._pop, self._empty, self._leave = (script(SEEDED), script(POP), script(FRONTIER_EMPTY),
                                                             script(LEAVE))
        self._return_taken, self._claim, self._release = script(RETURN_TAKEN), script(CLAIM), script(RELEASE)
        self.saw_seeded = False  # this worker's run was seeded (by it or another worker)

    def register(self) -> tuple[bool, int]:
        """Join the run: (this worker seeds it, requests reclaimed from dead workers)."""
        seeder, reclaimed = self._register(
            keys=[self.workers_key, self.requests_key, self.seeding_key, self.dupefilter_key, self.seeded_key],
            args=[self.worker_id, self.timeout, self.taken_prefix])
        return bool(seeder), int(reclaimed)

    def beat(self) -> tuple[int, bool]:
        """Heartbeat: (requests reclaimed from dead workers, this worker had been declared dead)."""
        reclaimed, back = self._beat(keys=[self.workers_key, self.requests_key, self.seeding_key, self.seeded_key],
                                     args=[self.worker_id, self.timeout, self.taken_prefix,
                                           "1" if self.saw_seeded else "0"])
        return int(reclaimed), bool(back)

    def take_seeding(self) -> int:
        """1: this worker now seeds the run; 0: another worker is seeding; -1: seeding is done."""
        verdict = int(self._take_seeding(keys=[self.seeding_key, self.seeded_key], args=[self.worker_id, self.timeout]))
        self.saw_seeded = self.saw_seeded or verdict == -1
        return verdict

    def seeding_done(self) -> None:
        self._seeded(keys=[self.seeding_key, self.seeded_key], args=[self.worker_id])
        self.saw_seeded = True

    def return_orphans(self) -> int:
        """Put back what this worker's taken set holds though the worker holds nothing: a request
        whose pop Redis did but whose answer was lost (a connection cut, and redis-py sent the
        script again) would otherwise stay taken, and the frontier would never be empty.
        Call only when nothing of this worker is in progress."""
        return int(self._return_taken(keys=[self.requests_key, self.taken_key]))

    def pop(self) -> bytes | None:
        return self._pop(keys=[self.requests_key, self.taken_key])

    def finish(self, encoded: list[bytes]) -> None:
        """The requests are done (their items kept or dropped): the lease ends."""
        if encoded:
            self.client.zrem(self.taken_key, *encoded)

    def empty(self) -> bool:
        return bool(self._empty(keys=[self.workers_key, self.requests_key, self.seeded_key],
                                args=[self.taken_prefix]))

    def leave(self) -> bool:
        """Leave the run; True if this was its last worker (the run's keys are cleared)."""
        return bool(self._leave(keys=[self.workers_key, self.requests_key, self.seeding_key, self.seeded_key,
                                      self.dupefilter_key, self.taken_key], args=[self.worker_id]))

    def claim(self, url_key: str) -> Claim:
        """May this worker write the article at *url_key*? (see ``CLAIM``)"""
        answer = self._claim(keys=[self.claims_key, self.workers_key],
                             args=[url_key, self.worker_id, self.timeout, self.journal, self.claim_hold])
        verdict = int(answer[0])
        if verdict in (1, 2):
            return Claim(True, _text(answer[1]) if verdict == 2 else None,
                         float(_text(answer[2])) if verdict == 2 else None)
        return Claim(False, _text(answer[1]) if verdict == -1 else None,
                     float(_text(answer[2])) if verdict == -1 else None)

    def release_claims(self) -> list[str]:
        """End every claim of this worker's journal (call once its feed files are reconciled:
        what they hold is recorded kept). Returns the url keys released."""
        return [_text(key) for key in self._release(keys=[self.claims_key], args=[self.journal])]

    def queued(self) -> int:
        return int(self.client.zcard(self.requests_key))


class SharedScheduler(RedisScheduler):
    """scrapy-redis's scheduler (its queue and filter unchanged), taking requests on a lease.

    ``next_request`` moves the request from the queue to this worker's ``taken`` set in one
    script; ``newscrawl.distributed.worker`` ends the lease once Scrapy is done with the request
    and, at close, puts back whatever the worker still held."""

    def open(self, spider):
        worker = getattr(spider.crawler, "newscrawl_worker", None)
        if worker is None:
            raise RuntimeError("SharedScheduler needs the SharedCrawlWorker extension (NEWSCRAWL_REDIS_URL)")
        self.frontier: Frontier = worker.open_frontier(spider.name)  # joins the run first
        super().open(spider)
        self.taken: dict[Request, bytes] = {}  # request -> its encoded form in taken:<worker>
        # Requests Redis could not take (an outage): held here, pushed again by every tick until
        # Redis answers. Pushed without the filter: a copy fetched twice is still kept once.
        self.held: list[Request] = []

    def enqueue_request(self, request):
        deadline = request.meta.get(META_NOT_BEFORE)
        if deadline is not None:
            request.meta[META_NOT_BEFORE_WALL] = time.time() + (deadline - time.monotonic())
            del request.meta[META_NOT_BEFORE]
        try:
            return super().enqueue_request(request)
        except RedisError:
            self.held.append(request)
            if self.stats:
                self.stats.inc_value("newscrawl/redis/held")
            return True

    def send_held(self) -> None:
        while self.held:
            self.queue.push(self.held[0])  # a RedisError leaves it held for the next tick
            self.held.pop(0)

    def next_request(self):
        try:
            encoded = self.frontier.pop()
        except RedisError:  # the heartbeat logs the outage; the engine asks again next tick
            return None
        if encoded is None:
            return None
        request = self.queue._decode_request(encoded)
        wall = request.meta.pop(META_NOT_BEFORE_WALL, None)
        if wall is not None:
            request.meta[META_NOT_BEFORE] = time.monotonic() + (wall - time.time())
        self.taken[request] = encoded
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def finished(self, in_progress) -> int:
        """End the lease of every taken request Scrapy no longer has in progress."""
        done = [request for request in self.taken if request not in in_progress]
        self.frontier.finish([self.taken[request] for request in done])  # leases end only once Redis has it
        for request in done:
            del self.taken[request]
        return len(done)

    def has_pending_requests(self):
        try:
            return bool(self.held) or self.frontier.queued() > 0
        except RedisError:  # unknown: not idle
            return True
