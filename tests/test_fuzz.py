"""Property tests of the pure parts: arbitrary text and HTML-ish pages never crash them.

Hypothesis runs a fixed, derandomized budget per test (``FUZZ``) so CI time stays bounded and
runs repeat; no example database is written. The references below (the regex that stripped
site labels before, the recursive block walk) pin the rewritten code to the old behaviour.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector

from newscrawl.arabic import LABEL_SEPARATORS
from newscrawl.dates import DateResult, analyse_date, is_plausible, parse_date
from newscrawl.dedupe import keys
from newscrawl.extraction.article import Extraction, extract_article
from newscrawl.extraction.blocks import (
    BLOCK_TAGS,
    SKIP_TAGS,
    Block,
    _tag,
    is_caption,
    iter_blocks,
)
from newscrawl.extraction.boilerplate import (
    cut_inline_read_also,
    ends_article,
    is_embed_attribution,
    is_furniture,
    is_metadata_line,
    is_share_bar,
)
from newscrawl.extraction.dateline import parse_byline, parse_dateline
from newscrawl.extraction.density import _stripped_length, _text_lengths
from newscrawl.extraction.metadata import _walk_jsonld
from newscrawl.sites import NETWORK_SITES
from newscrawl.text import (
    clean_text,
    collapse_text,
    fold_for_matching,
    is_label_only,
    split_list,
    strip_site_label,
)

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

LABEL = "المغرب اليوم"
LABELS = (LABEL, "almaghribtoday", "almaghrib")
REFERENCE = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
KNOWN_FLAGS = {"empty", "no_date", "time_only", "no_day", "invalid_date", "month_pair_mismatch",
               "weekday_mismatch", "no_year", "relative", "vague", "hijri", "truncated",
               "unattached", "unread", "unknown_zone", "hijri_mismatch", "ambiguous_time"}

# Pieces of what pages print, so the generated text reaches the interesting paths.
DATE_PIECES = [
    "GMT", "12:05", "2017", "28", "/", "-", ",", "،", "+0100", "-05:00", " ", "كانون", "الأول", "ديسمبر",
    "الخميس", "منذ", "3", "ساعات", "أمس", "اليوم", "هـ", "رمضان", "1445", "ص", "م", "بتوقيت", "القاهرة",
    "T", "Z", "2017-12-28", "28/12/2017", "Thu, 28 Dec 2017 12:05:00 +0000", "٢٨", "\u200f", "\u064e", ":",
    "(", ")", "ليلا", "9999", "24:00", "٫", "0", "أول",
]
TITLE_PIECES = [LABEL, "almaghribtoday", "Almaghrib", "اليوم", " ", "  ", "-", "|", "ـ", ":", "–", "_", "/", "•", "\\",
                "خبر", "عاجل", "x", "\u200f", "\u064e", "«", "»", '"']
ARABIC = ["نفى ممثل وزارة الدفاع الروسية شن غارات على مدينة تدمر الأثرية.", "قد يهمك أيضا", "اقرأ أيضاً: عنوان",
          "بقلم : خيرالله خيرالله", "دمشق - نور خوام", "GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر",
          "الرئيسية » أخبار", LABEL, "\u064b\u0651\u0640", "\u200f", "شارك", "طباعة Email فيسبوك", " ", "\n", "|"]
TAGS = ["<p>", "</p>", "<div>", "</div>", "<h1>", "</h1>", "<title>", "</title>", "<a href='/36/120000-x'>",
        "<a href='http://[bad'>", "</a>", "http://[", "//[::1", "<br>", "<img src='/x.jpg'>",
        "<span class='caption'>", "</span>",
        "<h4 class='coring'>", "</h4>", "<div id='balmon'>", "<div itemprop='articleBody'>", "<script>", "</script>",
        "<script type='application/ld+json'>", '{"@type": "NewsArticle", "headline": "', '", "datePublished": "',
        '"}', "[", "]", "<meta property='og:site_name' content='", "<meta property='og:title' content='",
        "<meta property='og:image' content='", "<meta name='keywords' content='", "'>",
        "<link rel='canonical' href='", "<time datetime='", "<!--", "-->", "&amp;", "<", ">", "\x00", "'", '"',
        "<table><tr><td>", "</td></tr></table>", "<ul><li>", "</li></ul>", "<?pi x?>", "<![CDATA[", "]]>"]

date_text = st.one_of(st.lists(st.sampled_from(DATE_PIECES), max_size=12).map(" ".join),
                      st.lists(st.sampled_from(DATE_PIECES), max_size=12).map("".join), st.text())
titles = st.one_of(st.lists(st.sampled_from(TITLE_PIECES), max_size=14).map("".join), st.text())
page_text = st.one_of(st.lists(st.sampled_from(ARABIC + TITLE_PIECES), max_size=10).map("".join), st.text())
html_pages = st.one_of(st.lists(st.sampled_from(TAGS + ARABIC), max_size=40).map("".join), st.text(max_size=300))


# --- dates ------------------------------------------------------------------------------------

@FUZZ
@given(date_text, st.sampled_from([None, "UTC", "Africa/Casablanca", "Asia/Riyadh"]))
def test_analyse_date_never_raises_and_returns_an_aware_datetime(text, tz):
    result = analyse_date(text, reference=REFERENCE, tz=tz)
    assert isinstance(result, DateResult)
    assert result.value is None or (isinstance(result.value, datetime) and result.value.utcoffset() is not None)
    assert result.flags <= KNOWN_FLAGS
    assert parse_date(text, reference=REFERENCE, tz=tz) == result.value
    is_plausible(result.value, now=REFERENCE)


@FUZZ
@given(st.binary(max_size=60), st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
def test_analyse_date_takes_bytes_and_any_reference(raw, reference):
    result = analyse_date(raw, reference=reference.replace(tzinfo=timezone(timedelta(hours=3))))
    assert result.value is None or result.value.utcoffset() is not None


# --- text -------------------------------------------------------------------------------------

@FUZZ
@given(page_text)
def test_clean_text_is_idempotent(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert cleaned == collapse_text(text).strip()
    assert "  " not in cleaned


@FUZZ
@given(page_text)
def test_fold_and_list_helpers_never_raise(text):
    folded = fold_for_matching(text)
    assert fold_for_matching(folded) == folded
    items = split_list(text)
    assert len(items) == len(set(items)) and all(item == clean_text(item) and item for item in items)
    is_label_only(text, LABELS)


def _old_strip_site_label(text: str, labels: tuple[str, ...]) -> str:
    """The regex strip_site_label replaced (exponential on long inputs: short ones only here),
    with the separators it now shares with the dedupe key (arabic.LABEL_SEPARATORS)."""
    names = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    sep = f"[{re.escape(LABEL_SEPARATORS)}]+"
    pattern = re.compile(rf"^(?:\s*(?:{names})\s*{sep}\s*)+|(?:\s*{sep}\s*(?:{names})\s*)+$", re.IGNORECASE)
    text = clean_text(text)
    return pattern.sub("", text).strip() if text and labels else text


label_sets = st.sampled_from([LABELS, (LABEL, "اليوم"), ("a-b", "b"), (r"(a+)+$", "x|y")])


@FUZZ
@given(st.lists(st.sampled_from(TITLE_PIECES + ["a-b", "b", "(a+)+$", "x|y"]), max_size=12).map("".join), label_sets)
def test_strip_site_label_strips_as_the_old_regex_did(title, labels):
    assert strip_site_label(title, labels) == _old_strip_site_label(title, labels)


@FUZZ
@given(titles, label_sets)
def test_strip_site_label_is_idempotent_and_clean(title, labels):
    stripped = strip_site_label(title, labels)
    assert stripped == clean_text(stripped)
    assert strip_site_label(stripped, labels) == stripped


# --- boilerplate and datelines ----------------------------------------------------------------

@FUZZ
@given(page_text)
def test_line_classifiers_never_raise(text):
    is_furniture(text, LABELS)
    ends_article(text)
    is_share_bar(text)
    is_embed_attribution(text)
    is_metadata_line(text, lambda t: parse_date(t, reference=REFERENCE) is not None)
    assert text.startswith(cut_inline_read_also(text))
    dateline = parse_dateline(text, LABELS)
    assert dateline is None or (dateline[0] and dateline[1] != "")
    assert parse_byline(text) is None or parse_byline(text).strip()


# --- dedupe keys ------------------------------------------------------------------------------

@FUZZ
@given(st.one_of(titles, page_text))
def test_title_key_never_raises_and_equals_its_rules(text):
    key = keys.title_key(text)
    assert key == keys.compose_rules(text)
    assert key == " ".join(key.split())
    for rule in keys.RULES:
        assert isinstance(rule(text), str)


# --- tree walks -------------------------------------------------------------------------------

def _recursive_blocks(root) -> list[Block]:
    """iter_blocks as it was written before it became iterative (recursive, no caps)."""
    blocks: list[Block] = []
    pieces: list[str] = []
    state = {"link": 0, "image": False, "tag": ""}

    def flush() -> None:
        text = clean_text("".join(pieces))
        if text or state["image"]:
            blocks.append(Block(text, min(state["link"], len(text)), state["image"], state["tag"]))
        pieces.clear()
        state.update(link=0, image=False, tag="")

    def add(text, in_link) -> None:
        if text:
            pieces.append(text)
            if in_link:
                state["link"] += len(clean_text(text))

    def walk(el, in_link) -> None:
        tag = _tag(el)
        if tag and tag not in SKIP_TAGS and not is_caption(el):
            block = tag in BLOCK_TAGS
            if block or tag == "br":
                flush()
            if block:
                state["tag"] = tag
            if tag in ("img", "amp-img", "picture"):
                state["image"] = True
            inner_link = in_link or tag == "a"
            add(el.text, inner_link)
            for child in el:
                walk(child, inner_link)
            if block:
                flush()
        if el.tail:
            add(el.tail, in_link)

    add(root.text, _tag(root) == "a")
    for child in root:
        walk(child, _tag(root) == "a")
    flush()
    return blocks


@FUZZ
@given(html_pages)
def test_iter_blocks_matches_the_recursive_walk(html):
    root = Selector(text=html.replace("\x00", "") or "<html/>").root
    for el in root.iter():
        if isinstance(el.tag, str):
            assert iter_blocks(el) == _recursive_blocks(el)


# Letters and marks that NFC leaves alone when a tag splits them (U+0653-U+0655 would compose
# with an alef across the tag: _text_lengths may then count one character more).
TREE_TEXT = st.lists(st.sampled_from(["نص", " ", "  ", "\n", "\u200f", "\u064e\u0651", "x", ".", "؟", "\xa0", "»"]),
                     max_size=4).map("".join)


@st.composite
def trees(draw, depth=0):
    el = etree.Element(draw(st.sampled_from(["div", "p", "a", "span", "b"])))
    el.text = draw(TREE_TEXT) or None
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        child = draw(trees(depth + 1)) if draw(st.booleans()) else etree.Comment(draw(TREE_TEXT))
        child.tail = draw(TREE_TEXT) or None
        el.append(child)
    return el


@FUZZ
@given(trees())
def test_text_lengths_match_clean_text_of_text_content(root):
    lengths = _text_lengths(root)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag != "a":
            summary, link = lengths[el]
            text = clean_text("".join(el.itertext()))
            assert (_stripped_length(summary), summary[3]) == (len(text), text[-1:])
            assert link == sum(len(clean_text("".join(a.itertext()))) for a in el.iter("a"))


def _recursive_jsonld(node):
    if isinstance(node, list):
        for child in node:
            yield from _recursive_jsonld(child)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _recursive_jsonld(node["@graph"])


json_values = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["@type", "@graph", "headline", "x"]), inner, max_size=3)),
    max_leaves=20)


@FUZZ
@given(json_values)
def test_walk_jsonld_matches_the_recursive_walk(data):
    assert [id(node) for node in _walk_jsonld(data)] == [id(node) for node in _recursive_jsonld(data)]


# --- whole pages ------------------------------------------------------------------------------

@FUZZ
@given(html_pages, st.sampled_from([NETWORK_SITES["almaghrib"], None]),
       st.sampled_from(["https://www.almaghribtoday.net/36/120000-x", "https://example.com/news/1", ""]))
def test_extract_article_never_raises(html, site, url):
    result = extract_article(html, url, site, feed={"headline": html[:40], "date_published_raw": html[:20]})
    assert isinstance(result, Extraction)
    for name in ("headline", "body", "author", "location", "subtitle", "description", "section"):
        assert isinstance(result.fields.get(name, ""), str)
    assert isinstance(result.fields.get("tags", []), list)
    assert result.not_article is None or isinstance(result.not_article, str)
