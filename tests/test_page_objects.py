"""Page objects: the generic page knows no site, a site page overrides only what it improves,
parser versions are chosen by date, and the generic net decides on general evidence."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from web_poet import field

from newscrawl.extraction.article import article_page, extract_article
from newscrawl.extraction.page import ArticlePage, Found, reconcile_bodies
from newscrawl.extraction.versions import ParserVersion, SiteParser
from newscrawl.sites import NETWORK_SITES
from newscrawl.sites.network_page import NetworkArticlePage

EXTRACTION = Path(__file__).parent.parent / "newscrawl" / "extraction"
FIXTURES = Path(__file__).parent / "fixtures" / "articles"
SITE = NETWORK_SITES["almaghrib"]
PROSE = ("The council approved the new budget on Tuesday after a long debate that lasted until the "
         "early hours of the morning, officials said in a statement. ")


def _page(body_html: str, *, head: str = "", url: str = "https://news.example.org/2024/05/story") -> str:
    return (f"<html><head><title>A headline of the story</title>{head}</head><body>"
            f"<h1>A headline of the story</h1>{body_html}</body></html>")


# ---- the generic page knows no site ----------------------------------------------------------

def test_extraction_package_imports_no_site_knowledge():
    for source in EXTRACTION.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("newscrawl.sites"), f"{source.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("newscrawl.sites") for a in node.names), source.name


def test_generic_page_never_branches_on_a_site():
    """No ``if ... site`` in the generic extraction: site knowledge is a subclass's override."""
    for source in EXTRACTION.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.If, ast.IfExp)):
                names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
                attrs = {n.attr for n in ast.walk(node.test) if isinstance(n, ast.Attribute)}
                assert not ({"site"} & (names | attrs)), f"{source.name}:{node.lineno} branches on the site"


def test_site_pages_use_the_site_parser_and_unknown_sites_the_generic_page():
    seed = (FIXTURES / "amp_page" / "page.html").read_text(encoding="utf-8")
    url = json.loads((FIXTURES / "amp_page" / "meta.json").read_text())["url"]
    assert type(article_page(seed, url, SITE)) is NetworkArticlePage
    assert type(article_page(seed, url)) is ArticlePage
    assert extract_article(seed, url, SITE).provenance["parser"] == "network@2017"
    assert extract_article(seed, url).provenance["parser"] == "generic"


def test_each_field_is_computed_once_per_page():
    calls = []

    class Counting(ArticlePage):
        def body_container(self):
            calls.append(1)
            return super().body_container()

    page = Counting(article_page(_page(f"<article><p>{PROSE * 3}</p></article>"), "https://x.org/a/b").doc)
    page.extraction()
    page.extraction()
    assert len(calls) == 1  # body, image, author, classification all read one cached container


def test_a_site_page_overrides_one_field_and_keeps_the_rest():
    class Loud(ArticlePage):
        @field(cached=True)
        def headline(self) -> Found:
            return Found("LOUD", "selectors")

    html = _page(f"<article><p>{PROSE * 3}</p></article>", head='<meta property="og:description" content="About it">')
    out = Loud(article_page(html, "https://x.org/a/b").doc).extraction()
    assert out.fields["headline"] == "LOUD"
    assert out.fields["description"] == "About it" and out.fields["body"].startswith("The council")


# ---- versions ------------------------------------------------------------------------------

class _OldTemplate(NetworkArticlePage):
    """A made-up earlier template whose body sat in <div id="oldbody">."""

    def body_container(self):
        found = self.doc.sel.css("#oldbody")
        return Found(found[0].root, "selectors") if found else super().body_container()


VERSIONED = SiteParser("network", (
    ParserVersion("2015", _OldTemplate, until=date(2017, 1, 1)),
    ParserVersion("2017", NetworkArticlePage, since=date(2017, 1, 1)),
))


def _versioned_page(stamp: str) -> str:
    return (f"<html><head><title>خبر</title></head><body><h1>عنوان الخبر الرئيسي اليوم</h1>"
            f"<div>GMT 12:05 {stamp}</div><div id='oldbody'><p>{'نص الخبر القديم كما كتب في القالب السابق. ' * 6}</p></div>"
            f"<div id='balmon'><p>{'نص الخبر الجديد كما يظهر في القالب الحالي للموقع. ' * 6}</p></div></body></html>")


def test_the_version_is_chosen_by_the_page_date():
    site = replace(SITE, parser=VERSIONED)
    url = "https://www.almaghribtoday.net/36/120500-x"
    old = extract_article(_versioned_page("2016 الأربعاء ,28 كانون الأول / ديسمبر"), url, site)
    new = extract_article(_versioned_page("2018 الجمعة ,28 كانون الأول / ديسمبر"), url, site)
    assert old.provenance["parser"] == "network@2015" and "القديم" in old.fields["body"]
    assert new.provenance["parser"] == "network@2017" and "الجديد" in new.fields["body"]


def test_the_archive_date_wins_over_the_page_date():
    site = replace(SITE, parser=VERSIONED)
    html = _versioned_page("2018 الجمعة ,28 كانون الأول / ديسمبر")
    url = "https://www.almaghribtoday.net/36/120500-x"
    out = extract_article(html, url, site, archived_at=datetime(2016, 3, 1, tzinfo=timezone.utc))
    assert out.provenance["parser"] == "network@2015"


def test_an_undated_page_gets_the_current_version():
    assert VERSIONED.version_for(None).name == "2017"
    assert VERSIONED.version_for(date(1990, 1, 1)).name == "2015"
    with pytest.raises(ValueError):
        SiteParser("empty", ())


# ---- the generic net -----------------------------------------------------------------------

STORY = [f"Paragraph {i} of the story tells what happened in the city council meeting on day {i}." for i in range(8)]


def test_reconcile_takes_the_fuller_reading_when_it_holds_ours():
    ours = STORY[2:4]
    theirs = ["Home", "Sports", *STORY, "Subscribe"]
    taken, extended = reconcile_bodies(ours, theirs)
    assert extended and taken == STORY  # menus around it are not prose: not taken


def test_reconcile_trims_edges_the_other_reading_does_not_back():
    related = "Read more: the mayor announced a new park in the northern district yesterday evening."
    ours = [related, *STORY, "Our reporter covers local politics and writes a weekly column for us."]
    taken, extended = reconcile_bodies(ours, STORY)
    assert not extended and taken == STORY


def test_reconcile_keeps_ours_when_the_readings_disagree():
    other = [f"An unrelated text number {i} about football results and the league table this week." for i in range(8)]
    assert reconcile_bodies(STORY, other) == (STORY, False)
    assert reconcile_bodies(STORY, []) == (STORY, False)
    assert reconcile_bodies([], STORY) == (STORY, True)


def test_a_dated_article_is_kept_whatever_its_og_type():
    html = _page(f"<article><p>{PROSE * 4}</p></article>",
                 head='<meta property="og:type" content="website">'
                      '<meta property="article:published_time" content="2024-05-02T10:00:00Z">')
    assert extract_article(html, "https://news.example.org/2024/05/story").not_article is None


def test_an_undated_website_page_is_not_an_article():
    html = _page(f"<article><p>{PROSE * 4}</p></article>", head='<meta property="og:type" content="website">')
    reason = extract_article(html, "https://news.example.org/about").not_article
    assert reason == "og:type website, no date"


def test_little_text_is_not_an_article():
    assert extract_article(_page("<p>Short.</p>"), "https://x.org/a").not_article == "too little article text"


# ---- an outlet is never an author ----------------------------------------------------------

@pytest.mark.parametrize("head", [
    '<meta property="og:site_name" content="Daily Planet"><meta name="author" content="Daily Planet">',
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A headline of the story", '
    '"author": {"@type": "Organization", "name": "Planet Media Group"}}</script>',
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A headline of the story", '
    '"publisher": {"@type": "Organization", "name": "Planet News"}, "author": "Planet News"}</script>',
    '<meta name="author" content="example">',
])
def test_the_outlet_is_never_the_author(head):
    html = _page(f"<article><p>{PROSE * 4}</p></article>", head=head)
    assert extract_article(html, "https://www.example.org/2024/05/story").fields.get("author") is None


def test_a_person_named_like_the_publisher_is_taken_for_the_outlet():
    """Outlets declare themselves as a JSON-LD Person too; a blog under its writer's name cannot
    be told apart, and loses its author (README, "How extraction works")."""
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A headline of the story", '
            '"publisher": {"@type": "Organization", "name": "Daily Herald"}, '
            '"author": {"@type": "Person", "name": "Daily Herald"}}</script>')
    html = _page(f"<article><p>{PROSE * 4}</p></article>", head=head)
    assert extract_article(html, "https://dailyherald.example/posts/one").fields.get("author") is None


@pytest.mark.parametrize(("author", "site_name", "url"), [
    ("Example News", None, "https://example-news.com/2024/05/story"),  # the domain, spelled as words
    ("ExampleNews", None, "https://www.example-news.com/2024/05/story"),
    ("The Daily Herald", "Daily Herald", "https://dh.example/2024/05/story"),
    ("DailyHerald.com", "Daily Herald", "https://dh.example/2024/05/story"),
    ("الأهرام", "بوابة الأهرام", "https://ahram-news.example/2024/05/story"),  # a name held in the outlet's
    ("بوابة اليوم السابع", "اليوم السابع", "https://youm.example/2024/05/story"),  # the outlet's name and more
])
def test_spellings_of_the_outlet_are_not_authors(author, site_name, url):
    head = f'<meta name="author" content="{author}">'
    if site_name:
        head += f'<meta property="og:site_name" content="{site_name}">'
    html = _page(f"<article><p>{PROSE * 4}</p></article>", head=head)
    assert extract_article(html, url).fields.get("author") is None


def test_a_real_writer_is_still_the_author():
    head = '<meta property="og:site_name" content="Daily Herald"><meta name="author" content="Jane Holloway">'
    html = _page(f"<article><p>{PROSE * 4}</p></article>", head=head)
    assert extract_article(html, "https://dailyherald.example/2024/05/story").fields["author"] == "Jane Holloway"


@pytest.mark.parametrize(("head", "author"), [
    # every person of a JSON-LD author list, its organisations left out (only the first was taken)
    ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A headline of the story", "author": '
     '[{"@type": "Person", "name": "David Brand"}, {"@type": "Organization", "name": "Wire Service"}, '
     '"Ramsey Khalifeh", {"@type": "Person", "name": "David Brand"}]}</script>', "David Brand, Ramsey Khalifeh"),
    # a profile URL in article:author hid the plain author name (the keys were read as one list)
    ('<meta property="article:author" content="https://www.facebook.com/dailyherald">'
     '<meta name="author" content="Markus Steinrisser">', "Markus Steinrisser"),
    ('<meta name="author" content="facebook.com/evgenia.karp">'
     '<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Evgenia Karp">', "Evgenia Karp"),
    # WordPress SEO's "Written by" line, whichever number it has
    ('<meta name="twitter:label1" content="Est. reading time"><meta name="twitter:data1" content="4 minutes">'
     '<meta name="twitter:label2" content="Written by"><meta name="twitter:data2" content="Katharina Schmidt">',
     "Katharina Schmidt"),
])
def test_every_writer_the_metadata_names_is_read(head, author):
    html = _page(f"<article><p>{PROSE * 4}</p></article>", head=head)
    assert extract_article(html, "https://dailyherald.example/2024/05/story").fields.get("author") == author


@pytest.mark.parametrize(("above", "author"), [
    ('<div class="byline-section"><span class="author">  Kevin Johnson and Kevin McCoy </span></div>',
     "Kevin Johnson and Kevin McCoy"),
    ('<div class="article-header__byline">By Jessica Holly , Gail Levy</div>', "Jessica Holly, Gail Levy"),
    ('<span class="author vcard">von flerche</span>', "flerche"),
    ('<div class="PostByline">Von Jens Muster</div>', "Jens Muster"),
    ('<p class="AUTHOR">Anna Menin</p>', "Anna Menin"),
    ('<a rel="author" href="/Editors/689/نورهان-نبيل"><h5>نورهان نبيل</h5></a>', "نورهان نبيل"),
    ('<span itemprop="author">Eleanor Ainge Roy</span>', "Eleanor Ainge Roy"),
    # not names: a date line, an address, the outlet itself
    ('<div class="byline">By Alex Bozarjian Thursday, November 9, 2023 4:41AM</div>', None),
    ('<div class="author">newsroom@example.org</div>', None),
    ('<div class="author">Daily Herald</div>', None),
])
def test_the_byline_a_page_marks_is_the_last_resort_for_the_author(above, author):
    head = '<meta property="og:site_name" content="Daily Herald">'
    html = _page(f"{above}<article><p>{PROSE * 4}</p></article>"
                 "<aside><span class='author'>Sidebar Writer</span></aside>"
                 "<div class='related'><span class='author'>Other Writer</span></div>", head=head)
    assert extract_article(html, "https://dailyherald.example/2024/05/story").fields.get("author") == author


def test_a_marked_byline_after_the_body_is_another_storys():
    html = _page(f"<article><p>{PROSE * 4}</p></article>"
                 "<div class='related'><span class='author'>Other Writer</span></div>")
    assert extract_article(html, "https://dailyherald.example/2024/05/story").fields.get("author") is None


def test_the_same_page_gives_the_same_body_every_time():
    """trafilatura's default deduplication made a page's text depend on the pages before."""
    html = _page("<div>" + "".join(f"<p>{line}</p>" for line in STORY) + "</div>")
    bodies = {extract_article(html, "https://x.org/a/b").fields.get("body") for _ in range(3)}
    assert len(bodies) == 1 and None not in bodies


@pytest.mark.parametrize("title", ["المغرب اليوم - عنوان الخبر الرئيسي", "عنوان الخبر الرئيسي | المغرب اليوم"])
def test_the_name_a_title_prints_around_the_headline_is_the_outlet(title):
    html = (f"<html><head><title>{title}</title><meta property='og:title' content='{title}'></head><body>"
            "<h1>عنوان الخبر الرئيسي</h1><article><p>الرباط - المغرب اليوم</p>"
            f"<p>{'وقال المسؤول إن المشروع سينطلق خلال الأسابيع المقبلة في عدة مدن من البلاد. ' * 5}</p>"
            "</article></body></html>")
    out = extract_article(html, "https://news.example.ma/2024/05/story")
    assert out.fields["headline"] == "عنوان الخبر الرئيسي" and out.provenance["headline"] == "selectors"
    assert out.fields.get("author") is None  # "City - <outlet>": unsigned
    assert out.fields.get("location") == "الرباط"


DATED = "<time datetime='2024-03-12'>March 12, 2024</time>"


def test_text_written_straight_into_a_table_cell_is_a_body():
    cell = "<br><br>".join(STORY)
    html = _page(f"{DATED}<table><tr><td>{cell}</td></tr></table>")
    out = extract_article(html, "https://news.example.org/2024/03/12/budget")
    assert out.not_article is None and out.fields["body"].split("\n\n")[0] == STORY[0]


@pytest.mark.parametrize("url", ["https://news.example.org/?p=123", "https://news.example.org/#/news/123"])
def test_a_post_addressed_by_query_or_fragment_is_no_home_page(url):
    html = _page(f"{DATED}<article>{''.join(f'<p>{p}</p>' for p in STORY)}</article>",
                 head='<meta property="og:type" content="website">')
    assert extract_article(html, url).not_article is None


def test_a_byline_verb_is_no_place():
    html = _page(f"<article><p>كتب: محمد أحمد</p><p>{'وقال المسؤول إن المشروع سينطلق قريبا في عدة مدن. ' * 8}</p></article>")
    out = extract_article(html, "https://news.example.eg/2024/05/story")
    assert out.fields.get("location") is None and out.fields.get("author") == "محمد أحمد"


def test_the_date_line_is_no_subtitle():
    html = _page(f"{DATED}<article>{''.join(f'<p>{p}</p>' for p in STORY)}</article>")
    assert extract_article(html, "https://news.example.org/2024/03/12/budget").fields.get("subtitle") is None


ADVERT_STORY = [
    "The city council approved the new transit budget on Tuesday after a long debate.",
    "Supporters said buses would run more often on the busiest routes from next spring.",
    "Critics warned that fares could rise if ridership does not recover as projected.",
    "The mayor promised a public review of the plan before the end of the fiscal year.",
    "Several residents spoke at the hearing, most of them in favour of more frequent service.",
    "A union representing drivers asked for new hiring to keep pace with the added routes.",
]


def test_a_story_split_around_an_advert_is_whole():
    story = ADVERT_STORY
    half = len(story) // 2
    blocks = (f"<div>{''.join(f'<p>{p}</p>' for p in story[:half])}</div><div class='x'>Advertisement</div>"
              f"<div>{''.join(f'<p>{p}</p>' for p in story[half:])}</div>")
    out = extract_article(_page(f"<article>{DATED}{blocks}</article>"), "https://news.example.org/2024/03/12/b")
    assert out.fields["body"].split("\n\n") == story


@pytest.mark.parametrize("line", [
    "Sign up for our newsletter to get the top stories every morning.",
    "We use cookies to improve your experience on our website. By continuing you agree.",
    "© 2024 Daily Herald. All rights reserved.",
    "Follow us on Twitter and Facebook for the latest updates from the newsroom.",
])
def test_site_furniture_in_english_is_not_body(line):
    html = _page(f"{DATED}<article>{''.join(f'<p>{p}</p>' for p in STORY)}<p>{line}</p></article>")
    body = extract_article(html, "https://news.example.org/2024/03/12/budget").fields["body"]
    assert line not in body and STORY[-1] in body


def test_the_second_opinion_reads_a_copy_of_the_containers_neighbourhood():
    """trafilatura judges a guessed container from a copy of its surroundings (a few levels up,
    never above <body>): the page is left untouched, and far-away parts of the page are not read."""
    from lxml import html as lxml_html
    from newscrawl.extraction.page import SECOND_OPINION_LEVELS, _neighbourhood_copy

    nested = "<div class='far'><p>far away</p></div>" + "<div>" * 8 + "<p id='c'>story</p>" + "</div>" * 8
    root = lxml_html.fromstring(f"<html><body>{nested}</body></html>")
    container = root.get_element_by_id("c")
    page = _neighbourhood_copy(container)
    assert page.tag == "html" and page[0].tag == "body"
    assert "story" in page.text_content() and "far away" not in page.text_content()
    region = page[0][0]
    depth = sum(1 for _ in region.iterdescendants("div"))  # the divs below the copied ancestor
    assert depth == SECOND_OPINION_LEVELS - 1
    assert root.get_element_by_id("c").getparent() is container.getparent()  # the page itself is untouched
    # A container right under <body> is read with its siblings' parent never above <body>.
    shallow = lxml_html.fromstring("<html><body><p id='c'>story</p><p>next</p></body></html>")
    page = _neighbourhood_copy(shallow.get_element_by_id("c"))
    assert page[0][0].tag == "p" and page[0][0].text == "story"


def test_a_story_split_over_deep_wrappers_is_still_whole():
    """The density guess takes the larger half of a story whose halves sit three wrappers
    apart; the second opinion reads far enough around it to see the other half."""
    sentence = ("The regional council met on Tuesday to review the transit budget, and members "
                "debated the schedule of new bus routes for the northern districts at length. ")
    story = [f"Paragraph {n}. " + sentence * 2 for n in range(7)]
    deep = lambda paras: "<div><div><div>" + "".join(f"<p>{p.strip()}</p>" for p in paras) + "</div></div></div>"  # noqa: E731
    blocks = f"{deep(story[:4])}<div class='x'>Advertisement</div>{deep(story[4:])}"
    page = article_page(_page(f"<div>{DATED}<div>{blocks}</div></div>"), "https://news.example.org/2024/03/12/b", None)
    assert page.container.value.findall("p") and len(page.container.value.findall("p")) == 4  # the guess: one half
    assert page.body.value.split("\n\n") == [p.strip() for p in story]


def test_a_placeholder_date_does_not_hide_the_real_one():
    """A CMS's "0001-01-01" in JSON-LD is no date: the next source (OpenGraph) is read."""
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "0001-01-01T00:00:00Z"}</script>'
    og = '<meta property="article:published_time" content="2024-03-12T09:30:00+01:00">'
    html = _page(f"<article>{''.join(f'<p>{p}</p>' for p in STORY)}</article>", head=ld + og)
    fields = extract_article(html, "https://news.example.org/2024/03/12/story").fields
    assert fields["date_published_raw"] == "2024-03-12T09:30:00+01:00"
    # With nothing better, the placeholder stays as evidence (the date pipeline refuses it, counted).
    alone = extract_article(_page(f"<article>{''.join(f'<p>{p}</p>' for p in STORY)}</article>", head=ld),
                            "https://news.example.org/2024/03/12/story").fields
    assert alone["date_published_raw"] == "0001-01-01T00:00:00Z"


def test_html_entities_written_into_json_ld_are_read_as_characters():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Spa &#038; Vulkanland &amp; more",'
          ' "datePublished": "2024-03-12T09:30:00+01:00"}</script>')
    html = _page(f"<article>{''.join(f'<p>{p}</p>' for p in STORY)}</article>", head=ld).replace(
        "<h1>A headline of the story</h1>", "")
    fields = extract_article(html, "https://news.example.org/2024/03/12/story").fields
    assert fields["headline"] == "Spa & Vulkanland & more"


# --- the generic page's date line under the headline (adversary round 12) --------------------------
_GENERIC_BODY = "".join(f"<p>{sentence} وأضاف المتحدث أن العمل سيتواصل خلال الأسابيع المقبلة في كل المناطق.</p>"
                        for sentence in ("أعلنت الحكومة عن برنامج جديد لدعم المقاولات الصغيرة.",
                                         "وأوضح بلاغ رسمي أن البرنامج يشمل تمويلات ميسرة ومواكبة تقنية.",
                                         "وينتظر أن يستفيد منه آلاف الشباب حاملي المشاريع في الجهات.",
                                         "وكانت وزارة المالية قد أعدت الإطار القانوني للبرنامج منذ أشهر."))


def _generic_page(below_headline: str) -> str:
    return (f"<html lang='ar'><head><title>الحكومة تعلن برنامجا لدعم المقاولات</title></head><body>"
            f"<h1>الحكومة تعلن برنامجا لدعم المقاولات</h1>{below_headline}<article>{_GENERIC_BODY}</article></body></html>")


@pytest.mark.parametrize("edited", ["<span>آخر تعديل: 15 سبتمبر 2024 - 18:45</span>",
                                    "<b>آخر تعديل:</b> <span>15 سبتمبر 2024 - 18:45</span>",
                                    "<span>Updated: 15 سبتمبر 2024 - 18:45</span>"])
def test_a_date_labelled_as_an_edit_is_not_the_publication_date(edited):
    html = _generic_page(f"<div class='dates'>{edited}<br><span>14 سبتمبر 2024 - 09:05</span></div>")
    fields = extract_article(html, "https://news.example/2024/09/14/budget-program-for-small-firms", None).fields
    assert fields["date_published_raw"] == "14 سبتمبر 2024 - 09:05"


def test_a_teasers_date_between_the_headline_and_the_articles_is_not_the_articles():
    teaser = ("<div class='also'><a href='/sport/2022/03/01/national-team-wins-friendly-match'>المنتخب يفوز وديا</a>"
              " <span>1 مارس 2022</span></div>")
    html = _generic_page(f"{teaser}<div class='date'>14 مارس 2022 - 15:00</div>")
    fields = extract_article(html, "https://news.example/politics/2022/03/14/budget-program-for-small-firms", None).fields
    assert fields["date_published_raw"] == "14 مارس 2022 - 15:00"


def test_a_storys_first_half_in_a_container_of_its_own_stays_in_the_body():
    """A network-like page (adversary round 12's variant 51) read by the generic page: the story
    split by a photo into ``#balmon`` and a sibling container. trafilatura's reading brings the
    first half back into the body, but its second paragraph, the last text above the guessed
    container, was also taken for the sub-headline and dropped from the body."""
    html = (Path(__file__).parent / "data" / "split_body_after_photo.html").read_text("utf-8")
    fields = extract_article(html, "http://127.0.0.1:8080/314/144000-وزارة-الصحة-تعلن-عن-مباراة-لتوظيف-الممرضين",
                             None).fields
    for number in (1, 2, 3, 4):
        assert f"بالمرحلة {number} من البرنامج" in fields["body"], number
    assert fields.get("subtitle") is None


def test_a_time_in_its_own_element_before_the_day_is_read_with_it():
    """"<b>GMT 14:32</b> 2025 الثلاثاء ,15 نيسان / أبريل": the day alone read as midnight before."""
    html = _generic_page("<div class='meta'><b>GMT 14:32</b> 2025 الثلاثاء ,15 نيسان / أبريل</div>")
    fields = extract_article(html, "https://news.example/2025/04/15/budget-program-for-small-firms", None).fields
    assert fields["date_published_raw"] == "GMT 14:32 2025 الثلاثاء ,15 نيسان / أبريل"
