from newscrawl.sites.almaghrib import SITE
from newscrawl.spiders.network import NetworkSpider


class AlmaghribSpider(NetworkSpider):
    """almaghribtoday.net ("المغرب اليوم"): ``scrapy crawl almaghrib``."""

    name = "almaghrib"
    site = SITE
