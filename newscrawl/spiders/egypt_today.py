from newscrawl.sites.egypt_today import SITE
from newscrawl.spiders.network import NetworkSpider


class EgyptTodaySpider(NetworkSpider):
    """egypt-today.com ("مصر اليوم"): ``scrapy crawl egypt_today``."""

    name = "egypt_today"
    site = SITE
