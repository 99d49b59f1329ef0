from newscrawl.sites.palestinetoday import SITE
from newscrawl.spiders.network import NetworkSpider


class PalestinetodaySpider(NetworkSpider):
    """palestinetoday.net ("فلسطين اليوم"): ``scrapy crawl palestinetoday``."""

    name = "palestinetoday"
    site = SITE
