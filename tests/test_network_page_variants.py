"""The network's article page reads the GMT stamp and the dateline wherever the markup puts them.

Nobody has seen the network's real article markup (docs/site-facts.md N1); what is known real
is the h1, ``#balmon``, ``h4.coring`` datelines, the GMT stamp format and the URL grammar. These
pages keep those signals and change the wrappers around them: the stamp a bare text node beside
the headline, the stamp and the dateline in one element split by a ``<br>``, the dateline on a
line of its own outside ``h4.coring``. Each shape is a small hand-written page; the last test
runs the three shapes that once failed through a real ``scrapy crawl`` against a real HTTP server.
"""

from __future__ import annotations

import json
import subprocess
from urllib.parse import quote, unquote, urlsplit

import pytest

from newscrawl.dates import parse_date
from newscrawl.extraction.article import extract_article
from newscrawl.sites import NETWORK_SITES
from tests.conftest import CRAWL_ENV, QuietHandler, crawl_args, feed_items, http_server

SITE = NETWORK_SITES["almaghrib"]
HEADLINE = "بلدية فاس تطلق مشروعا لتجديد شبكة الماء الصالح للشرب في المدينة العتيقة"
# 14:32 GMT on Tuesday 14 January 2025; the URLs below carry 143205 (the network's HHMMSS, F3).
STAMP = "GMT 14:32 2025 الثلاثاء ,14 كانون الثاني / يناير"
PUBLISHED = "2025-01-14T14:32:00+00:00"
OTHER_STAMP = "GMT 09:10 2025 الإثنين ,13 كانون الثاني / يناير"
RELATED_STAMP = "GMT 18:45 2024 الأحد ,22 كانون الأول / ديسمبر"
DATELINE = "فاس - سعاد الإدريسي"
CITY, REPORTER = "فاس", "سعاد الإدريسي"
PARAGRAPHS = [
    "أطلقت بلدية فاس، الثلاثاء، مشروعا لتجديد شبكة الماء الصالح للشرب في أحياء المدينة العتيقة، يمتد على ثمانية عشر شهرا.",
    "وقال رئيس المجلس الجماعي إن القنوات الحالية يعود أغلبها إلى منتصف القرن الماضي، وإن التسربات تضيع ثلث المياه الموزعة.",
    "وأضاف أن الأشغال ستجري ليلا في الأزقة الضيقة حتى لا تتعطل حركة التجار والزوار خلال ساعات النهار.",
    "ورحب سكان الأحياء المعنية بالمشروع، مطالبين بإخبارهم مسبقا بمواعيد انقطاع الماء خلال فترة الأشغال.",
]
PATH = "/314/143205-بلدية-فاس-تطلق-مشروعا-لتجديد-شبكة-الماء"
URL = f"https://www.almaghribtoday.net{PATH}"
HEAD = (f"<head><meta charset='utf-8'><title>المغرب اليوم - {HEADLINE}</title>"
        f"<meta property='og:title' content='المغرب اليوم - {HEADLINE}'>"
        "<meta property='og:type' content='website'><meta property='og:site_name' content='Almaghribtoday'></head>")
COMMENT_FORM = ("<div class='cmt'><h3>أرسل تعليقك</h3><label>الإسم *</label><label>البريد الألكتروني *</label>"
                "<label>تعليق *</label><a>شروط الاستخدام</a></div>")
CLOCK = "<div class='band'>آخر تحديث GMT 16:02:11</div>"
FOOTER = ("<footer><p>All rights reserved 2025 Arabs Today Ltd.</p>"
          "<p>بناية النخيل - رأس النبع - شارع محمد الحوت - بيروت - لبنان</p></footer>")
RELATED = (f"<div class='more'><div><a href='/314/184500-خبر-آخر'>وزير الداخلية يستقبل نظيره الإسباني في الرباط</a>"
           f"<span>{RELATED_STAMP}</span></div></div>")


def paragraphs(items=PARAGRAPHS) -> str:
    return "".join(f"<p>{p}</p>" for p in items)


def page(body: str) -> str:
    return f"<!DOCTYPE html><html lang='ar'>{HEAD}<body>{CLOCK}{body}{RELATED}{FOOTER}</body></html>"


def extract(html: str, url: str = URL) -> dict:
    return extract_article(html, url, SITE).fields


# ---- the shapes that failed, and the controls that must stay right ----------------------------

SHAPES = {
    # failed: the stamp a bare text node after the h1, inside the h1's wrapper
    "stamp_bare_after_h1_in_wrapper": f"<div class='w'><h1><span>{HEADLINE}</span></h1>{STAMP}"
                                      f"<div class='t'><p>{DATELINE}</p>{paragraphs()}</div></div>",
    # failed: the stamp a bare text node after the h1, directly in <body>
    "stamp_bare_after_h1_in_body": f"<h1>{HEADLINE}</h1>{STAMP}<div class='t'><p>{DATELINE}</p>{paragraphs()}</div>",
    # failed: the dateline on its own <font><b> line between the stamp and the body
    "dateline_font_b_line": f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div><font size='3'><b>{DATELINE}</b></font>"
                            f"<div class='t'>{paragraphs()}</div>",
    # failed: a table layout, the dateline in a cell of its own
    "dateline_own_table_cell": f"<table><tr><td><h1>{HEADLINE}</h1></td></tr><tr><td class='x'>{STAMP}</td></tr>"
                               f"<tr><td><font size='3'><b>{DATELINE}</b></font></td></tr>"
                               f"<tr><td class='y'>{paragraphs()}</td></tr></table>",
    # failed: the stamp, a <br>, then the dateline, in one div
    "stamp_br_dateline_one_div": f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}<br>{DATELINE}</div>"
                                 f"<div class='t'>{paragraphs()}</div>",
    # controls
    "other_wrappers": f"<main><header><h1 class='x'>{HEADLINE}</h1><div class='m'><span>{STAMP}</span></div></header>"
                      f"<section class='s'><h5 class='c'>{DATELINE}</h5>{paragraphs()}</section></main>",
    "br_paragraphs": f"<h1>{HEADLINE}</h1><p class='d'>{STAMP}</p><div class='t'>{DATELINE}<br><br>"
                     + "<br><br>".join(PARAGRAPHS) + f"</div>{COMMENT_FORM}",
    # once failed: the related items right after a <br> body; its headline and stamp were read
    # as one more paragraph (the body's container was taken to be <body>)
    "br_paragraphs_related_right_after": f"<h1>{HEADLINE}</h1><p class='d'>{STAMP}</p><div class='t'>{DATELINE}"
                                         "<br><br>" + "<br><br>".join(PARAGRAPHS) + "</div>",
    "related_stamps_before_body": f"<h1>{HEADLINE}</h1>{RELATED}<div class='x'><em>{STAMP}</em></div>"
                                  f"<article><h4>{DATELINE}</h4>{paragraphs()}</article>",
    "balmon_mixed_paragraphs": f"<h1>{HEADLINE}</h1><h4 class='coring'>{DATELINE}</h4><div class='dt'>{STAMP}</div>"
                               f"<div id='balmon'><p>{PARAGRAPHS[0]}</p><div>{PARAGRAPHS[1]}</div>{PARAGRAPHS[2]}"
                               f"<p>{PARAGRAPHS[3]}</p></div>",
    "balmon_br_text": f"<h1>{HEADLINE}</h1><h4 class='coring'>{DATELINE}</h4><div class='dt'>{STAMP}</div>"
                      f"<div id='balmon'>" + "<br /><br />".join(PARAGRAPHS) + "</div>",
    "dateline_strong_in_first_p": f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div>"
                                  f"<div class='t'><p><strong>{DATELINE}</strong></p>{paragraphs()}</div>",
    "stamp_after_label": f"<h1>{HEADLINE}</h1><div class='d'>نشر في: {STAMP}</div>"
                         f"<div class='t'><p>{DATELINE}</p>{paragraphs()}</div>",
    "stamp_span_in_h1_wrapper": f"<div class='w'><h1><span>{HEADLINE}</span></h1><span>{STAMP}</span>"
                                f"<div class='t'><p>{DATELINE}</p>{paragraphs()}</div></div>",
    # failed: the h1 printed as the first line of #balmon, the stamp and h4.coring above it
    # (the stamps and the dateline were looked for after the h1 only: no date, the dateline as subtitle)
    "h1_inside_balmon": f"<div class='dt'>{STAMP}</div><h4 class='coring'>{DATELINE}</h4>"
                        f"<div id='balmon'><h1>{HEADLINE}</h1>{paragraphs()}</div>",
    "h1_inside_balmon_stamp_and_dateline_below_it": f"<div id='balmon'><h1>{HEADLINE}</h1><div class='dt'>{STAMP}</div>"
                                                    f"<h4 class='coring'>{DATELINE}</h4>{paragraphs()}</div>",
}


@pytest.fixture(scope="module", params=sorted(SHAPES))
def shape_fields(request) -> dict:
    return extract(page(SHAPES[request.param]))


def test_the_stamp_is_the_date_whatever_wraps_it(shape_fields):
    assert shape_fields.get("date_published_raw") == STAMP
    assert parse_date(shape_fields["date_published_raw"]).isoformat() == PUBLISHED


def test_the_dateline_gives_place_and_reporter_whatever_wraps_it(shape_fields):
    assert (shape_fields.get("location"), shape_fields.get("author")) == (CITY, REPORTER)


def test_the_dateline_is_never_the_subtitle_nor_in_the_body(shape_fields):
    assert shape_fields.get("subtitle") is None
    assert shape_fields.get("body", "").split("\n\n") == PARAGRAPHS
    assert shape_fields.get("headline") == HEADLINE


# ---- the stamp read as its own line -----------------------------------------------------------

def test_a_stamp_split_over_inline_elements_is_read_whole():
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'>GMT 14:32 2025 <b>الثلاثاء</b> ,14 كانون الثاني / يناير</div>"
                          f"<div class='t'>{paragraphs()}</div>"))
    assert fields.get("date_published_raw") == STAMP


@pytest.mark.parametrize("stamp_markup", [
    "<b>GMT 14:32</b> 2025 الثلاثاء ,14 كانون الثاني / يناير",
    "<span><b>GMT</b> 14:32</span> 2025 الثلاثاء ,14 كانون الثاني / يناير",
    "<strong>GMT 14:32 2025</strong> <span>الثلاثاء ,14</span> كانون الثاني / يناير <span>قراءة 5120</span>",
    "<font color='gray'><i>GMT 14:32</i> 2025 الثلاثاء</font> ,14 كانون الثاني / يناير",
])
def test_a_stamp_whose_gmt_sits_in_an_inline_element_of_its_own_is_read_on_out_of_it(stamp_markup):
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'>{stamp_markup}</div><div class='t'>{paragraphs()}</div>"))
    assert fields.get("date_published_raw") == STAMP


def test_a_stamp_cut_by_a_line_end_after_its_inline_gmt_is_not_glued_to_the_next_line():
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'><b>GMT 14:32</b><br>2025 الثلاثاء ,14 كانون الثاني / يناير"
                          f"</div><div class='t'>{paragraphs()}</div>"))
    assert fields.get("date_published_raw") != STAMP


@pytest.mark.parametrize("neighbour", ["<span>قراءة 5120</span>", "<br>قراءة 5120", "<p>شوهد 1342 مرة</p>"])
def test_nothing_printed_after_the_stamp_is_glued_on(neighbour):
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'><span>{STAMP}</span>{neighbour}</div>"
                          f"<div class='t'>{paragraphs()}</div>"))
    assert fields.get("date_published_raw") == STAMP


def test_a_sidebar_stamp_above_the_headline_is_not_the_articles_even_at_the_url_time():
    # The URL says 14:32; the sidebar item above the headline is stamped 14:32 too, the article
    # (a bare text node after the h1) 09:10: with no stamp of the URL's time below the headline,
    # the last one before the body is the article's.
    sidebar = f"<div class='side'><a href='/314/143000-x'>خبر في الشريط الجانبي عن الطقس</a> {STAMP}</div>"
    fields = extract(page(f"{sidebar}<h1>{HEADLINE}</h1>{OTHER_STAMP}<div class='t'>{paragraphs()}</div>"))
    assert fields.get("date_published_raw") == OTHER_STAMP


def test_without_a_stamp_of_the_url_time_the_last_before_the_body_wins_not_a_related_one():
    html = page(f"<h1>{HEADLINE}</h1>{OTHER_STAMP}<div class='t'>{paragraphs()}</div>")
    assert RELATED_STAMP in html  # the related item's stamp after the body
    assert extract(html).get("date_published_raw") == OTHER_STAMP


# ---- the dateline outside h4.coring -----------------------------------------------------------

def test_a_subtitle_above_a_dateline_line_stays_the_subtitle():
    subtitle = "المشروع يشمل ثلاثين حيا ويمول من ميزانية الجماعة"
    fields = extract(page(f"<h1>{HEADLINE}</h1><h2>{subtitle}</h2><div class='d'>{STAMP}</div>"
                          f"<h5>{DATELINE}</h5><div class='t'>{paragraphs()}</div>"))
    assert (fields.get("subtitle"), fields.get("location"), fields.get("author")) == (subtitle, CITY, REPORTER)


def test_a_bare_dateline_line_after_a_subtitle_line_is_read_and_not_offered_as_subtitle():
    subtitle = "المشروع يشمل ثلاثين حيا ويمول من ميزانية الجماعة"
    fields = extract(page(f"<h1>{HEADLINE}</h1><p>{STAMP}</p><div class='d'>{subtitle}<br>{DATELINE}</div>"
                          f"<div class='t'>{paragraphs()}</div>"))
    assert (fields.get("subtitle"), fields.get("location"), fields.get("author")) == (subtitle, CITY, REPORTER)


def test_a_dateline_naming_the_site_is_an_unsigned_piece():
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div><font><b>فاس - المغرب اليوم</b></font>"
                          f"<div class='t'>{paragraphs()}</div>"))
    assert (fields.get("location"), fields.get("author"), fields.get("subtitle")) == (CITY, None, None)


@pytest.mark.parametrize("line", [
    # a link (a teaser or a tag) is no dateline
    "<p><a href='/314/101010-x'>الرباط - محمد العلوي</a></p>",
    # a long "place" is prose, not a dateline (as for a body line, F10)
    "<p>المتحدث باسم وزارة الفلاحة - محمد العلوي</p>",
])
def test_lines_that_only_look_like_datelines_are_not_taken(line):
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div>{line}<div class='t'>{paragraphs()}</div>"))
    assert fields.get("location") is None
    assert fields.get("author") is None


@pytest.mark.parametrize("first", [
    # a place and a colon, no reporter: the place is not taken off the sentence
    f"الرباط: {PARAGRAPHS[0]}",
    # a speaker's long title before the colon is no place
    f"المتحدث باسم وزارة الفلاحة - محمد العلوي: {PARAGRAPHS[0]}",
    # a speaker and a quote, a score: "X - Y: ..." opening prose is no dateline
    f"وزير الخارجية - ناصر بوريطة: {PARAGRAPHS[0]}",
    f"الوداد - الرجاء: {PARAGRAPHS[0]}",
    f"Breaking - Live updates: {PARAGRAPHS[0]}",
])
def test_a_first_paragraph_that_only_opens_like_a_dateline_stays_whole(first):
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div>"
                          f"<div id='balmon'>{paragraphs([first, *PARAGRAPHS[1:]])}</div>"))
    assert fields.get("location") is None and fields.get("author") is None
    assert fields["body"].split("\n\n")[0] == first


AD_SLOT = "<div class='slot'>إعلان</div>"
ADSENSE = ("<div class='x7'><ins class='adsbygoogle' data-ad-slot='1'></ins>"
           "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>")


def _split_story(between: str, after: str = "", lead: int = 2) -> str:
    return page(f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div><div id='balmon'>{paragraphs(PARAGRAPHS[:lead])}</div>"
                f"{between}{after}")


@pytest.mark.parametrize("slot", [AD_SLOT, ADSENSE, "<script>googletag.display('div-gpt-ad-1');</script>"])
def test_a_story_continued_past_an_ad_slot_is_read_whole(slot):
    html = _split_story(slot, f"<div class='more-text'>{paragraphs(PARAGRAPHS[2:])}</div>")
    assert extract(html)["body"].split("\n\n") == PARAGRAPHS


def test_a_story_cut_by_several_ads_and_a_heading_is_read_whole():
    html = _split_story(ADSENSE, f"<div><h3>تفاصيل المشروع والتمويل</h3><p>{PARAGRAPHS[2]}</p></div>{AD_SLOT}"
                                 f"<p>{PARAGRAPHS[3]}</p><div class='clear'></div>")
    assert extract(html)["body"].split("\n\n") == [*PARAGRAPHS[:2], "تفاصيل المشروع والتمويل", *PARAGRAPHS[2:]]


def test_a_container_in_a_wrapper_is_continued_after_the_wrapper():
    html = page(f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div><div class='w'><div id='balmon'>"
                f"{paragraphs(PARAGRAPHS[:2])}</div></div>{ADSENSE}<div>{paragraphs(PARAGRAPHS[2:])}</div>")
    assert extract(html)["body"].split("\n\n") == PARAGRAPHS


BIO = "<div class='bio'><p>كاتب وصحفي مغربي، يكتب في الشؤون المحلية منذ عشرين عاما، وصدرت له عدة كتب عن المدن العتيقة.</p></div>"


@pytest.mark.parametrize("after", [
    # prose right after the body, with no ad slot between: a bio, a disclaimer, readers' comments
    BIO,
    "<p>المقالات المنشورة في هذا القسم تعبر عن رأي أصحابها ولا تعبر بالضرورة عن رأي الموقع أو سياسته التحريرية.</p>",
    "<div class='empty'></div><script>var analytics = 1;</script>" + BIO,
    # past an ad slot: related items (story links), a photo, a form
    f"{AD_SLOT}<div class='rel'><a href='/314/101010-x'>{PARAGRAPHS[2]}</a></div>",
    f"{AD_SLOT}<div class='ph'><img src='/p.jpg'><p>{PARAGRAPHS[2]}</p></div>",
    f"{AD_SLOT}<div>{COMMENT_FORM}<p>{PARAGRAPHS[2]}</p></div>",
])
def test_what_follows_the_body_is_not_taken_for_its_continuation(after):
    assert extract(_split_story(after))["body"].split("\n\n") == PARAGRAPHS[:2]


def test_a_body_that_ends_itself_is_not_continued():
    # The body's own end marker ("قد يهمك أيضا" before its related items): nothing after it is the story.
    html = page(f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div><div id='balmon'>{paragraphs(PARAGRAPHS[:2])}"
                f"<p>قد يهمك أيضا</p></div>{AD_SLOT}<div>{paragraphs(PARAGRAPHS[2:])}</div>")
    assert extract(html)["body"].split("\n\n") == PARAGRAPHS[:2]


def test_the_articles_h4_coring_wins_over_a_line_that_reads_as_a_dateline():
    fields = extract(page(f"<h1>{HEADLINE}</h1><h4 class='coring'>{DATELINE}</h4><div class='d'>{STAMP}</div>"
                          f"<font><b>الرباط - محمد العلوي</b></font><div class='t'>{paragraphs()}</div>"))
    assert (fields.get("location"), fields.get("author")) == (CITY, REPORTER)


# ---- end to end: scrapy crawl on a real server ------------------------------------------------

# Three stories (the dedupe stage would merge one story served three times) in the three
# shapes that failed in a black-box run of ``scrapy parse``.
E2E_STORIES = {
    "stamp_bare_after_h1_in_body": (
        "مجلس جهة سوس ماسة يصادق على ميزانية السنة المقبلة بالإجماع",
        ["صادق مجلس جهة سوس ماسة، في دورته العادية، بالإجماع على ميزانية السنة المقبلة التي تبلغ مليارا ومئتي مليون درهم.",
         "وخصص المجلس الجزء الأكبر من الاعتمادات للطرق القروية وتزويد الدواوير بالماء الصالح للشرب والكهرباء.",
         "وقال رئيس المجلس إن الميزانية الجديدة تراعي حاجات الجماعات القروية التي عانت من الجفاف في السنوات الأخيرة.",
         "ودعا عدد من المستشارين إلى تسريع وتيرة إنجاز المشاريع المبرمجة منذ سنتين والتي لم تنطلق أشغالها بعد."]),
    "dateline_font_b_line": (
        "افتتاح معرض الكتاب بالدار البيضاء بمشاركة أزيد من سبعمئة عارض",
        ["افتتح معرض الكتاب بالدار البيضاء أبوابه أمام الزوار بمشاركة أزيد من سبعمئة عارض من أربعين بلدا.",
         "ويتضمن برنامج الدورة ندوات وتوقيعات ولقاءات مع كتاب مغاربة وأجانب على مدى عشرة أيام.",
         "وحلت إمارة الشارقة ضيف شرف على هذه الدورة، برواق يعرض إصدارات دور النشر الإماراتية الحديثة.",
         "وتوقع المنظمون أن يتجاوز عدد الزوار نصف مليون زائر، بعد الإقبال الكبير الذي عرفته الدورة السابقة."]),
    "stamp_br_dateline_one_div": (
        "ارتفاع أسعار الخضر في أسواق طنجة مع تراجع العرض بسبب الأمطار",
        ["عرفت أسعار الخضر في أسواق طنجة ارتفاعا ملحوظا خلال الأسبوع الجاري بسبب تراجع العرض بعد التساقطات المطرية.",
         "وأرجع التجار الارتفاع إلى صعوبة وصول الشاحنات من المناطق الفلاحية المجاورة بسبب حالة الطرق.",
         "وبلغ سعر الطماطم ثمانية دراهم للكيلوغرام في سوق الجملة، بعدما كان لا يتجاوز خمسة دراهم قبل أسبوعين.",
         "ويتوقع المهنيون أن تعود الأسعار إلى مستواها المعتاد مع تحسن الأحوال الجوية وعودة التموين المنتظم."]),
}


def _e2e_page(shape: str) -> str:
    headline, story = E2E_STORIES[shape]
    return page(SHAPES[shape].replace(paragraphs(), paragraphs(story))).replace(HEADLINE, headline)


def _e2e_path(number: int, shape: str) -> str:
    return f"/314/143205-خبر-{number}-{shape.replace('_', '-')}"


def test_scrapy_crawl_reads_stamp_and_dateline_on_the_shapes_that_failed(tmp_path):
    pages = {_e2e_path(i, shape): _e2e_page(shape).encode() for i, shape in enumerate(sorted(E2E_STORIES))}

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(unquote(urlsplit(self.path).path))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    with http_server(Handler) as base:
        urls = ",".join(base + quote(path) for path in pages)
        result = subprocess.run(crawl_args(base, "-a", f"urls={urls}"), cwd=tmp_path, env=CRAWL_ENV,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    items = {unquote(urlsplit(item["url"]).path): item for item in feed_items(tmp_path)}
    assert sorted(items) == sorted(pages), result.stderr[-2000:]
    for path, item in items.items():
        assert (item["date_published_raw"], item["date_published"]) == (STAMP, PUBLISHED), path
        assert (item["location"], item["author"], item["subtitle"]) == (CITY, REPORTER, None), path
        assert item["headline"] in {headline for headline, _ in E2E_STORIES.values()}, path
        assert json.dumps(item, ensure_ascii=False).count(DATELINE) == 0, path  # not in body, raw date or subtitle


# ---- what the real-grammar adversary found (round 4): teasers, edits, logo headings ----------

TEASER = ("<div class='box'><a href='/314/081512-الحكومة-تصادق-على-مشروع-قانون-المالية'>الحكومة تصادق على مشروع قانون "
          "المالية</a> <span>GMT 08:15 2024 الأحد ,22 كانون الأول / ديسمبر</span></div>")
# The URL's time (14:32) matches no stamp on these pages: the "last stamp before the body" rule decides.
OTHER_TIME_URL = URL.replace("143205", "101200")


def test_a_teasers_stamp_between_headline_and_body_is_not_the_articles_date():
    fields = extract(page(f"<h1>{HEADLINE}</h1>{TEASER}<h4 class='coring'>{DATELINE}</h4>"
                          f"<div id='balmon'>{paragraphs()}</div>"), OTHER_TIME_URL)
    assert fields.get("date_published_raw") is None, "a related story's date is no date of this article"


def test_a_most_read_box_after_the_articles_stamp_does_not_replace_it():
    fields = extract(page(f"<h1>{HEADLINE}</h1><div>{STAMP}</div><ul class='most'><li>{TEASER}</li></ul>"
                          f"<h4 class='coring'>{DATELINE}</h4><div id='balmon'>{paragraphs()}</div>"), OTHER_TIME_URL)
    assert fields.get("date_published_raw") == STAMP


def test_a_stamp_beside_a_link_to_the_article_itself_or_its_section_is_its_own():
    fields = extract(page(f"<h1>{HEADLINE}</h1><div><a href='/314/'>أخبار محلية</a> <span>{STAMP}</span> "
                          f"<a href='{urlsplit(OTHER_TIME_URL).path}?print=1'>طباعة</a></div><div id='balmon'>{paragraphs()}</div>"),
                     OTHER_TIME_URL)
    assert fields.get("date_published_raw") == STAMP


@pytest.mark.parametrize("label", ["آخر تعديل: ", "<b>آخر تحديث :</b> ", "<span>تم التحديث</span><span>"])
def test_a_stamp_labelled_as_an_edit_is_the_modified_date_never_the_published_one(label):
    edited = "GMT 16:50 2025 الثلاثاء ,14 كانون الثاني / يناير"
    fields = extract(page(f"<h1>{HEADLINE}</h1><div>نشر في: {STAMP}</div><div>{label}{edited}</div>"
                          f"<div id='balmon'>{paragraphs()}</div>"), OTHER_TIME_URL)
    assert fields.get("date_published_raw") == STAMP
    assert fields.get("date_modified_raw") == edited


@pytest.mark.parametrize("logo", ["<h1 class='logo'><a href='/'>المغرب اليوم</a></h1>",
                                  "<h1><img src='/logo.png' alt=''>المغرب اليوم</h1>"])
def test_a_logo_h1_naming_the_site_is_never_the_headline(logo):
    fields = extract(page(f"{logo}<h2>{HEADLINE}</h2><div>{STAMP}</div><div id='balmon'>{paragraphs()}</div>")
                     .replace(f"og:title' content='المغرب اليوم - {HEADLINE}'",
                              "og:title' content='المغرب اليوم | أخبار المغرب والعالم العربي'"))
    assert fields.get("headline") == HEADLINE, "every article would share the site's name, and dedupe drop them"
    assert fields.get("subtitle") is None


def test_a_generic_pages_logo_h1_naming_the_site_is_never_the_headline_but_a_short_headline_stays():
    story = "<p>" + PARAGRAPHS[0] + "</p><p>" + PARAGRAPHS[1] + "</p>"
    logo = extract_article(f"<html><head><title>Daily Herald - Budget approved after long night</title>"
                           f"<meta property='og:site_name' content='Daily Herald'></head><body>"
                           f"<h1><a href='/'>Daily Herald</a></h1><h2>Budget approved after long night</h2>"
                           f"<article>{story}</article></body></html>", "https://news.example/a/1", None).fields
    assert logo.get("headline") == "Budget approved after long night"
    short = extract_article(f"<html><head><title>Daily Herald - Storm</title></head><body><h1>Storm</h1>"
                            f"<article>{story}</article></body></html>", "https://news.example/a/2", None).fields
    assert short.get("headline") == "Storm"


@pytest.mark.parametrize("stamp_markup", [
    "<span>GMT 14:32</span><span>2025 الثلاثاء ,14 كانون الثاني / يناير</span>",  # no space between
    "GMT 14:32<br>2025 الثلاثاء ,14 كانون الثاني / يناير",
    "<div>GMT 14:32</div><div>2025 الثلاثاء ,14 كانون الثاني / يناير</div>",
])
def test_a_stamp_whose_date_went_to_the_next_line_or_was_glued_to_the_time_is_read(stamp_markup):
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='d'>{stamp_markup}</div><div id='balmon'>{paragraphs()}</div>"))
    assert parse_date(fields["date_published_raw"]).isoformat() == PUBLISHED


@pytest.mark.parametrize("byline_bar", [
    f"<div class='bar'>{DATELINE} | {STAMP}</div>",
    f"<h4 class='coring'>{DATELINE} <span>{STAMP}</span></h4>",
    f"<div class='meta'><span class='city'>{DATELINE}</span> <span class='date'>{STAMP}</span></div>",
])
def test_a_dateline_sharing_its_line_with_the_stamp_gives_place_reporter_and_date(byline_bar):
    fields = extract(page(f"<h1>{HEADLINE}</h1>{byline_bar}<div class='t'>{paragraphs()}</div>"))
    assert (fields.get("location"), fields.get("author")) == (CITY, REPORTER)
    assert fields.get("date_published_raw") == STAMP


def test_a_columns_bare_writer_name_above_the_text_is_its_author_not_a_subtitle():
    column = "https://www.almaghribtoday.net/w-784/143205-نهاية-أم-بداية"
    html = page(f"<h1>نهاية أم بداية</h1><div class='l'>المغرب اليوم -</div><div>{STAMP}</div>"
                f"<div class='wn'>عماد الدين أديب</div><div id='balmon'>{paragraphs()}</div>")
    fields = extract(html, column)
    assert (fields.get("author"), fields.get("subtitle")) == ("عماد الدين أديب", None)
    news = extract(html, URL)  # on a news story the same short line stays what it was
    assert news.get("author") is None


@pytest.mark.parametrize("lead", ["<p>بقلم : عماد الدين أديب</p>", "<p><strong>بقلم: عماد الدين أديب</strong><br>"])
def test_a_columns_byline_opening_its_body_is_its_author(lead):
    column = "https://www.almaghribtoday.net/w-784/143205-نهاية-أم-بداية"
    body = paragraphs()
    if lead.endswith("<br>"):  # the byline and the first paragraph in one <p>
        body = f"{lead}{PARAGRAPHS[0]}</p>{paragraphs(PARAGRAPHS[1:])}"
    else:
        body = lead + body
    fields = extract(page(f"<h1>نهاية أم بداية</h1><div>{STAMP}</div><div id='balmon'>{body}</div>"), column)
    assert fields.get("author") == "عماد الدين أديب"
    assert fields["body"].split("\n\n") == PARAGRAPHS


def test_a_meta_bar_stamp_right_above_the_headline_is_read_when_none_is_below():
    bar = f"<div class='meta'><a href='/314/'>أخبار محلية</a> {STAMP}</div>"
    fields = extract(page(f"<div class='w'>{bar}<h1>{HEADLINE}</h1><div id='balmon'>{paragraphs()}</div></div>"),
                     OTHER_TIME_URL)
    assert fields.get("date_published_raw") == STAMP
    # not farther up (a sidebar, a ticker), not a teaser's, not inside a big block
    menu = "<a href='/314/'>أخبار القسم</a> " * 60  # a header of menus, 700 characters
    for above in (f"{bar}<div class='x'>إعلان</div>", TEASER, f"<div class='head'>{menu}{STAMP}</div>"):
        fields = extract(page(f"{above}<h1>{HEADLINE}</h1><div id='balmon'>{paragraphs()}</div>"), OTHER_TIME_URL)
        assert fields.get("date_published_raw") is None, above


@pytest.mark.parametrize("heading", ["h1", "h2"])
def test_behind_a_site_title_h1_far_above_the_article_its_own_heading_is_where_it_starts(heading):
    """The homepages' h1.page-title holds the site's title (F9): were an article page to keep
    it, the stamp, dateline and subtitle are looked for after the article's own heading."""
    site_title = "<h1 class='page-title'>المغرب اليوم | أخبار المغرب والعالم العربي</h1>"
    menus = "".join(f"<li><a href='/{n}/'>قسم {n}</a></li>" for n in range(200))
    sidebar_stamp = f"<div class='box'><span>{OTHER_STAMP}</span></div>"
    fields = extract(page(f"{site_title}<ul>{menus}</ul>{sidebar_stamp}<{heading}>{HEADLINE}</{heading}>"
                          f"<div>{STAMP}</div><font><b>{DATELINE}</b></font><div class='t'>{paragraphs()}</div>"),
                     OTHER_TIME_URL)
    assert fields.get("headline") == HEADLINE
    assert fields.get("date_published_raw") == STAMP
    assert (fields.get("location"), fields.get("author")) == (CITY, REPORTER)


# ---- a column's writer ------------------------------------------------------------------------

COLUMN_URL = "https://www.almaghribtoday.net/w-784/101225-نهاية-أم-بداية-العرب"


def _column(above_body: str) -> str:
    return page(f"<h1>{HEADLINE}</h1><div class='d'>{STAMP}</div><div class='lb'>المغرب اليوم -</div>{above_body}"
                f"<div id='balmon'>{paragraphs()}</div>")


def test_a_columns_bare_writer_name_above_the_text_is_its_author():
    fields = extract(_column("<div class='wn'>عماد الدين أديب</div>"), COLUMN_URL)
    assert (fields.get("author"), fields.get("subtitle")) == ("عماد الدين أديب", None)


def test_a_columns_short_sub_head_is_no_writer():
    # (once read as the author: four words of letters, like a name)
    fields = extract(_column("<div class='wn'>عماد الدين أديب</div><h3>قراءة في نتائج القمة</h3>"), COLUMN_URL)
    assert fields.get("author") != "قراءة في نتائج القمة"
    assert fields.get("body", "").split("\n\n") == PARAGRAPHS


# --- adversary round 12: stamps after the body, date lines in other formats ------------------------
LATE_COMMENT = ("<div class='comments'><div class='comment'><b>قارئ</b><p>مبادرة ممتازة نتمنى تعميمها على باقي المدن</p>"
                "<span>GMT 14:32 2025 الخميس ,16 كانون الثاني / يناير</span></div></div>")  # the URL's minute, two days on
META_PUBLISHED = "<meta property='article:published_time' content='2025-01-14T13:32:00+00:00'>"


def test_a_comments_stamp_at_the_urls_minute_never_beats_the_articles_own_stamp():
    own = "GMT 13:32 2025 الثلاثاء ,14 كانون الثاني / يناير"  # the URL printed local time: no own stamp matches it
    fields = extract(page(f"<h1>{HEADLINE}</h1><div>{own}</div><div id='balmon'>{paragraphs()}</div>{LATE_COMMENT}"))
    assert fields.get("date_published_raw") == own


def test_a_comments_stamp_at_the_urls_minute_never_beats_the_metadata():
    html = page(f"<h1>{HEADLINE}</h1><div id='balmon'>{paragraphs()}</div>{LATE_COMMENT}").replace(
        "</head>", f"{META_PUBLISHED}</head>")
    fields = extract(html)
    assert fields.get("date_published_raw") == "2025-01-14T13:32:00+00:00"


def test_a_stamp_after_the_body_at_the_urls_minute_is_the_last_resort():
    """A page that prints its own stamp only below its text, and has no metadata date."""
    fields = extract(page(f"<h1>{HEADLINE}</h1><div id='balmon'>{paragraphs()}</div><div>{STAMP}</div>"))
    assert fields.get("date_published_raw") == STAMP


@pytest.mark.parametrize("line", ["الخميس 12 سبتمبر 2024 - 15:05 بتوقيت غرينتش", "نشر بتاريخ: 12/09/2024 - 15:10 GMT",
                                  "الأحد 10 نوفمبر 2024 - 05:05 م (GMT)"])
def test_a_date_line_of_another_format_under_the_headline_dates_the_page(line):
    """No network stamp and no metadata: the line under the headline is the date (it was left
    unread, and every such article came out undated)."""
    fields = extract(page(f"<h1>{HEADLINE}</h1><div class='info'>{line}</div><div id='balmon'>{paragraphs()}</div>"))
    assert fields.get("date_published_raw") == line


def test_a_teasers_date_line_under_the_headline_is_not_the_articles():
    teaser = ("<div class='box'><a href='/314/081512-الحكومة-تصادق-على-مشروع-قانون-المالية'>الحكومة تصادق على مشروع "
              "قانون المالية</a> <span>الأحد 22 ديسمبر 2024</span></div>")
    fields = extract(page(f"<h1>{HEADLINE}</h1>{teaser}<div id='balmon'>{paragraphs()}</div>"))
    assert fields.get("date_published_raw") is None


@pytest.mark.parametrize("line", ["جميع الحقوق محفوظة لموقع المغرب اليوم © 2023",
                                  "الكلمات الدالة: <a href='/tag/1'>الحكومة</a> <a href='/tag/2'>المقاولات</a>",
                                  "حمّل تطبيق المغرب اليوم على هاتفك المحمول",
                                  "اشترك في النشرة البريدية <input type='email'> <button>اشترك</button>"])
def test_arabic_furniture_inside_balmon_is_not_body(line):
    """Copyright, tags, app and newsletter lines a CMS prints inside the body container (adversary round 12)."""
    fields = extract(page(f"<h1>{HEADLINE}</h1><div>{STAMP}</div><div id='balmon'>{paragraphs()}<p>{line}</p></div>"))
    assert fields["body"] == "\n\n".join(PARAGRAPHS)
