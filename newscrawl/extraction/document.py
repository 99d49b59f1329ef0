"""One parsed page and the lookups every field shares (pure: parsel + lxml, no Scrapy)."""

from __future__ import annotations

import re
import threading
from functools import cached_property, lru_cache
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector
from parsel.selector import create_root_node

from newscrawl.extraction.metadata import PageMetadata, read_metadata
from newscrawl.extraction.nesting import flatten_nesting, is_too_deep
from newscrawl.text import MAX_BLOCK_CHARS


class _HTMLParser(etree.HTMLParser):
    """lxml.html's parser with its element classes chosen in C: ``lxml.html.HTMLParser`` asks a
    Python method for the class of every element each time one is touched (a fifth of walking
    a tree). Every element is an ``HtmlElement`` here (forms and inputs too: nothing reads
    their form helpers), so trafilatura and the ``text_content()`` callers see the same API."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
            pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity))


# parsel reads a text opening with an XML declaration as XML (and one that is JSON as JSON).
_XML_DECLARATION = re.compile(r"[\s\ufeff]*<\?xml\s")


# A union sorts its nodes into document order (and drops repeats); "/.." adds nothing.
_IN_DOCUMENT_ORDER = etree.XPath("$nodes | /..")

_PARSERS = threading.local()


def _reused_parser(**options) -> _HTMLParser:
    """This thread's parser for *options* (parsel's), made once: a parser is reusable one
    document at a time, and making one costs as much as parsing a small page's head."""
    key = tuple(sorted(options.items()))
    parsers = _PARSERS.__dict__.setdefault("by_options", {})
    parser = parsers.get(key)
    if parser is None:
        parser = parsers[key] = _HTMLParser(**options)
    _PARSERS.last = parser
    return parser


def _selector(html: str) -> Selector:
    """``Selector(text=html)``: the same parse (parsel's own steps, with the parser above)
    for a text that parsel reads as HTML; parsel itself reads any other.

    A page nested past libxml2's depth limit, where the parse stopped, is read again with the
    excess nesting flattened (see ``nesting``): its text is not lost."""
    if not html.lstrip().startswith("<") or _XML_DECLARATION.match(html):
        return Selector(text=html)
    root = create_root_node(html, _reused_parser, huge_tree=True)
    if is_too_deep(_PARSERS.last.error_log):
        root = create_root_node(flatten_nesting(html), _reused_parser, huge_tree=True)
    return Selector(root=root, type="html")


@lru_cache(maxsize=1024)  # bounded; the spider decodes a page's path before its extraction does
def decoded_path(url: str) -> str:
    """Decoded path of *url*: raw-Arabic and percent-encoded hrefs give the same string."""
    return unquote(urlsplit(url).path) or "/"


def document_ranks(context, nodes: list) -> dict:
    """Each of *nodes* (of *context*'s document) by its rank in document order: one sort in C."""
    return {node: i for i, node in enumerate(_IN_DOCUMENT_ORDER(context, nodes=nodes))}


class Document:
    """A page parsed once: its selector, tree and metadata. Page objects of
    several parser versions can share one Document, so choosing a version costs no re-parse."""

    def __init__(self, html: str, url: str):
        try:
            self.sel = _selector(html)
        except UnicodeEncodeError:  # lone surrogates ("\ud800", from a JSON escape): lxml takes UTF-8
            self.sel = _selector(html.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
        self.root = self.sel.root
        self.url = url
        self.meta: PageMetadata = read_metadata(self.root)
        if len(html) > MAX_BLOCK_CHARS:  # no text of the page is longer than the page
            cut_long_text(self.root)  # after read_metadata: a long JSON-LD script stays whole
        self.path = decoded_path(url)
        self.source = html  # the text parsed: a few lookups check it before walking the tree

    def ranks(self, *groups) -> dict:
        """Each node of *groups* (None skipped) by its rank in document order, compared with each
        other: one sort in C of these few nodes (a map of every element of the page cost more
        than the lookups that read it)."""
        return document_ranks(self.root, [node for group in groups for node in group if node is not None])

    @cached_property
    def headline(self):
        """The first h1 (None without one): the article starts there."""
        return self.root.find(".//h1")

    @cached_property
    def size(self) -> int:
        """Number of nodes ``root.iter()`` yields: elements, comments and processing
        instructions (counted in C: three counts, not one of a union, which libxml2 merges in
        time quadratic in the node sets' sizes)."""
        return int(self.root.xpath("count(descendant-or-self::*) + count(descendant::comment())"
                                   " + count(descendant::processing-instruction())"))


# The elements holding a text node longer than MAX_BLOCK_CHARS (as text or as a child's tail), and
# the comments and processing instructions that long: found in C (string-length of each node),
# where reading every text into Python (itertext) to measure it cost twice as much (0.5 against
# 1.1 ms an eval page; 31 of 80 hold a script or a style that long).
_LONG_TEXT_HOLDERS = etree.XPath(
    f"descendant::text()[string-length() > {MAX_BLOCK_CHARS}]/.."
    f"|descendant-or-self::comment()[string-length() > {MAX_BLOCK_CHARS}]"
    f"|descendant-or-self::processing-instruction()[string-length() > {MAX_BLOCK_CHARS}]")


def cut_long_text(root) -> None:
    """Cut every text node of *root*'s tree to MAX_BLOCK_CHARS, in place: no paragraph is that
    long, and a megabyte text node (a wall of tashkeel, a line without spaces) would otherwise
    be read whole by every field and by trafilatura."""
    for holder in _LONG_TEXT_HOLDERS(root):
        _cut_text(holder)
        for child in holder:  # a long tail is a text node of the element holding its owner
            _cut_tail(child)
    _cut_tail(root)


def _cut_text(el) -> None:
    text = el.text
    if text and len(text) > MAX_BLOCK_CHARS:
        el.text = _xml_text(text[:MAX_BLOCK_CHARS])


def _cut_tail(el) -> None:
    tail = el.tail
    if tail and len(tail) > MAX_BLOCK_CHARS:
        el.tail = _xml_text(tail[:MAX_BLOCK_CHARS])


# Characters XML 1.0 forbids. The HTML parser keeps them in text (binary garbage pasted into a
# story), but lxml refuses to set a text holding one: "All strings must be XML compatible".
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    # Every character XML forbids is unprintable (a control, a surrogate, a non-character):
    # a text printable once its tabs and line breaks are set aside holds none, and isprintable
    # says so in C 20x faster than the regex scans a 50,000-character script (0.04 against 0.8 ms).
    if text.replace("\t", " ").replace("\n", " ").replace("\r", " ").isprintable():
        return text
    return _NOT_XML.sub("", text)


def text_start(el, limit: int) -> str:
    """The first *limit* characters of ``el.text_content()``, reading no further: several
    lookups read the text of elements that may be nested thousands deep around the whole page."""
    parts: list[str] = []
    size = 0
    for piece in el.itertext():
        parts.append(piece)
        size += len(piece)
        if size >= limit:
            break
    return "".join(parts)[:limit]


def cut(text: str | None, limit: int) -> str | None:
    """*text* cut to *limit* characters: page text past a sane length is junk (see text.py)."""
    return text[:limit] if text and len(text) > limit else text


# An absolute http(s) URL that urljoin gives back as it is, whatever the base: a host of
# printable ASCII without brackets (urlsplit checks a non-ASCII or bracketed one and may refuse
# it), then a path of anything but what urlparse splits off or drops (query, fragment,
# parameters, tabs and line breaks), raw Arabic included. Most pages' canonical, image and
# writer links are such: the check costs ~1 µs, the join of an uncached Arabic URL ~18 µs
# (three a page, 5% of a mirror page's extraction).
_PLAIN_ABSOLUTE = re.compile(r'https?://[!"$-.0-:<->@-Z\\^-~]+(?:/[^?#;\t\r\n]*)?')


def absolute_url(base: str, href: str) -> str | None:
    """*href* resolved against *base*; None when the page wrote a URL that cannot be parsed
    ("http://[::1": urllib raises ValueError on a broken bracketed host)."""
    if _PLAIN_ABSOLUTE.fullmatch(href):
        try:
            urlsplit(base)  # (cached by urllib: the page's base is joined to several times)
            return href
        except ValueError:
            pass
    try:
        absolute = urljoin(base, href)
        urlsplit(absolute)
    except ValueError:
        return None
    return absolute
