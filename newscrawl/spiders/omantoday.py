from newscrawl.sites.omantoday import SITE
from newscrawl.spiders.network import NetworkSpider


class OmantodaySpider(NetworkSpider):
    """omantoday.net ("عمان اليوم"): ``scrapy crawl omantoday``."""

    name = "omantoday"
    site = SITE
