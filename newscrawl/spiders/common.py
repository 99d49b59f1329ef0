"""What every newscrawl spider shares: URL lists, loopback politeness, items, error accounting."""

from __future__ import annotations

import re

import functools
import hashlib
import inspect
import ipaddress
import time
import zlib
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Iterator
from urllib.parse import unquote, urljoin, urlsplit

import scrapy
import scrapy.exceptions
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from newscrawl.encoding import looks_like_garbage
from newscrawl.middlewares import GZIP_SIZE_KEY
from newscrawl.warc import ArchiveError, ArchivedResponse, ReadStats, expand_sources, is_url, read_responses

# Scrapy 2.19 wraps download failures in its own exception types; older releases raise
# Twisted's. Both are matched, so the reasons in the log and stats stay the same.
_DNS_ERRORS = tuple(filter(None, (DNSLookupError, getattr(scrapy.exceptions, "CannotResolveHostError", None))))
_TIMEOUT_ERRORS = tuple(filter(None, (TimeoutError, TCPTimedOutError,
                                      getattr(scrapy.exceptions, "DownloadTimeoutError", None))))
_REFUSED_ERRORS = tuple(filter(None, (ConnectionRefusedError,
                                      getattr(scrapy.exceptions, "DownloadConnectionRefusedError", None))))
from newscrawl.extraction.article import Extraction
from newscrawl.feeds import FeedEntry, parse_feed
from newscrawl.items import Article
from newscrawl.retry import retry_later  # noqa: F401 (re-exported for the spiders)


def url_digest(url: str) -> bytes:
    """A URL's 16-byte BLAKE2b digest: what the spiders' run state keeps instead of the URL."""
    return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class UrlDigests:
    """A set of URLs (or URL keys) that keeps a 16-byte BLAKE2b digest of each, not the text:
    a spider's run state then costs the same ~100 bytes for a 300-character Arabic URL as for
    a short one, and a 100,000-article crawl holds no URL strings. Two URLs share a digest
    with probability about n² / 2¹²⁹: never, for any crawl."""

    __slots__ = ("_digests",)

    def __init__(self) -> None:
        self._digests: set[bytes] = set()

    _digest = staticmethod(url_digest)

    def __contains__(self, url: str) -> bool:
        return self._digest(url) in self._digests

    def __len__(self) -> int:
        return len(self._digests)

    def add(self, url: str) -> None:
        self._digests.add(self._digest(url))

    def add_new(self, url: str) -> bool:
        """Add *url*; True if it was not in the set yet."""
        digest = self._digest(url)
        if digest in self._digests:
            return False
        self._digests.add(digest)
        return True


class RecentUrls:
    """The last *size* URLs seen (as digests, oldest forgotten first): a cache for work that a
    set of every URL would remember for ever. Menus and tickers repeat the same links on every
    page, so they stay in it; a forgotten URL is merely handled again."""

    __slots__ = ("_digests", "size")

    def __init__(self, size: int = 4096) -> None:
        self._digests: dict[bytes, None] = {}
        self.size = size

    def add_new(self, url: str) -> bool:
        """Remember *url*; True if it was not among the recent ones."""
        digest = url_digest(url)
        if digest in self._digests:
            return False
        self._digests[digest] = None
        if len(self._digests) > self.size:
            del self._digests[next(iter(self._digests))]
        return True


@functools.lru_cache(maxsize=4096)
def _joined_link(base: str, href: str) -> str | None:
    """``NewscrawlSpider.link_url`` without the count. Cached (bounded): a listing links each
    story several times and every page repeats the menus, and urljoin with the port check
    costs ~12 µs an Arabic link, a cache hit ~1.5 µs with ``_join_base``."""
    try:
        url = urljoin(base, href)
        urlsplit(url).port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        return None
    return url


_ABSOLUTE_WITH_HOST = re.compile(r"https?://[^/?#]")


def _join_base(base: str, href: str) -> str:
    """A base *href* joins to as it joins to *base*: of an absolute http(s) *href* with a host,
    urljoin reads only the base's scheme (the result is *href* itself, or *href* re-assembled),
    so every page's links to the same URL share one cache entry. (A tab or newline anywhere,
    which urljoin drops, could leave the host empty: such an href keeps its page's base.)"""
    if _ABSOLUTE_WITH_HOST.match(href) and "\t" not in href and "\n" not in href and "\r" not in href:
        try:
            return urlsplit(base).scheme + "://"
        except ValueError:  # a base no parser reads fails the join whatever the href
            pass
    return base


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def asked_url(request_or_response) -> str:
    """The URL the crawl asked for, before any redirect: the one its state is recorded under."""
    return (request_or_response.meta.get("redirect_urls") or [request_or_response.url])[0]


def unusable_page(response, *, open_documents_ok: bool = False) -> str | None:
    """Why a 200 response cannot be judged as a page ("not_html", "empty", "garbage", "cut"),
    or None. Such pages are retried, not recorded as "not an article": the cause is usually
    transient.

    "cut": the page does not end with its ``</body>`` or ``</html>``. A connection dropped
    mid-page does that (Scrapy flags a body that ended with the connection "partial"), and so
    does a server that states a Content-Length shorter than its page, or a gzip stream cut short:
    such answers are whole at the HTTP level, so only the page can tell. A page served the same
    way SAME_CUT_ANSWERS times (*response*'s request lists the sizes of the cut answers it
    retries, ``cut_sizes``) is what the site serves, and is read as it is; *open_documents_ok*
    (a host whose pages came so) says the same for pages that are not partial."""
    if not isinstance(response, TextResponse):
        return "not_html"
    if not response.body.strip():
        return "empty"
    if looks_like_garbage(response.body, response.text):
        return "garbage"
    if _gzip_cut(response):
        return "cut"  # never what the site serves, however often: the stream says it is cut
    if ("partial" in response.flags or not open_documents_ok) and not ends_document(_ascii_tail(response)) \
            and _cut_sizes(response).count(len(response.body)) < SAME_CUT_ANSWERS - 1:
        return "cut"
    return None


def _gzip_cut(response) -> bool:
    """Whether the gzip stream the page came in was cut short: its trailer (kept by
    ``newscrawl.middlewares.GzipTrailerMiddleware``) gives another length than the page's."""
    request = response.request
    size = request.meta.get(GZIP_SIZE_KEY) if request is not None else None
    return size is not None and len(response.body) % 2**32 != size


def _ascii_tail(response) -> bytes:
    """The bytes ``ends_document`` reads: the body, or for a UTF-16/32 page (whose tags are no
    ASCII bytes) the end of its text, encoded as UTF-8."""
    if response.encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        return response.text[-DOCUMENT_END_WINDOW:].encode("utf-8", "replace")
    return response.body


_DOCUMENT_END = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)
# Pages of a host served the same SAME_CUT_ANSWERS times without </body></html> before the
# generic spider stops fetching the host's pages again to tell a cut page from such a one.
OPEN_DOCUMENT_PAGES = 3
# How near its end a whole page closes its document: what follows </html> is a comment or a
# script at most (a "</body></html>" inside a comment near the top of a short page cut below
# it is not the page's end).
DOCUMENT_END_WINDOW = 8192


def _cut_sizes(response) -> list[int]:
    """The sizes of the earlier answers of *response*'s request that were cut."""
    request = response.request  # (None for a response made by hand, tied to no request)
    return request.meta.get("cut_sizes", []) if request is not None else []


# A page served this many times the same size without closing its document is what the server
# serves (a fault that cuts a page cuts it the same way on a retry too, sometimes).
SAME_CUT_ANSWERS = 3


def ends_document(body: bytes) -> bool:
    """Whether *body* closes its HTML document (``</body>`` or ``</html>``) near its end, outside
    comments (a short page cut below a ``<!-- … </body></html> -->`` in its head is not whole)."""
    tail = _COMMENT.sub(b"", body[-DOCUMENT_END_WINDOW:])
    opened_before = tail.find(b"-->")  # the end of a comment opened before the window
    if opened_before != -1:
        tail = tail[opened_before + 3:]
    return _DOCUMENT_END.search(tail) is not None


_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)


def retry_cut_page(retry, response) -> None:
    """Mark *retry* (of *response*'s request) with the size of the cut page it retries: the
    same page again and again is what the server serves (``unusable_page``)."""
    if retry is not None:
        retry.meta["cut_sizes"] = [*_cut_sizes(response), len(response.body)]


def with_response_hints(hints: dict, response) -> dict:
    """*hints* (what a feed said about the article) plus what the response's headers say:
    ``Content-Language``, one of the declarations the article's language is checked against."""
    declared = response.headers.get("Content-Language")
    if not declared:
        return hints
    return {**hints, "content_language": declared.decode("latin-1")}


def read_url_list(urls: str | None = None, urls_file: str | None = None) -> list[str]:
    """URLs from ``-a urls=A,B`` and/or ``-a urls_file=PATH`` (one per line, ``#`` comments)."""
    found = [u.strip() for u in (urls or "").split(",") if u.strip()]
    if urls_file:
        try:
            text = Path(urls_file).read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"cannot read urls_file {urls_file}: {error.strerror or error}") from None
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                found.append(line)
    return found


ARCHIVE_PROGRESS_EVERY = 30.0  # seconds between progress lines while one WARC file is read


class NewscrawlSpider(scrapy.Spider):
    """Base of newscrawl's spiders: stats, error accounting, items from extractions.

    ``-a warc=PATHS`` (comma-separated files, globs, http(s) URLs of WARC files): crawl from
    archives instead of the site. The spider's pages in them go through the same extraction,
    pipelines, dedupe and feeds; nothing is requested from the site (``newscrawl.archive``)."""

    def __init__(self, *args: Any, warc: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._open_document_pages: dict[str, int] = {}  # host → pages served whole without </html> (unusable)
        self._validators: dict[str, tuple[str | None, str | None, str]] = {}  # url → this run's (etag, last-modified, when)
        try:
            self.warc_sources: list[str] = expand_sources(warc) if warc else []
        except ArchiveError as error:
            raise ValueError(str(error)) from None
        self._bind_generator_callbacks()

    def _bind_generator_callbacks(self) -> None:
        """Bind each generator method once, so ``self.parse_article`` is one object for the crawl.
        For every response Scrapy checks a generator callback for a ``return value``, reading
        and parsing its source unless the callback object is in its (weakly keyed) cache; a
        bound method made afresh at each access died with its request, so every page paid that
        parse (about a tenth of the crawl's CPU outside extraction)."""
        for name, _ in inspect.getmembers(type(self), inspect.isgeneratorfunction):
            setattr(self, name, getattr(self, name))

    # True: a per-run set in the spider replaces Scrapy's request filter (``dont_filter=True``,
    # so a JOBDIR resume finds its pages again). False in a shared crawl: the shared filter in
    # Redis decides, or every worker would fetch every page.
    own_request_filter = True

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        from newscrawl.distributed import apply_settings

        apply_settings(settings)  # NEWSCRAWL_REDIS_URL: a worker of a shared crawl; else nothing

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        from newscrawl.distributed import is_on

        if is_on(crawler.settings):
            spider.own_request_filter = False
        if spider.warc_sources and not crawler.settings.frozen:
            # Nothing is fetched, so there is no robots.txt to ask (and no request may go out).
            crawler.settings.set("ROBOTSTXT_OBEY", False, priority="spider")
            # Pages are read one at a time in the archive's order, the order the crawl that
            # wrote it met them: of a story published twice, the same copy is kept. (Nothing
            # waits on a network here, so one at a time costs no speed.)
            crawler.settings.set("CONCURRENT_REQUESTS", 1, priority="spider")
            crawler.settings.set("SCHEDULER_MEMORY_QUEUE", "scrapy.squeues.FifoMemoryQueue", priority="spider")
            crawler.settings.set("SCHEDULER_DISK_QUEUE", "scrapy.squeues.PickleFifoDiskQueue", priority="spider")
        host = getattr(spider, "politeness_host", None)
        if is_loopback(host) and not crawler.settings.frozen:
            # A local mirror needs no politeness; command-line -s values still win.
            for name, value in (("AUTOTHROTTLE_ENABLED", False), ("DOWNLOAD_DELAY", 0),
                                ("CONCURRENT_REQUESTS_PER_DOMAIN", 16), ("NEWSCRAWL_RETRY_BACKOFF_BASE", 0.05)):
                crawler.settings.set(name, value, priority="spider")
            spider.logger.info("Crawling a loopback mirror at %s: AutoThrottle and delays off, short retry backoff",
                               host)
        return spider

    # --- crawling from archives -----------------------------------------------------------------
    def archived_request(self, archived: ArchivedResponse) -> scrapy.Request | None:
        """The request an archived page of the site is fed through (answered with the record by
        ``ArchiveReplayMiddleware``), or None to skip it. Spiders define it."""
        raise NotImplementedError

    def accepts_archived_url(self, url: str) -> bool:
        """Is an archived record of *url* one of this spider's site? Others are skipped unparsed."""
        return self.is_allowed_url(url)

    def _warc_key(self, source: str) -> str:
        """What the state store remembers a finished WARC file by: its URL, or its absolute path
        and size (a file still being written is not finished when it grows)."""
        if is_url(source):
            return source
        path = Path(source).resolve()
        return f"{path}@{path.stat().st_size}"

    async def archived_requests(self) -> AsyncIterator[scrapy.Request]:
        """Requests for the site's pages in ``-a warc=`` sources, streamed record by record.
        A source is recorded as finished in the state store only once every page it held has
        been settled (the crawl is drained first), so a killed run reads it again, and a later
        run skips it."""
        total = len(self.warc_sources)
        self.logger.info("Crawling from %d WARC source(s); nothing is requested from the site", total)
        started = time.monotonic()
        for number, source in enumerate(self.warc_sources, 1):
            key = self._warc_key(source)
            if self.crawl_state is not None and not getattr(self, "refresh", False) \
                    and self.crawl_state.warc_finished(key, self.name):
                self.stat("archive/files_skipped_finished")
                self.logger.info("WARC %d/%d %s: read to the end by an earlier run, skipped", number, total, source)
                continue
            stats = ReadStats()
            items_before = self.crawler.stats.get_value("item_scraped_count", 0)
            last_report = time.monotonic()
            try:
                # A source that stalls is given up after DOWNLOAD_TIMEOUT, as a page is: read
                # again by the next run, and the next source is read now.
                for archived in read_responses(source, self.accepts_archived_url, stats,
                                               timeout=self.settings.getfloat("DOWNLOAD_TIMEOUT", 180)):
                    request = self.archived_request(archived)
                    if request is not None:
                        request.meta["warc_record"] = archived
                        request.meta["archived_at"] = archived.archived_at
                        self.stat("archive/pages_read")
                        yield request
                    if time.monotonic() - last_report >= ARCHIVE_PROGRESS_EVERY:
                        last_report = time.monotonic()
                        self._log_archive_progress(number, total, source, stats, items_before, reading=True)
            except ArchiveError as error:
                self.logger.error("WARC %d/%d: %s; it is read again by the next run", number, total, error)
                self.stat("archive/files_failed")
                continue
            finally:
                self._count_archive_stats(stats)
            if not await self._drained():
                return  # the crawl is stopping: this file is not settled, the next run reads it again
            self._log_archive_progress(number, total, source, stats, items_before, reading=False)
            if not stats.responses and stats.other_hosts:
                # Pages of other hosts only: the wrong -a base_url or start, most likely. Recorded
                # as read, the file would be skipped by the run with the right one (adversary round 14).
                self.logger.warning("WARC %d/%d %s holds no page of this site (%d of other hosts): not recorded as "
                                    "read, so a run for the right site reads it", number, total, source,
                                    stats.other_hosts)
                self.stat("archive/files_of_other_sites")
                continue
            self.stat("archive/files_finished")
            if self.crawl_state is not None:
                self.crawl_state.finish_warc(key, self.name, stats.records, stats.cut)
        self.logger.info("Read %d WARC source(s) in %.1f s", total, time.monotonic() - started)

    def _count_archive_stats(self, stats: ReadStats) -> None:
        for name in ("records", "other_hosts", "not_ok", "cut", "damaged", "bytes_read"):
            self.stat(f"archive/{name}", getattr(stats, name))

    def _log_archive_progress(self, number: int, total: int, source: str, stats: ReadStats, items_before: int,
                              *, reading: bool) -> None:
        items = self.crawler.stats.get_value("item_scraped_count", 0) - items_before
        self.logger.info("WARC %d/%d %s%s: %d records, %d of the site, %d other hosts skipped, %d cut; %d articles; "
                         "%.1f MB at %.1f MB/s", number, total, source, " (reading)" if reading else "",
                         stats.records, stats.responses, stats.other_hosts, stats.cut, items,
                         stats.bytes_read / 1e6, stats.megabytes_per_second)

    async def _drained(self) -> bool:
        """Wait until every request made so far is answered and its items are through the
        pipelines (and kept): True; False if the crawl is closing instead."""
        from twisted.internet import reactor
        from twisted.internet.task import deferLater
        from scrapy.utils.defer import maybe_deferred_to_future

        engine = self.crawler.engine
        while True:
            slot = getattr(engine, "_slot", None) or getattr(engine, "slot", None)
            if slot is None or slot.closing:
                return False
            if (engine.scraper.slot.is_idle() and not engine.downloader.active
                    and not slot.scheduler.has_pending_requests()):
                return True
            await maybe_deferred_to_future(deferLater(reactor, 0.02, lambda: None))

    def link_url(self, base: str, href: str) -> str | None:
        """*href* made absolute against *base*, or None for an address no URL parser reads
        ("http://[bad/..."): one malformed link must not fail the whole listing or feed it is
        on (its callback would raise, and every other link on the page be lost with it)."""
        url = _joined_link(_join_base(base, href), href)
        if url is None:
            self.stat("links/malformed")
        return url

    learns_open_documents = False
    """True for a spider of sites whose templates nobody here knows (``unusable``)."""

    def unusable(self, response) -> str | None:
        """``unusable_page`` of *response*. A spider that ``learns_open_documents`` takes a
        host that served OPEN_DOCUMENT_PAGES pages the same way again and again without their closing
        ``</body></html>`` for one whose pages come so: its later pages are no longer fetched
        twice to tell (a connection dropped mid-page still is). A network site's pages close
        their documents (docs/site-facts.md F27): its spiders never stop checking."""
        host = urlsplit(response.url).hostname or ""
        counts = self._open_document_pages
        trusted = counts.get(host, 0) >= OPEN_DOCUMENT_PAGES
        problem = unusable_page(response, open_documents_ok=self.learns_open_documents and trusted)
        if problem is None and not trusted and _cut_sizes(response) and not ends_document(response.body):
            counts[host] = counts.get(host, 0) + 1
            self.stat("pages/open_document_read")
            if self.learns_open_documents and counts[host] == OPEN_DOCUMENT_PAGES:
                self.logger.info("Pages of %s end without </body></html> (%d served the same twice): its later "
                                 "pages are read as they come", host, OPEN_DOCUMENT_PAGES)
        return problem

    def recent(self, when: str | None) -> bool:
        """Whether *when* (the state store's ISO time) is within ``NEWSCRAWL_REVALIDATE_HOURS``:
        evidence older than that (a feed's validators, a listing's last whole walk) is checked
        again, whole, instead of being trusted."""
        return when is not None and when >= self.revalidate_cutoff()

    def revalidate_cutoff(self) -> str:
        """``NEWSCRAWL_REVALIDATE_HOURS`` before this run began, as an ISO time."""
        cutoff = getattr(self, "_revalidate_cutoff", None)
        if cutoff is None:
            hours = self.crawler.settings.getfloat("NEWSCRAWL_REVALIDATE_HOURS", 24)
            cutoff = self._revalidate_cutoff = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat(
                timespec="microseconds")
        return cutoff

    def stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"newscrawl/{key}", count)

    def count_skipped(self, status: str) -> None:
        """A page an earlier run settled, not fetched again. Only a story the store holds (kept,
        or a copy or alias of one) counts as an article already known to the "Items scraped"
        monitor: pages dropped for good (not an article, other language, gone) do not, or a site
        whose every article is dropped would pass that monitor on every later run."""
        self.stat("incremental/skipped_known")
        if status in ("kept", "duplicate", "alias"):
            self.stat("incremental/skipped_kept")

    @property
    def crawl_state(self):
        """The crawl state store (``newscrawl.state.CrawlState``) when incremental crawling is on."""
        return getattr(self.crawler, "newscrawl_state", None)

    # --- evidence a later run trusts: validators of feeds and sitemaps --------------------------
    def evidence_recordable(self, reason: str, lost: str) -> bool:
        """Whether this run's evidence (feed and sitemap validators, listing walks) may be
        recorded for later runs to trust: only a finished run's, and not when Redis may have lost
        this run's writes (a restart from a file a second old, a failover to a lagging replica:
        its discoveries may be gone). *lost* says what is then not recorded."""
        if reason != "finished" or self.crawl_state is None:
            return False
        stats = self.crawler.stats
        if stats.get_value("newscrawl/redis/redis_errors") or stats.get_value("newscrawl/redis/restarted"):
            self.logger.warning("Redis was unreachable or restarted during this run: %s", lost)
            return False
        return True

    def conditional_headers(self, url: str, kind: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from what an earlier finished run stored for *url*
        (a ``kind``: "feed", "sitemap"). Validators older than ``NEWSCRAWL_REVALIDATE_HOURS`` are
        not sent: a server whose 304 lies (one ETag for ever, a cache in front of a changed
        document) would hide what only that document lists for good (``incremental/<kind>_revalidated``)."""
        validators = self.crawl_state.validators(url) if self.crawl_state else None
        if validators and not self.recent(validators.stored_at):
            self.stat(f"incremental/{kind}_revalidated")
            validators = None
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        return headers

    def remember_validators(self, response: Response, what: str) -> None:
        """Keep a readable document's validators, recorded only once the run has finished
        (``record_validators``): a killed run must read it again."""
        answered = datetime.now(timezone.utc).isoformat(timespec="microseconds")  # as the state store writes times
        self._validators[response.url] = (_header(response, "ETag"), self._past_last_modified(response, what), answered)

    def record_validators(self) -> None:
        for url, (etag, last_modified, answered) in self._validators.items():
            self.crawl_state.set_validators(url, etag, last_modified, answered)

    def _past_last_modified(self, response: Response, what: str) -> str | None:
        """The document's Last-Modified, unless it lies in the future: sent back as
        If-Modified-Since, a date a year ahead would be answered 304 by an honest server until then."""
        value = _header(response, "Last-Modified")
        try:
            when = parsedate_to_datetime(value) if value else None
        except (TypeError, ValueError):
            return None
        if when is not None and when.tzinfo is not None and when > datetime.now(timezone.utc) + timedelta(minutes=5):
            self.logger.warning("%s %s says it was last modified %s, in the future: not sent back", what,
                                response.url, value)
            self.stat(f"{what.lower()}s/future_last_modified")
            return None
        return value

    def may_be_same_story(self, url: str, other_url: str) -> bool:
        """Whether the two URLs may name one story under two titles (``TitleDedupePipeline``'s
        moved-story check). No, unless the site's URLs say more: a publication time and a text
        alone also fit two template stories (a weekly ticker, a batch dated at once)."""
        return False

    def url_key(self, url: str) -> str:
        """What identifies a page across runs: host (www or not), decoded path, query."""
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return f"{(parts.hostname or '').removeprefix('www.')}{unquote(parts.path).rstrip('/') or '/'}{query}"

    @contextmanager
    def grouped_state_writes(self) -> Iterator[None]:
        """State writes (URLs discovered) in one commit: a page's requests are handed to Scrapy
        only after the block, so each is still recorded as pending before it is requested."""
        if self.crawl_state is None:
            yield
            return
        with self.crawl_state.grouped():
            yield

    def discover(self, url: str) -> None:
        """Remember an article URL as pending before requesting it (see ``newscrawl.state``)."""
        if self.crawl_state is not None:
            self.crawl_state.discover(self.url_key(url), self.name, url)

    def record(self, url: str, status: str) -> None:
        """Settle a URL's outcome in the state store, so later runs skip it."""
        if self.crawl_state is not None:
            self.crawl_state.record(self.url_key(url), self.name, url, status)

    def read_feed(self, response) -> list[FeedEntry] | None:
        """The entries of an RSS/Atom response, or None for an empty or unreadable one (worth a
        retry: usually a transient fault). Malformed feeds are logged and counted (truncated
        feeds happen on the network, docs/site-facts.md F19: keep what parsed)."""
        feed = parse_feed(response.body)
        if not feed.readable:
            self.logger.warning("Feed %s is empty or unreadable (%s)", response.url, feed.problem)
            self.stat("feeds/unreadable")
            return None
        if feed.problem:
            self.logger.warning("Feed %s is malformed (%s); recovered what parsed", response.url, feed.problem)
            self.stat("feeds/malformed")
        self.stat("feeds/entries", len(feed.entries))
        return feed.entries

    def make_item(self, extraction: Extraction, url: str, fetched_at: datetime | None = None) -> Article:
        """The item of *extraction*. *fetched_at*: when an archived copy was fetched (its
        WARC-Date), which ``scraped_at`` says, so "منذ 3 ساعات" is read against it."""
        count = self.crawler.stats.inc_value  # looked up once: Scrapy's stats object answers each lookup in Python
        for name, step in extraction.provenance.items():
            count(f"newscrawl/extract/{name}/{step}")
        fields = {k: v for k, v in extraction.fields.items() if k in Article.__dataclass_fields__ and k != "url"}
        fetched_at = fetched_at.astimezone(timezone.utc) if fetched_at is not None else datetime.now(timezone.utc)
        return Article(url=url, source=self.name, scraped_at=fetched_at.isoformat(timespec="seconds"),
                       extraction=dict(extraction.provenance), **fields)

    def on_error(self, failure):
        request = failure.request
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
            shown = f"HTTP {failure.value.response.status}"
        elif failure.check(*_DNS_ERRORS):
            reason = shown = "dns"
        elif failure.check(*_TIMEOUT_ERRORS):
            reason = shown = "timeout"
        elif failure.check(*_REFUSED_ERRORS):
            reason, shown = "connection_refused", "connection refused"
        elif failure.check(zlib.error):
            reason, shown = "bad_compression", f"a compressed body that does not decompress ({failure.value})"
        elif failure.check(scrapy.exceptions.IgnoreRequest):
            reason, shown = _ignored_because(str(failure.value))
        else:
            reason = shown = type(failure.value).__name__
        self.logger.warning("Failed %s: %s", unquote(request.url), shown)
        self.stat(f"fetch/failed/{reason}")
        if request.callback == getattr(self, "parse_article", None) or request.meta.get("article"):
            # Recorded under the URL the crawl asked for, not where a redirect led.
            asked = asked_url(request)
            self.record(asked, "gone" if reason in ("http_404", "http_410") else "failed")


# Why Scrapy's middlewares drop a request (IgnoreRequest), named by their messages.
_IGNORED_BECAUSE = (("robots.txt", "robots_forbidden", "forbidden by robots.txt"),
                    ("DOWNLOAD_MAXSIZE", "too_large", "larger than DOWNLOAD_MAXSIZE once decompressed"),
                    ("redirections", "redirect_loop", "too many redirects (a redirect loop?)"),
                    ("offsite", "offsite", "a request to another site, dropped"))


def _ignored_because(message: str) -> tuple[str, str]:
    """(stat name, log text) for an IgnoreRequest's *message*."""
    for marker, reason, shown in _IGNORED_BECAUSE:
        if marker in message:
            return reason, shown
    return "ignored", f"dropped by a middleware ({message[:200] or 'IgnoreRequest'})"


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
