"""Article extraction: one page in, article fields out, each with the step that filled it.

Pure (parsel + lxml, no Scrapy). The ladder, most reliable first, each step filling only
what is still empty: the site's known landmarks (``h1``, ``#balmon``, ``h4.coring``, the
network's GMT stamp) → JSON-LD → OpenGraph / ``<meta>`` → ``<time>`` / microdata → a
paragraph-density guess → trafilatura → the URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from newscrawl.dates import parse_date
from newscrawl.extraction.blocks import Block, is_caption, iter_blocks
from newscrawl.extraction.boilerplate import (cut_inline_read_also, ends_article, is_embed_attribution, is_furniture,
                                              is_metadata_line, is_share_bar)
from newscrawl.extraction.dateline import parse_byline, parse_dateline
from newscrawl.extraction.metadata import PageMetadata, jsonld_list, jsonld_text, read_metadata
from newscrawl.sites import network
from newscrawl.sites.base import SiteProfile
from newscrawl.text import (MAX_BLOCK_CHARS, MAX_TITLE_CHARS, clean_text, collapse_text, fold_for_matching,
                            split_list, strip_site_label)

MIN_BODY_CHARS = 80  # below this a "body" is a teaser or furniture, not an article
_SENTENCE_END = re.compile(r"[.!؟?:…»\"”)]$")
HOME_SECTION_NAMES = {"الرئيسية", "الرئيسيه", "home"}
# A site's name is a few words; a longer og:site_name is no label, and every block would be
# compared with it.
MAX_LABEL_CHARS = 100
# Pages carry one headline h1, a few with teaser h1s too; thousands of h1s are junk.
MAX_H1S = 100
# trafilatura costs ~0.1 ms per element; article pages have 1,000-5,000. A page past this is
# junk or hostile, and the generic last resort is not worth seconds on it.
MAX_TRAFILATURA_ELEMENTS = 10_000
# A page prints its own stamp and a few dozen related items' stamps below the headline.
MAX_STAMPS = 200


@dataclass
class Extraction:
    fields: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    not_article: str | None = None
    """Why the page is not an article (None when it is one)."""

    def fill(self, name: str, value: Any, step: str) -> bool:
        """Set *name* from *step* unless an earlier step already filled it."""
        if value in (None, "", [], ()) or self.fields.get(name) not in (None, "", []):
            return False
        self.fields[name] = value
        self.provenance[name] = step
        return True


class _Page:
    """One parsed page and the lookups several fields share."""

    def __init__(self, html: str, url: str, site: SiteProfile | None):
        try:
            self.sel = Selector(text=html)
        except UnicodeEncodeError:  # lone surrogates ("\ud800", from a JSON escape): lxml takes UTF-8
            self.sel = Selector(text=html.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
        self.root = self.sel.root
        self.url = url
        self.site = site
        self.labels = site.labels if site else network.NETWORK_LABELS
        self.meta: PageMetadata = read_metadata(self.sel)
        site_name = self.meta.first("og:site_name")
        if site_name and len(site_name) <= MAX_LABEL_CHARS and site_name not in self.labels:
            # "<headline> - اليوم السابع"
            self.labels = (*self.labels, site_name)
        self.order = {el: i for i, el in enumerate(self.root.iter())}
        _cut_long_text(self.order)  # after read_metadata: a long JSON-LD script stays whole
        self.path = network.path_of(url)

    def position(self, el) -> int:
        return self.order.get(el, -1)

    @cached_property
    def headline_position(self) -> int:
        """Document position of the first h1 (-1 without one): the article starts there."""
        h1 = self.root.find(".//h1")
        return self.position(h1) if h1 is not None else -1

    def clean_title(self, text: str | None) -> str:
        text = strip_site_label(_cut(text, MAX_TITLE_CHARS), self.labels)
        # "<headline> | <site slogan>" titles: keep the part before the last bar.
        if "|" in text:
            text = clean_text(text.split("|")[0])
        return text


def _cut_long_text(elements) -> None:
    """Cut every text node of *elements* to MAX_BLOCK_CHARS, in place: no paragraph is that
    long, and a megabyte text node (a wall of tashkeel, a line without spaces) would otherwise
    be read whole by every step below and by trafilatura."""
    for el in elements:
        text, tail = el.text, el.tail
        if text and len(text) > MAX_BLOCK_CHARS:
            el.text = _xml_text(text[:MAX_BLOCK_CHARS])
        if tail and len(tail) > MAX_BLOCK_CHARS:
            el.tail = _xml_text(tail[:MAX_BLOCK_CHARS])


# Characters XML 1.0 forbids. The HTML parser keeps them in text (binary garbage pasted into a
# story), but lxml refuses to set a text holding one: "All strings must be XML compatible".
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _text_start(el, limit: int) -> str:
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


def _cut(text: str | None, limit: int) -> str | None:
    """*text* cut to *limit* characters: page text past a sane length is junk (see text.py)."""
    return text[:limit] if text and len(text) > limit else text


def _is_site_title(text: str, page: _Page) -> bool:
    raw = clean_text(text)
    return any(raw.startswith(label) and "|" in raw for label in page.labels)


def _headline(page: _Page, out: Extraction) -> None:
    og = page.clean_title(page.meta.first("og:title", "twitter:title"))
    title = page.clean_title(page.meta.title)
    h1s = [clean_text(_cut(" ".join(h.xpath(".//text()").getall()), MAX_TITLE_CHARS))
           for h in page.sel.xpath("//h1")[:MAX_H1S]]
    h1s = [h for h in h1s if h and not _is_site_title(h, page)]
    cleaned = [page.clean_title(h) for h in h1s]
    # An h1 matches when a title equals it, spelled with or without tashkeel and hamza, or is it
    # plus a suffix ("<h1> - <site slogan>"). The h1 is kept as displayed.
    loose_titles = [_loose(t) for t in (og, title) if t]
    match = next((h for h in cleaned if h and any(t == h or (t.startswith(h) and t[len(h):len(h) + 3].strip(" ")[:1]
                                                              in ("-", "|", "–", ":", "—")) for t in (og, title))
                  or _loose(h) in loose_titles), None)
    out.fill("headline", match, "selectors")
    out.fill("headline", jsonld_text(page.meta.jsonld, "headline"), "jsonld")
    if og and not _is_site_title(page.meta.first("og:title") or "", page):
        out.fill("headline", og, "opengraph")
    # An h1 that matches neither title may be a section name or slogan: only now.
    out.fill("headline", cleaned[0] if cleaned else None, "selectors")
    out.fill("headline", title, "title")


def _body_container(page: _Page):
    found = page.sel.css(network.BODY_SELECTOR) if page.site else None
    if found:
        return found[0].root, "selectors"
    found = page.sel.xpath("//*[@itemprop='articleBody']")
    if found:
        return found[0].root, "microdata"
    guess = _densest_container(page.root)
    return (guess, "density") if guess is not None else (None, None)


def _densest_container(root):
    """The element whose paragraph children hold the most non-link prose."""
    lengths = _text_lengths(root)
    scores: dict[Any, int] = {}
    for el in root.iter("p", "div"):
        if el.tag == "div" and any(isinstance(c.tag, str) and c.tag in ("div", "p", "table", "ul") for c in el):
            # A wrapper div: score the prose held directly in it ("text<br><br>text" bodies).
            direct = sum(len(clean_text(t)) for t in [el.text, *(c.tail for c in el)] if t)
            if direct >= 200:
                scores[el] = scores.get(el, 0) + direct
            continue
        if is_caption(el):
            continue
        text, link = lengths[el]  # clean_text(el.text_content()), read once for all candidates
        prose = _stripped_length(text) - link
        if prose >= 40 and _SENTENCE_END.search(text[3]):
            parent = el.getparent()
            if parent is not None:
                scores[parent] = scores.get(parent, 0) + prose
                # Articles split over sibling blocks: the grandparent gathers them (at half weight,
                # so one block of prose still wins over a page-wide wrapper).
                grandparent = parent.getparent()
                if grandparent is not None:
                    scores[grandparent] = scores.get(grandparent, 0) + prose // 2
    if not scores:
        return None
    best, score = max(scores.items(), key=lambda kv: kv[1])
    return best if score >= 200 else None


# What _densest_container needs of an element's text_content(): the length clean_text gives it
# and its last character. Read per candidate, nested candidates (<div><span><div>…, thousands
# deep on a hostile page) would read the same text once per level: quadratic. So each text node
# is cleaned once and the results are joined up the tree. A summary is (length of the collapsed
# text, starts with a space, ends with a space, last non-space character).
_NO_TEXT = (0, False, False, "")


def _summary(raw: str | None) -> tuple[int, bool, bool, str]:
    collapsed = collapse_text(raw)
    if not collapsed:
        return _NO_TEXT
    return len(collapsed), collapsed[0] == " ", collapsed[-1] == " ", collapsed.rstrip(" ")[-1:]


def _joined(a: tuple, b: tuple) -> tuple:
    """The summary of two texts written one after the other (two spaces meeting become one)."""
    if not a[0]:
        return b
    if not b[0]:
        return a
    return a[0] + b[0] - (a[2] and b[1]), a[1], b[2], b[3] or a[3]


def _stripped_length(summary: tuple) -> int:
    """len(clean_text(text)) for the text *summary* describes."""
    return summary[0] - summary[1] - summary[2] if summary[3] else 0


def _text_lengths(root) -> dict[Any, tuple[tuple, int]]:
    """For each element under *root*: (summary of its text_content(), characters of link text
    in its descendants, as ``sum(len(clean_text(a.text_content())) for a in el.iter("a"))`` for
    an element that is no link itself). One pass, descendants first; each text node is cleaned
    once."""
    result: dict[Any, tuple[tuple, int]] = {}
    for el in reversed(list(root.iter())):
        # text_content() leaves out comments and processing instructions, but not their tails.
        summary = _summary(el.text) if isinstance(el.tag, str) else _NO_TEXT
        link = 0
        for child in el:
            child_summary, child_link = result[child]
            summary = _joined(_joined(summary, child_summary), _summary(child.tail))
            link += child_link + (_stripped_length(child_summary) if child.tag == "a" else 0)
        result[el] = (summary, link)
    return result


def _looks_like_caption(text: str) -> bool:
    return len(text) < 160 and not _SENTENCE_END.search(text)


def _paragraphs(blocks: list[Block], labels: tuple[str, ...], skip: set[str]) -> list[str]:
    paragraphs: list[str] = []
    after_image = False
    for block in blocks:
        text = block.text
        if not text:
            after_image = block.has_image
            continue
        if ends_article(text):
            break
        caption_here = (block.has_image or after_image) and _looks_like_caption(text)
        after_image = False
        if caption_here or text in skip or is_furniture(text, labels) or is_share_bar(text) \
                or is_embed_attribution(text):
            continue
        if is_metadata_line(text, lambda t: parse_date(t) is not None):
            continue
        if block.link_share > 0.6:  # a related headline or a tag list, not prose
            continue
        if len(text.split()) < 3 and not _SENTENCE_END.search(text):
            continue  # a stray label ("إعلان", "شارك"), not a paragraph
        text = cut_inline_read_also(text)
        if text:
            paragraphs.append(text)
    return paragraphs


def _leading_prose(container, labels: tuple[str, ...], skip: set[str]) -> list[str]:
    """Paragraphs printed just before the body container that are plainly part of it (a lead
    set apart with the dateline). Only siblings holding nothing but prose, the dateline or
    furniture count; the first other sibling (a subtitle, a photo, a headline) stops the walk."""
    lead: list[str] = []
    for sibling in list(container.itersiblings(preceding=True))[:3]:
        if not isinstance(sibling.tag, str):
            continue
        blocks = iter_blocks(sibling)
        prose = [b.text for b in blocks if b.text and len(b.text) >= 80 and _SENTENCE_END.search(b.text)
                 and b.link_share < 0.3 and not b.has_image]
        rest = [b for b in blocks if b.text and b.text not in prose and b.text not in skip
                and not is_furniture(b.text, labels) and not parse_dateline(b.text, labels)]
        if not prose or rest:
            break
        lead = prose + lead
    return lead


def _dateline_element(page: _Page, container):
    candidates = page.sel.css(network.DATELINE_SELECTOR) if page.site else None
    if not candidates:
        return None
    if container is None:
        return candidates[0].root
    start = page.position(container)
    end = start + sum(1 for _ in container.iter())
    # Teaser boxes elsewhere on the page carry datelines too: only the headline's own counts.
    before = [c.root for c in candidates if page.headline_position < page.position(c.root) < start]
    inside = [c.root for c in candidates if start <= page.position(c.root) < end]
    return inside[0] if inside else (before[-1] if before else None)


def _subtitle(page: _Page, anchor, headline: str | None, skip: set[str]) -> str | None:
    """The sub-headline: the nearest plain text between the headline and the dateline (or
    body); failing that, a kicker printed just above the headline."""
    if anchor is None or not headline:
        return None
    passed_headline = False
    headline_key = _loose(headline)
    for node in reversed(anchor.xpath("preceding::text()[normalize-space()]")[-40:]):
        parent = node.getparent()
        text = clean_text(_cut(str(node), MAX_TITLE_CHARS))  # a headline is cut as long
        if _loose(strip_site_label(text, page.labels)) == headline_key:
            if parent is not None and parent.tag == "h1":
                passed_headline = True
            continue
        if parent is None or not _plain_text_node(page, parent, text, skip):
            if passed_headline and parent is not None and parent.tag != "a":
                return None  # only the text right above the headline can be its kicker
            continue
        if passed_headline:
            return text if len(text) >= 15 else None
        if 10 <= len(text) <= 300:
            return text
    return None


_PUNCTUATION = re.compile(r"[\s\"'«»“”.,،:;؛!?؟…\-–—_]+")


def _loose(text: str) -> str:
    """*text* without punctuation, spacing, tashkeel or hamza differences: "X؟" is the headline X."""
    return _PUNCTUATION.sub("", fold_for_matching(text))


def _plain_text_node(page: _Page, parent, text: str, skip: set[str]) -> bool:
    """False for text that is a link, caption, label, stamp or a stamp's neighbour (views, bylines)."""
    if len(text) > 300:
        return False  # prose, not a line; checked first so long text costs nothing below
    chain = (parent, *parent.iterancestors())
    if {el.tag for el in chain} & {"a", "script", "style", "figcaption", "button", "label", "option", "h1", "title"}:
        return False
    if any(is_caption(el) for el in chain):
        return False
    if parent.xpath("./img|./amp-img|../img|../amp-img"):
        return False  # text beside a photo is its caption
    if text in skip or is_furniture(text, page.labels) or network.STAMP_PATTERN.search(text):
        return False
    holder = parent.getparent()
    # Only a small holder is a "meta line"; big ancestors are skipped before reading their text.
    holder_text = ""
    if holder is not None and len(holder) <= 6:
        holder_text = clean_text(_text_start(holder, MAX_TITLE_CHARS))
    if len(holder_text) < len(text) + 80 and network.STAMP_PATTERN.search(holder_text):
        return False  # a meta line: "GMT ... | شوهد 1342 مرة"
    return True


def _body(page: _Page, out: Extraction) -> tuple[Any, Any]:
    container, step = _body_container(page)
    headline = out.fields.get("headline")
    dateline_el = _dateline_element(page, container)
    dateline_text = clean_text(_text_start(dateline_el, MAX_BLOCK_CHARS)) if dateline_el is not None else ""
    skip = {t for t in (headline, dateline_text) if t}
    paragraphs: list[str] = []
    if container is not None:
        paragraphs = _leading_prose(container, page.labels, skip) + _paragraphs(iter_blocks(container), page.labels, skip)
    if sum(map(len, paragraphs)) < MIN_BODY_CHARS:
        article_body = jsonld_text(page.meta.jsonld, "articleBody")
        if article_body:
            paragraphs, step = [p for p in map(clean_text, article_body.split("\n")) if p], "jsonld"
    if sum(map(len, paragraphs)) < MIN_BODY_CHARS and step != "jsonld":
        paragraphs, step = _trafilatura_paragraphs(page), "trafilatura"
        paragraphs = [p for p in paragraphs if p not in skip and not is_furniture(p, page.labels)]

    # The dateline: the site's h4.coring, else the first short line of the body.
    parsed = parse_dateline(dateline_text, page.labels) if dateline_text else None
    dateline_step = "selectors"
    if parsed is None and paragraphs:
        # A body line is a dateline only with a short place name: "المتحدث باسم الوزارة - X" is prose.
        parsed = parse_dateline(paragraphs[0], page.labels, max_city_words=2)
        if parsed:
            skip.add(paragraphs.pop(0))
            dateline_step = "body"
    if parsed:
        location, author = parsed
        out.fill("location", location, dateline_step)
        out.fill("author", author, dateline_step)
        out.fields.setdefault("_dateline_signed", author is not None)
    elif paragraphs:
        byline = parse_byline(paragraphs[0])
        if byline:
            out.fill("author", byline, "body")
            paragraphs.pop(0)

    subtitle = _subtitle(page, dateline_el if dateline_el is not None else container, headline, skip)
    if subtitle:
        out.fill("subtitle", subtitle, "selectors")
        paragraphs = [p for p in paragraphs if p != subtitle]
    if sum(map(len, paragraphs)) >= MIN_BODY_CHARS or (paragraphs and step == "selectors"):
        out.fill("body", "\n\n".join(paragraphs), step)
    return container, dateline_el


def _trafilatura_paragraphs(page: _Page) -> list[str]:
    if len(page.order) > MAX_TRAFILATURA_ELEMENTS:
        return []
    try:
        import trafilatura  # the generic last resort: a maintained main-text extractor
    except ImportError:  # pragma: no cover - declared dependency
        return []
    from lxml import html as lxml_html

    text = trafilatura.extract(lxml_html.tostring(page.root, encoding="unicode"), include_comments=False,
                               include_tables=False, favor_precision=True, deduplicate=True)
    lines = (clean_text(_cut(line, MAX_BLOCK_CHARS)) for line in (text or "").split("\n"))
    return [line for line in lines if line]


def _stamp(page: _Page, container) -> str | None:
    """The article's own network stamp: the one whose HH:MM matches the URL's HHMMSS, else the
    last one before the body. Stamps after the body belong to related items."""
    url_time = network.url_publish_time(network.fold_amp(page.path))
    body_start = page.position(container) if container is not None else None
    candidates = []
    below_headline = (el for el in page.root.xpath("//body//*[text()[contains(., 'GMT')]]")
                      if page.position(el) > page.headline_position)  # not a sidebar above it
    for element in islice(below_headline, MAX_STAMPS):
        text = clean_text(_text_start(element, MAX_TITLE_CHARS))  # a stamp is one short line
        if network.CLOCK_PATTERN.search(text):
            continue
        match = network.STAMP_PATTERN.search(text)
        if match:
            candidates.append((page.position(element), match))
    if not candidates:
        return None
    if url_time:
        for _, match in candidates:
            if (int(match["hh"]), int(match["mm"])) == url_time[:2]:
                return clean_text(match.group(0))
    if body_start is not None:
        before = [m for pos, m in candidates if pos < body_start]
        if before:
            return clean_text(before[-1].group(0))
    return None


def _markup_date(page: _Page, prop: str) -> str | None:
    """A date in microdata or RDFa attributes (``itemprop``/``property`` on any element), or ``<time>``."""
    values = page.sel.xpath(
        f"//*[not(self::meta)][@itemprop='{prop}' or @property='{prop}' or @property='dc:date']"
        "/@*[name()='datetime' or name()='content']").getall()
    if prop == "datePublished":
        values += page.sel.xpath("//time/@datetime").getall()
    return next((v for v in map(clean_text, values) if v), None)


def _date_near_headline(page: _Page) -> str | None:
    """A short visible line just below the headline that reads as a full date (what htmldate
    and trafilatura call the text heuristic); clocks and related items' stamps are not there."""
    for node in page.sel.xpath("(//h1)[1]/following::text()[normalize-space()][position() <= 15]"):
        text = clean_text(_cut(node.get(), MAX_TITLE_CHARS))
        if 6 <= len(text) <= 80 and any(c.isdigit() for c in text) and not network.CLOCK_PATTERN.search(text):
            if parse_date(text) is not None:
                return text
    return None


def _fill_date(out: Extraction, name: str, candidates: list[tuple[str | None, str]]) -> None:
    """The first candidate that reads as a date; if none does, the first one found (kept as
    evidence: the date pipeline counts and logs it as unparsed)."""
    found = [(clean_text(raw), step) for raw, step in candidates if raw and clean_text(raw)]
    for raw, step in found:
        if parse_date(raw) is not None:
            out.fill(f"{name}_raw", raw, step)
            out.provenance[name] = step
            return
    if found:
        out.fill(f"{name}_raw", *found[0])


def _dates(page: _Page, out: Extraction, container, feed: dict) -> None:
    ld = page.meta.jsonld
    stamp = (_stamp(page, container) if page.site else None, "selectors")
    published = [
        (jsonld_text(ld, "datePublished"), "jsonld"),
        (page.meta.first("article:published_time", "og:article:published_time"), "opengraph"),
        (page.meta.first("datepublished", "pubdate", "publishdate", "date", "dc.date.issued", "dc.date",
                         "parsely-pub-date", "sailthru.date"), "meta"),
        (_markup_date(page, "datePublished"), "microdata"),
    ]
    # The site's own stamp is the most reliable source on the network's sites; other sites
    # get no site selectors.
    published = [stamp, *published] if page.site else [*published, (_date_near_headline(page), "text")]
    _fill_date(out, "date_published", [*published, (feed.get("date_published_raw"), "feed")])
    _fill_date(out, "date_modified", [
        (jsonld_text(ld, "dateModified"), "jsonld"),
        (page.meta.first("article:modified_time", "og:updated_time"), "opengraph"),
        (page.meta.first("datemodified", "dc.date.modified"), "meta"),
        (_markup_date(page, "dateModified"), "microdata"),
    ])


def _section(page: _Page, out: Extraction) -> None:
    for value, step in (
        (page.meta.first("article:section", "og:article:section"), "opengraph"),
        (jsonld_text(page.meta.jsonld, "articleSection"), "jsonld"),
        (_breadcrumb_section(page), "breadcrumb"),
    ):
        if value and value.strip() not in HOME_SECTION_NAMES:
            out.fill("section", value, step)
    section_id = network.section_id_of(network.fold_amp(page.path))
    if page.site and section_id:
        out.fill("section", page.site.sections.get(section_id), "url")


def _breadcrumb_section(page: _Page) -> str | None:
    for element in page.sel.xpath("//body//*[text()[contains(., '»')]]")[:5]:
        parts = [clean_text(p) for p in clean_text(_text_start(element.root, MAX_BLOCK_CHARS)).split("»")]
        if len(parts) >= 2 and parts[0] in HOME_SECTION_NAMES and parts[-1]:
            return parts[-1]
    return None


def _is_generic_image(url: str, page: _Page) -> bool:
    generic = page.site.generic_images if page.site else ("logo", "favicon")
    return any(g in url for g in generic)


def _absolute_url(base: str, href: str) -> str | None:
    """*href* resolved against *base*; None when the page wrote a URL that cannot be parsed
    ("http://[::1": urllib raises ValueError on a broken bracketed host)."""
    try:
        absolute = urljoin(base, href)
        urlsplit(absolute)
    except ValueError:
        return None
    return absolute


def _image(page: _Page, out: Extraction, container) -> None:
    for value, step in (
        (page.meta.first("og:image", "og:image:url", "twitter:image"), "opengraph"),
        (jsonld_text(page.meta.jsonld, "image"), "jsonld"),
    ):
        if value and not _is_generic_image(value, page):
            out.fill("image", _absolute_url(page.url, value), step)
    if container is not None and not out.fields.get("image"):
        for src in container.xpath(".//img/@src|.//amp-img/@src"):
            absolute = _absolute_url(page.url, src)
            if absolute and not _is_generic_image(src, page):
                out.fill("image", absolute, "selectors")
                break


def _tags(page: _Page, out: Extraction) -> None:
    out.fill("tags", page.meta.all("article:tag", "og:article:tag"), "opengraph")
    out.fill("tags", [clean_text(t) for t in jsonld_list(page.meta.jsonld, "keywords")], "jsonld")
    keywords = page.meta.first("news_keywords", "keywords")
    prefix = page.site.generic_keywords_prefix if page.site else ""
    if keywords and not (prefix and keywords.startswith(prefix)):
        out.fill("tags", split_list(keywords), "meta")
    if len(out.fields.get("tags") or ()) == 1 and ("," in out.fields["tags"][0] or "،" in out.fields["tags"][0]):
        out.fields["tags"] = split_list(out.fields["tags"][0])


def _author_fallbacks(page: _Page, out: Extraction) -> None:
    if out.fields.get("_dateline_signed") is False:
        return  # an explicit "City - <site label>" dateline: unsigned, whatever the meta says
    # The site's own name is no author: its labels, og:site_name and the domain's name.
    host = (urlsplit(page.url).hostname or "").removeprefix("www.")
    names = (*page.labels, page.meta.first("og:site_name") or "", host, host.split(".")[0])
    generic = {fold_for_matching(x).lower() for x in names if x}
    for value, step in (
        (jsonld_text(page.meta.jsonld, "author"), "jsonld"),
        (page.meta.first("article:author", "og:article:author", "author"), "meta"),
    ):
        if value and fold_for_matching(value).lower() not in generic and not value.startswith("http"):
            out.fill("author", value, step)


def _byline_before_body(page: _Page, out: Extraction, container) -> None:
    """Opinion pages print "بقلم : <writer>" above the body (the name often a link)."""
    if out.fields.get("author") or container is None:
        return
    for element in container.xpath("preceding::*[contains(text(), 'بقلم') or contains(text(), 'كتب')]")[-5:]:
        name = parse_byline(_text_start(element, MAX_TITLE_CHARS))
        if name:
            out.fill("author", name, "selectors")
            return
    if page.site is None:
        return
    # The network links a column's writer to the writer's page, /w-<id>-more/ (site_profile A2).
    for link in container.xpath("preceding::a[@href]")[-15:]:
        href = _absolute_url(page.url, link.get("href"))
        if href and page.position(link) > page.headline_position and \
                network.classify_path(network.path_of(href)) == "writer":
            name = clean_text(_text_start(link, MAX_TITLE_CHARS))
            if name and len(name.split()) <= 5:
                out.fill("author", name, "selectors")
                return


def _canonical_url(page: _Page) -> tuple[str, str]:
    """The page's declared canonical URL when it names an article page, else the fetched URL."""
    for value, step in ((page.meta.canonical, "canonical"), (page.meta.first("og:url"), "opengraph")):
        if not value:
            continue
        absolute = _absolute_url(page.url, value.strip())
        if absolute is None:
            continue
        path = network.fold_amp(network.path_of(absolute))
        if page.site is not None:
            if network.classify_path(path) in ("article", "opinion"):
                return absolute, step
        elif path not in ("", "/") and urlsplit(absolute).scheme in ("http", "https"):
            return absolute, step
    return page.url, "url"


def extract_article(html: str, url: str, site: SiteProfile | None = None, *, feed: dict | None = None) -> Extraction:
    """Extract an article from *html* fetched at *url*.

    *feed* carries what a feed said about the article (``date_published_raw``,
    ``headline``), used only where the page is silent.
    """
    feed = feed or {}
    page = _Page(html, url, site)
    out = Extraction()
    canonical, step = _canonical_url(page)
    out.fill("url", canonical, step)
    _headline(page, out)
    out.fill("headline", page.clean_title(feed.get("headline")), "feed")
    container, _dateline = _body(page, out)
    _byline_before_body(page, out, container)
    _author_fallbacks(page, out)
    _dates(page, out, container, feed)
    _section(page, out)
    _image(page, out, container)
    _tags(page, out)
    description = page.meta.first("og:description", "description", "twitter:description")
    if description and not (site and description.startswith(site.label)):
        out.fill("description", description, "opengraph")
    out.fill("description", jsonld_text(page.meta.jsonld, "description"), "jsonld")
    out.fields.pop("_dateline_signed", None)
    out.not_article = _not_article_reason(page, out, container)
    return out


ARTICLE_OG_TYPES = {"article", "news", "newsarticle", "article:news", "blog", "blogposting"}
MIN_GENERIC_BODY_CHARS = 300


def _not_article_reason(page: _Page, out: Extraction, container) -> str | None:
    if not out.fields.get("headline"):
        return "no headline"
    og_type = (page.meta.first("og:type") or "").lower()
    if og_type == "website" and container is None and not page.meta.jsonld:
        return "og:type website without an article body"
    if _is_site_title(page.meta.title, page) and not out.fields.get("body"):
        return "site page (title is the site's own)"
    if page.site is None:
        # Any site: fronts, sections, tags and video pages declare themselves or carry little text.
        if og_type and og_type not in ARTICLE_OG_TYPES and not page.meta.jsonld:
            return f"og:type {og_type}"
        if len(out.fields.get("body") or "") < MIN_GENERIC_BODY_CHARS:
            return "too little article text"
    return None
