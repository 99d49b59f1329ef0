from newscrawl.sites.emiratesvoice import SITE
from newscrawl.spiders.network import NetworkSpider


class EmiratesvoiceSpider(NetworkSpider):
    """emiratesvoice.com ("صوت الإمارات"): ``scrapy crawl emiratesvoice``."""

    name = "emiratesvoice"
    site = SITE
