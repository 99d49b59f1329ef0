"""Base spider for the Arabs Today network's CMS: feeds and listings in, Article items out.

A site spider only names its ``SiteProfile``; the flow (feeds → listings with pagination →
articles), the URL grammar and the extraction are shared.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import parse_qs, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError
from w3lib.url import canonicalize_url, safe_url_string

from newscrawl.extraction.article import extract_article
from newscrawl.items import Article
from newscrawl.sites import network
from newscrawl.sites.base import SiteProfile

FOLLOWED_KINDS = {"article", "opinion", "listing", "writer", "home", "feed"}
ARTICLE_KINDS = {"article", "opinion"}
LISTING_KINDS = {"listing", "writer", "home"}
DEFAULT_MAX_PAGES = 20


def _is_loopback(host: str | None) -> bool:
    if host in ("localhost", None):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_url_list(urls: str | None = None, urls_file: str | None = None) -> list[str]:
    """URLs from ``-a urls=A,B`` and/or ``-a urls_file=PATH`` (one per line, ``#`` comments)."""
    found = [u.strip() for u in (urls or "").split(",") if u.strip()]
    if urls_file:
        for line in Path(urls_file).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if line:
                found.append(line)
    return found


class NetworkSpider(scrapy.Spider):
    """Options (``-a name=value``):

    - ``base_url``: origin to crawl instead of the real site (a mirror); default the site's.
    - ``urls`` / ``urls_file``: fetch exactly these article pages, no discovery.
    - ``max_pages``: listing pages followed per section (``0`` = no limit); default 20.
    """

    site: SiteProfile

    def __init__(self, *args: Any, base_url: str | None = None, urls: str | None = None,
                 urls_file: str | None = None, max_pages: str | int = DEFAULT_MAX_PAGES, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.base_url = (base_url or self.site.base_url).rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.base_host = parts.hostname
        self.site_hosts = {self.site.domain, f"www.{self.site.domain}", self.base_host}
        on_site = self.base_host == self.site.domain or self.base_host.endswith("." + self.site.domain)
        self.allowed_domains = [self.site.domain if on_site else self.base_host]
        self.article_urls = read_url_list(urls, urls_file)
        try:
            self.max_pages = int(max_pages)
        except ValueError:
            raise ValueError(f"max_pages must be an integer, got {max_pages!r}") from None
        self._skipped_links: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if _is_loopback(spider.base_host) and not crawler.settings.frozen:
            # A local mirror needs no politeness; command-line -s values still win.
            for name, value in (("AUTOTHROTTLE_ENABLED", False), ("DOWNLOAD_DELAY", 0),
                                ("CONCURRENT_REQUESTS_PER_DOMAIN", 16)):
                crawler.settings.set(name, value, priority="spider")
            spider.logger.info("Crawling a loopback mirror at %s: AutoThrottle and delays off", spider.base_url)
        return spider

    # --- URLs -------------------------------------------------------------------------------
    def rebase(self, url: str) -> str | None:
        """Absolute *url* moved onto ``base_url`` if it belongs to the site, else None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname not in self.site_hosts:
            return None
        base = urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))

    def article_request_url(self, url: str) -> str:
        """The canonical fetch URL of an article link: AMP folded, percent-encoded."""
        parts = urlsplit(url)
        path = network.fold_amp(network.path_of(url))
        return safe_url_string(urlunsplit((parts.scheme, parts.netloc, path, "", "")))

    def stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"newscrawl/{key}", count)

    # --- start ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.article_urls:
            self.logger.info("Fetching %d given article URL(s), no discovery", len(self.article_urls))
            for url in self.article_urls:
                target = self.rebase(url) or url
                yield scrapy.Request(self.article_request_url(target), callback=self.parse_article,
                                     errback=self.on_error, meta={"given": True}, dont_filter=True)
            return
        for path in self.site.start_paths:
            yield self.page_request(safe_url_string(self.base_url + path))

    def page_request(self, url: str, **meta: Any) -> scrapy.Request:
        kind = network.classify_path(network.path_of(url))
        callback = self.parse_feed if kind == "feed" else self.parse_listing
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta)

    # --- feeds ------------------------------------------------------------------------------
    def parse_feed(self, response: Response):
        parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(response.body, parser) if response.body.strip() else None
        if root is None:
            self.logger.warning("Feed %s is empty or unreadable", response.url)
            self.stat("feeds/unreadable")
            return
        if parser.error_log:
            # Truncated or malformed feeds happen on this network (site_profile A8): keep what parsed.
            self.logger.warning("Feed %s is malformed (%s); recovered what parsed",
                                response.url, parser.error_log[0].message.strip())
            self.stat("feeds/malformed")
        entries = root.xpath("//*[local-name()='item' or local-name()='entry']")
        found = 0
        for entry in entries:
            link = (entry.xpath("string(*[local-name()='link'][1])").strip()
                    or entry.xpath("string(*[local-name()='link'][1]/@href)").strip()
                    or entry.xpath("string(*[local-name()='guid'][1])").strip())
            if not link:
                continue
            feed_hints = {
                "headline": entry.xpath("string(*[local-name()='title'][1])").strip() or None,
                "date_published_raw": (entry.xpath("string(*[local-name()='pubDate' or local-name()='published'"
                                                   " or local-name()='date' or local-name()='updated'][1])").strip()
                                       or None),
            }
            request = self.follow_link(response.urljoin(link), feed=feed_hints)
            if request is not None:
                found += 1
                yield request
        self.stat("feeds/entries", len(entries))
        self.logger.info("Feed %s: %d entries, %d article links", response.url, len(entries), found)

    # --- listings ---------------------------------------------------------------------------
    def parse_listing(self, response: Response):
        if not hasattr(response, "text"):
            self.stat("pages/not_html")
            return
        page = response.meta.get("page", 1)
        for href in response.css("a::attr(href)").getall():
            href = href.strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            request = self.follow_link(response.urljoin(href), page=page)
            if request is not None:
                yield request

    def follow_link(self, url: str, *, page: int = 1, feed: dict | None = None) -> scrapy.Request | None:
        """A request for a link the crawl should follow, or None (off-site, skipped kind, page limit)."""
        url = self.rebase(url)
        if url is None:
            return None
        path = network.path_of(url)
        kind = network.classify_path(path)
        if kind not in FOLLOWED_KINDS:
            if kind != "other" and url not in self._skipped_links:
                self._skipped_links.add(url)
                self.stat(f"links/skipped/{kind}")
            return None
        if kind in ARTICLE_KINDS:
            section = network.section_id_of(network.fold_amp(path))
            if section in self.site.skip_sections:
                if url not in self._skipped_links:
                    self._skipped_links.add(url)
                    self.stat("links/skipped/no_text_section")
                return None
            return scrapy.Request(self.article_request_url(url), callback=self.parse_article,
                                  errback=self.on_error, priority=10, meta={"feed": feed or {}})
        if kind == "feed":
            return self.page_request(url)
        query = parse_qs(urlsplit(url).query)
        numbers = [int(v) for values in query.values() for v in values if v.isdigit()]
        next_page = max(numbers) if numbers else 1
        if self.max_pages and next_page > self.max_pages:
            self.stat("listings/page_limit_reached")
            return None
        return self.page_request(canonicalize_url(url), page=next_page)

    # --- articles ---------------------------------------------------------------------------
    def parse_article(self, response: Response):
        if not hasattr(response, "text"):
            self.logger.warning("Not an HTML page: %s (%s)", response.url, response.headers.get("Content-Type"))
            self.stat("pages/not_html")
            return
        if not response.body.strip():
            self.logger.warning("Empty page: %s", response.url)
            self.stat("pages/empty")
            return
        extraction = extract_article(response.text, response.url, self.site, feed=response.meta.get("feed"))
        if extraction.not_article:
            self.logger.warning("Not an article: %s (%s)", response.url, extraction.not_article)
            self.stat("pages/not_article")
            return
        fields = extraction.fields
        canonical = fields.pop("url")
        url = canonicalize_url(self.article_request_url(self.rebase(canonical) or canonical))
        for name, step in extraction.provenance.items():
            self.stat(f"extract/{name}/{step}")
        yield Article(
            url=url,
            source=self.name,
            scraped_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            extraction=dict(extraction.provenance),
            **{k: v for k, v in fields.items() if k in Article.__dataclass_fields__},
        )

    # --- errors -----------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        if failure.check(HttpError):
            status = failure.value.response.status
            reason = f"http_{status}"
        elif failure.check(DNSLookupError):
            reason = "dns"
        elif failure.check(TimeoutError, TCPTimedOutError):
            reason = "timeout"
        else:
            reason = type(failure.value).__name__
        self.logger.warning("Failed %s: %s", request.url, reason if not reason.startswith("http_") else
                            f"HTTP {reason[5:]}")
        self.stat(f"fetch/failed/{reason}")
