"""emiratesvoice.com ("صوت الإمارات"), a network sibling: linked from almaghribtoday, a 301 to
www., stored AMP and column pages (docs/site-facts.md F22).
Its own section ids (breaking news, cartoons) are unknown; the network's shared ids apply."""

from newscrawl.sites.base import SiteProfile
from newscrawl.sites.network import SHARED_SECTIONS
from newscrawl.sites.network_page import NETWORK_PARSER

SITE = SiteProfile(
    parser=NETWORK_PARSER,
    key="emiratesvoice",
    label="صوت الإمارات",
    domain="emiratesvoice.com",
    base_url="https://www.emiratesvoice.com",
    timezone="Asia/Dubai",
    latin_names=('emiratesvoice', 'Emiratesvoice'),
    sections=SHARED_SECTIONS,
    start_paths=('/home/rss.xml', '/rss', '/'),
    generic_images=("stat.emiratesvoice.com/images/", "/favicon", "1024x576"),
)
