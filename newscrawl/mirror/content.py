"""The mirror's site model: a deterministic almaghribtoday-shaped site of N articles.

Article *i* is computed from *i* alone (no table in memory), so the mirror can serve 100,000
articles generated on the fly. Index 0 is the newest. The seed article (the project's
reconstruction of the seed page, docs/site-facts.md "Sources") is always served too, with a
SYNTHETIC date.

Everything generated here is synthetic text; what follows the real site is the URL grammar,
section ids, dateline and stamp formats and the reporters' names (docs/site-facts.md F2–F12, F26).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from importlib import resources
from math import gcd, lcm
from urllib.parse import quote

from newscrawl.sites import NETWORK_SITES
from newscrawl.sites.base import SiteProfile

# The mirror's sections: real shared ids of the network (docs/site-facts.md F5); BREAKING stands
# for the site's own breaking-news id (1187 on almaghribtoday, 1152 arabstoday, 1190 egypt-today).
MIRROR_SECTION_IDS = ("314", "36", "BREAKING", "42", "417", "504", "487", "103")
SYNDICATE_EVERY = 4  # every 4th story of a sibling is almaghribtoday's, syndicated with its own label
# /<key>/rss.xml section feeds: /health/rss.xml is a real almaghribtoday feed URL
# (docs/site-facts.md F18), /sports/rss.xml one of arabstoday's (its SiteProfile.start_paths)
SECTION_FEEDS = {"487": "health", "417": "sports"}
OPINION_WRITERS = [("1046", "خيرالله خيرالله"), ("2144", "جهاد الخازن"), ("754", "عريب الرنتاوي")]
OPINION_EVERY = 25  # every 25th article is an opinion column (/w-<id>/HHMMSS-slug)

REPORTERS = ["جميلة عمر", "كمال العلمي", "ثورية ايشرم", "رضى عبد المجيد", "محمد ابراهيم", "فاطمة سعداوي",
             "كمال السليمي", "مارينا منصف", "سليم كرم", "رولا عيسى", "محمد عمار", "ميشال حداد", "أكرم علي",
             "منى المصري", "جورج كرم", "عادل سلامه"]
CITIES = ["الرباط", "الدار البيضاء", "مراكش", "طنجة", "فاس", "أغادير", "وجدة", "مكناس", "بيروت", "القاهرة",
          "تونس", "الجزائر", "باريس", "لندن", "واشنطن", "دبي"]
SUBJECTS = ["وزير الداخلية", "رئيس الحكومة", "البنك المركزي", "المنتخب الوطني", "مجلس النواب", "وزارة الصحة",
            "نادي الرجاء البيضاوي", "نادي الوداد الرياضي", "الخطوط الملكية", "المكتب الوطني للسكك الحديدية",
            "وزارة التربية الوطنية", "المندوبية السامية للتخطيط", "مجلس المستشارين", "وزارة الفلاحة",
            "الاتحاد الأوروبي", "الأمم المتحدة", "وزارة السياحة", "الجامعة الملكية لكرة القدم", "بورصة الدار البيضاء",
            "المجلس الاقتصادي والاجتماعي", "وزارة الثقافة", "هيئة الأرصاد الجوية", "وزارة النقل", "جمعية حماية المستهلك",
            "المركز السينمائي المغربي", "وزارة الطاقة", "المكتب الشريف للفوسفاط", "الاتحاد الأفريقي", "وزارة العدل",
            "نقابة الصحافيين"]
ACTIONS = ["يعلن", "يناقش", "يطلق", "يكشف", "يستعرض", "يدعو إلى دعم", "يرفض", "يوقع اتفاقية حول", "يقدم",
           "يراجع", "يؤجل", "يعتمد", "يدرس", "يطالب بتسريع", "ينتقد", "يشيد بـ", "يمدد", "يقر", "يفتتح", "يقيّم"]
OBJECTS = ["خطة جديدة لدعم المقاولات الصغيرة", "برنامج إصلاح التعليم العمومي", "مشروع القطار فائق السرعة",
           "قانون المالية للسنة المقبلة", "استراتيجية الطاقات المتجددة", "حملة التلقيح الموسمية",
           "مخطط تأهيل الملاعب", "برنامج السكن الاجتماعي", "مشروع تحلية مياه البحر", "خطة مواجهة الجفاف",
           "ميثاق الاستثمار", "برنامج دعم الفلاحين الصغار", "مشروع الميناء المتوسطي", "خطة إنعاش السياحة",
           "برنامج محاربة الأمية", "مشروع الطريق السيار", "مخطط الرقمنة الإدارية", "قانون حماية المعطيات",
           "برنامج تشغيل الشباب", "مشروع المستشفى الجامعي", "خطة دعم الصادرات", "برنامج تأهيل الأحياء القديمة",
           "مشروع محطة الرياح", "استراتيجية الأمن الغذائي", "مهرجان الفيلم الدولي", "برنامج التكوين المهني",
           "خطة تطوير النقل الحضري", "مشروع المدينة الذكية", "برنامج حماية الغابات", "قانون الصحافة والنشر",
           "مخطط الماء الوطني", "برنامج دعم السينما", "اتفاق الشراكة الاقتصادية", "مشروع أنبوب الغاز",
           "خطة مكافحة التضخم", "برنامج الحماية الاجتماعية", "ملف الهجرة غير النظامية", "مشروع الملعب الكبير",
           "برنامج الأمن السيبراني", "استراتيجية الصيد البحري"]
PLACES = ["في الرباط", "في الدار البيضاء", "بمراكش", "في طنجة", "بفاس", "في أغادير", "بوجدة", "في مكناس",
          "في العيون", "بالداخلة", "في تطوان", "بالقنيطرة", "في آسفي", "بالجديدة", "في بني ملال", "بالناظور",
          "في ورزازات", "بالحسيمة", "في الصويرة", "بإفران", "في خريبكة", "بسطات", "في تازة", "بالرشيدية",
          "في كلميم"]
WEEKDAYS_AR = ["الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]  # Monday first
MONTHS_LEVANT = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
                 "تشرين الأول", "تشرين الثاني", "كانون الأول"]
MONTHS_EGYPT = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
                "نوفمبر", "ديسمبر"]
SENTENCES = [
    "وأوضح {subject} في بيان رسمي أن {object} يندرج ضمن أولويات المرحلة المقبلة، مشيرًا إلى أن التنفيذ سيبدأ خلال {n} أشهر.",
    "وأكد مصدر مطلع لـ\"{label}\" أن الاجتماع عرف حضور ممثلين عن {n} قطاعات حكومية ومؤسسات عمومية.",
    "ويأتي هذا القرار بعد سلسلة من المشاورات التي أجريت {place} مع الفاعلين المحليين والمنتخبين.",
    "وبلغت الكلفة الإجمالية للمشروع نحو {m} مليون درهم، وفق الأرقام التي قدمت خلال اللقاء.",
    "وشدد المتحدث على ضرورة تسريع وتيرة الإنجاز، معتبرًا أن المواطنين ينتظرون نتائج ملموسة على أرض الواقع.",
    "من جهتها، رحبت فعاليات المجتمع المدني {place} بالخطوة، ودعت إلى إشراكها في مراحل التتبع والتقييم.",
    "وكانت تقارير سابقة قد نبهت إلى تأخر عدد من الأوراش المماثلة بسبب صعوبات في التمويل والتنسيق.",
    "ويرتقب أن تعرض النتائج الأولية على أنظار اللجنة المختصة قبل نهاية السنة الجارية.",
    "وأشار التقرير إلى أن نسبة الإنجاز بلغت {n}0 في المئة، مقابل أهداف مسطرة في حدود {m} في المئة.",
    "وفي السياق ذاته، دعا خبراء إلى اعتماد مقاربة تشاركية تضمن استدامة المشاريع وتوزيعًا عادلًا للثروة.",
    "ولم يستبعد المصدر ذاته أن يتم الإعلان عن إجراءات إضافية في الأسابيع القليلة المقبلة.",
    "وتجدر الإشارة إلى أن {subject} سبق أن أعلن عن مبادرات مماثلة خلال السنوات الماضية.",
]
CAPTIONS = ["صورة أرشيفية", "من اللقاء", "جانب من الاجتماع", "صورة من الحدث"]
BASE_TIME = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)  # the newest article's time
TICKER_TITLES = (("تعرف علي سعر الدرهم المغربي مقابل الليره السوري الاربعاء", "030538"),
                 ("تعرف علي سعر الدرهم المغربي مقابل الدينار الليبي الاربعاء", "025220"))
TICKER_INDEX = -1_000_000  # ticker posts get indices at and below this, apart from the story series


def retitle(headline: str, variant: int) -> str:
    """How a republished or syndicated copy's title differs from the first copy's: not at all,
    other hamza / ta marbuta / alef maqsura, tashkeel and tatweel, a "عاجل:" kicker, or a
    sibling site's label."""
    kind = variant % 5
    if kind == 1:
        return headline.translate(str.maketrans({"أ": "ا", "إ": "ا", "ة": "ه", "ى": "ي"}))
    if kind == 2:
        words = headline.split()
        words[0] = words[0][0] + "ُ" + words[0][1:]
        words[-1] = words[-1][:-1] + "ـ" + words[-1][-1]
        return " ".join(words)
    if kind == 3:
        return "عاجل: " + headline
    if kind == 4:
        return headline + " | العرب اليوم"
    return headline
MINUTES_BETWEEN = 37
REPUBLISH_DELAY = 3 * 60 + 7  # seconds between a story and its republished copy


def _index_seconds(index: int) -> int:
    """Seconds between BASE_TIME and story *index*'s publication (see ``MirrorSite.original``)."""
    return MINUTES_BETWEEN * 60 * index + (index * 13) % 60


# A story's time of day (its URL's HHMMSS) repeats every TIME_PERIOD indices: a path's HHMMSS
# names its index up to a multiple of TIME_PERIOD (MirrorSite.find).
TIME_PERIOD = lcm(86400 // gcd(86400, MINUTES_BETWEEN * 60), 60 // gcd(60, 13))
_INDICES_AT_SECOND: dict[int, list[int]] = {}
for _residue in range(TIME_PERIOD):
    _second = round((BASE_TIME - timedelta(seconds=_index_seconds(_residue))).timestamp()) % 86400
    _INDICES_AT_SECOND.setdefault(_second, []).append(_residue)
_ARTICLE_PATH = re.compile(r"^/(?P<section>w-\d+|\d+)/(?P<h>\d\d)(?P<m>\d\d)(?P<s>\d\d)-(?P<slug>.+)$", re.S)


def _slugify(text: str) -> str:
    return "-".join(text.replace("\"", "").replace("،", "").replace("?", "").replace("؟", "").split())


def format_stamp(when: datetime) -> str:
    """The network stamp: "GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر" (docs/site-facts.md F12)."""
    when = when.astimezone(timezone.utc)
    return (f"GMT {when:%H:%M} {when.year} {WEEKDAYS_AR[when.weekday()]} ,{when.day:02d} "
            f"{MONTHS_LEVANT[when.month - 1]} / {MONTHS_EGYPT[when.month - 1]}")


@dataclass(frozen=True)
class MirrorArticle:
    index: int
    section: str
    """Section id, or ``w-<writer>`` for opinion columns."""
    path: str
    headline: str
    subtitle: str | None
    location: str | None
    author: str | None
    paragraphs: tuple[str, ...]
    published: datetime
    image: str
    tags: tuple[str, ...] = ()
    related_top: str | None = None
    related_bottom: tuple[tuple[str, str, str], ...] = ()
    section_name: str = ""
    site_label: str = "المغرب اليوم"
    flaw: str | None = None
    """Bad-input variant this page demonstrates (see ``MirrorSite.FLAWS``), or None."""
    republished_from: int | None = None
    """For a republished copy: the index of the original story."""

    @property
    def is_opinion(self) -> bool:
        return self.section.startswith("w-")

    @property
    def amp_path(self) -> str:
        return "/amp" + self.path

    @property
    def dateline(self) -> str | None:
        if self.is_opinion or self.location is None:
            return None
        return f"{self.location} - {self.author or self.site_label}"


@dataclass
class MirrorSite:
    """A deterministic network-site-shaped site of *articles* generated articles (plus, on
    almaghribtoday, the seed)."""

    articles: int = 300
    per_page: int = 10
    variant: str = "default"
    """``default``; ``changed`` serves a changed template (no #balmon, no h4.coring) for monitors."""
    republish_every: int = 60
    """Every n-th article is republished under a second URL (same story, another section)."""
    site_key: str = "almaghrib"
    """Which network site to imitate (a key of ``newscrawl.sites.NETWORK_SITES``)."""
    weekly_ticker: int = 0
    """Weeks of the automated Wednesday currency posts to serve (linked from the home page ticker)."""
    new_articles: int = 0
    """Stories published after the first *articles* ones (indices -1 … -new_articles): the same
    site a while later, for incremental-crawl tests."""
    pagination: str = "query"
    """How a listing links its next page (the real scheme is unknown, docs/site-facts.md F21):
    ``query`` an "المزيد" link ``rel="next"`` to ``?page=N``; ``path`` a page number linking
    ``/<section>-<slug>/page/N``; ``elsewhere`` an "التالي" link to another path,
    ``/home/loadmore?section=<id>&page=N``; ``head`` only a ``<link rel="next">`` in the head, to
    ``/listing?section=<id>&p=N``. See ``PAGINATION_SCHEMES``."""

    @property
    def indices(self) -> range:
        """Every story index, newest first."""
        return range(-self.new_articles, self.articles)

    @cached_property
    def profile(self) -> SiteProfile:
        return NETWORK_SITES[self.site_key]

    @property
    def label(self) -> str:
        return self.profile.label

    @property
    def latin(self) -> str:
        return self.profile.latin_names[0]

    @property
    def domain(self) -> str:
        return self.profile.domain

    @property
    def site_title(self) -> str:
        if self.site_key == "almaghrib":  # the real 2018 <title> (docs/site-facts.md F6)
            return "المغرب اليوم | أخبار المغرب والعالم العربي - أخبار عاجلة"
        return f"{self.label} | أخبار عربية وعالمية - أخبار عاجلة"

    @cached_property
    def sections(self) -> list[tuple[str, str, str]]:
        """(id, slug, name) of the mirror's sections, named as this site names them."""
        names = self.profile.sections
        breaking = next((sid for sid, name in names.items() if name == "أخبار عاجلة"), "39")
        result = []
        for sid in MIRROR_SECTION_IDS:
            sid = breaking if sid == "BREAKING" else sid
            result.append((sid, names[sid].replace(" ", "-"), names[sid]))
        return result

    def section_name(self, section: str) -> str:
        if section.startswith("w-"):
            return "آراء وتحليلات"
        return dict((s, n) for s, _, n in self.sections).get(section) or self.profile.sections[section]

    # Bad input the crawl must survive (index → flaw). Indices are chosen among the first
    # articles so every mirror size has them.
    FLAWS = {7: "dead_link", 11: "not_article", 13: "empty_body", 17: "cp1256_no_charset",
             19: "cp1256_wrong_charset", 23: "malformed_html", 29: "server_error"}
    LOST_FLAWS = {"dead_link", "not_article", "empty_body", "server_error"}
    """Flaws whose page holds no article, so no item can come of it."""

    @cached_property
    def seed(self) -> MirrorArticle | None:
        if self.site_key != "almaghrib":
            return None
        data = json.loads(resources.files("newscrawl.mirror").joinpath("data/seed_article.json").read_text("utf-8"))
        published = datetime.fromisoformat(data["published"])
        city, author = data["dateline"].split(" - ")
        return MirrorArticle(
            index=-1, section=data["section"], path=f"/{data['section']}/{published:%H%M%S}-{data['slug']}",
            headline=data["headline"], subtitle=data["subtitle"], location=city, author=author,
            paragraphs=tuple(data["paragraphs"]), published=published,
            image=f"http://img.almaghribtoday.net/{published:%Y/%m}/exlarge/almaghribtoday-تدمر.jpg",
            tags=("روسيا", "سورية", "تدمر"), related_top=data["related_top"],
            related_bottom=tuple(tuple(r) for r in data["related_bottom"]),
            section_name=self.section_name(data["section"]),
        )

    # --- generated articles -----------------------------------------------------------------
    def _slots(self, index: int) -> tuple[int, int, int, int]:
        sizes = (len(SUBJECTS), len(ACTIONS), len(OBJECTS), len(PLACES))
        total = sizes[0] * sizes[1] * sizes[2] * sizes[3]
        # Siblings get their own stories, except the ones syndicated from almaghribtoday.
        salt = 0 if self.site_key == "almaghrib" or index % SYNDICATE_EVERY == 0 else sum(map(ord, self.site_key))
        n = (index * 7919 + 12345 + salt * 104729) % total  # 7919 is prime and coprime with total: a bijection
        slots = []
        for size in sizes:
            n, r = divmod(n, size)
            slots.append(r)
        return tuple(slots)  # type: ignore[return-value]

    def _headline(self, index: int) -> str:
        s, a, o, p = self._slots(index)
        return f"{SUBJECTS[s]} {ACTIONS[a]} {OBJECTS[o]} {PLACES[p]}"

    def original(self, index: int) -> MirrorArticle:
        if index not in self.indices:
            raise IndexError(index)
        s, a, o, p = self._slots(index)
        headline = self._headline(index)
        published = BASE_TIME - timedelta(minutes=MINUTES_BETWEEN * index, seconds=(index * 13) % 60)
        if index % OPINION_EVERY == OPINION_EVERY - 1:
            writer_id, writer = OPINION_WRITERS[index % len(OPINION_WRITERS)]
            section, location, author, subtitle = f"w-{writer_id}", None, writer, None
        else:
            section = self.sections[index % len(self.sections)][0]
            unsigned = index % 5 == 0
            location = CITIES[(index * 3) % len(CITIES)]
            author = None if unsigned else REPORTERS[(index * 7) % len(REPORTERS)]
            subtitle = f"{OBJECTS[o]} على طاولة {SUBJECTS[(s + 1) % len(SUBJECTS)]}"
        fill = {"subject": SUBJECTS[s], "object": OBJECTS[o], "place": PLACES[p],
                "n": 2 + index % 7, "m": 40 + (index * 11) % 900, "label": self.label}
        count = 4 + index % 5
        paragraphs = tuple(
            SENTENCES[(index + k * 5) % len(SENTENCES)].format(**fill) for k in range(count)
        )
        paragraphs = (f"{'أعلن' if a % 2 else 'كشف'} {SUBJECTS[s]} {PLACES[p]} عن {OBJECTS[o]}، في خطوة "
                      f"تهدف إلى تعزيز الثقة وتحسين الخدمات المقدمة للمواطنين.",) + paragraphs
        return MirrorArticle(
            index=index, section=section, path=f"/{section}/{published:%H%M%S}-{_slugify(headline)}",
            headline=headline, subtitle=subtitle, location=location, author=author,
            paragraphs=paragraphs, published=published,
            image=f"http://img.{self.domain}/{published:%Y/%m}/exlarge/{self.latin}-{index}.jpg",
            tags=(SUBJECTS[s], PLACES[p].split()[-1].removeprefix("ب")),
            related_top=f"{SUBJECTS[(s + 3) % len(SUBJECTS)]} {ACTIONS[(a + 1) % len(ACTIONS)]} {OBJECTS[(o + 5) % len(OBJECTS)]}",
            related_bottom=tuple(
                (f"{SUBJECTS[(s + k) % len(SUBJECTS)]} {ACTIONS[(a + k) % len(ACTIONS)]} {OBJECTS[(o + 2 * k) % len(OBJECTS)]}",
                 format_stamp(published - timedelta(days=30 * k + 1, minutes=k * 7)),
                 f"بقلم : {OPINION_WRITERS[k % len(OPINION_WRITERS)][1]}")
                for k in (1, 2, 3)
            ),
            section_name=self.section_name(section), site_label=self.label,
            flaw=self.FLAWS.get(index),
        )

    def republished(self, index: int) -> MirrorArticle | None:
        """The second copy of story *index*, if it has one: the same text under a second URL 3
        minutes later, its title retyped the way copies are (see ``retitle``)."""
        if self.republish_every <= 0 or index % self.republish_every != 3 or index in self.FLAWS:
            return None
        first = self.original(index)
        if first.is_opinion:
            return None
        published = first.published + timedelta(minutes=3, seconds=7)
        headline = retitle(first.headline, index // self.republish_every)
        return MirrorArticle(
            index=index, section=first.section,
            path=f"/{first.section}/{published:%H%M%S}-{_slugify(headline)}",
            headline=headline, subtitle=first.subtitle, location=first.location, author=first.author,
            paragraphs=first.paragraphs, published=published, image=first.image, tags=first.tags,
            related_top=first.related_top, related_bottom=first.related_bottom, republished_from=index,
            section_name=first.section_name, site_label=first.site_label,
        )

    def iter_all(self):
        yield from self.ticker_posts()
        for index in self.indices:
            yield self.original(index)
            copy = self.republished(index)
            if copy is not None:
                yield copy
        if self.seed is not None:
            yield self.seed

    # --- constant-time positions ------------------------------------------------------------
    # A listing or sitemap page is found without walking the entries before it: how many pages
    # an index contributes (0, 1 or 2) repeats with a period of lcm(OPINION_EVERY,
    # republish_every) indices, apart from the few FLAWS, so counts are a period table plus a
    # correction, and the first index of a page is a binary search over those counts.
    def _has_copy(self, index: int) -> bool:
        """Has story *index* a republished copy (``republished`` without building it)?"""
        return (self.republish_every > 0 and index % self.republish_every == 3 and index not in self.FLAWS
                and index % OPINION_EVERY != OPINION_EVERY - 1)

    def _weight(self, index: int, listed: bool, *, flaws: bool = True) -> int:
        """Pages story *index* contributes: to a section listing (*listed*; opinion columns are
        not listed, and never republished) or to the whole site (original and copy). Without
        *flaws*: as if FLAWS (never republished) were not there."""
        if index % OPINION_EVERY == OPINION_EVERY - 1:
            return 0 if listed else 1
        copy = (self.republish_every > 0 and index % self.republish_every == 3
                and not (flaws and index in self.FLAWS))
        return 1 + copy

    def _count_before(self, start: int, step: int, k: int, listed: bool) -> int:
        """Pages contributed by the first *k* indices of ``range(start, ..., step)``."""
        period = lcm(OPINION_EVERY, self.republish_every) if self.republish_every > 0 else OPINION_EVERY
        table = self._period_tables.get((start % period, step, listed))
        if table is None:
            table = [0]
            for j in range(period):
                table.append(table[-1] + self._weight(start + step * j, listed, flaws=False))
            self._period_tables[(start % period, step, listed)] = table
        cycles, rest = divmod(k, period)
        count = cycles * table[period] + table[rest]
        for flaw in self.FLAWS:  # the period table counts them as if they were not flawed
            if (flaw - start) % step == 0 and 0 <= (flaw - start) // step < k:
                count -= self._weight(flaw, listed, flaws=False) - self._weight(flaw, listed)
        return count

    @cached_property
    def _period_tables(self) -> dict:
        return {}

    def _pages_from(self, indices: range, position: int, count: int, listed: bool) -> list[MirrorArticle]:
        """*count* pages from the *position*-th one contributed by *indices* (in order: in
        listings a copy before its original, in the whole site the original first)."""
        start, step = indices.start, indices.step
        low, high = 0, len(indices)  # the last k with _count_before(k) <= position
        while low < high:
            middle = (low + high + 1) // 2
            if self._count_before(start, step, middle, listed) <= position:
                low = middle
            else:
                high = middle - 1
        skip = position - self._count_before(start, step, low, listed)
        found: list[MirrorArticle] = []
        for index in indices[low:]:
            if len(found) >= count + skip:
                break
            if listed and index % OPINION_EVERY == OPINION_EVERY - 1:
                continue
            copy = self.republished(index) if self._has_copy(index) else None
            pair = [self.original(index)]
            if copy is not None:
                pair.insert(0 if listed else 1, copy)
            found.extend(pair)
        return found[skip:skip + count]

    def all_pages(self, start: int, count: int) -> list[MirrorArticle]:
        """``list(islice(iter_all(), start, start + count))``, in time independent of *start*."""
        tickers = self.ticker_posts()
        total = self.page_count()
        stories_end = total - (self.seed is not None)  # the seed comes last
        found = tickers[start:start + count]
        first = max(start, len(tickers))
        if len(found) < count and first < stories_end:
            found += self._pages_from(self.indices, first - len(tickers), min(count - len(found), stories_end - first),
                                      listed=False)
        if len(found) < count and self.seed is not None and start <= total - 1 < start + count:
            found.append(self.seed)
        return found

    def page_count(self) -> int:
        """``sum(1 for _ in iter_all())`` without building the pages."""
        indices = self.indices
        return (len(self.ticker_posts()) + self._count_before(indices.start, indices.step, len(indices), listed=False)
                + (self.seed is not None))

    def section_indices(self, section: str) -> range:
        """Indices of the originals whose section is *section*'s slot (newest first)."""
        position = next(i for i, x in enumerate(self.sections) if x[0] == section)
        first = self.indices.start
        return range(first + (position - first) % len(self.sections), self.articles, len(self.sections))

    def _section_count(self, section: str) -> int:
        indices = self.section_indices(section)
        return (self._count_before(indices.start, indices.step, len(indices), listed=True)
                + (self.seed is not None and section == self.seed.section))

    def section_page(self, section: str, page: int) -> list[MirrorArticle]:
        """Teasers of listing page *page* (1-based) of *section*, in time independent of *page*."""
        start = (page - 1) * self.per_page
        entries = self._pages_from(self.section_indices(section), start, self.per_page, listed=True)
        if len(entries) < self.per_page and self.seed is not None and section == self.seed.section \
                and start + len(entries) == self._section_count(section) - 1:
            entries.append(self.seed)
        return entries

    def section_pages(self, section: str) -> int:
        """Number of listing pages of *section* (counted without building the pages)."""
        return max(1, -(-self._section_count(section) // self.per_page))

    def opinion_entries(self) -> list[MirrorArticle]:
        return [self.original(i) for i in self.indices if i % OPINION_EVERY == OPINION_EVERY - 1]

    def latest(self, count: int) -> list[MirrorArticle]:
        return [self.original(i) for i in self.indices[:count]]

    # --- lookups --------------------------------------------------------------------------------
    def find(self, path: str) -> MirrorArticle | None:
        """The page at a decoded *path* (AMP paths folded), or None. No table of the site's
        paths: the path's HHMMSS names the few indices whose time of day it is (an index's time
        of day repeats every 1440 indices), each checked by computing its path."""
        path = path.rstrip("/")
        if path.startswith("/amp/"):
            path = path[4:]
        if self.seed is not None and path == self.seed.path:
            return self.seed
        for post in self.ticker_posts():
            if post.path == path:
                return post
        match = _ARTICLE_PATH.match(path)
        if match is None:
            return None
        second = int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"])
        first, stop = self.indices.start, self.indices.stop
        for is_copy in (False, True):
            shift = REPUBLISH_DELAY if is_copy else 0
            for residue in _INDICES_AT_SECOND.get((second - shift) % 86400, ()):
                for index in range(first + (residue - first) % TIME_PERIOD, stop, TIME_PERIOD):
                    if self._section_of(index) != match["section"] or (is_copy and not self._has_copy(index)):
                        continue
                    headline = self._headline(index)
                    if is_copy:
                        headline = retitle(headline, index // self.republish_every)
                    if _slugify(headline) != match["slug"]:
                        continue  # cheap check first: building the page costs far more
                    candidate = self.republished(index) if is_copy else self.original(index)
                    if candidate is not None and candidate.path == path:
                        return candidate
        return None

    def _section_of(self, index: int) -> str:
        if index % OPINION_EVERY == OPINION_EVERY - 1:
            return f"w-{OPINION_WRITERS[index % len(OPINION_WRITERS)][0]}"
        return self.sections[index % len(self.sections)][0]

    def expected_stories(self) -> dict[str, list[str]]:
        """Story (its original headline) → the URL paths it is served under, for every story an
        honest crawl must keep once. Weekly ticker posts are stories of their own: see ``stories``."""
        stories: dict[str, list[str]] = {}
        for article in self.iter_all():
            if article.flaw in self.LOST_FLAWS or article.index <= TICKER_INDEX:
                continue
            story = article.headline if article.republished_from is None else self.original(article.index).headline
            stories.setdefault(story, []).append(article.path)
        return stories

    def ticker_posts(self) -> list[MirrorArticle]:
        """The automated currency posts (docs/site-facts.md F25): each Wednesday the same titles again,
        one per currency, a minute apart. Each week's post is a new story."""
        posts = []
        last_wednesday = BASE_TIME - timedelta(days=(BASE_TIME.weekday() - 2) % 7)
        for week in range(self.weekly_ticker):
            for which, (headline, hhmmss) in enumerate(TICKER_TITLES):
                when = (last_wednesday - timedelta(weeks=week)).replace(
                    hour=int(hhmmss[:2]), minute=int(hhmmss[2:4]), second=int(hhmmss[4:]) - week)
                posts.append(MirrorArticle(
                    index=TICKER_INDEX - 2 * week - which, section="1189", path=f"/1189/{when:%H%M%S}-{_slugify(headline)}",
                    headline=headline, subtitle=None, location="الرباط", author=None,
                    paragraphs=(f"سجل سعر صرف الدرهم المغربي اليوم {when:%d/%m/%Y} تغيرا طفيفا مقارنة بالأسبوع الماضي، "
                                f"وفق الأسعار المعلنة في السوق الرسمية.", "وتبقى هذه الأسعار استرشادية وقد تختلف بين البنوك."),
                    published=when, image=f"http://img.{self.domain}/{when:%Y/%m}/exlarge/{self.latin}-ticker.jpg",
                    section_name=self.profile.sections.get("1189", "اقتصاد عاجل"), site_label=self.label))
        return posts

    def url(self, base: str, path: str) -> str:
        return base.rstrip("/") + quote(path, safe="/-_.~")

    def listing_path(self, section: str) -> str:
        return f"/{section}-{self.section_name(section).replace(' ', '-')}"


