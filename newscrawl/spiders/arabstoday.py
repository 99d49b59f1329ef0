from newscrawl.sites.arabstoday import SITE
from newscrawl.spiders.network import NetworkSpider


class ArabstodaySpider(NetworkSpider):
    """arabstoday.net ("العرب اليوم"): ``scrapy crawl arabstoday``."""

    name = "arabstoday"
    site = SITE
