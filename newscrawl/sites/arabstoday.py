"""arabstoday.net ("العرب اليوم"), the network's flagship (docs/site-facts.md F22)."""

from newscrawl.sites.base import SiteProfile
from newscrawl.sites.network import SHARED_SECTIONS
from newscrawl.sites.network_page import NETWORK_PARSER

SITE = SiteProfile(
    parser=NETWORK_PARSER,
    key="arabstoday",
    label="العرب اليوم",
    domain="arabstoday.net",
    base_url="https://www.arabstoday.net",
    timezone="Asia/Beirut",  # the publisher, Arabs Today Ltd., is in Beirut; stamps print GMT anyway
    latin_names=("arabstoday", "Arabstoday", "Arabs Today"),
    sections={
        **SHARED_SECTIONS,
        "1152": "أخبار عاجلة", "1153": "رياضة عاجل", "1154": "اقتصاد عاجل", "1155": "إعلام عاجل",
        "1156": "فن عاجل", "1157": "صحة عاجل", "1158": "نساء عاجل", "1159": "علوم عاجل",
        "1160": "بيئة عاجل", "1161": "سياحة وسفر عاجل", "1162": "سيارات عاجل",
        "1172": "نجوم الملاعب", "1566": "كاريكاتير",
    },
    start_paths=("/ar/rss", "/sports/rss.xml", "/home/rss.xml", "/", "/1152-أخبار-عاجلة", "/314-أخبار-محلية-وعربية-وعالمية"),
    skip_sections=frozenset({"1566"}),
    generic_images=("stat.arabstoday.net/images/", "/favicon", "1024x576"),
    generic_keywords_prefix="",
)
