from newscrawl.sites.alsaudiatoday import SITE
from newscrawl.spiders.network import NetworkSpider


class AlsaudiatodaySpider(NetworkSpider):
    """alsaudiatoday.com ("السعودية اليوم"): ``scrapy crawl alsaudiatoday``."""

    name = "alsaudiatoday"
    site = SITE
