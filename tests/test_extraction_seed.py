"""The seed article: the one real page we have, as gold."""

from __future__ import annotations

import pytest

from newscrawl.extraction.article import extract_article
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from newscrawl.sites.almaghrib import SITE

BOILERPLATE = ["آخر تحديث", "almaghribtoday", "الإسم *", "البريد الألكتروني", "Security Code", "شروط النشر",
               "All rights reserved", "بناية النخيل", "GMT", "بقلم", "بريشة", "المغرب اليوم -", "Characters Left",
               "البنتاغون\" يدعو إلى إجراء مشاورات عسكرية عاجلة"]


def seed_gold(shared) -> dict:
    """The seed page's own text: headline first line, the 12 body paragraphs in order."""
    lines = [line.strip() for line in (shared / "seeds" / "000_823bc19be5af1ebc.txt").read_text("utf-8").splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("نفى ممثل وزارة الدفاع"))
    end = next(i for i, line in enumerate(lines) if line.endswith("لم يسمح له بالمشاركة في الاجتماع."))
    return {"headline": lines[0], "body": [line for line in lines[start:end + 1] if line]}


@pytest.fixture(scope="module")
def seed_page():
    site = MirrorSite(articles=30)
    status, _, body = route(site, "https://www.almaghribtoday.net", site.seed.path)
    assert status == 200
    return site, body.decode("utf-8")


def test_seed_article_fields_exactly(shared, seed_page):
    site, html = seed_page
    gold = seed_gold(shared)
    assert len(gold["body"]) == 12
    result = extract_article(html, "https://www.almaghribtoday.net" + site.seed.path, SITE)
    fields = result.fields
    assert result.not_article is None
    assert fields["headline"] == gold["headline"] == "وزارة الدفاع الروسية تنفي أخبار قصفها لمناطق سكنية وأثرية في سورية"
    assert fields["subtitle"] == "روسيا تنفي قصف مقاتلاتها للمناطق الأثرية بسورية"
    assert fields["location"] == "دمشق"
    assert fields["author"] == "نور خوام"
    assert fields["body"].split("\n\n") == gold["body"]
    assert fields["section"] == "أخبار عالمية"
    assert fields["date_published_raw"] == "GMT 13:45 2015 الثلاثاء ,06 تشرين الأول / أكتوبر"


def test_seed_body_has_no_boilerplate(seed_page):
    site, html = seed_page
    body = extract_article(html, "https://www.almaghribtoday.net" + site.seed.path, SITE).fields["body"]
    for line in BOILERPLATE:
        assert line not in body, line


def test_site_clock_and_related_stamps_are_never_the_date(seed_page):
    site, html = seed_page
    # Without the article's own stamp, the related items' stamps and the clock must not be used.
    stripped = html.replace('<div class="articledate">GMT 13:45 2015 الثلاثاء ,06 تشرين الأول / أكتوبر</div>', "")
    result = extract_article(stripped, "https://www.almaghribtoday.net" + site.seed.path, SITE)
    assert result.fields.get("date_published_raw") is None


def test_feed_date_fills_in_when_the_page_has_none(seed_page):
    site, html = seed_page
    stripped = html.replace('<div class="articledate">GMT 13:45 2015 الثلاثاء ,06 تشرين الأول / أكتوبر</div>', "")
    result = extract_article(stripped, "https://www.almaghribtoday.net" + site.seed.path, SITE,
                             feed={"date_published_raw": "Tue, 06 Oct 2015 13:45:12 GMT"})
    assert result.fields["date_published_raw"] == "Tue, 06 Oct 2015 13:45:12 GMT"
    assert result.provenance["date_published_raw"] == "feed"


def test_amp_copy_folds_onto_the_canonical_url(seed_page):
    site, _ = seed_page
    _, _, body = route(site, "https://www.almaghribtoday.net", site.seed.amp_path)
    result = extract_article(body.decode(), "https://www.almaghribtoday.net" + site.seed.amp_path, SITE)
    assert result.fields["url"] == "https://www.almaghribtoday.net" + site.seed.path
    assert result.fields["body"].split("\n\n") == list(site.seed.paragraphs)  # the "قد يهمك" trailer is cut
    assert result.fields["section"] == "أخبار عالمية"


def test_stamps_and_datelines_above_the_headline_belong_to_other_stories(seed_page):
    """A "most read" box above the article, with its own stamp and teaser dateline, must not
    lend the article a date, a city or an author."""
    site, html = seed_page
    sidebar = ('<div class="mostread"><h4 class="coring">طرابلس - فاطمة سعداوي</h4>'
               '<span>GMT 09:10 2016 الأربعاء ,03 آب / أغسطس</span></div>')
    own_stamp = '<div class="articledate">GMT 13:45 2015 الثلاثاء ,06 تشرين الأول / أكتوبر</div>'
    page = html.replace(own_stamp, "").replace('<h1 class="articletitle">', sidebar + '<h1 class="articletitle">')
    page = page.replace('<h4 class="coring">دمشق - نور خوام</h4>', "")
    result = extract_article(page, "https://www.almaghribtoday.net" + site.seed.path, SITE,
                             feed={"date_published_raw": "Tue, 06 Oct 2015 13:45:12 GMT"})
    assert result.fields["date_published_raw"] == "Tue, 06 Oct 2015 13:45:12 GMT"
    assert result.fields.get("location") is None and result.fields.get("author") is None
