"""The Arabs Today network's shared CMS: URL grammar and page landmarks.

Every fact here is recorded, with how sure it is, in ``docs/site-facts.md`` (F2–F12, F22);
the sites of the network (almaghribtoday.net, arabstoday.net, egypt-today.com ...) all run
this CMS, so only their domains, labels, section ids and time zones differ.
"""

from __future__ import annotations

import re

from newscrawl.extraction.document import decoded_path

# The network's site labels, as printed before or after titles ("المغرب اليوم - ...",
# "... | العرب اليوم"), including sites without a spider here (docs/site-facts.md F22).
NETWORK_LABELS: tuple[str, ...] = (
    "المغرب اليوم", "العرب اليوم", "مصر اليوم", "فلسطين اليوم", "عمان اليوم", "السعودية اليوم",
    "صوت الإمارات", "الامارات عاجل", "المغرب الرياضي", "العرب فيديو",
)

# --- URL grammar (docs/site-facts.md F2) ---------------------------------------------------
# The six digits are the GMT publication time HHMMSS, not a unique id (F3).
ARTICLE_PATH = re.compile(r"^/(?:amp/)?(?P<section>\d{1,4})/(?P<hhmmss>\d{6})-[^/?#]+/?$")
AMP_ARTICLE_NO_NUMBER_PATH = re.compile(r"^/amp/(?P<section>\d{1,4})/[^/?#]+/?$")
OPINION_PATH = re.compile(r"^/(?:amp/)?w-(?P<writer>\d+)/(?:(?P<hhmmss>\d{6})-)?[^/?#]+/?$")
VIDEO_PATH = re.compile(r"^/(?:amp/)?v-\d+(?:/|-)")
# "/314-slug/2", "/314-slug/page/2": a page of it
LISTING_PATH = re.compile(r"^/(?P<section>\d{1,4})-[^/?#]+(?:/(?:page/)?\d{1,4})?/?$")
WRITER_PATH = re.compile(r"^/w-\d+-more/?$")
SKIPPED_PATHS = (
    ("gallery", re.compile(r"^/gallery-\d+")),
    ("blog", re.compile(r"^/b-\d+")),
    ("poll", re.compile(r"^/arabpoll/")),
    ("search", re.compile(r"^/search\b")),
    ("mobile_app", re.compile(r"^/mobile-app\b")),
    ("english", re.compile(r"^/en(?:/|$)")),
    ("static", re.compile(r"\.(?:jpe?g|png|gif|webp|css|js|pdf|mp4|mp3)$", re.I)),
)
FEED_PATH = re.compile(r"(?:^/(?:ar/)?rss(?:/|$))|(?:/rss\.xml$)")  # /ar/rss: arabstoday, palestinetoday

# --- page landmarks (docs/site-facts.md; N1: the article page's markup is mostly unknown) ---
BODY_SELECTOR = "#balmon"  # a 2019 scraper read //*[@id="balmon"]/p (F8)
DATELINE_SELECTOR = "h4.coring"  # datelines on teasers: <h4 class="coring">City - Reporter</h4> (F10)
# Network stamp on dated items: "GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر" (F12).
STAMP_PATTERN = re.compile(
    # (the minutes are two digits: a year glued to them, "10:122019", still splits)
    r"GMT\s*(?P<hh>\d{1,2}):(?P<mm>\d{2})\s*(?P<year>\d{4})\s+[^\s,،]+\s*[,،]\s*\d{1,2}\s+"
    # the second month name: one word, or two for the Levantine كانون/تشرين months (F12); a word
    # after a one-word name is the next thing on the line ("/ يناير قراءة 5120"), not the stamp's
    r"[^\n<>]{2,40}?(?:/\s*(?:(?:كانون|تشرين)\s+[^\s\n<>/\d]+|[^\s\n<>/]+))"
)
# A stamp's time, ending its line: the date went to the next line ("GMT 10:12<br>2019 ...").
STAMP_HEAD_PATTERN = re.compile(r"GMT\s*\d{1,2}:\d{2}\s*$")
# The site-wide clock "آخر تحديث GMT 13:52:25": never an article date (F11).
CLOCK_PATTERN = re.compile(r"آخر\s+تحديث|توقيت\s+القاهرة\s+المحلي")


# Section ids the network's sites share, with their names (2018 navigation of almaghribtoday,
# arabstoday and egypt-today, docs/site-facts.md F5). Each site adds its own ids (breaking
# news, cartoons) and may name a shared id differently.
SHARED_SECTIONS = {
    "314": "أخبار محلية وعربية وعالمية", "36": "آخر الأخبار", "37": "عناوين الاخبار", "39": "أخبار عربية",
    "41": "قضايا ساخنة", "42": "أخبار عالمية", "43": "تحقيقات", "451": "أخبار السياسة والسياسيين",
    "603": "حوارات وتقارير", "316": "الأخبار الرياضية", "417": "أخبار الرياضة", "53": "ملاعب",
    "55": "رياضة عربية", "56": "رياضة عالمية", "387": "مقابلات", "317": "عالم الثقافة والفنون",
    "248": "أخبار الثقافة والفنون", "485": "أخبار الثقافة والفنون", "318": "عالم الاقتصاد والمال",
    "504": "أخبار الاقتصاد", "83": "اقتصاد عربي", "84": "اقتصاد دولي", "90": "تقارير خاصة",
    "319": "القضايا والأحداث الفنية", "103": "أخبار الفنانين", "338": "الحوارات الفنية", "121": "موضة وأزياء",
    "320": "آخر أخبار عالم الأزياء", "321": "آخر الأخبار الطبية", "487": "صحة وتغذية",
    "322": "التحقيقات السياحية", "459": "سياحة وسفر", "323": "أخبار الديكور", "171": "داخلي",
    "325": "آخر أخبار عالم السيارات", "724": "أخبار السيارات", "329": "آخر أخبار المرأة",
    "220": "نساء في الأخبار", "335": "ناس في الأخبار", "227": "إختراعات علوم وتكنولوجيا",
    "501": "عالم العلوم والتكنولوجيا", "330": "تحقيقات وأخبار بيئية", "327": "عالم الإعلام",
    "328": "تحقيقات وأخبار", "333": "أخبار الفلك والأبراج",
}


# Decoded path of a URL: raw-Arabic and percent-encoded hrefs give the same string (cached,
# bounded: a crawl decodes each link's path several times in a row, and the page's extraction once more).
path_of = decoded_path


def classify_path(path: str) -> str:
    """Kind of page a decoded path points to, by the network's URL grammar.

    One of ``article``, ``opinion``, ``listing``, ``writer``, ``feed``, ``home``, ``video``,
    ``gallery``, ``blog``, ``poll``, ``search``, ``mobile_app``, ``english``, ``static``, ``other``.
    """
    if path in ("", "/"):
        return "home"
    if VIDEO_PATH.match(path):
        return "video"
    for kind, pattern in SKIPPED_PATHS:
        if pattern.search(path):
            return kind
    if FEED_PATH.search(path):
        return "feed"
    if ARTICLE_PATH.match(path) or AMP_ARTICLE_NO_NUMBER_PATH.match(path):
        return "article"
    if WRITER_PATH.match(path):
        return "writer"
    if OPINION_PATH.match(path):
        return "opinion"
    if LISTING_PATH.match(path):
        return "listing"
    return "other"


def fold_amp(path: str) -> str:
    """``/amp/36/142851-slug`` → ``/36/142851-slug``: an AMP copy is the same article. AMP paths
    without the six digits (``/amp/1188/<slug>``, seen on the site) are kept: their canonical
    page's path is not known until the AMP page names it."""
    if not path.startswith("/amp/"):
        return path
    rest = path[4:]
    return rest if ARTICLE_PATH.match(rest) or OPINION_PATH.match(rest) else path


def section_id_of(path: str) -> str | None:
    """The section id an article or listing path belongs to, if the grammar shows one."""
    for pattern in (ARTICLE_PATH, AMP_ARTICLE_NO_NUMBER_PATH, LISTING_PATH):
        match = pattern.match(path)
        if match:
            return match.group("section")
    return None


def url_publish_time(path: str) -> tuple[int, int, int] | None:
    """(hour, minute, second) GMT encoded in an article path, if any (docs/site-facts.md F3)."""
    match = ARTICLE_PATH.match(path) or OPINION_PATH.match(path)
    digits = match and match.groupdict().get("hhmmss")
    if not digits:
        return None
    hh, mm, ss = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return (hh, mm, ss) if hh < 24 and mm < 60 and ss < 60 else None
