"""alsaudiatoday.com ("السعودية اليوم"), a network sibling: stored column and AMP pages (docs/site-facts.md F22).
Its own section ids (breaking news, cartoons) are unknown; the network's shared ids apply."""

from newscrawl.sites.base import SiteProfile
from newscrawl.sites.network import SHARED_SECTIONS
from newscrawl.sites.network_page import NETWORK_PARSER

SITE = SiteProfile(
    parser=NETWORK_PARSER,
    key="alsaudiatoday",
    label="السعودية اليوم",
    domain="alsaudiatoday.com",
    base_url="https://www.alsaudiatoday.com",
    timezone="Asia/Riyadh",
    latin_names=('alsaudiatoday', 'Alsaudiatoday'),
    sections=SHARED_SECTIONS,
    start_paths=('/home/rss.xml', '/rss', '/'),
    generic_images=("stat.alsaudiatoday.com/images/", "/favicon", "1024x576"),
)
