"""The Arabs Today network's article page: the generic page plus the network's landmarks.

Every site of the network runs one CMS, so one parser serves them all; the site's profile
supplies its labels, sections and logo images. The landmarks, each recorded with how sure it
is in docs/site-facts.md: the headline ``h1`` (F9, assumed), the body ``#balmon`` (F8), the
dateline ``h4.coring`` ("City - Reporter", F10), the GMT stamp ("GMT 12:05 2017 الخميس ,28
كانون الأول / ديسمبر", F12), the URL grammar (section id, HHMMSS of publication, writer pages
``/w-<id>-more/``: F2, F3, F16).

A template change is a new :class:`ParserVersion` here, valid from the day of the change, and
fixtures of a page of the new template; the README's "Adding a site" shows how.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property
from itertools import islice
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from newscrawl.arabic import remove_marks
from newscrawl.dates import words_besides_date
from newscrawl.extraction.blocks import BLOCK_TAGS, SKIP_TAGS, is_caption
from newscrawl.extraction.dateline import parse_dateline
from newscrawl.extraction.document import absolute_url, document_ranks, text_start
from newscrawl.extraction.page import NOTHING, ArticlePage, BodyParts, Found
from newscrawl.extraction.versions import ParserVersion, SiteParser
from newscrawl.sites import network
from newscrawl.text import MAX_TITLE_CHARS, clean_text, is_label_only


def _compiled_css(selector: str) -> Callable[[Any], list]:
    """*selector* as compiled XPath: parsel's translation (what Selector.css runs), but a bare
    ``#id`` is looked up in the parser's table of ids (XPath's ``id()``: 0.002 ms on a mirror
    page, against 0.045 ms testing every id attribute), which gives the first element with that
    id; the attributes are read only when the table has none (a page read as XML keeps none)."""
    if re.fullmatch(r"#[\w-]+", selector):
        by_table = etree.XPath(f"id('{selector[1:]}')")
        by_attributes = etree.XPath(f"//@id[. = '{selector[1:]}']/..")
        return lambda root: by_table(root) or by_attributes(root)
    return etree.XPath(HTMLTranslator().css_to_xpath(selector))


# The landmarks, compiled once.
_BODY = _compiled_css(network.BODY_SELECTOR)
_DATELINES = _compiled_css(network.DATELINE_SELECTOR)
# A page prints its own stamp and a few dozen related items' stamps below the headline.
MAX_STAMPS = 200
# Text nodes holding "GMT": after the headline (its tail included, its own text not), or
# anywhere in <body> on a page without one. Text nodes,
# not their parent elements: a stamp may be a bare text node beside the headline, its parent
# the headline's wrapper or <body> itself.
_STAMP_TEXTS_AFTER = etree.XPath(f"following::text()[contains(., 'GMT')][position() <= {MAX_STAMPS}]")
_STAMP_TEXTS_IN_BODY = etree.XPath(
    f"/descendant::text()[contains(., 'GMT')][ancestor::body][position() <= {MAX_STAMPS}]")
_STAMP_TEXTS_IN = etree.XPath("descendant-or-self::text()[contains(., 'GMT')]")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_HOLDS_HEADING = etree.XPath("boolean(descendant::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 "
                             "or self::h6])")
_SUBHEADINGS = etree.XPath("//*[self::h2 or self::h3]")  # (no "|": libxml2's union is quadratic)
MAX_H1S = 100
_FOLLOWING_TEXTS = etree.XPath("following::text()[position() <= $count]")
# What ends a line of text: a <br> or a block element's edge (as blocks.py splits paragraphs).
_LINE_ENDS = BLOCK_TAGS | {"br"}
# A dateline printed outside h4.coring sits within this many nodes (elements and texts) after
# the headline, before the body: the stamp, a subtitle, a photo and share links lie between.
MAX_NODES_BEFORE_BODY = 300
_NODES_AFTER = etree.XPath(f"following::node()[position() <= {MAX_NODES_BEFORE_BODY}]")
# A dateline is one short line ("أكادير - كمال العلمي"); longer text is prose or a teaser.
MAX_DATELINE_CHARS = 90
# Outside h4.coring a line is a dateline only with a short place name, as a body line is
# (page.py): "المتحدث باسم الوزارة - X" is no place.
MAX_LINE_CITY_WORDS = 2
# A page's writer link is among the last links above the body.
MAX_WRITER_LINKS = 15
# The writer links nearest above the body, in document order.
_NEAREST_LINKS_BEFORE = etree.XPath(f"preceding::a[@href][position() <= {MAX_WRITER_LINKS}]")


class LineDateline(NamedTuple):
    """A "City - Reporter" line printed between the headline and the body outside h4.coring."""

    text: str
    location: str
    author: str | None
    element: etree._Element | None
    """The element whose whole text the line is; None for a bare line (after a <br>, beside the stamp)."""


class NetworkArticlePage(ArticlePage):
    """Article pages of the network's template as known from 2017 to today (headline h1, #balmon, h4.coring, GMT stamps)."""

    @cached_property
    def declared_labels(self) -> tuple[str, ...]:
        return self.labels  # the site's own names, known in advance

    @cached_property
    def labels(self) -> tuple[str, ...]:
        labels = self.site.labels if self.site else network.NETWORK_LABELS
        site_name = self.doc.meta.first("og:site_name")
        if site_name and len(site_name) <= 100 and site_name not in labels:
            labels = (*labels, site_name)  # "<headline> - اليوم السابع"
        return labels

    @cached_property
    def _headline_element(self):
        """Where the article starts: its headline's element. The first h1 unless that one names
        the site (a logo, or the homepages' ``h1.page-title`` with the site's title, F9): then
        the first h1 that does not, else the h2/h3 printing the headline, else the first h1.
        Stamps, datelines and subtitles are looked for after it."""
        h1s = self.h1_elements
        if not h1s:
            return None
        first_text = clean_text(text_start(h1s[0], MAX_TITLE_CHARS))
        if not (self.is_site_title(first_text) or is_label_only(first_text, self.declared_labels)):
            return h1s[0]
        for h1 in h1s[1:]:
            text = clean_text(text_start(h1, MAX_TITLE_CHARS))
            if text and not self.is_site_title(text) and not is_label_only(text, self.declared_labels):
                return h1
        headline = self.headline.value
        if headline:
            for heading in _SUBHEADINGS(self.doc.root)[:MAX_H1S]:
                if clean_text(text_start(heading, MAX_TITLE_CHARS)) == headline:
                    return heading
        return h1s[0]

    @cached_property
    def _article_start(self):
        """The headline's element as the point after which the article's stamps, dateline and
        writer link are looked for; None when the headline sits inside the body container (a
        template printing the h1 as the body's first line has them above the body, where a page
        without a headline has them)."""
        headline, container = self._headline_element, self.container.value
        if headline is not None and container is not None and container in headline.iterancestors():
            return None
        return headline

    def body_container(self) -> Found:
        found = _BODY(self.doc.root)
        return Found(found[0], "selectors") if found else super().body_container()

    def dateline_element(self, container):
        found = self._coring_dateline(container)
        if found is not None:
            return found
        line = self._line_dateline
        return line.element if line else None

    def _coring_dateline(self, container):
        """The article's own h4.coring (F10)."""
        candidates = _DATELINES(self.doc.root)
        if not candidates:
            return None
        if container is None:
            return candidates[0]
        headline = self._article_start
        rank = self.doc.ranks(candidates, (container, headline))
        after_headline = rank[headline] if headline is not None else -1
        # Teaser boxes elsewhere on the page carry datelines too: only the headline's own counts.
        inside = [c for c in candidates if c is container or container in c.iterancestors()]
        if inside:
            return inside[0]
        before = [c for c in candidates if after_headline < rank[c] < rank[container]]
        return before[-1] if before else None

    @cached_property
    def _line_dateline(self) -> LineDateline | None:
        """The last line between the headline and the body container that reads as "City -
        Reporter", in whatever element it sits (its own <h5>, <font><b>, table cell, or a bare
        line after a <br>). Only when the body container follows the headline: a container
        around the headline has its dateline in its first paragraph, which page.py reads."""
        headline, container = self._article_start, self.container.value
        if headline is None or container is None:
            return None
        found = None
        for nodes in _lines_between(headline, container):
            text = clean_text("".join(nodes))
            if not text or len(text) > MAX_DATELINE_CHARS:
                continue
            parsed = parse_dateline(text, self.labels, max_city_words=MAX_LINE_CITY_WORDS)
            if parsed:
                found = LineDateline(text, *parsed, _element_of_line(nodes[0], text))
        return found

    @cached_property
    def body_parts(self) -> BodyParts:
        parts = ArticlePage.body_parts.func(self)
        # A bare dateline line has no element page.py could read it from: it is read here.
        line = self._line_dateline if self.dateline is None else None
        if line and line.element is None and not (parts.location or parts.author or parts.signed is False):
            parts.location = Found(line.location, "selectors")
            parts.author = Found(line.author, "selectors")
            parts.signed = line.author is not None
        # A column prints its writer's bare name above the text (F16): no sub-headline.
        if parts.subtitle and not parts.author and _is_bare_name(parts.subtitle) \
                and network.classify_path(network.fold_amp(self.doc.path)) == "opinion":
            parts.author = Found(parts.subtitle, "selectors")
            parts.subtitle = None
        return parts

    def published_candidates(self) -> Iterator[Found]:
        # The site's own stamp between the headline and the body is the most reliable source on
        # the network. A stamp after the body is a related item's or a comment's even when its
        # time is the URL's (every story of a minute shares it): it counts only when neither
        # the metadata nor the feed gives a date.
        yield Found(self._stamp(), "selectors")
        yield from self.metadata_published_candidates()
        yield self.feed_published()
        yield Found(self._stamps[2], "selectors")
        yield Found(self._date_near_headline(), "text")

    def canonical_ok(self, absolute: str) -> bool:
        path = network.fold_amp(network.path_of(absolute))
        return network.classify_path(path) in ("article", "opinion")

    def section_from_url(self) -> Found:
        section_id = network.section_id_of(network.fold_amp(self.doc.path))
        if self.site and section_id:
            return Found(self.site.sections.get(section_id), "url")
        return NOTHING

    def byline_link(self, container) -> Found:
        # The network links a column's writer to the writer's page, /w-<id>-more/ (the URL grammar in sites/network.py).
        doc = self.doc
        links = _NEAREST_LINKS_BEFORE(container)
        headline = self._article_start
        rank = doc.ranks(links, (headline,))
        after_headline = rank[headline] if headline is not None else -1
        for link in links:
            href = absolute_url(doc.url, link.get("href"))
            if href and rank[link] > after_headline and network.classify_path(network.path_of(href)) == "writer":
                name = clean_text(text_start(link, MAX_TITLE_CHARS))
                if name and len(name.split()) <= 5:
                    return Found(name, "selectors")
        return NOTHING

    def generic_keywords(self, keywords: str) -> bool:
        prefix = self.site.generic_keywords_prefix if self.site else ""
        return bool(prefix) and keywords.startswith(prefix)

    def generic_description(self, description: str) -> bool:
        return bool(self.site) and description.startswith(self.site.label)

    def is_generic_image(self, url: str) -> bool:
        parts = self.site.generic_images if self.site else self.generic_image_parts
        return any(part in url for part in parts)

    def is_clock(self, text: str) -> bool:
        return bool(network.CLOCK_PATTERN.search(text))

    def is_plain_text_node(self, parent, text: str, skip: set[str]) -> bool:
        if not super().is_plain_text_node(parent, text, skip) or network.STAMP_PATTERN.search(text):
            return False
        if self.dateline is None:  # a bare dateline line is never the sub-headline
            line = self._line_dateline
            if line and clean_text(text) == line.text:
                return False
        holder = parent.getparent()
        # Only a small holder is a "meta line"; big ancestors are skipped before reading their text.
        holder_text = ""
        if holder is not None and len(holder) <= 6:
            holder_text = clean_text(text_start(holder, MAX_TITLE_CHARS))
        # A stamp's neighbours (views, bylines): "GMT ... | شوهد 1342 مرة".
        return not (len(holder_text) < len(text) + 80 and network.STAMP_PATTERN.search(holder_text))

    def classify(self, body: str) -> str | None:
        # The network's article pages say og:type website too; its front and section pages
        # have neither the body container nor JSON-LD.
        meta = self.doc.meta
        if (meta.first("og:type") or "").lower() == "website" and self.container.value is None and not meta.jsonld:
            return "og:type website without an article body"
        return None

    def may_be_date_line(self, node, text: str) -> bool:
        # A line in the network's stamp format was judged by _stamps (a teaser's, an edit's or
        # the clock's when not taken there); nor is any date line in a teaser another story's.
        if network.STAMP_HEAD_PATTERN.search(text) or network.STAMP_PATTERN.search(text):
            return False
        return not _other_storys_stamp(node, network.fold_amp(self.doc.path))

    def _stamp(self) -> str | None:
        return self._stamps[0]

    @cached_property
    def _stamps(self) -> tuple[str | None, str | None, str | None]:
        """The article's own network stamps: (published, modified, late).

        Published: of the stamps between the headline and the body, the one whose HH:MM matches
        the URL's HHMMSS, else the last. Stamps above the headline (sidebars), inside a teaser (a
        small block with a link to another story) and those labelled as an edit ("آخر تعديل:",
        "آخر تحديث:") are not it. Late: with no such stamp, the first one after the body whose
        HH:MM is the URL's (a page whose own stamp sits below its text; a comment's or a related
        item's can match too, so it is the last resort, see ``published_candidates``). Modified:
        the first labelled as an edit, below the headline and before the body. Each stamp is
        read as its own line, from its "GMT" to the next <br> or block edge, so no neighbouring
        line (a dateline) is glued on."""
        doc = self.doc
        url_time = network.url_publish_time(network.fold_amp(doc.path))
        headline, container = self._article_start, self.container.value
        texts = _STAMP_TEXTS_AFTER(headline) if headline is not None else _STAMP_TEXTS_IN_BODY(doc.root)
        before_body = _texts_before_element(texts, container)
        own_path = network.fold_amp(doc.path)
        url_hm = url_time[:2] if url_time else None
        at_url_time = last_before_body = modified = None
        at_url_before_body = False
        # In document order, so the texts before the body come first: reading stops once nothing
        # later can change the answer (a related item's stamp is read only when it could).
        for node in texts:
            is_before_body = _text_key(node) in before_body
            if not is_before_body and (url_hm is None or at_url_time is not None or last_before_body is not None):
                break
            read = _read_stamp(node, own_path)
            if read is None:
                continue
            match, edited = read
            if edited:
                if is_before_body and modified is None:
                    modified = _stamp_text(match)
                continue
            if url_hm and at_url_time is None and (int(match["hh"]), int(match["mm"])) == url_hm \
                    and (is_before_body or not _quoted_in_prose(node)):
                at_url_time, at_url_before_body = match, is_before_body
                if modified is not None:
                    break
            if is_before_body:
                last_before_body = match
        late = None
        if at_url_time is not None and not at_url_before_body:
            late, at_url_time = _stamp_text(at_url_time), None
        published = at_url_time if at_url_time is not None else last_before_body
        if published is not None:
            return _stamp_text(published), modified, None
        return (self._stamp_just_above_headline() if headline is not None else None), modified, late

    def _stamp_just_above_headline(self) -> str | None:
        """With no stamp below the headline: a stamp in the block right before the h1, in the same
        wrapper (a meta bar over the title), that is no teaser's, the clock's or an edit's. Farther
        up, a stamp is a sidebar's or a ticker's."""
        headline = self._headline_element
        block = headline.getprevious()
        while block is not None and not isinstance(block.tag, str):
            block = block.getprevious()
        if block is None or block.tag in HEADINGS or _HOLDS_HEADING(block) \
                or len(text_start(block, MAX_TEASER_CHARS + 1)) > MAX_TEASER_CHARS:
            # a heading, a box with headings (a "most read" box: its items' datelines in
            # h4.coring), or a big block (a header full of menus and tickers): not a meta bar
            return None
        own_path = network.fold_amp(self.doc.path)
        for node in _STAMP_TEXTS_IN(block)[:MAX_STAMPS]:
            read = _read_stamp(node, own_path)
            if read is not None and not read[1]:
                return _stamp_text(read[0])
        return None

    def _modified_candidates(self) -> Iterator[Found]:
        yield Found(self._stamps[1], "selectors")
        yield from super()._modified_candidates()

    def _edit_line_near_headline(self) -> str | None:
        # The network prints an edit as a labelled GMT stamp (docs/site-facts.md, the stamps),
        # read by _stamps; the generic scan of the lines below the headline would find nothing
        # more and cost a twelfth of a page's extraction.
        return None


def _read_stamp(node, own_path: str) -> tuple[re.Match, bool] | None:
    """The stamp starting at text node *node* and whether it is labelled as an edit; None if
    the text is no stamp, a teaser's (another story's) or the site clock's. Read as its own line,
    from its "GMT" to the next <br> or block edge, so no neighbouring line is glued on; read on
    where markup cut it short (a <b> around "GMT 14:32", the date on the next line)."""
    if _other_storys_stamp(node, own_path):
        return None
    line = clean_text(_rest_of_line(node, MAX_TITLE_CHARS))  # a stamp is one short line
    match = network.STAMP_PATTERN.search(line)
    if not match:  # "GMT 14:32" alone in a <b>, the date after it: read on out of the <b>
        line = clean_text(_rest_of_line(node, MAX_TITLE_CHARS, beyond_inline=True))
        match = network.STAMP_PATTERN.search(line)
    if not match and network.STAMP_HEAD_PATTERN.search(line):
        # the time ends its line, the date starts the next ("GMT 14:32<br>2025 ...")
        line = clean_text(f"{line} {''.join(_texts_after(node, 12))}"[:2 * MAX_TITLE_CHARS])
        match = network.STAMP_PATTERN.search(line)
    if not match:
        return None
    edited = bool(EDIT_LABEL.search(remove_marks(f"{_label_before(node)} {line[:match.start()]}")))  # "مُحدّث"
    if network.CLOCK_PATTERN.search(line) and not edited:
        return None  # the site clock band (F11), never a date of the article
    return match, edited


# Words besides the date a stamp's own line holds at most (a label, the city): more is a sentence.
MAX_STAMP_LINE_WORDS = 3
# A label saying the stamp after it is an edit's, not the publication's.
EDIT_LABEL = re.compile(r"تعديل|تحديث|محدث|معدل|عدّل|updated|modified", re.IGNORECASE)
MAX_LABEL_CHARS = 40


def _label_before(node) -> str:
    """The text printed just before the stamp text *node* in another element: a label in a
    <b> or <span> of its own ("<b>آخر تعديل:</b> GMT ..."), at most ``MAX_LABEL_CHARS``."""
    owner = node.getparent()
    if owner is None:
        return ""
    if node.is_tail:
        text = "".join(owner.itertext()) if owner.tag not in _LINE_ENDS else ""
    else:
        previous = owner.getprevious()
        if previous is not None and isinstance(previous.tag, str) and previous.tag not in _LINE_ENDS:
            text = "".join(previous.itertext()) + (previous.tail or "")
        elif previous is not None and _is_label_line(previous):
            text = "".join(previous.itertext())  # "<div>آخر تحديث</div><div>GMT …</div>": the line above
        else:
            parent = owner.getparent()
            text = (parent.text or "") if parent is not None and owner.getprevious() is None else ""
    return text if len(text.strip()) <= MAX_LABEL_CHARS else ""  # a label is short: not the h1 the stamp follows


def _quoted_in_prose(node) -> bool:
    """Whether the stamp text *node* sits in a sentence (a paragraph quoting another day's
    stamp), not on a line of its own: its block holds more than a few words besides the date."""
    block = node.getparent()
    while block is not None and isinstance(block.tag, str) and block.tag not in BLOCK_TAGS:
        block = block.getparent()
    if block is None or not isinstance(block.tag, str):
        return False
    return words_besides_date(clean_text(text_start(block, MAX_TITLE_CHARS))) > MAX_STAMP_LINE_WORDS


def _is_label_line(element) -> bool:
    """A line of its own that is nothing but an edit label ("آخر تحديث", "Updated:"): no
    heading, no link, no digit, and at most one word besides the label."""
    if element.tag not in BLOCK_TAGS or element.tag in ("h1", "h2", "h3") or element.find(".//a") is not None:
        return False
    text = remove_marks("".join(element.itertext())).strip()
    if not text or len(text) > MAX_LABEL_CHARS or any(c.isdigit() for c in text):
        return False
    label = EDIT_LABEL.search(text)
    return label is not None and len((text[:label.start()] + " " + text[label.end():]).replace(":", " ").split()) <= 1


# A teaser (related item, "most read" entry) is a story link and its stamp, in a small block.
MAX_TEASER_CHARS = 400
_LINKS = etree.XPath(".//a[@href]")


def _other_storys_stamp(node, own_path: str) -> bool:
    """Is the stamp text *node* another story's: inside a link to a story, or in a small block
    (a teaser) holding a link to a story other than the page's own? A related item printed
    between the headline and the body (F13), or a "most read" box, is stamped like the article."""
    el = node.getparent()
    if node.is_tail:
        el = el.getparent()
    while el is not None and isinstance(el.tag, str) and el.tag not in BLOCK_TAGS and el.tag not in ("body", "html"):
        if el.tag == "a" and _is_other_story(el.get("href"), own_path):
            return True
        el = el.getparent()
    if el is None or not isinstance(el.tag, str) or el.tag in ("body", "html"):
        return False
    if len(text_start(el, MAX_TEASER_CHARS + 1)) > MAX_TEASER_CHARS:
        return False  # a big block: the stamp's line, not a teaser
    return any(_is_other_story(a.get("href"), own_path) for a in _LINKS(el)[:MAX_STAMPS])


def _is_other_story(href: str | None, own_path: str) -> bool:
    if not href:
        return False
    try:
        path = network.fold_amp(unquote(urlsplit(href.strip()).path))
    except ValueError:  # "http://[bad": no story's address
        return False
    return network.classify_path(path) in ("article", "opinion") and path.rstrip("/") != own_path.rstrip("/")


_GLUED_YEAR = re.compile(r"(GMT\s*\d{1,2}:\d{2})(?=\d{4})")


def _stamp_text(match: re.Match) -> str:
    """The stamp as printed, a space put back between the time and a year glued to it by the
    markup ("<span>GMT 10:12</span><span>2019 ...")."""
    return _GLUED_YEAR.sub(r"\1 ", clean_text(match.group(0)))


# A writer's name: two to four words of letters ("عماد الدين أديب"), nothing else.
_BARE_NAME = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+){1,3}$")
MAX_NAME_CHARS = 40


# Words no name is made of: prepositions and particles ("أم" is left out: a kunya, "أم كلثوم"). "قراءة في نتائج القمة", a column's
# sub-head, is two to four words of letters too.
_NOT_IN_NAMES = frozenset("في من على إلى الى عن مع أو لا ما هل لم لن قد إن أن بين بعد قبل حول ضد عبر منذ حتى "
                          "هذا هذه ذلك التي الذي كيف لماذا متى".split())


def _is_bare_name(text: str) -> bool:
    return len(text) <= MAX_NAME_CHARS and bool(_BARE_NAME.match(text)) \
        and not any(word in _NOT_IN_NAMES for word in text.split())


def _texts_after(node, count: int) -> list[str]:
    """The *count* text nodes after text node *node*, in document order, whatever the elements:
    for a stamp whose date went to the next line."""
    owner = node.getparent()
    texts: list[str] = []
    if not node.is_tail:
        inside = owner.itertext()
        next(inside, None)  # the node itself: the owner's own text
        texts.extend(islice(inside, count))
    following = _FOLLOWING_TEXTS(owner, count=count + 1)
    texts.extend(following[1:] if node.is_tail else following)  # following:: starts at the owner's tail
    return texts[:count]


def _texts_before_element(nodes: list, element) -> set[tuple]:
    """The keys (``_text_key``) of the text nodes among *nodes* that come before *element* in
    document order (XPath's preceding axis: not inside it, not an ancestor's tail after it),
    from one sort of their elements (an XPath of every text above *element* cost a fifth of a
    mirror page's parse). None: no element, no text before it."""
    if element is None or not nodes:
        return set()
    owners = [node.getparent() for node in nodes]
    rank = document_ranks(element, [*owners, element])
    ancestors = set(element.iterancestors())
    # A text is before the element when its owner is: an owner's own text then precedes the
    # element even when the owner encloses it; a tail follows the owner's end, so not an
    # enclosing owner's.
    return {_text_key(node) for node, owner in zip(nodes, owners)
            if rank[owner] < rank[element] and not (node.is_tail and owner in ancestors)}


def _text_key(node) -> tuple:
    """A text node's identity: its element and whether it is that element's tail (lxml makes a
    new string object for each XPath answer)."""
    return node.getparent(), node.is_tail


def _rest_of_line(node, limit: int, *, beyond_inline: bool = False) -> str:
    """The text from text node *node* to the end of its line within its element: up to the next
    <br> or block element, or the element's end. Inline children are read through (a stamp may
    be split over <b>/<span>); the element's inline neighbours are not (a views count in the next
    <span>), unless *beyond_inline*: then the line goes on after the inline elements it lies in
    ("<b>GMT 14:32</b> 2025 الخميس ,..."). At most about *limit* characters."""
    parts = [str(node)]
    owner = node.getparent()
    if owner is None:
        return parts[0]
    ended = _read_line(owner.itersiblings() if node.is_tail else iter(owner), parts, limit)
    if node.is_tail:
        owner = owner.getparent()
    while beyond_inline and not ended and owner is not None and owner.tag not in _LINE_ENDS \
            and owner.tag not in ("body", "html"):
        if owner.tail:
            parts.append(owner.tail)
        ended = _read_line(owner.itersiblings(), parts, limit)
        owner = owner.getparent()
    return "".join(parts)


def _read_line(siblings, parts: list[str], limit: int) -> bool:
    """Append to *parts* the text of *siblings* (and their tails) up to the next line end; True
    once a line end (or the size limit) is met."""
    size = sum(map(len, parts))
    for sibling in siblings:
        if size >= limit:
            return True
        if isinstance(sibling.tag, str):
            for event, el in etree.iterwalk(sibling, events=("start", "end")):
                if size >= limit:
                    return True
                if not isinstance(el.tag, str):
                    pass
                elif event == "start":
                    if el.tag in _LINE_ENDS:
                        return True
                    if el.text and el.tag not in SKIP_TAGS:
                        parts.append(el.text)
                        size += len(el.text)
                if event == "end" and el is not sibling and el.tail:
                    parts.append(el.tail)
                    size += len(el.tail)
        if sibling.tail:
            parts.append(sibling.tail)
            size += len(sibling.tail)
    return size >= limit


def _line_block(node):
    """The block element a text node's line lies in (the nearest block ancestor of where the
    text sits), or None when the text is in a script, a caption or the like."""
    el = node.getparent()
    if node.is_tail:
        el = el.getparent()
    while el is not None:
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS or el.tag == "a" or is_caption(el):
            return None  # a link (a teaser, a tag) or a caption is no dateline
        if el.tag in BLOCK_TAGS or el.tag in ("body", "html"):
            return el
        el = el.getparent()
    return None


def _lines_between(headline, container) -> Iterator[list]:
    """The lines of text after *headline* and before *container* starts, each as its text
    nodes, in document order. A line ends at a <br>, at a block element's start and where the
    text moves to another block (a block's end). Nothing when the container does not start
    within MAX_NODES_BEFORE_BODY nodes of the headline."""
    lines: list[list] = []
    current: list = []
    current_block = None
    for node in _NODES_AFTER(headline):
        if isinstance(node, str):
            if not node.strip():
                continue
            block = _line_block(node)
            if block is None or block is not current_block:
                if current:
                    lines.append(current)
                current, current_block = [], block
            if block is not None:
                current.append(node)
        elif node is container:
            if current:
                lines.append(current)
            yield from lines
            return
        elif isinstance(node.tag, str) and node.tag in _LINE_ENDS:
            if current:
                lines.append(current)
            current, current_block = [], None


def _element_of_line(first_node, text: str):
    """The element whose whole text is the line starting at *first_node* (the innermost, up to
    the line's block), or None when the line shares its element with other lines."""
    if first_node.is_tail:
        return None
    el = first_node.getparent()
    while el is not None and isinstance(el.tag, str):
        if clean_text(text_start(el, MAX_DATELINE_CHARS + 10)) == text:
            return el
        if el.tag in BLOCK_TAGS:
            return None
        el = el.getparent()
    return None


NETWORK_PARSER = SiteParser("network", (ParserVersion("2017", NetworkArticlePage),))
