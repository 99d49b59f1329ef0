"""HTML and RSS of the mirror, in the shapes known from the real site.

Known real (docs/site-facts.md F1–F20): the 2018 head block and class names of the header, ticker,
slider and teaser boxes; ``h4.coring`` datelines; ``#balmon`` as the article body; the
"آخر تحديث GMT" clock band; the GMT stamp format; raw-Arabic hrefs on the page and
percent-encoded ones elsewhere; ``alt="المغرب اليوم - ..."`` on images; the comment form's
labels and the footer lines of the seed page.
SYNTHETIC (marked again where used): the article page's wrapper classes, where the article
stamp sits, the listing pagination ("?page=N" behind an "المزيد" link), the RSS item format,
robots.txt.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime
from html import escape

from newscrawl.mirror.content import OPINION_WRITERS, SECTION_FEEDS, MirrorArticle, MirrorSite, format_stamp

CLOCK = "10:35:44"  # the site-wide "last update" clock (a crawl-time value on the real site)


def _a(base: str, path: str) -> str:
    """Hrefs on the real pages carry raw Arabic (docs/site-facts.md F4)."""
    return escape(base.rstrip("/") + path, quote=True)


def _head(site: MirrorSite, base: str, title: str, *, og: dict[str, str], canonical: str,
          charset: str | None = "utf-8", extra: str = "") -> str:
    meta_charset = f'<meta http-equiv="content-type" content="text/html; charset={charset}" />\n' if charset else ""
    og_tags = "\n".join(f'<meta property="{k}" content="{escape(v, quote=True)}" />' for k, v in og.items())
    return f"""<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="ar-aa" lang="ar-aa">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1" />
{meta_charset}<META NAME="ROBOTS" CONTENT="INDEX, FOLLOW">
<title>{escape(title)}</title>
<meta name="author" content="{site.latin}" />
<meta name="DC.Publisher" content="Filmmatters">
{og_tags}
<meta property="og:site_name" content="{site.latin.capitalize()}" />
<meta property="og:locale" content="ar_AR" />
<link rel="canonical" href="{escape(canonical, quote=True)}" />
<link rel="shortcut icon" href="http://stat.{site.domain}/favicon.jpg" />
<link rel="alternate" type="application/rss+xml" title="{escape(site.label)}" href="{escape(base.rstrip('/'), quote=True)}/rss" />
{extra}
</head>
"""


def _header(site: MirrorSite, base: str) -> str:
    menu = "\n".join(
        f'<li class="has-subone"><a href="{_a(base, site.listing_path(sid))}"><span>{escape(name)}</span></a></li>'
        for sid, _, name in site.sections
    )
    ticker = "\n".join(
        f"<a href='{_a(base, a.path)}'>{escape(a.headline)}</a>" for a in site.ticker_posts() + site.latest(6)
    )
    return f"""<body>
<div class="lifestylewrapper"><div class="bodyaskifull">
<div class="headaski"><div class="header"><div class="nommoc" id="phonedesign">
<div class="readmoregmttimeband">آخر تحديث GMT {CLOCK}</div>
</div>
<div id="pcdesign"><div class="readmoretop-bands"><div class="spone goso"><div class="search">
<form name="searchheadpage" action="{_a(base, '/search')}" method="get"><input type="text" name="searchword" id="mod-search-searchword" maxlength="75" /></form>
</div></div><div class="sptwo gmda"><div class="spthree gmt" id="tcenter">آخر تحديث GMT {CLOCK}</div>
<div class="speight date" id="tright"><span id="ty2udate524"></span></div></div></div></div>
</div></div>
<div class="menufull"><div class="menuaski"><div class="menufullara"><div class="mainmenumass"><div class="mainmenuleft"><div id="cssmenu"><ul>
<li class="has-subtwo itemtwo active"><a href="{_a(base, '/')}"><span>الرئيسية</span></a><ul>
{menu}
<li class="has-subone"><a href="{_a(base, '/2013-09-13-14-42-41')}"><span>آراء وتحليلات</span></a></li>
<li class="has-subone"><a href="{_a(base, '/v-915-الرئيسية')}"><span>فيديو</span></a></li>
<li class="has-subone"><a href="{_a(base, '/gallery-923/')}"><span>صور</span></a></li>
</ul></li></ul></div></div></div></div></div></div>
</div>
<div class="bodyaski">
<div class="toolbarnommoc"><div id="fashionbreakingnews-start"><div id="readmorebreakingnews-arampam"><div id="breakingnews">
<div class="moduletable ticker"><div class="rwsjquerymarque" id="marqnews">
{ticker}
</div></div></div><div id="readmorebn">أخر الأخبار</div></div></div></div>
"""


def _footer(site: MirrorSite, base: str) -> str:
    return f"""<div id="footerline"></div>
<div id="footercommon"><div id="footerlinks"><div class="foomainmenuma"><div class="botmenu1"><ul class="menu">
<li><a href="{_a(base, '/rss')}">RSS</a></li><li><a href="{_a(base, '/اتصل-بنا')}">اتصل بنا</a></li>
<li><a href="{_a(base, '/mobile-app/android')}">تطبيق {escape(site.label)}</a></li>
</ul></div></div></div>
<div id="fansamhat"><div id="fantasticfive">All rights reserved 2019 Arabs Today Ltd.</div></div></div>
<div id="hcard-{site.latin}-{site.latin}-{site.latin}" class="vcard" style="display:none"><div class="adr">
<div class="street-address">بناية النخيل - رأس النبع _ خلف السفارة الفرنسية _بيروت - لبنان</div></div></div>
</div></div>
</body>
</html>
"""


def _teaser(site: MirrorSite, base: str, article: MirrorArticle) -> str:
    """A listing teaser in the homepage slider's shape (docs/site-facts.md F10, F15)."""
    coring = f'<h4 class="coring">{escape(article.dateline)}</h4>' if article.dateline else ""
    subtitle = escape(article.subtitle or "")
    return f"""<li><p class="homepageslidersubtitle"><a href="{_a(base, article.path)}">{subtitle}</a></p>
<h2 class="housemaintitle"><a href="{_a(base, article.path)}">{escape(article.headline)}</a></h2>
<div class='image_container'><a href="{_a(base, article.path)}"><img src="{escape(article.image, quote=True)}" alt="{escape(site.label)} - {escape(article.headline, quote=True)}" class=""></a></div>
<div class='introtext' id="ninezero">{coring}{escape(article.paragraphs[0][:120])}…
<a href="{_a(base, article.path)}" class='read_more'>اقرأ المزيد</a></div></li>"""


def home_page(site: MirrorSite, base: str) -> str:
    slides = "\n".join(_teaser(site, base, a) for a in site.latest(5))
    boxes = "\n".join(
        f"""<div class="newshomemoretopics"><h2><a href="{_a(base, site.listing_path(sid) + '/')}">{escape(name)}</a></h2>
<ul>{''.join(f'<li><h4><a href="{_a(base, a.path)}">{escape(a.headline)}</a></h4></li>' for a in site.section_page(sid, 1)[:3])}</ul></div>"""
        for sid, _, name in site.sections
    )
    writers = "\n".join(
        f'<div class="ananame"><h4><a class="autho" href="{_a(base, f"/w-{wid}-more/")}">{escape(name)}</a></h4></div>'
        for wid, name in OPINION_WRITERS
    )
    return (
        _head(site, base, site.site_title, canonical=base.rstrip("/") + "/",
              og={"og:title": site.site_title, "og:type": "website",
                  "og:url": base.rstrip("/") + "/", "og:article:section": " الرئيسية ",
                  "og:image": f"http://stat.{site.domain}/images/{site.latin}-1024x576.png"})
        + _header(site, base)
        + f"""<h1 class="page-title">{escape(site.site_title)}</h1>
<h2 class="page-title">الرئيسية</h2>
<div class="bannerfulls"><div class="banner" id="fright"><section class="slider"><div class="flexslider"><ul class="slides">
{slides}
</ul></div></section></div></div>
{boxes}
<div class="homeviewsandanalysis">{writers}</div>
<div class="videoho"><a href="{_a(base, '/v-915/013153-شاهد-الجيش-يستعيد-المدينة')}">فيديو</a></div>
<div class="hmpolldesign"><form id="pollvote" method="post" action="{_a(base, '/arabpoll/916/2107/homepoll')}"></form></div>
"""
        + _footer(site, base)
    )


PAGINATION_SCHEMES = ("query", "path", "elsewhere", "head")


def next_page_path(site: MirrorSite, section: str, page: int) -> str:
    """The path (and query) of a listing's *page*, in the site's pagination scheme."""
    if site.pagination == "path":
        return f"{site.listing_path(section)}/page/{page}"
    if site.pagination == "elsewhere":
        return f"/home/loadmore?section={section}&page={page}"
    if site.pagination == "head":
        return f"/listing?section={section}&p={page}"
    return f"{site.listing_path(section)}/?page={page}"


def listing_page(site: MirrorSite, base: str, section: str, page: int) -> str | None:
    pages = site.section_pages(section)
    entries = site.section_page(section, page)
    if page > pages or (page > 1 and not entries):
        return None
    name = site.section_name(section)
    path = site.listing_path(section)
    teasers = "\n".join(_teaser(site, base, a) for a in entries)
    more, head_link = "", ""
    if page < pages:  # SYNTHETIC: the real "more" pagination scheme is unknown
        target = next_page_path(site, section, page + 1)
        if site.pagination == "query":
            more = f'<div class="newshomemoretopics"><a rel="next" href="{_a(base, target)}">المزيد</a></div>'
        elif site.pagination == "path":
            more = f'<div class="pages"><a href="{_a(base, target)}">{page + 1}</a></div>'
        elif site.pagination == "elsewhere":
            more = f'<div class="pages"><a href="{_a(base, target)}">التالي</a></div>'
        else:  # head
            head_link = f'<link rel="next" href="{_a(base, target)}" />'
    return (
        _head(site, base, f"{site.label} - {name}", canonical=base.rstrip("/") + path,
              og={"og:title": f"{site.label} - {name}", "og:type": "website"}, extra=head_link)
        + _header(site, base)
        + f"""<h2 class="page-title">{escape(name)}</h2>
<div class="bannerfulls"><ul class="slides">
{teasers}
</ul></div>
{more}
"""
        + _footer(site, base)
    )


def opinion_index(site: MirrorSite, base: str, writer: str | None = None) -> str:
    entries = [a for a in site.opinion_entries() if writer is None or a.section == f"w-{writer}"]
    items = "\n".join(
        f'<div id="analybox"><div class="ananame"><h4><a class="autho">{escape(a.author or "")}</a></h4></div>'
        f'<div class="anatext"><a href="{_a(base, a.path)}">{escape(a.headline)}</a></div></div>'
        for a in entries
    )
    return (_head(site, base, f"{site.label} - آراء وتحليلات", canonical=base, og={"og:type": "website"})
            + _header(site, base) + f"<h2 class='page-title'>آراء وتحليلات</h2>\n{items}\n" + _footer(site, base))


def _related_path(site: MirrorSite, article: MirrorArticle, k: int) -> str:
    """A real page of the mirror for the k-th related link (related items link other stories)."""
    return site.original((max(article.index, 0) + 7 * k + 1) % site.articles).path


def _related_bottom(site: MirrorSite, base: str, article: MirrorArticle) -> str:
    # SYNTHETIC markup; the content shape (headline, GMT stamp, "بقلم : name") is the seed's.
    return "\n".join(
        f'<div class="relatedbox"><a href="{_a(base, _related_path(site, article, k))}">{escape(headline)}</a>'
        f'<span class="reldate">{escape(stamp)}</span><span class="relby">{escape(byline)}</span></div>'
        for k, (headline, stamp, byline) in enumerate(article.related_bottom, 1)
    )


COMMENT_FORM = """<div class="commentform"><h3>أرسل تعليقك</h3><form method="post" action="#">
<label>الإسم *</label><input type="text" name="name" />
<label>البريد الألكتروني *</label><input type="text" name="email" />
<label>عنوان التعليق *</label><input type="text" name="title" />
<label>تعليق *</label><textarea name="comment"></textarea><span>: Characters Left</span>
<p class="mandatory">إلزامي *</p><p><a href="#">شروط الاستخدام</a></p>
<p class="terms">شروط النشر: عدم الإساءة للكاتب أو للأشخاص أو للمقدسات أو مهاجمة الأديان أو الذات الالهية. والابتعاد عن التحريض الطائفي والعنصري والشتائم.</p>
<p><input type="checkbox" /> اُوافق على شروط الأستخدام</p><p>Security Code*</p></form></div>"""


def article_page(site: MirrorSite, base: str, article: MirrorArticle, *, charset: str | None = "utf-8") -> str:
    url = base.rstrip("/") + article.path
    if site.variant == "changed":
        return changed_article_page(site, base, article)
    og = {"og:title": f"{site.label} - {article.headline}", "og:type": "article",
          "og:description": article.paragraphs[0][:160], "og:image": article.image, "og:url": url,
          "og:article:section": f" {article.section_name} ", "og:article:author": site.latin.capitalize()}
    head = _head(site, base, f"{site.label} - {article.headline}", og=og, canonical=url, charset=charset,
                 extra=f'<meta name="keywords" content="{escape("، ".join(article.tags), quote=True)}" />\n'
                       f'<link rel="amphtml" href="{_a(base, article.amp_path)}" />')
    if article.flaw == "empty_body":
        paragraphs = ""
    else:
        paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    if article.is_opinion:
        # Opinion pages: title, label, title again, then the writer (docs/site-facts.md F16).
        top = (f'<div class="opiniontitle">{escape(article.headline)}؟</div><div class="label">{escape(site.label)} -</div>'
               f'<div class="writer">بقلم : {escape(article.author or "")}</div>')
        dateline = ""
    else:
        top = (f'<div class="relatedtop"><a href="{_a(base, _related_path(site, article, 4))}">'
               f'{escape(article.related_top or "")}</a></div>')
        dateline = f'<h4 class="coring">{escape(article.dateline or "")}</h4>'
    malformed = "<div><span><b>" if article.flaw == "malformed_html" else ""  # never closed
    # SYNTHETIC: wrapper classes and the stamp's place are invented; #balmon, h4.coring, h1,
    # h3.caption and the stamp format are the real site's.
    return (
        head + _header(site, base)
        + f"""<div class="articlepage">
<div class="breadcrumbs">الرئيسية » <a href="{_a(base, site.listing_path(article.section) if not article.is_opinion else '/2013-09-13-14-42-41')}">{escape(article.section_name)}</a></div>
<h1 class="articletitle">{escape(article.headline)}</h1>
<div class="articledate">{escape(format_stamp(article.published))}</div>
<div class="label">{escape(site.label)} -</div>
{top}
<div class="articleimage"><img src="{escape(article.image, quote=True)}" alt="{escape(site.label)} - {escape(article.headline, quote=True)}" /><h3 class="caption">{escape(article.headline)}</h3></div>
{f'<h2 class="articlesubtitle">{escape(article.subtitle)}</h2>' if article.subtitle else ''}
{dateline}
{malformed}<div id="balmon">
{paragraphs}
</div>
<div class="sitelabel">{site.latin}</div>
{COMMENT_FORM}
<div class="relateditems">
{_related_bottom(site, base, article)}
</div>
</div>
"""
        + _footer(site, base)
    )


def changed_article_page(site: MirrorSite, base: str, article: MirrorArticle) -> str:
    """SYNTHETIC "changed template": the site's landmarks (#balmon, h4.coring, the GMT stamp)
    are gone; only generic signals (og:, JSON-LD, <time>) remain. Used to show that the
    crawl notices a template change instead of writing quiet empty feeds."""
    url = base.rstrip("/") + article.path
    paragraphs = "\n".join(f"<div class='txt'>{escape(p)}</div>" for p in article.paragraphs)
    return (
        _head(site, base, f"{article.headline} | {site.label}", canonical=url,
              og={"og:title": article.headline, "og:type": "article", "og:url": url, "og:image": article.image,
                  "article:published_time": article.published.isoformat()})
        + "<body><main class='story-v2'>"
        + f"<header><h1 class='story-title'>{escape(article.headline)}</h1><time datetime='{article.published.isoformat()}'>"
        + f"{article.published:%Y-%m-%d}</time></header><section class='story-content'>{paragraphs}</section></main></body></html>"
    )


def amp_page(site: MirrorSite, base: str, article: MirrorArticle) -> str:
    """AMP copy: breadcrumb, photo caption, dateline, body, "قد يهمك أيضاً" trailer (docs/site-facts.md F14)."""
    canonical = base.rstrip("/") + article.path
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    related = "".join(f"<p><a href='{_a(base, _related_path(site, article, k))}'>{escape(h)}</a></p>"
                      for k, (h, _, _) in enumerate(article.related_bottom[:2], 1))
    return f"""<!doctype html>
<html amp lang="ar">
<head><meta charset="utf-8" /><title>{escape(site.label)} - {escape(article.headline)}</title>
<link rel="canonical" href="{escape(canonical, quote=True)}" />
<meta property="og:title" content="{escape(site.label)} - {escape(article.headline, quote=True)}" />
</head>
<body><div class="ampbreadcrumb">الرئيسية » {escape(article.section_name)}</div>
<h1>{escape(article.headline)}</h1>
<figure><amp-img src="{escape(article.image, quote=True)}" width="600" height="400"></amp-img><figcaption>{escape(article.headline)}</figcaption></figure>
<h4 class="coring">{escape(article.dateline or '')}</h4>
<div id="balmon">{paragraphs}
<p>قد يهمك أيضــــــــــــــــًا :</p>{related}</div>
</body></html>
"""


def not_article_page(site: MirrorSite, base: str) -> str:
    """A story URL that now serves a section front (a "soft 404"), as moved stories do."""
    return (_head(site, base, site.site_title, canonical=base.rstrip("/") + "/",
                  og={"og:type": "website", "og:title": site.site_title})
            + _header(site, base) + f"<h1 class='page-title'>{escape(site.site_title)}</h1>"
            + _footer(site, base))


# Pages the site's header and footer link to that are no articles (the 2018 homepages' menus).
FURNITURE_TITLES = {"video": "فيديو", "gallery": "صور", "mobile_app": "تطبيق", "contact": "اتصل بنا"}


def furniture_page(site: MirrorSite, base: str, kind: str) -> str:
    """SYNTHETIC: a video, photo, app or contact page the menus link to: a title and a line,
    no article (the generic spider meets these through same-site links)."""
    title = f"{FURNITURE_TITLES[kind]} | {site.site_title}"
    return (_head(site, base, title, canonical=base.rstrip("/") + "/", og={"og:type": "website", "og:title": title})
            + _header(site, base) + f"<h1 class='page-title'>{escape(FURNITURE_TITLES[kind])}</h1>"
            + f"<p>{escape(site.label)}</p>" + _footer(site, base))


def rss_feed(site: MirrorSite, base: str, articles: list[MirrorArticle], *, title: str, truncate: bool = False) -> str:
    """SYNTHETIC item format (no real network RSS was found): CDATA titles, percent-encoded
    links, RFC 822 pubDate in GMT. *truncate* cuts the document mid-item, as the legacy
    aggregator's workaround suggests the real feed once was (docs/site-facts.md F19)."""
    items = "\n".join(
        f"""<item><title><![CDATA[{a.headline}]]></title><link>{site.url(base, a.path)}</link>
<description><![CDATA[{a.paragraphs[0]}]]></description><pubDate>{format_datetime(a.published.astimezone(timezone.utc), usegmt=True)}</pubDate>
<guid isPermaLink="true">{site.url(base, a.path)}</guid></item>"""
        for a in articles
    )
    document = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{escape(title)}</title><link>{escape(base)}</link>
<description>{escape(site.label)}</description><language>ar</language>
<lastBuildDate>{format_datetime(datetime(2026, 11, 20, 10, 5, tzinfo=timezone.utc), usegmt=True)}</lastBuildDate>
{items}
</channel></rss>
"""
    if truncate:
        document = document[: document.rfind("<item>") + 40]
    return document


def robots_txt(base: str) -> str:
    return f"""# SYNTHETIC: no copy of the real robots.txt was found (docs/site-facts.md F21)
User-agent: *
Disallow: /search
Disallow: /arabpoll/

Sitemap: {base.rstrip("/")}/sitemap.xml
"""


SITEMAP_PAGE_SIZE = 1000


def sitemap_index(site: MirrorSite, base: str) -> str:
    """SYNTHETIC (no XML sitemap of the network was found): an index of a Google News sitemap
    and numbered page sitemaps, for the generic spider's sitemap discovery."""
    pages = -(-site.page_count() // SITEMAP_PAGE_SIZE)
    maps = [f"{base.rstrip('/')}/sitemap-news.xml"] + [f"{base.rstrip('/')}/sitemap-{n}.xml" for n in range(1, pages + 1)]
    body = "".join(f"<sitemap><loc>{escape(m)}</loc></sitemap>" for m in maps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>\n'


def sitemap_urls(site: MirrorSite, base: str, articles: list[MirrorArticle], *, news: bool) -> str:
    rows = []
    for a in articles:
        extra = (f"<news:news><news:publication><news:name>{escape(site.label)}</news:name><news:language>ar</news:language>"
                 f"</news:publication><news:publication_date>{a.published.isoformat()}</news:publication_date>"
                 f"<news:title>{escape(a.headline)}</news:title></news:news>") if news else ""
        rows.append(f"<url><loc>{escape(site.url(base, a.path))}</loc><lastmod>{a.published.isoformat()}</lastmod>{extra}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>\n")

__all__ = ["SECTION_FEEDS", "robots_txt", "sitemap_index", "sitemap_urls", "home_page", "listing_page", "article_page", "amp_page", "rss_feed",
           "opinion_index", "not_article_page"]
