"""omantoday.net ("عمان اليوم"), a network sibling: one stored opinion page (docs/site-facts.md F22).
Its own section ids (breaking news, cartoons) are unknown; the network's shared ids apply."""

from newscrawl.sites.base import SiteProfile
from newscrawl.sites.network import SHARED_SECTIONS
from newscrawl.sites.network_page import NETWORK_PARSER

SITE = SiteProfile(
    parser=NETWORK_PARSER,
    key="omantoday",
    label="عمان اليوم",
    domain="omantoday.net",
    base_url="https://www.omantoday.net",
    timezone="Asia/Muscat",
    latin_names=('omantoday', 'Omantoday'),
    sections=SHARED_SECTIONS,
    start_paths=('/home/rss.xml', '/rss', '/'),
    generic_images=("stat.omantoday.net/images/", "/favicon", "1024x576"),
)
