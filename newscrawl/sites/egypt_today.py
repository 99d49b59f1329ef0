"""egypt-today.com ("مصر اليوم"); not egypttoday.com, another publisher (docs/site-facts.md F22)."""

from newscrawl.sites.base import SiteProfile
from newscrawl.sites.network import SHARED_SECTIONS
from newscrawl.sites.network_page import NETWORK_PARSER

SITE = SiteProfile(
    parser=NETWORK_PARSER,
    key="egypt_today",
    label="مصر اليوم",
    domain="egypt-today.com",
    base_url="https://www.egypt-today.com",
    timezone="Africa/Cairo",  # its clock band reads "توقيت القاهرة المحلي" (docs/site-facts.md F23)
    latin_names=("egypttoday", "Egypttoday", "egypt-today"),
    sections={
        **SHARED_SECTIONS,
        "36": "آخر الأخبار", "53": "ملاعب مصرية", "103": "أخبار النجوم",
        "1190": "أخبار عاجلة", "1191": "رياضة عاجل", "1192": "اقتصاد عاجل", "1193": "إعلام عاجل",
        "1194": "فن عاجل", "1195": "صحة عاجل", "1196": "نساء عاجل", "1197": "علوم وتكنولوجيا عاجل",
        "1198": "بيئة عاجل", "1199": "سياحة وسفر عاجل", "1200": "سيارات عاجل",
        "1215": "نجوم الملاعب", "1595": "كاريكاتير",
    },
    start_paths=("/home/rss.xml", "/rss", "/", "/1190-أخبار-عاجلة", "/314-أخبار-محلية-وعربية-وعالمية"),
    skip_sections=frozenset({"1595"}),
    generic_images=("stat.egypt-today.com/images/", "/favicon", "1024x576"),
)
