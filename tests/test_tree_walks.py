"""The hand-written shortcuts give what they replace: the tree walks that replaced full-document
XPath scans give what the XPath gave, on every element of real pages (the stored eval pages and
mirror pages), and on the edge cases of document order (ancestors' texts, tails of enclosing elements, comments); the
page's field values what web-poet gives."""

from __future__ import annotations

import json
from itertools import islice

import pytest
from lxml import etree

from newscrawl.extraction.document import Document
from newscrawl.extraction.page import first_text, texts_before
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from newscrawl.sites.network_page import _compiled_css, _text_key, _texts_before_element

PRECEDING_TEXTS = etree.XPath("preceding::text()[normalize-space()][position() <= 40]")
PRECEDING_ANY_TEXT = etree.XPath("preceding::text()")
ALL_TEXTS = etree.XPath("//text()")


def _pages(shared) -> list[Document]:
    eval_dir = shared / "eval"
    records = [json.loads(line) for line in (eval_dir / "manifest.jsonl").read_text("utf-8").splitlines() if line]
    docs = [Document((eval_dir / r["file"]).read_bytes().decode("utf-8", "replace"), "https://example.org/a")
            for r in records[::16]]
    site = MirrorSite(articles=20)
    for article in list(site.iter_all())[:3]:
        _, _, body = route(site, "http://127.0.0.1:1", article.path)
        docs.append(Document(body.decode("utf-8"), "http://127.0.0.1:1/a"))
    return docs


@pytest.fixture(scope="module")
def docs(shared):
    return _pages(shared)


def _xpath_texts_before(node) -> list[tuple[str, object]]:
    return [(str(text), text.getparent()) for text in reversed(PRECEDING_TEXTS(node))]


def test_texts_before_are_the_preceding_axis_nearest_first_on_every_element(docs):
    checked = 0
    for doc in docs:
        for el in doc.root.iter(etree.Element):
            walked = list(islice(texts_before(el), 40))
            assert walked == _xpath_texts_before(el), el
            checked += 1
    assert checked > 5_000


def test_texts_before_count_ancestors_own_texts_not_their_tails_nor_blank_texts():
    root = etree.fromstring("<html><body>a<div>b <!-- c -->d<p>e<b>f</b>g</p>h</div>\n<span>\u00a0</span>"
                            "i<em id='x'>j</em>k</body></html>", etree.HTMLParser())
    x = root.find(".//em")
    assert [text for text, _ in texts_before(x)] == ["i", "\u00a0", "h", "g", "f", "e", "d", "b ", "a"]
    assert [text for text, _ in texts_before(x)] == [t for t, _ in _xpath_texts_before(x)][:9]
    owners = {text: owner.tag for text, owner in texts_before(x)}
    assert owners["d"] is etree.Comment and owners["h"] == "p" and owners["b "] == "div"


def test_texts_before_an_element_match_the_preceding_axis(docs):
    for doc in docs:
        gmt_texts = [t for t in ALL_TEXTS(doc.root) if "GMT" in t] or ALL_TEXTS(doc.root)[:300]
        for el in list(doc.root.iter(etree.Element))[::25]:
            expected = {_text_key(t) for t in PRECEDING_ANY_TEXT(el)} & {_text_key(t) for t in gmt_texts}
            assert _texts_before_element(gmt_texts, el) == expected


def test_texts_before_an_element_enclosed_by_their_owner():
    root = etree.fromstring("<html><body><div>before<div id='b'><p>in</p></div>after-tail-inside</div>"
                            "end</body></html>", etree.HTMLParser())
    body_el = root.find(".//div[@id='b']")
    texts = ALL_TEXTS(root)
    before = _texts_before_element(texts, body_el)
    assert {str(t) for t in texts if _text_key(t) in before} == {"before"}


def test_an_id_selector_gives_the_first_element_with_the_id():
    find = _compiled_css("#balmon")
    html = "<html><body><div id='balmon'>1</div><div><p id='balmon'>2</p></div></body></html>"
    assert [el.text for el in find(Document(html, "https://example.org/a").root)] == ["1"]
    # A document read as XML has no id table: the attributes are read.
    xml = etree.fromstring("<root><x id='balmon'>3</x></root>")
    assert [el.text for el in find(xml)] == ["3"]
    assert find(Document("<html><body><div id='other'>4</div></body></html>", "https://example.org/a").root) == []


def test_field_values_are_what_web_poet_gives(docs):
    from web_poet.fields import item_from_fields_sync

    from newscrawl.extraction.page import ArticlePage
    from newscrawl.sites import NETWORK_SITES

    site = NETWORK_SITES["almaghrib"]
    for doc in docs:
        for page_of in (lambda d: ArticlePage(d, {}, None), lambda d: site.parser.page(d, site=site, feed={})):
            assert page_of(doc).field_values() == item_from_fields_sync(page_of(doc), item_cls=dict)


@pytest.mark.parametrize("mark", ["»", "&raquo;", "&#187;", "&#xBB;", "&#x00bb;"])
def test_a_breadcrumb_is_read_however_its_mark_is_written(mark):
    from newscrawl.extraction.article import extract_article

    html = (f"<html><head><title>Budget vote delayed</title></head><body><nav><a href='/'>Home</a> {mark} "
            "<a href='/economy'>Economy</a></nav><h1>Budget vote delayed</h1>"
            f"<p>{'The parliament postponed the vote on the budget until next week. ' * 6}</p></body></html>")
    assert extract_article(html, "https://example.org/economy/budget-vote").fields.get("section") == "Economy"


FIRST_TEXT = etree.XPath("(descendant::text()[normalize-space()][not(ancestor::script or ancestor::style "
                         "or ancestor::noscript or ancestor::template)])[1]")


def _xpath_first_text(el) -> str | None:
    found = FIRST_TEXT(el)
    return str(found[0]) if found else None


def test_first_text_is_the_first_non_blank_text_outside_scripts_on_every_element(docs):
    checked = 0
    for doc in docs:
        for el in doc.root.iter(etree.Element):
            assert first_text(el) == _xpath_first_text(el), el
            checked += 1
    assert checked > 5_000


@pytest.mark.parametrize("html", [
    "<div id='x'> \n<p>\u00a0</p>after</div>",  # NBSP is not blank to normalize-space()
    "<div id='x'><script>s</script><!-- c --> \t<b><i></i></b> tail of b</div>",
    "<div id='x'><b><i><style>x</style></i> </b>\r\n<em>e</em></div>",
    "<noscript><div id='x'><p>inside a noscript</p></div></noscript><p>out</p>",
    "<div id='x'><template><p>t</p></template><noscript>n</noscript></div><p>after</p>",
    "<div id='x'></div>tail of the element itself is not its text",
])
def test_first_text_edge_cases_match_the_xpath(html):
    root = etree.fromstring(f"<html><body>{html}</body></html>", etree.HTMLParser())
    el = root.find(".//*[@id='x']")
    assert first_text(el) == _xpath_first_text(el)
