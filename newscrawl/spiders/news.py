"""``scrapy crawl news -a start=https://site/``: any Arabic news site, no site selectors.

Discovery: XML sitemaps named in robots.txt (indexes and Google News sitemaps, through Scrapy's
``SitemapSpider`` machinery), RSS/Atom feeds announced with ``<link rel="alternate">``, and
same-site links of pages that are not articles, up to ``max_depth`` hops from the start page.
Every page goes through the generic extraction ladder; only pages recognised as articles
become items.
"""

from __future__ import annotations

import html
import itertools
import re
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

import scrapy
from scrapy.utils.response import get_base_url
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from w3lib.url import canonicalize_url, safe_url_string

from newscrawl.extraction.article import extract_article
from newscrawl.sites import site_for_url
from newscrawl.spiders.common import (NewscrawlSpider, UrlDigests, asked_url, read_url_list, retry_cut_page, retry_later,
                                      url_digest, with_response_hints)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml")
_SKIP = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|css|js|pdf|zip|mp4|mp3|ico|woff2?)$|/(?:login|signin|register|"
                   r"search|cart|account|wp-admin|wp-json)(?:/|$)|^mailto:|^javascript:", re.I)
# Paths that look like a story: a date, a long number or a long slug (not section fronts).
_ARTICLE_LIKE = re.compile(r"/(?:19|20)\d\d/\d{1,2}/|\d{5,}|[^/]*(?:-[^/-]+){3,}")
DEFAULT_MAX_DEPTH = 2
# Sitemaps: robots.txt → index → index → index → sitemap is as deep as real sites go; a run
# follows at most this many sitemaps (a ten-year archive of daily sitemaps is 3,650).
MAX_SITEMAP_DEPTH = 5
MAX_SITEMAPS = 10_000
# A sitemap entry's URL, read from the text when the parser gave up on the document.
# (no pattern that backtracks: a loc of a megabyte of spaces would take minutes; stripped below)
_SITEMAP_LOC = re.compile(r"<(?:[\w-]+:)?loc>([^<]*)(?:<!\[CDATA\[([^\]]*)\]\]>[^<]*)?</(?:[\w-]+:)?loc>")
# Links read from one page: a front lists a few hundred; a page of 400,000 is junk that would fill
# the memory and the queue (each queued request costs ~3.5 KB).
MAX_LINKS_PER_PAGE = 5_000
# A sitemap its index dates before this run's last reading of it is not read again; a run reads
# at most this many such sitemaps anyway, those read longest ago, once their reading is older than
# NEWSCRAWL_REVALIDATE_HOURS (an index's dates can lie like a feed's 304): every sitemap is read
# again in turn, and a ten-year archive of daily sitemaps costs a run 20 requests, not 3,650.
SITEMAPS_REVALIDATED_PER_RUN = 20
# A whole sitemap ends by closing its root element (looked for in its last kilobyte).
# Seconds a page's links wait for the feeds it announced (a feed read first dates the stories it lists).
FEED_WAIT_SECONDS = 10
_SITEMAP_CLOSED = re.compile(rb"</(?:[\w-]+:)?(?:urlset|sitemapindex)\s*>")


class NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, which keeps only each entry's direct children (``<news:news>``
    comes out empty), plus the Google News extension's ``<news:publication_date>``: the
    publication date, where ``<lastmod>`` is the last modification."""

    def _process_sitemap_element(self, elem) -> dict[str, Any] | None:
        published = None
        for child in elem:
            if isinstance(child.tag, str) and child.tag.endswith("}news"):
                for part in child:
                    if isinstance(part.tag, str) and part.tag.endswith("}publication_date") and part.text:
                        published = part.text.strip()
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = published
        return entry


class NewsSpider(NewscrawlSpider, SitemapSpider):
    """Options: ``start`` (one or more comma-separated site URLs), ``urls`` / ``urls_file``
    (fetch exactly these pages), ``max_depth`` (link hops from a start page; default 2).

    Incremental like the network spiders: articles earlier runs kept or dropped as duplicates
    are not fetched again; fronts and section pages are, since they change."""

    learns_open_documents = True  # any site's pages: some end without </body></html>

    name = "news"
    # Bylines are site-specific: a generic crawl finds few, and a clean run must not fail for it.
    custom_settings = {"NEWSCRAWL_MONITOR_COVERAGE": {"headline": 0.95, "body": 0.95, "date_published": 0.9}}
    sitemap_rules = [("", "parse_page")]

    def __init__(self, *args: Any, start: str | None = None, urls: str | None = None, urls_file: str | None = None,
                 max_depth: str | int = DEFAULT_MAX_DEPTH, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.article_urls = read_url_list(urls, urls_file)
        self.start_urls = [u.strip() for u in (start or "").split(",") if u.strip()]
        if not self.start_urls and not self.article_urls:
            raise ValueError("give -a start=https://site/ (or -a urls=... / -a urls_file=...)")
        for url in self.start_urls + self.article_urls:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise ValueError(f"not an http(s) URL: {url!r}")
        # www. and the bare domain are one site (sites redirect one to the other).
        self.allowed_domains = sorted({urlsplit(u).hostname.removeprefix("www.")
                                       for u in self.start_urls + self.article_urls})
        self.politeness_host = self.allowed_domains[0]
        # A start URL with an explicit port (a local test server) allows that port; one without,
        # the default ports. Each domain's ports are those of all its start URLs.
        self._ports: dict[str, set[int | None]] = {}
        for url in self.start_urls + self.article_urls:
            parts = urlsplit(url)
            try:
                port = parts.port
            except ValueError:
                raise ValueError(f"not an http(s) URL (bad port): {url!r}") from None
            self._ports.setdefault(parts.hostname.removeprefix("www."), set()).add(port)
        self._emitted = UrlDigests()  # digests, not URLs: flat memory on long crawls
        # URL digest → what a feed or sitemap said of the page (title, dates), until the page comes:
        # a page linked by the front page too may be asked without them.
        self._page_hints: dict[bytes, dict] = {}
        # A page's links waiting for the feeds it announced: held id → {"feeds": unanswered, "requests": [...]}
        self._held_links: dict[int, dict] = {}
        self._held_ids = itertools.count()
        self._sitemaps_followed = 0
        self._sitemaps_revalidated = 0
        self._feeds_asked: set[str] = set()
        self.run_started = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        try:
            self.max_depth = int(max_depth)
        except ValueError:
            raise ValueError(f"max_depth must be an integer, got {max_depth!r}") from None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.warc_sources:
            async for request in self.archived_requests():
                yield request
            return
        given = set()
        for url in self.article_urls:
            url = safe_url_string(url)
            if canonicalize_url(url) not in given:
                given.add(canonicalize_url(url))
                yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error,
                                     meta={"given": True, "article": True}, dont_filter=True)
        if self.article_urls:
            return
        if self.crawl_state is not None:
            left = [u for u in self.crawl_state.open_pages(self.name) if self.is_allowed_url(u)]
            if left:
                self.logger.info("Resuming %d page(s) that earlier runs discovered but did not settle", len(left))
                self.stat("resume/open_pages", len(left))
            for url in left:
                yield self.open_page_request(url)
        for url in self.start_urls:
            parts = urlsplit(url)
            yield scrapy.Request(f"{parts.scheme}://{parts.netloc}/robots.txt", callback=self._parse_sitemap,
                                 errback=self.on_error, priority=5)
            yield scrapy.Request(safe_url_string(url), callback=self.parse_page, errback=self.on_error,
                                 meta={"hops": 0})

    def closed(self, reason: str) -> None:
        # A finished run's validators (feeds, sitemaps) let later runs skip what did not change.
        if self.evidence_recordable(reason, "its feed and sitemap validators are not recorded, so the next run "
                                            "reads every feed and sitemap again"):
            self.record_validators()

    def open_page_request(self, url: str) -> scrapy.Request:
        """A page an earlier run left open, asked again ahead of discovery (no link followed)."""
        return scrapy.Request(url, callback=self.parse_page, errback=self.on_error, priority=20,
                              meta={"hops": self.max_depth, "article": True})

    def archived_request(self, archived) -> scrapy.Request | None:
        """Every archived HTML page of the site may be an article; pages earlier runs settled
        are skipped before any extraction. No link is followed from an archived page."""
        if self._already_kept(archived.url):
            return None
        return scrapy.Request(archived.url, callback=self.parse_page, errback=self.on_error, dont_filter=True,
                              meta={"hops": self.max_depth, "article": True})

    def sitemap_filter(self, entries):
        """Remember each URL's dates: ``<news:publication_date>`` a last-resort publication date
        for pages that print none, ``lastmod`` a modification date (never a publication date)."""
        for entry in entries:
            if entry.get("loc") and self.link_url(entry["loc"], entry["loc"]) is None:
                continue  # malformed: Scrapy's request for it would fail the whole sitemap
            hints = {name: entry[key] for name, key in (("date_published_raw", "publication_date"),
                                                        ("date_modified_raw", "lastmod")) if entry.get(key)}
            if hints and entry.get("loc"):
                self._page_hints[url_digest(canonicalize_url(entry["loc"]))] = hints
            yield entry

    def _already_kept(self, url: str) -> bool:
        """An article an earlier run settled (kept or dropped as a duplicate): not fetched again."""
        if self.crawl_state is None:
            return False
        status = self.crawl_state.known(self.url_key(url), before=self.run_started)
        if status is None:
            return False
        self.count_skipped(status)
        self.stat("incremental/requests_saved")
        return True

    def _read_sitemap(self, response: Response) -> tuple[str, list[dict], bool] | None:
        """The sitemap's type and entries, parsed once, and whether it is whole (its root element
        closed: a copy cut short parses, and would lose the entries after the cut); None for an
        empty or garbled copy: Scrapy would ignore it with a warning, or fail on it, and every
        article it lists would be missed this run."""
        try:
            body = self._get_sitemap_body(response)
            if not body:
                return None
            kind, entries = self._sitemap_entries(response, body)
        except Exception:  # lxml refuses some garbage outright
            return None
        if kind not in ("sitemapindex", "urlset"):
            return None
        return kind, entries, _SITEMAP_CLOSED.search(body[-1024:]) is not None

    def _get_sitemap_body(self, response: Response) -> bytes | None:
        """Scrapy's, and gzip bytes served as XML (no Content-Encoding, an XML type): gunzipped
        as a ``.xml.gz`` file is, not taken for a garbled sitemap."""
        if isinstance(response, XmlResponse) and response.body[:2] == b"\x1f\x8b":
            response = Response(response.url, status=response.status, headers=response.headers, body=response.body,
                                request=response.request)
        return super()._get_sitemap_body(response)

    def _sitemap_entries(self, response: Response, body: bytes) -> tuple[str, list[dict]]:
        """The sitemap's type and entries. A malformed sitemap (an entry nested past the
        parser's depth limit, an entity bomb) stops lxml's recovering parse where it chokes,
        and every entry after that would be lost: the ``<loc>`` values it did not reach are read
        from the text, one by one (without their ``lastmod``), and the damage is logged."""
        sitemap = NewsSitemap(body)
        entries = list(sitemap)
        locs = [loc for m in _SITEMAP_LOC.finditer(body.decode("utf-8", "replace"))
                if (loc := html.unescape((m.group(2) or m.group(1)).strip())).lower().startswith(("http://", "https://"))]
        if len(locs) > sum(1 for e in entries if e.get("loc")):
            parsed = {e.get("loc") for e in entries}
            entries += [{"loc": loc} for loc in locs if loc not in parsed]
            self.logger.warning("Sitemap %s is malformed: %d of its %d entries parsed, the others read from its "
                                "text", response.url, len(parsed - {None}), len(locs))
            self.stat("sitemaps/malformed")
        return sitemap.type, entries

    def _child_sitemaps(self, response: Response, urls: list[str]) -> list[str]:
        """The sitemaps an index (or robots.txt) names that this run follows: at most
        MAX_SITEMAP_DEPTH levels below robots.txt and MAX_SITEMAPS in all. An index naming
        ever-new indexes would otherwise keep the crawl going for ever."""
        depth = response.meta.get("sitemap_depth", 0) + 1
        if depth > MAX_SITEMAP_DEPTH:
            self.logger.warning("Sitemap %s names %d sitemap(s) %d levels below robots.txt: not followed (a "
                                "sitemap index chain this deep is a trap, not a site map)", response.url, len(urls),
                                depth)
            self.stat("sitemaps/too_deep", len(urls))
            return []
        room = max(MAX_SITEMAPS - self._sitemaps_followed, 0)
        if len(urls) > room:
            self.logger.warning("Sitemap %s names %d sitemaps; %d followed: this run's limit of %d sitemaps is "
                                "reached", response.url, len(urls), room, MAX_SITEMAPS)
            self.stat("sitemaps/over_limit", len(urls) - room)
            urls = urls[:room]
        self._sitemaps_followed += len(urls)
        return urls

    def _sitemap_request(self, url: str, depth: int) -> scrapy.Request:
        """A sitemap asked with the validators of the last finished run's reading (a 304 then
        costs a few bytes, not the sitemap)."""
        return scrapy.Request(url, callback=self._parse_sitemap, headers=self.conditional_headers(url, "sitemap"),
                              meta={"sitemap_depth": depth, "handle_httpstatus_list": [304]})

    def _unchanged_sitemaps(self, response: Response, entries: list[dict], urls: list[str]) -> set[str]:
        """The sitemaps of an index not to read this run: those the index dates (``lastmod``)
        before an earlier finished run's reading of them, less the SITEMAPS_REVALIDATED_PER_RUN
        read longest ago, once their reading is older than NEWSCRAWL_REVALIDATE_HOURS."""
        if self.crawl_state is None:
            return set()
        dated = {entry["loc"].strip(): entry["lastmod"] for entry in entries if entry.get("loc") and entry.get("lastmod")}
        unchanged = {}
        for url in urls:
            changed = _w3c_time(dated.get(url, ""))
            validators = self.crawl_state.validators(url) if changed is not None else None
            read = _w3c_time(validators.stored_at) if validators and validators.stored_at else None
            if read is not None and changed <= read:
                unchanged[url] = validators.stored_at
        stale = sorted((read, url) for url, read in unchanged.items() if not self.recent(read))
        room = max(SITEMAPS_REVALIDATED_PER_RUN - self._sitemaps_revalidated, 0)
        for _, url in stale[:room]:
            del unchanged[url]
        self._sitemaps_revalidated += min(room, len(stale))
        if stale[:room]:
            self.stat("incremental/sitemap_revalidated", len(stale[:room]))
        if unchanged:
            self.logger.info("Sitemap index %s: %d of its %d sitemaps unchanged since the last run read them",
                             response.url, len(unchanged), len(urls))
            self.stat("incremental/sitemap_unchanged", len(unchanged))
            self.stat("incremental/requests_saved", len(unchanged))
        return set(unchanged)

    def _sitemap_requests(self, response: Response, kind: str, entries: list[dict]):
        """``SitemapSpider._parse_sitemap`` with the limits and the tolerant reading above."""
        if kind == "sitemapindex":
            urls = list(self._get_urls_from_sitemapindex(self.sitemap_filter(entries)))
            depth = response.meta.get("sitemap_depth", 0) + 1
            unchanged = self._unchanged_sitemaps(response, entries, urls)
            for url in self._child_sitemaps(response, [url for url in urls if url not in unchanged]):
                yield self._sitemap_request(url, depth)
        else:
            for url, callback in self._get_urls_and_callbacks_from_urlset(self.sitemap_filter(entries)):
                try:
                    yield scrapy.Request(url, callback=callback)
                except ValueError:  # no absolute URL (an entity left unexpanded): this entry only
                    self.stat("sitemaps/bad_url")

    def _parse_sitemap(self, response: Response):
        if response.url.endswith("/robots.txt"):
            urls = list(sitemap_urls_from_robots(response.body, base_url=response.url))
            for url in self._child_sitemaps(response, urls):
                self.stat("sitemaps/followed")
                request = self._sitemap_request(url, 1)
                yield request.replace(errback=self.on_error, priority=5,
                                      meta={**request.meta, "hops": self.max_depth, "article": False})
            return
        if response.status == 304:
            self.logger.info("Sitemap %s not modified since the last run", response.url)
            self.stat("incremental/sitemap_not_modified")
            self.stat("incremental/requests_saved")
            return
        sitemap = self._read_sitemap(response)
        if sitemap is None:
            self.stat("sitemaps/unreadable")
            retry = retry_later(response.request, "unreadable_sitemap", self)
            self.logger.warning("Unreadable sitemap %s%s", response.url,
                                "; retrying" if retry is not None else "; giving up for this run")
            if retry is not None:
                yield retry
            else:
                self.stat("fetch/failed/sitemap_unreadable")
            return
        kind, entries, whole = sitemap
        if not whole:
            retry = retry_later(response.request, "cut_sitemap", self)
            self.stat("sitemaps/cut")
            if retry is not None:
                self.logger.warning("Sitemap %s is cut short (its root element not closed); retrying", response.url)
                yield retry
                return
            # Still cut after every retry: its entries but the last (whose URL may be cut too).
            self.logger.warning("Sitemap %s is still cut short after its retries: reading the %d entries before the "
                                "cut", response.url, max(len(entries) - 1, 0))
            entries = entries[:-1]
        else:
            self.remember_validators(response, "Sitemap")  # a whole reading only: a cut one is read again
        for request in self._sitemap_requests(response, kind, entries):
            kind = "sitemaps/followed" if request.callback == self._parse_sitemap else "sitemaps/urls"
            if kind == "sitemaps/urls" and self._already_kept(request.url):
                continue
            self.stat(kind)
            if kind == "sitemaps/urls":
                self.discover(request.url)
            yield request.replace(errback=self.on_error, priority=10 if kind == "sitemaps/urls" else 5,
                                  meta={**request.meta, "hops": self.max_depth, "article": kind == "sitemaps/urls"})

    def parse_feed(self, response: Response):
        try:
            outputs = list(self._read_feed_entries(response))
        except Exception:  # noqa: BLE001 - the links held for this feed must go out whatever it holds
            self.logger.exception("Feed %s could not be read", response.url)
            self.stat("feeds/unreadable")
            outputs = []
        yield from outputs
        if not any(isinstance(output, scrapy.Request) and output.callback == self.parse_feed for output in outputs):
            yield from self._release_held_links(response.request)  # (a retry of the feed releases them later)

    def _feed_failed(self, failure):
        self.on_error(failure)
        yield from self._release_held_links(failure.request)

    def _release_held_links(self, request: scrapy.Request):
        """The links of the page that announced this feed, once every feed it announced has
        answered (or failed): a story is then asked with its feed entry's title and date, not
        first as a bare link (whose page would keep no feed date: adversary round 15)."""
        held = self._held_links.get(request.meta.get("held_links"))
        if held is not None:
            held["feeds"] -= 1
            if held["feeds"] <= 0:
                del self._held_links[request.meta["held_links"]]
                yield from held["requests"]

    def _release_after_wait(self, held_id: int) -> None:
        held = self._held_links.pop(held_id, None)
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if held is None or engine is None or not engine.running or slot is None or slot.closing:
            return  # the crawl is ending: the next run finds these links again
        self.logger.info("A feed has not answered in %g s: the %d links of the page that announced it go out "
                         "without it", FEED_WAIT_SECONDS, len(held["requests"]))
        self.stat("feeds/links_released_unread")
        for request in held["requests"]:
            engine.crawl(request)

    def _read_feed_entries(self, response: Response):
        if response.status == 304:
            self.logger.info("Feed %s not modified since the last run", response.url)
            self.stat("incremental/feed_not_modified")
            self.stat("incremental/requests_saved")
            return
        entries = self.read_feed(response)
        if entries is None:
            retry = retry_later(response.request, "unreadable_feed", self)
            if retry is not None:
                yield retry
            return
        self.remember_validators(response, "Feed")
        for entry in entries:
            url = self.link_url(response.url, entry.link)
            if url is not None and self.is_allowed_url(url) and not self._already_kept(url):
                self.discover(url)
                hints = {"headline": entry.title, "date_published_raw": entry.date_raw}
                # Kept for the page too: the front page may have asked for it first, without them.
                self._page_hints[url_digest(canonicalize_url(url))] = hints
                yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error, priority=10,
                                     meta={"hops": self.max_depth, "article": True, "feed": hints})

    def _on_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def is_allowed_url(self, url: str) -> bool:
        """http(s) on a start URL's domain (or a subdomain), on its port if it named one."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not self._on_site(url):
            return False
        try:
            port = parts.port
        except ValueError:
            return False
        host = (parts.hostname or "").removeprefix("www.")
        wanted = next((p for d, p in self._ports.items() if host == d or host.endswith("." + d)), {None})
        return port in wanted or (None in wanted and port in (None, 80, 443))

    def parse(self, response: Response, **kwargs: Any):
        """What ``scrapy parse URL`` calls: any page goes through ``parse_page``, as in a crawl."""
        return self.parse_page(response)

    def parse_page(self, response: Response):
        problem = self.unusable(response)
        if problem:
            # Empty or garbage copies are retried (fronts too: they lead to articles); a link
            # that is not HTML (an image, a PDF) is retried only if it was meant as an article.
            article = response.meta.get("article")
            self.stat(f"pages/{problem}")
            if problem == "not_html" and not article:
                return
            retry = retry_later(response.request, problem, self)
            if problem == "cut":
                retry_cut_page(retry, response)
            if retry is not None:
                yield retry
            elif article:
                self.logger.warning("Unusable page %s (%s); left for the next run", response.url, problem)
                self.record(asked_url(response), "failed")
            return
        remembered = self._page_hints.pop(url_digest(canonicalize_url(response.url)), None) or {}
        hints = {**remembered, **{k: v for k, v in (response.meta.get("feed") or {}).items() if v}}
        # A page of a known site is read by that site's page object, any other by the generic one.
        extraction = extract_article(response.text, response.url, site_for_url(response.url),
                                     feed=with_response_hints(hints, response),
                                     archived_at=response.meta.get("archived_at"))
        if extraction.not_article is None:
            canonical = extraction.fields.get("url") or response.url
            if not self.is_allowed_url(canonical):
                self.stat("extract/canonical_offsite")
                canonical = response.url
            url = canonicalize_url(canonical)
            asked = asked_url(response)
            if self.url_key(asked) != self.url_key(url):
                self.discover(url)  # pending first: a kill before the item is kept loses nothing
                self.record(asked, "alias")
            if self.url_key(url) in self._emitted:
                self.stat("items/repeat_in_run")
                return
            self._emitted.add(self.url_key(url))
            yield self.make_item(extraction, url, response.meta.get("archived_at"))
            return
        self.stat("pages/not_article")
        self.stat(f"pages/not_article/{extraction.not_article}")  # why, counted
        if response.meta.get("article") and self.crawl_state is not None:
            asked = asked_url(response)
            self.crawl_state.forget(self.url_key(asked))  # a front or section page, not pending
        if response.meta.get("warc_record") is not None:  # an archived front or section page: nothing to follow
            return
        if response.meta.get("given"):  # -a urls=: exactly these pages, no discovery
            self.logger.warning("Not an article: %s (%s)", response.url, extraction.not_article)
            return
        self.logger.debug("Not an article: %s (%s)", response.url, extraction.not_article)
        yield from self._discover(response)

    def _discover(self, response: TextResponse):
        """Feeds announced in the page head, and same-site links, from a page that is not an article.
        The links wait for the feeds this page announces first (see ``_release_held_links``)."""
        # Held in the spider, not in the feed request's meta: a request is serialised (JOBDIR, a
        # shared frontier) and its meta must stay small and plain. Where another process may
        # answer the feed (a worker of a shared crawl) or a resumed run may (JOBDIR), nothing is held.
        hold = self.own_request_filter and not self.settings.get("JOBDIR")
        held = {"feeds": 0, "requests": []}
        held_id = next(self._held_ids)
        feeds = []
        for href in response.xpath("//link[@rel='alternate'][@href]").xpath(
                "self::*[" + " or ".join(f"@type='{t}'" for t in FEED_TYPES) + "]/@href").getall():
            feed_url = self.link_url(get_base_url(response), href.strip())
            if feed_url is not None and feed_url not in self._feeds_asked:  # every page announces the same feeds
                self._feeds_asked.add(feed_url)
                held["feeds"] += 1
                # dont_filter: asked once (_feeds_asked), and never dropped unanswered, or the links held for it with it
                feeds.append(scrapy.Request(feed_url, callback=self.parse_feed, errback=self._feed_failed, priority=5,
                                            headers=self.conditional_headers(feed_url, "feed"), dont_filter=True,
                                            meta={"handle_httpstatus_list": [304], "held_links": held_id}))
        links = self._link_requests(response)
        if feeds and hold:
            held["requests"] = list(links)
            self._held_links[held_id] = held
            # A feed that stalls must not hold the crawl up (adversary round 16): past the wait,
            # the links go out without it.
            from twisted.internet import reactor
            reactor.callLater(FEED_WAIT_SECONDS, self._release_after_wait, held_id)
            yield from feeds
        else:
            yield from feeds
            yield from links

    def _link_requests(self, response: TextResponse):
        hops = response.meta.get("hops", 0)
        if hops >= self.max_depth:
            return
        base = get_base_url(response)
        hrefs = response.css("a::attr(href)").getall()
        if len(hrefs) > MAX_LINKS_PER_PAGE:
            self.logger.warning("Page %s has %d links; the first %d are read", response.url, len(hrefs),
                                MAX_LINKS_PER_PAGE)
            self.stat("links/over_page_limit", len(hrefs) - MAX_LINKS_PER_PAGE)
            hrefs = hrefs[:MAX_LINKS_PER_PAGE]
        for href in hrefs:
            url = self.link_url(base, href.strip())
            if url is None or not self.is_allowed_url(url) or _SKIP.search(url):
                continue
            if self._already_kept(url):
                continue
            article_like = bool(_ARTICLE_LIKE.search(urlsplit(url).path))
            yield scrapy.Request(canonicalize_url(url), callback=self.parse_page, errback=self.on_error,
                                 priority=10 if article_like else 0, meta={"hops": hops + 1})


def _w3c_time(value: str) -> datetime | None:
    """A sitemap's ``lastmod`` (W3C datetime: a day, or a time with or without its offset) or a
    stored ISO time, as an aware UTC time; a day alone is its end (it may have changed all day).
    None when unreadable."""
    value = (value or "").strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) <= 10:  # YYYY-MM-DD
        when += timedelta(days=1)
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
