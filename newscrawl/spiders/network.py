"""Base spider for the Arabs Today network's CMS: feeds and listings in, Article items out.

A site spider only names its ``SiteProfile``; the flow (feeds → listings with pagination →
articles), the URL grammar and the extraction are shared.
"""

from __future__ import annotations

import functools
import re
from datetime import timezone
from typing import Any, AsyncIterator
from urllib.parse import unquote, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.response import get_base_url
from w3lib.url import canonicalize_url, safe_url_string

from newscrawl.arabic import fold_for_matching
from newscrawl.extraction.article import extract_article
from newscrawl.sites import network
from newscrawl.sites.base import SiteProfile
from newscrawl.state import RECHECKED_STATUSES
from newscrawl.spiders.common import (
    NewscrawlSpider,
    RecentUrls,
    UrlDigests,
    asked_url,
    read_url_list,
    retry_cut_page,
    retry_later,
    with_response_hints,
)

FOLLOWED_KINDS = {"article", "opinion", "listing", "writer", "home", "feed"}
ARTICLE_KINDS = {"article", "opinion"}
LISTING_KINDS = {"listing", "writer", "home"}
DEFAULT_MAX_PAGES = 20
# An article URL's page read by an earlier run without an article in it (no body, or no article).
OPEN_FETCHED = ("missing", "not_article")  # fetched before without an article (not_article: a recheck)


class NetworkSpider(NewscrawlSpider):
    """Options (``-a name=value``):

    - ``base_url``: origin to crawl instead of the real site (a mirror); default the site's.
    - ``urls`` / ``urls_file``: fetch exactly these article pages, no discovery.
    - ``max_pages``: listing pages followed per section (``0`` = no limit); default 20.
    - ``refresh``: ``1`` fetches article pages already kept by earlier runs again.

    Incremental and interruption-safe (README "Reliability"): every article URL is recorded as
    pending in the state store (``newscrawl.state``) the moment it is requested, and every run
    first requests what earlier runs left pending, however they ended. Article URLs earlier runs
    settled are not requested again. A section's "more" pages stop only where a *finished*
    earlier run walked the chain at least as deep and the page lists nothing that run had not
    already seen. Feeds are fetched with conditional requests. Every request bypasses Scrapy's
    persisted duplicate filter (a per-run set replaces it), except in a shared crawl
    (``NEWSCRAWL_REDIS_URL``), where the workers' shared filter in Redis decides; off-site
    requests and redirects are refused by ``newscrawl.offsite.SiteBoundaryMiddleware`` whatever ``dont_filter`` says.
    """

    site: SiteProfile

    def __init__(self, *args: Any, base_url: str | None = None, urls: str | None = None,
                 urls_file: str | None = None, max_pages: str | int = DEFAULT_MAX_PAGES, refresh: str | bool = False,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.base_url = (base_url or self.site.base_url).rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.base_host = self.politeness_host = parts.hostname
        self.site_hosts = {self.site.domain, f"www.{self.site.domain}", self.base_host}
        on_site = self.base_host == self.site.domain or self.base_host.endswith("." + self.site.domain)
        self.allowed_domains = [self.site.domain if on_site else self.base_host]
        self.article_urls = read_url_list(urls, urls_file)
        for url in self.article_urls:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise ValueError(f"not an http(s) URL: {url!r}")
        try:
            self.max_pages = int(max_pages)
        except ValueError:
            raise ValueError(f"max_pages must be an integer, got {max_pages!r}") from None
        if self.max_pages < 0:
            raise ValueError(f"max_pages must be 0 (no limit) or more, got {max_pages!r}")
        flag = str(refresh).strip().lower()
        if flag not in ("0", "1", "true", "false", "yes", "no", ""):
            raise ValueError(f"refresh takes 1 or 0, got {refresh!r}")
        self.refresh = flag in ("1", "true", "yes")
        # Run state, per URL only a fixed-size digest (UrlDigests): flat memory on 100k-page crawls.
        self._skipped_links = UrlDigests()
        self._emitted = UrlDigests()  # url keys of the items this run yielded: one item per article
        self._chains: dict[str, dict] = {}  # listing chain key → {"depth", "ended", "urls"} this run
        self._run_start_iso: str | None = None
        self._store_ahead_iso: str | None = None  # "" once checked and not ahead
        self._requested = UrlDigests()
        self._recent_links = RecentUrls()  # links follow_link decided on lately: menus repeat them on every page
        self._feed_hints: dict[str, dict] = {}  # url key → what a feed said (title, pubDate)

    def closed(self, reason: str) -> None:
        # Only a finished run's evidence counts: a killed or stopped run must see the feeds
        # again and must not vouch for listing chains it may not have walked.
        if not self.evidence_recordable(reason, "its listing walks and feed validators are not recorded, so the "
                                                "next run walks every listing again"):
            return
        self.record_validators()
        for key, chain in self._chains.items():
            if chain["ended"] is None or chain["failed"]:
                continue
            if not chain.get("connected", True) and chain.get("stable"):
                # Not reaching the earlier walk, but ending on a page an earlier run saw as it is
                # (the warning below was given then): the site's listing is what it is now. Kept
                # unrecorded, the walk would be redone and the monitor fail in every run for ever.
                self.logger.info("Listing %s ends at page %d as it did in an earlier run: recorded as walked",
                                 unquote(key), chain["depth"])
                self.stat("listings/short_end_accepted")
            elif not chain.get("connected", True):
                # Vouching would make later runs stop above what lies between this walk and the
                # earlier one's (see _reaches_earlier_walk): the chain is walked again next run.
                if chain["ended"] == "limit":
                    self.logger.warning("Listing %s: max_pages=%d stopped the walk on a page of stories new since "
                                        "the last recorded walk; older new stories may lie deeper (a larger -a "
                                        "max_pages, or 0, reaches them). Not recorded: the next run walks it again",
                                        unquote(key), self.max_pages)
                    self.stat("listings/limit_gap")
                else:
                    self.logger.warning("Listing %s ended at page %d on stories all new since the last recorded walk "
                                        "(a page without its \"more\" link?): not taken for its end; the next run "
                                        "walks it again", unquote(key), chain["depth"])
                    self.stat("listings/ended_short")
                continue
            self.crawl_state.walked_chain(key, chain["depth"], complete=chain["ended"] == "end",
                                          walked_at=chain["since"], whole=chain["ended"] in ("end", "limit"))

    def is_allowed_url(self, url: str) -> bool:
        """May the crawl request *url* (a link, a redirect)? Only the site's own hosts on the
        default ports, and the origin of ``base_url`` (a mirror) exactly, over http(s)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        try:
            port = parts.port
        except ValueError:
            return False
        if parts.hostname == self.base_host:  # a mirror on 127.0.0.1: its port, no other
            return port == urlsplit(self.base_url).port
        return parts.hostname in (self.site.domain, f"www.{self.site.domain}") and port in (None, 80, 443)

    # --- URLs -------------------------------------------------------------------------------
    def rebase(self, url: str) -> str | None:
        """Absolute *url* moved onto ``base_url`` if it belongs to the site, else None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname not in self.site_hosts:
            return None
        base = urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))

    def url_key(self, url: str) -> str:
        """What identifies an article across runs, hosts (www or bare, http or https, a mirror)
        and spellings (raw Arabic or percent-encoded): the site and its decoded path, AMP folded,
        without a trailing slash. The six digits are a time, not an id (docs/site-facts.md F3), so
        the whole path is the key; the site, because syndicated columns share paths."""
        return f"{self.site.key}:{_folded_path(url)}"

    def may_be_same_story(self, url: str, other_url: str) -> bool:
        """A story retitled or moved keeps its publication time, which its path prints to the
        second (docs/site-facts.md F3): two paths with the same time may be one story; with
        different times (the automated currency posts of one morning, a minute apart, share
        their text) or without one (a numberless AMP path), two."""
        mine = network.url_publish_time(_folded_path(url))
        return mine is not None and mine == network.url_publish_time(_folded_path(other_url))

    def article_request_url(self, url: str) -> str:
        """The canonical fetch URL of an article link: AMP folded, percent-encoded."""
        return _article_request_url(url)

    # --- start ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        self._store_ahead()  # said at the start: the clock is behind what the store recorded
        if self.warc_sources:
            async for request in self.archived_requests():
                yield request
            return
        if self.article_urls:
            self.logger.info("Fetching %d given article URL(s), no discovery", len(self.article_urls))
            for url in self.article_urls:
                target = self.article_request_url(self.rebase(url) or url)
                if not self.is_allowed_url(target):
                    self.logger.warning("Not a URL of %s, not fetched: %s", self.site.domain, url)
                    self.stat("links/refused_offsite")
                    continue
                if self._first_time(target):  # an article and its AMP copy are one page
                    yield scrapy.Request(target, callback=self.parse_article, errback=self.on_error,
                                         meta={"given": True}, dont_filter=True)
            return
        for request in self.open_page_requests():
            yield request
        for path in self.site.start_paths:
            request = self.page_request(safe_url_string(self.base_url + path))
            if request is not None:
                yield request

    def archived_request(self, archived) -> scrapy.Request | None:
        """Article pages only (listings and feeds lead to pages the archive has or has not);
        pages earlier runs settled are skipped before any extraction."""
        path = network.path_of(archived.url)
        kind = network.classify_path(path)
        if kind not in ARTICLE_KINDS:
            self.stat(f"archive/skipped/{kind}")
            return None
        if network.section_id_of(network.fold_amp(path)) in self.site.skip_sections:
            self.stat("archive/skipped/no_text_section")
            return None
        target = self.article_request_url(archived.url)
        if self.crawl_state and not self.refresh and (status := self.crawl_state.known(self.url_key(target))):
            self.count_skipped(status)
            return None
        return scrapy.Request(target, callback=self.parse_article, errback=self.on_error, dont_filter=True,
                              meta={"feed": {}})

    def open_page_requests(self) -> list[scrapy.Request]:
        """Requests for the article pages earlier runs discovered and did not settle: cut off by
        an interruption, or failed and due again (backoff across runs)."""
        if self.crawl_state is None:
            return []
        requests = []
        for stored in self.crawl_state.open_pages(self.name):
            url = self.rebase(stored)
            if url is None or not self._first_time(url):
                continue
            requests.append(self.open_page_request(url))
        if requests:
            self.logger.info("Resuming %d article page(s) that earlier runs discovered but did not settle",
                             len(requests))
            self.stat("resume/open_pages", len(requests))
            self.stat("requests/article", len(requests))
        return requests

    def open_page_request(self, url: str) -> scrapy.Request:
        """An article page an earlier run left open, asked again ahead of discovery."""
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, priority=20,
                              dont_filter=self.own_request_filter, meta={"feed": {}})

    def _first_time(self, url: str) -> bool:
        """Per-run duplicate filter (Scrapy's is bypassed, see the class docstring); a trailing
        slash makes no other page."""
        return self._requested.add_new(_page_key(url))

    def page_request(self, url: str, **meta: Any) -> scrapy.Request | None:
        if not self._first_time(url):
            return None
        kind = network.classify_path(network.path_of(url))
        if kind == "feed":
            return scrapy.Request(url, callback=self.parse_feed, errback=self.on_error,
                                  headers=self.conditional_headers(url, "feed"),
                                  dont_filter=self.own_request_filter, meta={**meta, "handle_httpstatus_list": [304]})
        return scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                              dont_filter=self.own_request_filter, meta=meta)

    def parse(self, response: Response, **kwargs: Any):
        """A page of any kind, routed by the URL grammar to the callback a crawl would use (what
        ``scrapy parse URL`` calls; the crawl itself names a callback on every request)."""
        kind = network.classify_path(network.path_of(response.url))
        if kind in ARTICLE_KINDS:
            return self.parse_article(response)
        if kind == "feed":
            return self.parse_feed(response)
        if kind in LISTING_KINDS:
            return self.parse_listing(response)
        self.logger.warning("Not a page %s reads (%s): %s", self.name, kind, unquote(response.url))
        return []

    # --- feeds ------------------------------------------------------------------------------
    def parse_feed(self, response: Response):
        if response.status == 304:
            self.logger.info("Feed %s not modified since the last run", response.url)
            self.stat("incremental/feed_not_modified")
            self.stat("incremental/requests_saved")  # the feed body and the article checks it implies
            return
        entries = self.read_feed(response)
        if entries is None:  # never remember the validators of an unreadable copy
            yield from self._retry_unusable(response, "unreadable", "feeds")
            return
        self.remember_validators(response, "Feed")
        requests = []
        with self.grouped_state_writes():
            for entry in entries:
                hints = {"headline": entry.title, "date_published_raw": entry.date_raw}
                url = self.link_url(response.url, entry.link)
                if url is None:
                    continue
                # A listing may have asked for the page first: keep the feed's word for it anyway.
                self._feed_hints[self.url_key(url)] = hints
                request = self.follow_link(url, feed=hints)
                if request is not None:
                    requests.append(request)
        yield from requests
        self.logger.info("Feed %s: %d entries, %d article links", response.url, len(entries), len(requests))

    # --- listings ---------------------------------------------------------------------------
    def parse_listing(self, response: Response):
        problem = self.unusable(response)
        if problem:
            # A garbage or empty listing page would end its chain silently: retried like an article.
            yield from self._retry_unusable(response, problem, "listings")
            return
        page = response.meta.get("page", 1)
        chain_key = response.meta.get("chain") or self.url_key(response.url)
        links = self._page_links(response)
        stories = self._section_stories(response, links, chain_key)  # read once, for the checks below
        away = self._not_a_next_page(response, chain_key, page, stories)
        if away:
            # A "more" page that came back as another page (a redirect to the front page) or as
            # no listing (an error page served with 200) is no end of the listing: retried, and
            # never vouched for, or an outage of two runs hid what lies below it for a day.
            yield from self._retry_unusable(response, away, "listings")
            return
        # "since": when this run began walking the chain; only stories seen before it are behind it.
        chain = self._chains.setdefault(chain_key, {"depth": 0, "ended": None, "urls": UrlDigests(), "failed": False,
                                                    "since": self.crawl_state.now() if self.crawl_state else ""})
        chain["depth"] = max(chain["depth"], page)
        chain["urls"].add(_page_key(response.url))
        is_pagination = _pagination_test(response.url)
        marked = self._marked_next_pages(response, chain_key)
        links += [u for u in marked if u not in links]  # a <link rel="next"> in the head
        pages = [u for u in links if is_pagination(u) or u in marked]
        self._check_lists_stories(response, links, chain_key, stories)
        deeper = [u for u in pages if _page_key(u) not in chain["urls"]]
        stop = self._stop_reason(chain_key, page, stories) if deeper else None
        if not deeper:
            chain["ended"] = "end"
        elif stop:
            chain["ended"] = stop
        else:
            chain["ended"] = None  # known only once the next page is parsed
        if chain["ended"] in ("end", "limit"):
            chain["connected"] = self._reaches_earlier_walk(chain_key, stories)
            # Every story of the last page seen by an earlier run: this end is no news.
            chain["stable"] = bool(stories) and self.crawl_state is not None and all(
                self.crawl_state.discovered_before(key, self._run_start()) for key in stories)
            first_walk = self.crawl_state is not None and not self.refresh and self.crawl_state.chain(chain_key) is None
            if (not chain["connected"] or first_walk) and chain["ended"] == "end" \
                    and not response.meta.get("end_rechecked"):
                # The end of a chain on stories all new since the last walk, or of a first walk
                # (it sets the scope later runs trust): fetched once more (a page served once
                # without its "more" link is read again whole, in this run).
                retry = retry_later(response.request, "listing_end_recheck", self)
                if retry is not None:
                    retry.meta["end_rechecked"] = True
                    chain["ended"] = None
                    self.stat("listings/end_rechecked")
                    yield retry
        requests = []
        with self.grouped_state_writes():  # the page's new article URLs, pending in one commit
            for url in links:
                if url in pages:
                    if stop or _page_key(url) in chain["urls"]:
                        continue
                    request = self.follow_link(url, page=page + 1, chain=chain_key)
                else:
                    request = self.follow_link(url)
                if request is not None:
                    requests.append(request)
        yield from requests

    def _not_a_next_page(self, response: Response, chain_key: str, page: int, stories: set[str]) -> str | None:
        """Why a listing's next page (page 2 on) is not one: "redirected_away" (the request ended
        on a page of another section or none, such as the front page) or "no_stories" (a known
        section's page listing none of its stories: the site's error page). None for a page of
        the listing. (A "more" link leads to a page of stories; a site that has none to show
        shows no such link.)"""
        if page < 2:
            return None
        section = network.section_id_of(_chain_path(chain_key))
        if response.meta.get("redirect_urls") and network.section_id_of(network.path_of(response.url)) != section:
            return "redirected_away"
        if not stories and section in self.site.sections:
            return "no_stories"
        return None

    def _check_lists_stories(self, response: Response, links: list[str], chain_key: str, stories: set[str]) -> None:
        """Count the listing page, and say so loudly when it links no story of its own: a site
        that changed its article links (or its listings) would otherwise lose every story only
        its listings show, with nothing in the log (the "Listings" monitor fails on many)."""
        self.stat("listings/pages_read")
        section = network.section_id_of(_chain_path(chain_key))
        if section in self.site.sections:  # a known section's page lists its own stories (tickers list others)
            if stories:
                return
        elif any(network.classify_path(network.path_of(u)) in ARTICLE_KINDS for u in links if self.rebase(u)):
            return
        story_like = [u for u in links if _STORY_LIKE.search(network.path_of(u))
                      and network.classify_path(network.path_of(u)) not in ARTICLE_KINDS]
        self.logger.warning("Listing page %s links no story%s: if the site changed its links or its listings, the "
                            "stories only its listings show are being missed", unquote(response.url),
                            f" ({len(story_like)} links look like stories in a form this spider does not read, "
                            f"e.g. {unquote(story_like[0])})" if story_like else "")
        self.stat("listings/no_story_links")
        if story_like:
            self.stat("links/unknown_story_like", len(story_like))

    def _marked_next_pages(self, response: Response, chain_key: str) -> set[str]:
        """Links the page marks as its next page, in a form ``_is_pagination`` does not know
        (the network's scheme is not known, docs/site-facts.md F21): ``rel="next"`` on an ``<a>``
        or ``<link>``, and on a section's listing an ``<a>`` reading "التالي", "المزيد", "»" and the
        like. Only a page that can be one of this listing's: on this site, no article, and no
        listing of another section ("المزيد" under a box of another section links there)."""
        root = response.selector.root
        hrefs = [str(h) for h in _REL_NEXT_HREFS(root)[:MAX_NEXT_LINKS]]
        section = network.section_id_of(_chain_path(chain_key))
        if section is not None:
            hrefs += [a.get("href") for a in _SHORT_LINKS(root)
                      if fold_for_matching(" ".join(a.itertext()).strip()) in NEXT_PAGE_WORDS][:MAX_NEXT_LINKS]
        base = get_base_url(response)
        marked = set()
        for href in hrefs:
            url = self.link_url(base, href.strip()) if href and href.strip() else None
            on_site = self.rebase(url) if url else None
            if on_site is None:
                continue
            path = network.path_of(on_site)
            kind = network.classify_path(path)
            if kind == "other" or (kind == "listing" and network.section_id_of(path) == section):
                marked.add(url)
        return marked

    def _page_links(self, response: Response) -> list[str]:
        """The absolute URLs of a page's links (``<a>`` and ``<area>`` hrefs, joined to the page's base URL),
        in page order, without fragments-only, ``javascript:`` and ``mailto:`` links, nor
        malformed ones. Read from lxml directly: a Selector made for each of a listing's ~60
        hrefs cost half its parse."""
        base = get_base_url(response)
        links = []
        hrefs = _LINK_HREFS(response.selector.root)
        if len(hrefs) > MAX_LINKS_PER_PAGE:
            self.logger.warning("Page %s has %d links; the first %d are read", unquote(response.url), len(hrefs),
                                MAX_LINKS_PER_PAGE)
            self.stat("links/over_page_limit", len(hrefs) - MAX_LINKS_PER_PAGE)
            hrefs = hrefs[:MAX_LINKS_PER_PAGE]
        for href in hrefs:
            href = str(href).strip()
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                url = self.link_url(base, href)
                if url is not None:
                    links.append(url)
        return links

    def _reaches_earlier_walk(self, chain_key: str, stories: set[str]) -> bool:
        """Whether the last page this run reads of a chain lists a story the chain's earlier
        recorded walk had seen: everything below it is older, so seen then. A first walk has
        nothing to reach (it sets the scope), nor has a page that lists no story of its section.
        A last page of stories all new since then is no end: the stories the earlier walk saw
        lie further down (a page served without its "more" link, or a max_pages stop above a
        burst of new stories), and so may new ones."""
        if self.crawl_state is None or self.refresh:
            return True
        earlier = self.crawl_state.chain(chain_key)
        if earlier is None or not stories:
            return True
        # Seen by the run that recorded the earlier walk, or before: first seen before that run
        # ended (not before its walk began: it saw its stories as it went; nor before this run
        # began: a run whose walk was not recorded saw stories the recorded walk did not reach).
        # A store written before the end was kept: before this run began.
        seen_by = max(earlier.recorded_at or self._run_start(), self._store_ahead() or "")
        return any(self.crawl_state.discovered_before(key, seen_by) for key in stories)

    def _store_ahead(self) -> str | None:
        """The store's latest record when it is later than this run's start: the clock was
        stepped back since an earlier run (one under a wrong clock). Every story that run saw
        then looks new to the time checks, and every listing walk "ended on stories all new"
        until the clock catches up: while it is behind, what the store recorded counts as seen
        by the earlier walks. Warned once."""
        if self._store_ahead_iso is None:
            latest = self.crawl_state.latest_record() if self.crawl_state is not None else None
            self._store_ahead_iso = latest if latest and latest > self._run_start() else ""
            if self._store_ahead_iso:
                self.logger.warning("The clock is behind the state store: it recorded a page at %s, after this run "
                                    "started (%s). Was the clock stepped back? Listing walks are judged against the "
                                    "store's records until the clock passes that time", latest, self._run_start())
                self.stat("clock/behind_store")
        return self._store_ahead_iso or None

    def _run_start(self) -> str:
        """This run's start, in the state store's clock format (ISO, UTC, microseconds)."""
        if self._run_start_iso is None:
            started = self.crawler.stats.get_value("start_time")
            self._run_start_iso = started.astimezone(timezone.utc).isoformat(timespec="microseconds") \
                if started is not None else self.crawl_state.now()
        return self._run_start_iso

    def _section_stories(self, response: Response, links: list[str], chain_key: str | None = None) -> set[str]:
        """The keys of the stories a listing page lists: those of its own section (tickers and
        menus on every page link others). The section is the chain's when the page's path shows
        none (a next page on a path of its own)."""
        section = network.section_id_of(network.path_of(response.url))
        if section is None and chain_key is not None:
            section = network.section_id_of(_chain_path(chain_key))
        return {self.url_key(u) for u in links
                if network.classify_path(network.path_of(u)) in ARTICLE_KINDS and self.rebase(u)
                and network.section_id_of(network.path_of(u)) == section}

    def _stop_reason(self, chain_key: str, page: int, stories: set[str]) -> str | None:
        """Why the chain's deeper pages are not followed from this page, or None to follow them.

        "limit": ``max_pages`` reached. "shortcut": a finished earlier run walked this chain
        to its end (or at least ``max_pages`` deep) and had already seen every story this page
        lists, so every older story behind it was seen too. Stories seen only by an interrupted
        run earn nothing: they may sit above pages that run never reached."""
        if self.max_pages and page >= self.max_pages:
            if page < 2 * self.max_pages and not self._reaches_earlier_walk(chain_key, stories):
                # A burst of new stories filled max_pages: walked on until the stories the earlier
                # walk saw (at most max_pages more), or the stories in between would be lost.
                self.stat("listings/past_page_limit")
                return None
            self.stat("listings/page_limit_reached")
            return "limit"
        if self.crawl_state is None or self.refresh:
            return None
        walked = self.crawl_state.chain(chain_key)
        if walked is None or not (walked.complete or (self.max_pages and walked.depth >= self.max_pages)):
            return None
        if not self.recent(walked.whole_at):
            # Now and then a listing is walked whole: a story that appears below stories already
            # seen (backdated, a listing not sorted newest first, pinned stories on top) is found.
            self.stat("incremental/whole_walk_due")
            return None
        # Seen before the recorded walk began, not merely by that run's end: the pages a walk met
        # new stories on are walked once more by the next run (after a burst that costs a second
        # walk of its pages; judged by the run's end, a first run that read a page without its
        # "more" link had its short end trusted until the next whole walk, adversary round 10).
        if not stories or not all(self.crawl_state.discovered_before(key, walked.walked_at) for key in stories):
            return None
        self.stat("incremental/listing_stop")
        self.stat("incremental/requests_saved")
        return "shortcut"

    def follow_link(self, url: str, *, page: int = 1, feed: dict | None = None,
                    chain: str | None = None) -> scrapy.Request | None:
        """A request for a link the crawl should follow, or None (off-site, skipped kind, page limit)."""
        if not self._recent_links.add_new(url):
            # Decided a moment ago: requested then (a second request is never made), or refused
            # then (and counted then). Menus and tickers repeat the same links on every page.
            return None
        url = self.rebase(url)
        if url is None:
            return None
        path = network.path_of(url)
        kind = network.classify_path(path)
        if kind not in FOLLOWED_KINDS and not (chain is not None and kind == "other"):
            # (a listing's next page may lie on a path of no known kind: parse_listing vouched for it)
            if kind != "other" and self._skipped_links.add_new(url):
                self.stat(f"links/skipped/{kind}")
            return None
        if kind in ARTICLE_KINDS:
            section = network.section_id_of(network.fold_amp(path))
            if section in self.site.skip_sections:
                if self._skipped_links.add_new(url):
                    self.stat("links/skipped/no_text_section")
                return None
            target = self.article_request_url(url)
            if not self._first_time(target):  # menus and tickers repeat links: no query for them
                return None
            if self.crawl_state and not self.refresh and (status := self.crawl_state.known(
                    self.url_key(target), gone_before=self.revalidate_cutoff())):
                self.count_skipped(status)
                self.stat("incremental/requests_saved")
                return None
            if self.crawl_state and (settled := self.crawl_state.status(self.url_key(target))) in RECHECKED_STATUSES:
                # Still linked, though it answered 404/410 enough times to count as gone, or read as
                # no article for a day: a story listed before it goes live, brought back, or behind
                # an outage. Asked again now and then.
                self.stat(f"incremental/{settled}_rechecked")
            self.discover(target)
            self.stat("requests/article")
            return scrapy.Request(target, callback=self.parse_article, errback=self.on_error, priority=10,
                                  dont_filter=self.own_request_filter, meta={"feed": feed or {}})
        if kind == "feed":
            return self.page_request(url)
        if chain is None:
            return self.page_request(_canonical_url(url))
        return self.page_request(_canonical_url(url), page=page, chain=chain)

    def _retry_unusable(self, response: Response, problem: str, kind: str):
        """A retry (with backoff) of a page that came back empty, garbled or not as HTML; once
        retries are spent, an article page stays open for the next run and a listing or feed
        is counted as failed (its chain is then not vouched for, see ``closed``)."""
        retry = retry_later(response.request, problem, self)
        if problem == "cut":
            retry_cut_page(retry, response)
        self.logger.warning("Unusable %s %s (%s)%s", kind.rstrip("s"), unquote(response.url), problem,
                            "; retrying" if retry is not None else "; giving up for this run")
        if kind != "feeds":  # read_feed counted it
            self.stat(f"{kind}/{problem}")
        if retry is not None:
            yield retry
        elif kind == "pages":
            self.record(asked_url(response), "failed")
        else:
            self.stat(f"fetch/failed/{kind}_{problem}")
            self.chain_failed(response.request)

    def chain_failed(self, request) -> None:
        """A listing page of a chain was not read: this run vouches for nothing about the chain."""
        chain = self._chains.get(request.meta.get("chain") or self.url_key(request.url))
        if chain is not None:
            chain["failed"] = True

    def on_error(self, failure):
        if failure.request.callback == self.parse_listing:
            self.chain_failed(failure.request)
        return super().on_error(failure)

    # --- articles ---------------------------------------------------------------------------
    def parse_article(self, response: Response):
        # The URL the crawl asked for (before redirects): the one later runs will check.
        asked = asked_url(response)
        problem = self.unusable(response)
        if problem:
            # Garbage or an empty page is usually transient (a cache, a proxy, a deploy): retried
            # with backoff in this run, then left open for the next run, never settled.
            yield from self._retry_unusable(response, problem, "pages")
            return
        hints = response.meta.get("feed") or self._feed_hints.get(self.url_key(response.url), {})
        # An archived page is read by the parser version of the day it was fetched.
        extraction = extract_article(response.text, response.url, self.site,
                                     feed=with_response_hints(hints, response),
                                     archived_at=response.meta.get("archived_at"))
        if extraction.not_article:
            # The URL names an article: a page that reads as none may be the site's passing
            # state (a maintenance or error page served with 200, a redirect to the front page),
            # so the verdict settles the URL only when an earlier run already fetched it without
            # an article and the URL was found more than NEWSCRAWL_REVALIDATE_HOURS ago. Until
            # then it stays open and is asked again with backoff (an outage of two hourly runs
            # settled every story it hid, for good: adversary round 13).
            key = self.url_key(asked)
            confirmed = self.crawl_state is None or (self.crawl_state.status(key) in OPEN_FETCHED and
                                                     self.crawl_state.discovered_before(key, self.revalidate_cutoff()))
            self.logger.warning("Not an article: %s (%s)%s", unquote(response.url), extraction.not_article,
                                "" if confirmed else "; fetched again next run before it is settled")
            self.stat("pages/not_article")
            self.stat(f"pages/not_article/{extraction.not_article}")  # why, counted
            self.record(asked, "not_article" if confirmed else "missing")
            return
        canonical = extraction.fields["url"]
        on_site = self.rebase(canonical) if canonical else None
        if canonical and on_site is None:
            # A canonical link to another host or scheme never names the item (README "Reliability").
            self.logger.warning("Canonical link %s of %s is not on %s; the page's own URL is used",
                                canonical[:200], unquote(response.url), self.site.domain)
            self.stat("extract/canonical_offsite")
        url = _canonical_url(self.article_request_url(on_site or self.rebase(response.url) or response.url))
        key = self.url_key(url)
        if on_site and self._is_numberless_amp(response.url, url):
            # An AMP copy whose path lacks the six digits: its canonical page could not be known
            # from the link. The AMP template is not the article's (the stamp and dateline may be
            # missing): the page it names is read instead, once.
            self.discover(url)
            self.record(asked, "alias")
            if key not in self._emitted and not (self.crawl_state and not self.refresh and self.crawl_state.is_kept(key)) \
                    and self._first_time(url):
                self.stat("pages/amp_to_canonical")
                yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error, priority=10,
                                     dont_filter=self.own_request_filter, meta={"feed": hints})
            return
        if self.url_key(asked) != key:
            # Settled by the canonical URL's outcome: that URL is pending first, so a kill
            # before the item is kept leaves it to the next run instead of to no one.
            self.discover(url)
            self.record(asked, "alias")
        if key in self._emitted:
            self.stat("items/repeat_in_run")  # an article reached twice (its AMP copy, a redirect)
            return
        if self.crawl_state and not self.refresh and self.crawl_state.is_kept(key):
            # A request queued by a killed run (JOBDIR) whose article has since been kept.
            self.stat("incremental/already_kept")
            return
        self._emitted.add(key)
        yield self.make_item(extraction, url, response.meta.get("archived_at"))




    @staticmethod
    def _is_numberless_amp(page_url: str, canonical: str) -> bool:
        """Whether *page_url* is an AMP copy without the six digits (``/amp/<section>/<slug>``)
        naming a canonical article page of the grammar's own form."""
        own = network.path_of(page_url)
        if network.ARTICLE_PATH.match(own) or not network.AMP_ARTICLE_NO_NUMBER_PATH.match(own):
            return False
        path = network.path_of(canonical)
        return not path.startswith("/amp/") and network.classify_path(path) in ARTICLE_KINDS


@functools.lru_cache(maxsize=1024)  # bounded; a link, then its page, are turned into fetch URLs
def _article_request_url(url: str) -> str:
    """``NetworkSpider.article_request_url``."""
    parts = urlsplit(url)
    path = network.fold_amp(network.path_of(url))
    return safe_url_string(urlunsplit((parts.scheme, parts.netloc, path, "", "")))


# A URL canonicalize_url returns unchanged: http(s), a lower-case ASCII host (and a port), a
# path of unreserved characters and upper-case escapes of non-ASCII bytes (which it decodes and
# encodes back the same), at most one "name=number" query (nothing to sort or re-encode), no
# fragment. Every article request URL (``_article_request_url``) is one.
_ALREADY_CANONICAL = re.compile(r"https?://[a-z0-9]+(?:[.-][a-z0-9]+)*(?::(?P<port>[1-9][0-9]{0,4}))?"
                                r"/(?:[A-Za-z0-9_~./-]|%[89A-F][0-9A-F])*(?:\?[a-z]+=[0-9]+)?")


@functools.lru_cache(maxsize=1024)
def _canonical_url(url: str) -> str:
    """``w3lib.url.canonicalize_url(url)``. Bounded cache: an article's URL is canonicalized when
    it is requested (its page key) and again when its page is read (its item's URL). A URL
    already in canonical form is returned as it is: canonicalize_url takes ~90 µs to rebuild a
    percent-encoded Arabic article URL unchanged, the check ~3 µs (tests hold the two equal)."""
    match = _ALREADY_CANONICAL.fullmatch(url)
    if match and "/." not in url and (match["port"] is None or int(match["port"]) <= 65535):
        return url  # ("/.": a dot segment, which canonicalize_url resolves)
    return canonicalize_url(url)


@functools.lru_cache(maxsize=1024)  # bounded; one page's URL is keyed several times in a row
def _folded_path(url: str) -> str:
    """*url*'s decoded path, AMP folded, without a trailing slash (``NetworkSpider.url_key``)."""
    return network.fold_amp(network.path_of(url)).rstrip("/") or "/"


@functools.lru_cache(maxsize=1024)  # bounded; menus and pagination links repeat on every page
def _page_key(url: str) -> str:
    """A page's URL as one spelling: trailing slash, fragment, encoding and query order aside."""
    parts = urlsplit(_canonical_url(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") or "/", parts.query, ""))


# Links read from one page: the network's fronts list a few hundred; a page of 240,000 is junk
# that would fill the memory and the queue for minutes.
MAX_LINKS_PER_PAGE = 5_000
# Links of a page: <a>, and <area> (an image map's links), in document order (each element
# tested: a union of two node sets is merged by libxml2 in time quadratic in their sizes).
_LINK_HREFS = etree.XPath("descendant-or-self::*[self::a or self::area]/@href")
# What a link to a listing's next page reads (folded as fold_for_matching folds).
NEXT_PAGE_WORDS = frozenset(fold_for_matching(w) for w in (
    "التالي", "التالية", "الصفحة التالية", "المزيد", "مزيد", "المزيد من الأخبار", "عرض المزيد", "أقدم",
    "الأقدم", "»", "››", "›", ">>", ">", "next", "next page", "older", "more"))
# (one path testing each element, not a union of two: libxml2 merges unions in quadratic time)
_REL_NEXT_HREFS = etree.XPath("//*[self::a or self::link][contains(concat(' ', normalize-space(@rel), ' '), ' next ')]"
                              "/@href")
# A page has one next page; a few "next" links (top and bottom of the list) are read, not thousands.
MAX_NEXT_LINKS = 10
# Links whose text is short enough to be a "next" label (a compiled XPath; the text is read in Python).
_SHORT_LINKS = etree.XPath("//a[@href][string-length(normalize-space(.)) <= 25][normalize-space(.)]")


# A path ending as the network's stories do ("/<six digits>-<slug>"), whatever comes before.
_STORY_LIKE = re.compile(r"/\d{6}-[^/?#]+/?$")


def _chain_path(chain_key: str) -> str:
    """The path of a chain's first page, from its key (``url_key``: "<site>:<path>")."""
    return chain_key.partition(":")[2]


# A page number ending a listing's path: "/2" or "/page/2".
_PAGE_NUMBER = re.compile(r"(?:/page)?/\d+$")


def _is_pagination(url: str, listing_url: str) -> bool:
    """A link to another page of the same listing: the same path with another query
    ("?page=2", "?start=20"), or the path plus a page number ("/314-slug/2", "/314-slug/page/2").
    How the network pages its listings is not known (docs/site-facts.md F21): these are the
    common schemes."""
    return _pagination_test(listing_url)(url)


def _pagination_test(listing_url: str):
    """``_is_pagination(url, listing_url)`` as a function of *url*, the listing's parts worked
    out once: a listing page has a hundred links to test."""
    b = urlsplit(listing_url)
    listing_path = b.path.rstrip("/")
    listing = network.path_of(listing_url).rstrip("/")
    base = _PAGE_NUMBER.sub("", listing)

    def test(url: str) -> bool:
        a = urlsplit(url)
        if a.netloc != b.netloc or a.query == b.query and a.path.rstrip("/") == listing_path:
            return False
        path = (unquote(a.path) or "/").rstrip("/")
        return path == base or (path.startswith(base + "/") and _PAGE_NUMBER.fullmatch(path[len(base):]) is not None)

    return test
