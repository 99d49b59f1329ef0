"""Item pipelines: thin adapters from Scrapy to the pure modules (dates, dedupe).

Order (``ITEM_PIPELINES``): required fields → languages → dates → title dedupe. Every drop is logged
with its reason and counted under ``newscrawl/...`` in the crawl stats.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

from itemadapter import ItemAdapter
from redis.exceptions import RedisError
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import create_looping_call

from newscrawl.dates import analyse_date, is_plausible
from newscrawl.dedupe import SQLiteTitleStore, TitleDeduper
from newscrawl.dedupe.bodies import bodies_differ, same_text
from newscrawl.distributed import open_title_store
from newscrawl.feedstorage import run_started, time_stamp
from newscrawl.language import parse_language_list

logger = logging.getLogger(__name__)


class MissingField(DropItem):
    """An item without a required field: the page may be complete later (a story published
    headline first, a truncated page), so its URL stays open and is tried again."""
    state_status = "missing"


class DuplicateTitle(DropItem):
    """A story already kept under another URL: settles the URL for good."""
    state_status = "duplicate"


class MovedStory(DuplicateTitle):
    """A story already kept under another URL and another title: published at the same moment,
    with the same text (retitled, or moved to another section). Settles the URL for good."""


class AlreadyKept(DropItem):
    """The article's own title, kept under this very URL by an earlier run: no duplicate of
    another story, and the URL stays kept (a run with NEWSCRAWL_INCREMENTAL off, or one that
    met the page again)."""
    state_status = "kept"


class WrittenByAnotherWorker(DropItem):
    """A shared crawl's other live worker holds this very article and writes it (the request
    was fetched twice: a worker declared dead kept working). Nothing is recorded: if that
    worker never writes it, the page stays open for the next run."""


class HeldForStoppedWorker(DropItem):
    """A shared crawl's worker that stopped (killed, or it lost Redis) claimed this article and
    may have written it to its feed before it could record it kept. Nothing is recorded: the page
    stays open; that worker reads its feed back when it starts again in its directory, then
    releases its claims and fetches again what it had not written."""


class NotJudged(DropItem):
    """The title store could not be read or written (a shared crawl's Redis down or refusing):
    nothing is recorded, the page stays open and the next run keeps it."""


class OtherLanguage(DropItem):
    """An article in a language ``NEWSCRAWL_LANGUAGES`` leaves out, or whose language could not
    be told: settles the URL (a page keeps its language; ``-a refresh=1`` fetches it again)."""
    state_status = "other_language"


class _Pipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def stat(self, key: str) -> None:
        self.stats.inc_value(f"newscrawl/{key}")


class RequiredFieldsPipeline(_Pipeline):
    """Drop items without ``url``, ``headline`` or ``body``: a feed row without them is useless."""

    REQUIRED = ("url", "headline", "body")

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for name in self.REQUIRED:
            if not adapter.get(name):
                self.stat(f"items/dropped/missing_{name}")
                raise MissingField(f"missing {name}: {unquote(adapter.get('url') or '')}", log_level="WARNING")
        return item


class LanguagePipeline(_Pipeline):
    """With ``NEWSCRAWL_LANGUAGES`` (e.g. ``ar,fr``), keep only articles in those languages.
    The others, and articles whose body was too short to tell, are dropped and counted under
    ``items/dropped/language_<code>`` (``language_unknown``). Unset: every article is kept."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.languages = parse_language_list(crawler.settings.get("NEWSCRAWL_LANGUAGES"))

    def process_item(self, item):
        if not self.languages:
            return item
        adapter = ItemAdapter(item)
        language = adapter.get("language")
        if language in self.languages:
            return item
        reason = language or "unknown"
        self.stat(f"items/dropped/language_{reason}")
        raise OtherLanguage(f"language {reason} is not in NEWSCRAWL_LANGUAGES: {unquote(adapter.get('url') or '')}",
                            log_level="INFO")


# Date flags worth a stat of their own: the page contradicts itself, or says less than a date.
COUNTED_DATE_FLAGS = frozenset({"weekday_mismatch", "month_pair_mismatch", "time_only", "relative", "hijri"})


def _fetch_time(scraped_at) -> datetime | None:
    try:
        fetched = datetime.fromisoformat(scraped_at) if isinstance(scraped_at, str) else None
    except ValueError:
        return None
    return fetched if fetched is not None and fetched.tzinfo is not None else None


class DatePipeline(_Pipeline):
    """Fill ``date_published`` / ``date_modified`` (ISO 8601) from their ``*_raw`` text.

    The raw text is kept. A date outside 1995 .. fetch time + 1 day is refused and counted;
    each unparsed raw text is logged once.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._logged: set[str] = set()

    def _timezone(self) -> str:
        spider = self.crawler.spider
        site = getattr(spider, "site", None)
        return getattr(site, "timezone", None) or self.crawler.settings.get("NEWSCRAWL_DEFAULT_TIMEZONE", "UTC")

    def process_item(self, item):
        adapter = ItemAdapter(item)
        # Relative and year-less dates are read against the page's fetch (an archived page's is
        # its WARC-Date, years back), and nothing later than that fetch is plausible.
        now = _fetch_time(adapter.get("scraped_at")) or datetime.now(timezone.utc)
        for name in ("date_published", "date_modified"):
            raw = adapter.get(f"{name}_raw")
            if not raw:
                if name == "date_published":
                    self.stat("dates/missing")
                continue
            result = analyse_date(raw, reference=now, tz=self._timezone())
            for flag in sorted(result.flags & COUNTED_DATE_FLAGS):
                self.stat(f"dates/{flag}")
            if "weekday_mismatch" in result.flags:
                logger.info("Weekday does not match the date in %r (%s)", raw, adapter.get("url"))
            if result.value is None:
                self.stat("dates/unparsed")
                if raw not in self._logged:
                    self._logged.add(raw)
                    logger.warning("Unparsed %s %r (%s; flags: %s)", name, raw, adapter.get("url"),
                                   ",".join(sorted(result.flags)) or "-")
                continue
            if not is_plausible(result.value, now=now):
                self.stat("dates/implausible")
                logger.warning("Implausible %s %s from %r refused (%s)", name, result.value.isoformat(), raw,
                               adapter.get("url"))
                continue
            adapter[name] = result.value.isoformat()
            self.stat("dates/parsed")
        published, modified = adapter.get("date_published"), adapter.get("date_modified")
        if published and modified and datetime.fromisoformat(modified) < datetime.fromisoformat(published):
            # One of the two is wrong (a stamp misread, a CMS's placeholder): the publication
            # date is the one the item is judged by; the impossible edit is dropped, its raw kept.
            self.stat("dates/modified_before_published")
            logger.warning("date_modified %s is before date_published %s: dropped (%s)", modified, published,
                           adapter.get("url"))
            adapter["date_modified"] = None
        return item


# Bodies of the items the title check passed last, kept in memory: an item reaches the state
# store only after every pipeline, and a copy may be judged while its original is still in them.
RECENT_BODIES = 200


def _when(unix_seconds: float | None) -> str:
    if unix_seconds is None:
        return "at an unknown time"
    return f"at {datetime.fromtimestamp(unix_seconds, timezone.utc):%Y-%m-%d %H:%M:%S} UTC"


class TitleDedupePipeline(_Pipeline):
    """Drop a story already kept: same title after Arabic normalisation, or a near-duplicate,
    within ``NEWSCRAWL_DEDUPE_WINDOW`` days of the first copy. State persists in SQLite under
    ``NEWSCRAWL_STATE_DIR`` so scheduled runs see what earlier runs kept. Every drop is also
    written to the duplicates feed (``NEWSCRAWL_DUPLICATES_FEED``) for audit."""

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        state_dir = Path(settings.get("NEWSCRAWL_STATE_DIR", ".newscrawl"))
        window = timedelta(days=settings.getfloat("NEWSCRAWL_DEDUPE_WINDOW", 3))
        # Group commits (100 titles or 1 s): 43 µs instead of 65 µs a title at 1M titles
        # (benchmarks/bench_dedupe.py). A crash loses no title that reached the feed: the next
        # run re-adds the titles of an interrupted run's feed (newscrawl.incremental).
        # A 16 MB page cache holds the recent titles a check reads (the window's); the store's
        # 64 MB default would let a long crawl's memory grow with the titles file. A shared crawl
        # (NEWSCRAWL_REDIS_URL) keeps its titles in Redis, where each title is written when
        # judged and expires after NEWSCRAWL_TITLES_RETENTION days.
        self.store = open_title_store(settings, commit_every=100, commit_interval=1.0, cache_mb=16)
        self.deduper = TitleDeduper(self.store, window=window)
        # Without pruning the store grows for ever. Titles added long ago are forgotten: a copy
        # of a story turns up within days of it, and known URLs are never fetched again.
        keep_days = settings.getfloat("NEWSCRAWL_TITLES_RETENTION", 90)
        if keep_days > 0 and isinstance(self.store, SQLiteTitleStore):
            removed = self.store.prune_added_before(max(keep_days, window.total_seconds() / 86400))
            if removed:
                logger.info("Title dedupe state: %d titles added more than %g days ago pruned", removed, keep_days)
                self.stats.inc_value("newscrawl/dedupe/pruned", removed)
        self._recent_bodies: dict[str, str] = {}  # url → body of the last RECENT_BODIES items passed
        self.audit_template = settings.get("NEWSCRAWL_DUPLICATES_FEED", "")
        self._audit = None
        days = window.total_seconds() / 86400
        logger.info("Title dedupe state: %s (window %g day%s)",
                    state_dir / "titles.sqlite" if isinstance(self.store, SQLiteTitleStore) else self.store, days,
                    "" if days == 1 else "s")

    def open_spider(self):
        # A group stays open until the next title or this timer: without it an idle crawl would
        # hold the titles file's write lock, and a second spider sharing it would wait.
        self._flusher = create_looping_call(self.store.flush)
        self._flusher.start(1.0, now=False)

    def close_spider(self):
        flusher = getattr(self, "_flusher", None)
        if flusher is not None and flusher.running:
            flusher.stop()
        self.store.close()
        if self._audit is not None:
            self._audit.close()

    def _is_own_copy(self, adapter) -> bool:
        """The title was kept under this very URL. A run resumed after a crash may see its own
        article again before it reached the feed (then it is no duplicate); otherwise the page
        was kept by an earlier run, unless ``refresh`` asked for it again."""
        spider = self.crawler.spider
        if getattr(spider, "refresh", False):
            return True
        state = getattr(self.crawler, "newscrawl_state", None)
        return state is not None and not state.is_kept(spider.url_key(adapter["url"]))

    def _tells_apart(self, adapter, verdict) -> bool:
        """Whether the story the title matched is kept with a body that shares little of this
        one's (``newscrawl.dedupe.bodies``). Without the earlier body (pruned, another store,
        still in flight) the title's verdict stands."""
        if not verdict.duplicate_of:
            return False
        body = self._recent_bodies.get(verdict.duplicate_of)  # passed a moment ago: may not be kept yet
        if body is None:
            state = getattr(self.crawler, "newscrawl_state", None)
            spider = self.crawler.spider
            earlier = state.kept_item(spider.url_key(verdict.duplicate_of), spider.name) if state is not None else None
            body = earlier.get("body") if earlier else None
        return body is not None and bodies_differ(adapter.get("body"), body)

    def _moved_from(self, adapter) -> str | None:
        """The URL under which this story was kept before, when it came back under a new URL
        with a new title: an article of the same site kept with the same publication time whose
        text is this one's (``newscrawl.dedupe.bodies.same_text``) and whose URL says nothing
        against it (``may_be_same_story``). None otherwise, or for ``refresh`` runs."""
        published, state = adapter.get("date_published"), getattr(self.crawler, "newscrawl_state", None)
        spider = self.crawler.spider
        if not published or state is None or getattr(spider, "refresh", False):
            return None
        url, key = adapter["url"], spider.url_key(adapter["url"])
        if not spider.may_be_same_story(url, url):
            return None  # its URL can name no story but its own (no time in it): no lookup
        for earlier in state.kept_published_at(adapter.get("source") or "", published):
            other = earlier.get("url")
            if other and spider.url_key(other) != key and spider.may_be_same_story(url, other) \
                    and same_text(adapter.get("body"), earlier.get("body")):
                return other
        return None

    def _remember_body(self, adapter) -> None:
        """The body of an item this pipeline passed, for the next few titles that match it."""
        self._recent_bodies[adapter["url"]] = adapter.get("body") or ""
        if len(self._recent_bodies) > RECENT_BODIES:
            self._recent_bodies.pop(next(iter(self._recent_bodies)))

    def _claim(self, url: str):
        """In a shared crawl, one worker alone may write an article (``Frontier.claim``)."""
        worker = getattr(self.crawler, "newscrawl_worker", None)
        if worker is None or worker.frontier is None:
            return True
        claim = worker.frontier.claim(self.crawler.spider.url_key(url))
        if claim.granted and claim.stopped_journal:
            self.stat("dedupe/claim_expired")
            logger.warning("Writing %s: the worker with the feed files %s claimed it %s and never came back "
                           "(NEWSCRAWL_REDIS_CLAIM_HOLD passed); if its feed holds it, it is there too",
                           unquote(url), claim.stopped_journal, _when(claim.claimed_at))
        return claim

    def process_item(self, item):
        adapter = ItemAdapter(item)
        published = adapter.get("date_published")
        when = datetime.fromisoformat(published) if published else None
        try:
            moved_from = self._moved_from(adapter)
            if moved_from is not None:
                # Its new title is the story's too: a copy printing it is a copy of the kept article.
                self.deduper.add(adapter["headline"], moved_from, when)
        except (sqlite3.Error, RedisError) as error:
            self.stat("dedupe/not_judged")
            raise NotJudged(f"cannot look for the story under an earlier URL ({error}); the page stays open for "
                            f"the next run: {unquote(adapter['url'])}") from None
        if moved_from is not None:
            self.stat("dedupe/moved")
            self._write_audit({"url": adapter["url"], "headline": adapter["headline"], "duplicate_of": moved_from,
                               "kind": "moved", "date_published": published})
            raise MovedStory(f"the story of {unquote(moved_from)} (same publication time and text) under a new URL "
                             f"and title: {unquote(adapter['url'])}", log_level="INFO")
        try:
            verdict = self.deduper.check_and_add(adapter["headline"], adapter["url"], when)
            passes = verdict.kind == "new" or (verdict.duplicate_of == adapter["url"] and self._is_own_copy(adapter))
            if not passes and verdict.duplicate_of != adapter["url"] and self._tells_apart(adapter, verdict):
                # Titles alike, texts unlike: two stories (وجدة / جدة, "Karim" / "Karima").
                self.deduper.add(adapter["headline"], adapter["url"], when)
                self.stat("dedupe/kept_different_body")
                logger.info("Kept %s: its title is a %s duplicate of %s's, but their bodies differ",
                            unquote(adapter["url"]), verdict.kind, unquote(verdict.duplicate_of or ""))
                passes = True
            claim = self._claim(adapter["url"]) if passes else True
        except RedisError as error:
            self.stat("dedupe/not_judged")
            raise NotJudged(f"cannot judge the title, Redis failed ({error}); the page stays open for the next "
                            f"run: {unquote(adapter['url'])}") from None
        if not claim and claim.stopped_journal:
            self.stat("dedupe/held_for_stopped_worker")
            raise HeldForStoppedWorker(
                f"not written yet: the worker with the feed files {claim.stopped_journal} claimed it "
                f"{_when(claim.claimed_at)} and stopped before recording it; it comes out once that worker "
                f"runs again in its directory (or after NEWSCRAWL_REDIS_CLAIM_HOLD): {unquote(adapter['url'])}",
                log_level="WARNING")
        if not claim:
            self.stat("dedupe/written_by_another_worker")
            raise WrittenByAnotherWorker(f"another worker writes it: {unquote(adapter['url'])}", log_level="INFO")
        if passes:
            self._remember_body(adapter)
            return item
        if verdict.duplicate_of == adapter["url"]:
            self.stat("dedupe/already_kept")
            raise AlreadyKept(f"already kept by an earlier run: {unquote(adapter['url'])}", log_level="INFO")
        self.stat(f"dedupe/{verdict.kind}")
        self._write_audit({"url": adapter["url"], "headline": adapter["headline"], "duplicate_of": verdict.duplicate_of,
                           "kind": verdict.kind, "date_published": published})
        raise DuplicateTitle(f"{verdict.kind} duplicate title of {unquote(verdict.duplicate_of or '')}: "
                       f"{unquote(adapter['url'])}", log_level="INFO")

    def _write_audit(self, row: dict) -> None:
        # Dropped items never reach Scrapy's feed exports, so the audit trail is written here,
        # one unbuffered line per decision.
        if not self.audit_template:
            return
        if self._audit is None:
            spider = self.crawler.spider
            # The feed files' own stamp: one run's files sort and pair together.
            path = Path(self.audit_template % {"name": spider.name, "time": time_stamp(run_started(self.crawler))})
            path.parent.mkdir(parents=True, exist_ok=True)
            self._audit = path.open("ab", buffering=0)
        self._audit.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
