"""palestinetoday.net ("فلسطين اليوم"), a network sibling: linked from almaghribtoday, stored
pages, feed /ar/rss/ (docs/site-facts.md F22, F18).
Its own section ids (breaking news, cartoons) are unknown; the network's shared ids apply."""

from newscrawl.sites.base import SiteProfile
from newscrawl.sites.network import SHARED_SECTIONS
from newscrawl.sites.network_page import NETWORK_PARSER

SITE = SiteProfile(
    parser=NETWORK_PARSER,
    key="palestinetoday",
    label="فلسطين اليوم",
    domain="palestinetoday.net",
    base_url="https://www.palestinetoday.net",
    timezone="Asia/Gaza",
    latin_names=('palestinetoday', 'Palestinetoday'),
    sections=SHARED_SECTIONS,
    start_paths=('/ar/rss/', '/home/rss.xml', '/'),
    generic_images=("stat.palestinetoday.net/images/", "/favicon", "1024x576"),
)
