"""robots.txt obeyed by every request, including those that arrive while it is being fetched.

Scrapy 2.14+'s ``RobotsTxtMiddleware`` (``scrapy.downloadermiddlewares.robotstxt``) has every
request that arrives while a site's robots.txt is downloading wait on one Deferred, each through
``maybe_deferred_to_future``, whose callback hands the parser to its own waiter and passes None
down the chain: only the first waiter gets the parser, and every other one is let through
unchecked. A crawl's first requests (feeds, the front, listings; a run's resumed pages) all
arrive together, so a site whose robots.txt says ``Disallow: /`` received a dozen of them
(adversary round 13). Here each waiter is handed the parser and passes it on.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's, but a request that waits for robots.txt gets its parser. In ``DOWNLOADER_MIDDLEWARES``
    at Scrapy's own place (100), with ``scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware: None``."""

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred = Deferred()

        def hand_on(parser):
            waiter.callback(parser)
            return parser  # for the next request waiting on it

        pending.addCallback(hand_on)
        return await maybe_deferred_to_future(waiter)
