"""Scrapy glue for WARC archives (``newscrawl.warc``): keep every page a crawl receives, and
crawl from archives instead of the site.

- ``ArchiveMiddleware`` writes the article pages a crawl receives (``NEWSCRAWL_ARCHIVE_ALL_PAGES``:
  listings, feeds, sitemaps too) to ``NEWSCRAWL_ARCHIVE`` as request and response records.
- ``ArchiveReplayMiddleware`` answers the requests a spider makes from archived records
  (``-a warc=``) with those records, and refuses every other request of such a run: a crawl
  from archives sends nothing to the site.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from newscrawl.feedstorage import describe
from newscrawl.warc import DEFAULT_MAX_SIZE, ArchivedResponse, Exchange, WarcFileWriter

logger = logging.getLogger(__name__)

ARCHIVED = "warc_record"  # request meta key: the ArchivedResponse a request is answered with
ARTICLE_CALLBACKS = {"parse_article", "parse_page"}  # the generic spider's pages may all be articles


def archive_glob(template: str, name: str) -> str:
    """The glob matching every file *template* writes for spider *name*."""
    return template.replace("%(time)s", "*") % {"name": name}


def is_article_request(request) -> bool:
    return bool(request.meta.get("article")) or getattr(request.callback, "__name__", "") in ARTICLE_CALLBACKS


def _header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(bytes(name), value) for name, values in headers.items() for value in values]


class ArchiveMiddleware:
    """Placed above HttpCompressionMiddleware (590) and the encoding fix (600), so the body is
    archived as the server sent it (still compressed, in its own charset), with its headers."""

    def __init__(self, crawler, template: str, all_pages: bool, max_size: int):
        self.crawler = crawler
        self.template = template
        self.all_pages = all_pages
        self.max_size = max_size
        self.writer: WarcFileWriter | None = None
        self.failed = False
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        template = settings.get("NEWSCRAWL_ARCHIVE", "")
        if not template:
            raise NotConfigured
        max_size = int(settings.getfloat("NEWSCRAWL_ARCHIVE_MAX_SIZE", DEFAULT_MAX_SIZE / 1024 ** 2) * 1024 ** 2)
        return cls(crawler, template, settings.getbool("NEWSCRAWL_ARCHIVE_ALL_PAGES", False), max_size)

    def process_response(self, request, response):
        if ARCHIVED in request.meta or self.failed:
            return response  # a page read from an archive is not archived again
        if not (self.all_pages or is_article_request(request)):
            return response
        spider = self.crawler.spider
        if self.writer is None:
            self.writer = WarcFileWriter(self.template, spider.name, max_size=self.max_size)
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        exchange = Exchange(url=response.url, method=request.method, request_headers=_header_pairs(request.headers),
                            status=response.status, reason=reason, response_headers=_header_pairs(response.headers),
                            body=response.body)
        try:
            size = self.writer.write(exchange)
        except OSError as error:
            # The crawl goes on (its feeds are what it is for); the archive stops, loudly, once.
            self.failed = True
            # (before its first file is open the writer has no path: the error or the template names it)
            where = self.writer.path or error.filename or self.template
            logger.error("Cannot write the archive %s: %s; pages are no longer archived in this run",
                         where, describe(error))
            self.crawler.stats.set_value("newscrawl/archive/write_failed", str(error))
            return response
        self.crawler.stats.inc_value("newscrawl/archive/records_written")
        self.crawler.stats.inc_value("newscrawl/archive/bytes_written", size)
        return response

    def spider_closed(self, spider, reason):
        if self.writer is not None:
            self.writer.close()
            if self.writer.paths:
                logger.info("Archived %d page(s) in %s", self.crawler.stats.get_value(
                    "newscrawl/archive/records_written", 0), ", ".join(str(p) for p in self.writer.paths))


class ArchiveReplayMiddleware:
    """First of the downloader middlewares: an archived record never reaches the downloader."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        archived: ArchivedResponse | None = request.meta.get(ARCHIVED)
        if archived is not None:
            headers = Headers(archived.headers)
            cls = responsetypes.from_args(headers=headers, url=archived.url, body=archived.body)
            # No retries or redirects of an archived answer: it would be the same record again.
            request.meta["dont_retry"] = True
            request.meta["dont_redirect"] = True
            return cls(url=request.url, status=archived.status, headers=headers, body=archived.body,
                       flags=["warc"], request=request)
        if getattr(self.crawler.spider, "warc_sources", None):
            self.crawler.stats.inc_value("newscrawl/archive/live_requests_refused")
            logger.debug("Not requested (crawling from archives): %s", request.url)
            raise IgnoreRequest(f"crawling from archives: {request.url} is not requested")
        return None
