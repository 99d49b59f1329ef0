"""almaghribtoday.net ("المغرب اليوم"): everything site-specific, in one place.

Facts in docs/site-facts.md: hosts F1, sections F5 (the 2018 homepage's navigation), feeds F18
(feed lists in public code), images F17.
"""

from newscrawl.sites.base import SiteProfile
from newscrawl.sites.network import SHARED_SECTIONS
from newscrawl.sites.network_page import NETWORK_PARSER

SECTIONS = {
    **SHARED_SECTIONS,
    "36": "في الأخبار أيضا",
    "53": "ملاعب مغربية",
    "316": "أخبار الرياضة المغربية والعربية والعالمية",
    # أخبار عاجلة: this site's breaking-news ids
    "1187": "أخبار عاجلة", "1188": "رياضة عاجل", "1189": "اقتصاد عاجل", "1190": "إعلام عاجل",
    "1191": "فن عاجل", "1192": "صحة عاجل", "1193": "نساء عاجل", "1194": "علوم وتكنولوجيا عاجل",
    "1195": "بيئة عاجل", "1196": "سياحة وسفر عاجل", "1197": "سيارات عاجل",
    "1205": "نجوم الملاعب",
    "1553": "كاريكاتير",
}

SITE = SiteProfile(
    parser=NETWORK_PARSER,
    key="almaghrib",
    label="المغرب اليوم",
    domain="almaghribtoday.net",
    base_url="https://www.almaghribtoday.net",
    timezone="Africa/Casablanca",
    latin_names=("almaghribtoday", "Almaghribtoday", "almaghrib", "Almaghrib"),
    sections=SECTIONS,
    start_paths=(
        "/home/rss.xml",
        "/rss",
        "/health/rss.xml",
        "/",
        "/1187-أخبار-عاجلة",
        "/314-أخبار-محلية-وعربية-وعالمية",
        "/36-في-الأخبار-أيضا",
    ),
    skip_sections=frozenset({"1553"}),  # cartoons: an image, no text
    generic_images=("stat.almaghribtoday.net/images/", "/favicon", "1024x576"),
    generic_keywords_prefix="أخبار المغرب, أخبار اليوم المغرب",
)
