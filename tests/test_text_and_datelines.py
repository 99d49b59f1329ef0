from __future__ import annotations

import pytest

from newscrawl.encoding import UTF8_WITH_CP1256, arabic_share, better_encoding
from newscrawl.extraction.boilerplate import cut_inline_read_also, ends_article, is_furniture
from newscrawl.extraction.dateline import parse_byline, parse_dateline
from newscrawl.text import clean_text, is_label_only, split_list, strip_site_label

LABELS = ("المغرب اليوم", "almaghribtoday")


@pytest.mark.parametrize("text,expected", [
    ("المغرب اليوم - وزارة الدفاع الروسية تنفي", "وزارة الدفاع الروسية تنفي"),
    ("وزارة الدفاع الروسية تنفي | المغرب اليوم", "وزارة الدفاع الروسية تنفي"),
    ("المغرب اليوم -المغرب اليوم - خبر", "خبر"),
    ('وأفاد مصدر إلى "المغرب اليوم" بأن الاجتماع تأجل', 'وأفاد مصدر إلى "المغرب اليوم" بأن الاجتماع تأجل'),
    ("  خبر\u200f  عاجل ", "خبر عاجل"),
])
def test_strip_site_label(text, expected):
    assert strip_site_label(text, LABELS) == expected


def test_label_only_lines():
    assert is_label_only("المغرب اليوم -", LABELS)
    assert is_label_only("almaghribtoday almaghribtoday", LABELS)
    assert not is_label_only("المغرب اليوم يحتفل", LABELS)


def test_clean_text_and_lists():
    assert clean_text(None) == ""
    assert clean_text("a\u00a0\u200e b\n\tc") == "a b c"
    assert split_list("روسيا، سورية, تدمر,روسيا") == ["روسيا", "سورية", "تدمر"]


@pytest.mark.parametrize("line,expected", [
    ("دمشق - نور خوام", ("دمشق", "نور خوام")),
    ("الرباط - المغرب اليوم", ("الرباط", None)),
    ("مانيلا ـ عادل سلامه", ("مانيلا", "عادل سلامه")),
    ("الدار البيضاء- جميلة عمر", ("الدار البيضاء", "جميلة عمر")),
    ("الدار البيضاء : جميلة عمر", ("الدار البيضاء", "جميلة عمر")),
    ("الرباط _ المغرب اليوم", ("الرباط", None)),
    ("واشنطن _المغرب اليوم", ("واشنطن", None)),
    ("الدار البيضاء / المغرب اليوم", ("الدار البيضاء", None)),
    ("نيويورك-المغرب اليوم", ("نيويورك", None)),
    ("أكد الوزير - في تصريح له أمس أن الحكومة ستعمل على تنفيذ البرنامج", None),
    ("نفى ممثل وزارة الدفاع الروسية، شن غارات.", None),
    ("", None),
])
def test_parse_dateline(line, expected):
    assert parse_dateline(line, LABELS) == expected


def test_parse_byline():
    assert parse_byline("بقلم : خيرالله خيرالله") == "خيرالله خيرالله"
    assert parse_byline("بريشة هاني مظهر") == "هاني مظهر"
    assert parse_byline("قال الوزير إن الحكومة") is None


@pytest.mark.parametrize("line", [
    "قد يهمك أيضــــــــــــــــًا :", "قد يهمك ايضاً :", "أرسل تعليقك", "تعليقك كزائر", "الإسم *",
    "All rights reserved 2019 Arabs Today Ltd.", "Security Code*",
])
def test_end_of_article_markers(line):
    assert ends_article(line)


@pytest.mark.parametrize("line", [
    "آخر تحديث GMT 13:52:25", "GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر", "بقلم : أسامة حجاج",
    "الرئيسية » أخبار عالمية", "اقرأ أيضاً: عنوان آخر", ": Characters Left", "إلزامي *",
    "بناية النخيل - رأس النبع _ خلف السفارة الفرنسية _بيروت - لبنان", "المغرب اليوم -", "almaghribtoday",
])
def test_furniture_lines(line):
    assert is_furniture(line, LABELS)


def test_prose_is_not_furniture():
    assert not is_furniture("وأعلن كوناشينكوف الثلاثاء أن كل أنباء وسائل الإعلام الأجنبية كذب مطلق.", LABELS)
    assert not ends_article("وقال إن الاجتماع قد يهمك معرفة نتائجه لاحقا")
    assert is_furniture("تابعونا على فيسبوك وتويتر لمزيد من الأخبار", LABELS)
    assert not is_furniture("وقال المتحدث: تابعونا الأسبوع الماضي بانتباه، والنتائج ستعلن قريبا.", LABELS)


def test_inline_read_also_is_cut():
    assert cut_inline_read_also("وأكد الوزير أن المشروع سينطلق قريبًا. اقرأ أيضاً: افتتاح محطة جديدة") == \
        "وأكد الوزير أن المشروع سينطلق قريبًا."
    assert cut_inline_read_also("نص عادي بلا إحالة.") == "نص عادي بلا إحالة."
    # mid-sentence the phrase is prose: nothing is cut
    prose = "ولمزيد من التفاصيل، اقرأ أيضاً البلاغ الكامل الصادر عن الوزارة، الذي نشر صباح اليوم."
    assert cut_inline_read_also(prose) == prose
    assert cut_inline_read_also("وأكد الوزير أن المشروع سينطلق قريبًا اقرأ أيضا - افتتاح محطة جديدة") == \
        "وأكد الوزير أن المشروع سينطلق قريبًا"


ARABIC = "<html><body><p>نفى ممثل وزارة الدفاع الروسية شن غارات على مدينة تدمر الأثرية</p></body></html>"


@pytest.mark.parametrize("declared,expected", [
    ("cp1252", "cp1256"),  # no charset: Scrapy's last-resort guess
    ("iso-8859-1", "cp1256"),  # a wrong declared charset
    ("utf-8", "cp1256"),  # declared UTF-8, served cp1256
    ("windows-1256", None),  # declared right
])
def test_windows_1256_bytes_are_recognised(declared, expected):
    assert better_encoding(ARABIC.encode("cp1256"), declared) == expected


def test_utf8_pages_stay_utf8():
    assert better_encoding(ARABIC.encode("utf-8"), "utf-8") is None
    assert better_encoding(ARABIC.encode("utf-8"), "cp1252") == "utf-8"
    # one broken byte: UTF-8 still, the stray byte read as windows-1256 rather than as U+FFFD
    assert better_encoding(ARABIC.encode("utf-8") + b"\xff", "utf-8") == UTF8_WITH_CP1256
    assert better_encoding(b"<html>plain ascii</html>", "cp1252") is None
    assert arabic_share("abc") == 0.0 and arabic_share("مرحبا") == 1.0


@pytest.mark.parametrize("padding", [0, 30_000])
def test_a_utf8_page_with_a_windows_1256_paragraph_keeps_both_readable(padding):
    """Adversary round 8: the whole page was decoded as cp1256 (the UTF-8 text garbled), or, on a
    longer page, the cp1256 paragraph became U+FFFD, with no word in the log either way."""
    from scrapy.http import HtmlResponse

    other = "قال رئيس المجلس البلدي إن الأشغال ستنطلق الأسبوع المقبل في الطريق الساحلي"
    body = (f"<html><body><p>{ARABIC}</p>{'<li>قائمة</li>' * (padding // 20)}".encode()
            + f"<p>{other}</p>".encode("cp1256") + b"</body></html>")
    encoding = better_encoding(body, "utf-8")
    assert encoding == UTF8_WITH_CP1256
    text = HtmlResponse("http://x/", body=body, encoding="utf-8").replace(encoding=encoding).text
    assert ARABIC in text and other in text and "\ufffd" not in text


def test_utf8_page_labelled_windows_1256_is_read_as_utf8():
    assert better_encoding(ARABIC.encode("utf-8"), "windows-1256") == "utf-8"


def test_metadata_lines_but_not_prose_with_dates():
    from newscrawl.dates import parse_date
    from newscrawl.extraction.boilerplate import is_metadata_line

    def is_date(text):
        return parse_date(text) is not None

    assert is_metadata_line("المصدر:", is_date)
    assert is_metadata_line("التاريخ: 03 يونيو 2020", is_date)
    assert is_metadata_line("03 يونيو 2020", is_date)
    assert not is_metadata_line("ويستمر المهرجان حتى 20 أغسطس 2025", is_date)
    assert not is_metadata_line("وأضاف:", is_date)


def test_a_body_line_needs_a_short_place_name_to_be_a_dateline():
    assert parse_dateline("المتحدث باسم الوزارة - إيغور كوناشينكوف", LABELS, max_city_words=2) is None
    assert parse_dateline("الدار البيضاء - جميلة عمر", LABELS, max_city_words=2) == ("الدار البيضاء", "جميلة عمر")


def _html_response(body: bytes, charset: str = "utf-8"):
    from scrapy.http import HtmlResponse

    return HtmlResponse("https://www.almaghribtoday.net/x", body=body,
                        headers={"Content-Type": f"text/html; charset={charset}"})


PAGE_TEXT = "<html><head><title>المغرب اليوم</title></head><body><p>" + "نص عربي طويل من الخبر. " * 40 + "</p></body></html>"


def test_a_utf16_page_with_a_bom_is_read_whatever_the_header_says():
    """Browsers follow the byte-order mark over the header's charset; the page is no garbage."""
    from newscrawl.encoding import looks_like_garbage

    for codec in ("utf-16", "utf-16-be"):
        body = ("\ufeff" + PAGE_TEXT).encode(codec) if codec == "utf-16-be" else PAGE_TEXT.encode(codec)
        response = _html_response(body)
        assert "نص عربي طويل" in response.text
        assert not looks_like_garbage(response.body, response.text)


def test_a_few_nul_bytes_after_the_text_are_no_garbage_but_binary_is():
    import random

    from newscrawl.encoding import looks_like_garbage

    with_nuls = _html_response(PAGE_TEXT.encode("utf-8") + b"\x00" * 8)
    assert not looks_like_garbage(with_nuls.body, with_nuls.text)
    rng = random.Random(7)
    binary = _html_response(bytes(rng.randrange(256) for _ in range(4096)))
    assert looks_like_garbage(binary.body, binary.text)
    png = _html_response(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(2000)))
    assert looks_like_garbage(png.body, png.text)
