"""The generic article page: one cached field per article field, each with the step that found it.

Pure (parsel + lxml + web-poet, no Scrapy). A field is a web-poet field method (declared with
``@page_field``, which computes it once per page) returning a :class:`Found` (value and step);
fields are free to read each other, so the order they run in is nobody's concern. Each field
tries its sources most reliable first: JSON-LD → OpenGraph / ``<meta>`` → ``<time>`` /
microdata → the paragraph-density guess and trafilatura → the URL.

Nothing here knows a site. A site's page (``newscrawl/sites/network_page.py`` for the Arabs
Today network) subclasses :class:`ArticlePage` and overrides the hooks its landmarks improve:
``body_container``, ``dateline_element``, ``published_candidates``, ``canonical_ok`` and so on.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property, wraps
from itertools import chain, islice
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from lxml import etree
from web_poet import ItemPage, field
from web_poet.fields import get_fields_dict

from newscrawl.arabic import is_site_label, remove_marks
from newscrawl.dates import (
    PLAUSIBLE_EARLIEST,
    analyse_date,
    parse_date,
    words_besides_date,
)
from newscrawl.extraction.blocks import (
    BLOCK_TAGS,
    SKIP_TAGS,
    Block,
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
from newscrawl.extraction.dateline import MAX_AUTHOR_WORDS, parse_byline, parse_dateline
from newscrawl.extraction.density import SENTENCE_END, densest_container_and_share
from newscrawl.extraction.document import Document, absolute_url, cut, text_start
from newscrawl.extraction.metadata import jsonld_list, jsonld_text
from newscrawl.language import decide as decide_language
from newscrawl.text import (
    MAX_BLOCK_CHARS,
    MAX_TITLE_CHARS,
    clean_text,
    fold_for_matching,
    is_label_only,
    split_list,
    strip_site_label,
)

MIN_BODY_CHARS = 80  # below this a "body" is a teaser or furniture, not an article
HOME_SECTION_NAMES = {fold_for_matching(name) for name in ("الرئيسية", "home")}
# A site's name is a few words; a longer og:site_name is no label, and every block would be
# compared with it.
MAX_LABEL_CHARS = 100
MAX_LABEL_WORDS = 6
TITLE_SEPARATORS = ("-", "|", "–", ":", "—")
# Pages carry one headline h1, a few with teaser h1s too; thousands of h1s are junk.
MAX_H1S = 100
# trafilatura costs ~0.1 ms per element; article pages have 1,000-5,000. A page past this is
# junk or hostile, and the generic last resort is not worth seconds on it.
MAX_TRAFILATURA_ELEMENTS = 10_000
# Lines that print the time of the page view or of an update, not of publication.
CLOCK_WORDS = re.compile(r"آخر\s+تحديث|توقيت\s+\S+(?:\s+\S+)?\s+المحلي|last\s+updated", re.IGNORECASE)
# A date labelled as an edit ("آخر تعديل:", "تم التحديث", "Updated:"): the modification, not the publication.
# Read on the text without tashkeel ("مُحدّث").
EDIT_LABEL = re.compile(r"آخر\s+(?:تعديل|تحديث)|تم\s+(?:التعديل|التحديث)|^\s*(?:تحديث|محدث|معدل)\b"
                        r"|^\s*(?:last\s+)?(?:updated|modified|edited)\b", re.IGNORECASE)
# A density guess holding this share of the page's prose blocks has nothing left to find: the
# second opinion is skipped (on the tuned eval pages it changed 2 of 18 such pages, by one
# snippet and 0.002 F1, and costs a third of the extraction).
SOLE_PROSE = 0.95
# How far above the guessed container trafilatura's second opinion reads (see
# _trafilatura_paragraphs). On the 80 eval pages 4 levels give the same output as the whole page
# at 0.70 of the cost (8.0 vs 11.4 ms a page); 3 levels changed 3 pages (a story split over
# blocks further apart than that was no longer seen whole).
SECOND_OPINION_LEVELS = 4
# Compiled once (lxml's own XPath: a parsel Selector per result cost more than the query).
_H1S = etree.XPath("//h1")
_TEXTS = etree.XPath(".//text()")
# The first element declaring the article body, found from the itemprop attributes, not by
# testing every element: half the time (0.38 against 0.79 ms on an eval page). Only the first:
# libxml2's parent step over many attributes is quadratic (40,000 of them took 1.6 s).
_ARTICLE_BODY = etree.XPath("(//@itemprop[. = 'articleBody'])[1]/..")
# A line below the headline with this many words besides its date is a sentence quoting one;
# inside the body, fewer make it one (adversary round 15: a body sentence dated the story).
DATE_LINE_MAX_WORDS = 6
BODY_DATE_LINE_MAX_WORDS = 3
_BELOW_HEADLINE = etree.XPath("(//h1)[1]/following::text()[normalize-space()][position() <= 15]")
# Elements below <body> with a text child holding "»", in document order (found from the
# texts: faster than testing every element's text children).
_BREADCRUMBS = etree.XPath("/descendant::text()[contains(., '»')]/parent::*[ancestor::body]")
# Elements with an itemprop or property attribute, and <time>s, in document order. Every element
# tested, not "//@itemprop/..|//@property/..|//time" (found from the attributes, 0.3 ms a page
# faster): libxml2 dedups a union and a parent step in time quadratic in the node count
# (40,000 such attributes took 3 s).
_MARKUP_DATE_HOLDERS = etree.XPath("/descendant::*[@itemprop or @property or self::time]")
# How many of the nearest non-blank texts above the body a sub-headline is looked for in.
SUBTITLE_TEXTS = 40
_PHOTO_BESIDE = etree.XPath("./img|./amp-img|../img|../amp-img")
_IMAGE_SOURCES = etree.XPath(".//img/@src|.//amp-img/@src")
# The 5 nearest elements before a node whose first text names a writer ("بقلم", "كتب").
_NEAREST_BYLINES_BEFORE = etree.XPath(
    "preceding::*[contains(text(), 'بقلم') or contains(text(), 'كتب')][position() <= 5]")
ARTICLE_OG_TYPES = {"article", "news", "newsarticle", "article:news", "blog", "blogposting"}
MIN_GENERIC_BODY_CHARS = 300
# Longer "URLs" are no address a server answers (browsers and servers stop near 8 KB), and a
# longer value may have been cut on reading: no image rather than a broken one.
MAX_URL_CHARS = 8192

# trafilatura logs "discarding data: None" at WARNING for every page it finds nothing in; an
# empty candidate is an ordinary outcome here, counted by the caller, not a warning.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def page_field(method):
    """A web-poet field whose value is computed once per page. (web-poet's ``cached=True``
    makes a ``functools.lru_cache`` wrapper per field for every page: 0.1 ms of a mirror page's
    1.5 ms extraction.)"""
    name = method.__name__

    @wraps(method)
    def once(self):
        values = self.__dict__.setdefault("_field_values", {})
        if name not in values:
            values[name] = method(self)
        return values[name]

    return field(once)


class Found(NamedTuple):
    """A field's value and the step that found it (None, None: nothing found)."""

    value: Any = None
    step: str | None = None

    def __bool__(self) -> bool:
        return self.value not in (None, "", [], ())


NOTHING = Found()


def first(*candidates: Found) -> Found:
    """The first candidate holding a value."""
    return next((c for c in candidates if c), NOTHING)


@dataclass
class Extraction:
    fields: dict[str, Any] = dataclass_field(default_factory=dict)
    provenance: dict[str, str] = dataclass_field(default_factory=dict)
    not_article: str | None = None
    """Why the page is not an article (None when it is one)."""


@dataclass
class BodyParts:
    """What reading the body container yields: the paragraphs and the lines set apart from them."""

    paragraphs: list[str]
    step: str | None
    location: Found = NOTHING
    author: Found = NOTHING
    signed: bool | None = None
    """False when a dateline names the place and the site instead of a writer: unsigned."""
    subtitle: str | None = None


class ArticlePage(ItemPage):
    """Any article page, read with no knowledge of its site."""

    parser_name = "generic"
    density_share = 1.0
    """Share of the page's prose the density guess holds (set when it guessed)."""
    generic_image_parts: tuple[str, ...] = ("logo", "favicon")

    def __init__(self, doc: Document, feed: dict | None = None, site: Any = None):
        self.doc = doc
        self.feed = feed or {}
        self.site = site
        """The site's profile (``newscrawl.sites.base.SiteProfile``) for a site's page; unused here."""

    # ---- hooks a site page overrides -------------------------------------------------------

    @cached_property
    def labels(self) -> tuple[str, ...]:
        """Names of the outlet as the page prints them: never a headline's part, never an author."""
        names = [*self.declared_labels, *self._title_affixes]
        return tuple(dict.fromkeys(n for n in names if n and len(n) <= MAX_LABEL_CHARS))

    @cached_property
    def declared_labels(self) -> tuple[str, ...]:
        """The outlet's names the page declares (og:site_name, application-name, the JSON-LD
        publisher), not those guessed from how the title wraps the h1: a short headline can be
        the shorter part of "<site> - <headline>"."""
        names = [self.doc.meta.first("og:site_name"), self.doc.meta.first("application-name"), self.publisher]
        return tuple(dict.fromkeys(n for n in names if n and len(n) <= MAX_LABEL_CHARS))

    @cached_property
    def h1_elements(self) -> list:
        """The page's h1s, the first MAX_H1S."""
        return _H1S(self.doc.root)[:MAX_H1S]

    @cached_property
    def h1_texts(self) -> list[str]:
        return [h for h in (clean_text(cut(" ".join(_TEXTS(h)), MAX_TITLE_CHARS))
                            for h in self.h1_elements) if h]

    @cached_property
    def _title_affixes(self) -> list[str]:
        """What a title prints around the headline names the site: of "<a> - <h1>" or
        "<h1> | <a>", the shorter part is the site's name (a few words set off by a
        separator); when the h1 is the shorter, the h1 is the site's name and the rest the
        headline ("Budget approved - Daily Herald" over an h1 "Daily Herald")."""
        og_title = clean_text(cut(self.doc.meta.first("og:title"), MAX_TITLE_CHARS))
        titles = {clean_text(cut(t, MAX_TITLE_CHARS)) for t in (og_title, self.doc.meta.title) if t}
        found = []
        for h in self.h1_texts[:3]:
            for t in titles:
                if t == h or len(t) <= len(h):
                    continue
                if t.startswith(h):
                    rest = t[len(h):].strip()
                    affix = rest[1:].strip(" -|–—:") if rest[:1] in TITLE_SEPARATORS else ""
                elif t.endswith(h):
                    rest = t[:-len(h)].strip()
                    affix = rest[:-1].strip(" -|–—:") if rest[-1:] in TITLE_SEPARATORS else ""
                else:
                    continue
                if not affix:
                    continue
                # An h1 that is the og:title is the headline however short.
                name = affix if h == og_title else min(affix, h, key=len)
                if len(name.split()) <= MAX_LABEL_WORDS:
                    found.append(name)
        return found

    @cached_property
    def publisher(self) -> str | None:
        """The JSON-LD publisher's name (a blog's may be its writer's own name)."""
        node = self.doc.meta.jsonld.get("publisher")
        return jsonld_text({"publisher": node}, "publisher") if isinstance(node, (dict, list)) else None

    def body_container(self) -> Found:
        """The element holding the article text, and how it was found."""
        found = _ARTICLE_BODY(self.doc.root)
        if found:
            return Found(found[0], "microdata")
        guess, self.density_share = densest_container_and_share(self.doc.root)
        return Found(guess, "density") if guess is not None else NOTHING

    def dateline_element(self, container) -> Any:
        """The element printing "City - Reporter" for this article (None: look in the body)."""
        return None

    def published_candidates(self) -> Iterator[Found]:
        """The publication date's sources, most reliable first. A generator: the first that
        reads as a date ends the search, and the sources after it are never looked at."""
        yield from self.metadata_published_candidates()
        yield self.feed_published()
        yield Found(self._date_near_headline(), "text")

    def feed_published(self) -> Found:
        """What the feed (RSS pubDate, a sitemap's publication date) that linked the page says:
        the CMS's own record, above any date read from the page's free text (a sentence or a
        related item's line may print another date there; adversary round 15)."""
        return Found(self.feed.get("date_published_raw"), "feed")

    def metadata_published_candidates(self) -> Iterator[Found]:
        """What the page's metadata and markup say the publication date is."""
        ld = self.doc.meta.jsonld
        yield Found(jsonld_text(ld, "datePublished"), "jsonld")
        yield Found(self.doc.meta.first("article:published_time", "og:article:published_time"), "opengraph")
        yield Found(self.doc.meta.first("datepublished", "pubdate", "publishdate", "date", "dc.date.issued", "dc.date",
                                        "parsely-pub-date", "sailthru.date"), "meta")
        yield Found(self._markup_date("datePublished"), "microdata")

    def canonical_ok(self, absolute: str) -> bool:
        """Whether a declared canonical URL names an article page (else the fetched URL stands)."""
        parts = urlsplit(absolute)
        return parts.scheme in ("http", "https") and (parts.path or "/") != "/"

    def section_from_url(self) -> Found:
        return NOTHING

    def byline_link(self, container) -> Found:
        """An author found from links above the body (a site's writer pages)."""
        return NOTHING

    def generic_keywords(self, keywords: str) -> bool:
        """Whether a ``keywords`` meta is the site-wide list rather than the article's."""
        return False

    def generic_description(self, description: str) -> bool:
        return False

    def is_generic_image(self, url: str) -> bool:
        return any(part in url for part in self.generic_image_parts)

    # ---- fields ----------------------------------------------------------------------------

    @page_field
    def url(self) -> Found:
        """The page's declared canonical URL when it names an article page, else the fetched URL."""
        for value, step in ((self.doc.meta.canonical, "canonical"), (self.doc.meta.first("og:url"), "opengraph")):
            if not value:
                continue
            absolute = absolute_url(self.doc.url, value.strip())
            if absolute is not None and self.canonical_ok(absolute):
                return Found(absolute, step)
        return Found(self.doc.url, "url")

    @page_field
    def headline(self) -> Found:
        og = self.clean_title(self.doc.meta.first("og:title", "twitter:title"))
        title = self.clean_title(self.doc.meta.title)
        # A logo h1 ("<h1><a href='/'>المغرب اليوم</a></h1>") names the site, not the story: as a
        # headline every article would share it, and the title dedupe would drop all but one.
        logo = self.declared_labels
        h1s = [h for h in self.h1_texts if not self.is_site_title(h) and not is_label_only(h, logo)]
        cleaned = [self.clean_title(h) for h in h1s]
        # An h1 matches when a title equals it, spelled with or without tashkeel and hamza, or is
        # it plus a suffix ("<h1> - <site slogan>"). The h1 is kept as displayed.
        loose_titles = [loose(t) for t in (og, title) if t]
        match = next((h for h in cleaned if h and any(t == h or (t.startswith(h) and t[len(h):len(h) + 3].strip(" ")[:1]
                                                                  in TITLE_SEPARATORS) for t in (og, title))
                      or loose(h) in loose_titles), None)
        og_usable = og and not self.is_site_title(self.doc.meta.first("og:title") or "")
        return first(
            Found(match, "selectors"),
            Found(jsonld_text(self.doc.meta.jsonld, "headline"), "jsonld"),
            Found(og if og_usable else None, "opengraph"),
            # An h1 that matches neither title may be a section name or slogan: only now.
            Found(cleaned[0] if cleaned else None, "selectors"),
            Found(title, "title"),
            Found(self.clean_title(self.feed.get("headline")), "feed"),
        )

    @page_field
    def body(self) -> Found:
        parts = self.body_parts
        if sum(map(len, parts.paragraphs)) >= MIN_BODY_CHARS or (parts.paragraphs and parts.step == "selectors"):
            return Found("\n\n".join(parts.paragraphs), parts.step)
        return NOTHING

    @page_field
    def subtitle(self) -> Found:
        return Found(self.body_parts.subtitle, "selectors")

    @page_field
    def location(self) -> Found:
        return self.body_parts.location

    @page_field
    def author(self) -> Found:
        parts = self.body_parts
        if parts.author:
            return parts.author
        container = self.container.value
        found = NOTHING
        if container is not None:
            # (the writer links only when no byline: each is resolved against the page's URL)
            found = self._byline_before_body(container) or self.byline_link(container) or NOTHING
        if found or parts.signed is False:
            return found  # an explicit "City - <site label>" dateline: unsigned, whatever the meta says
        return self._author_from_metadata() or self._author_from_markup(container)

    @page_field
    def date_published_raw(self) -> Found:
        return _first_date(self.published_candidates())

    @page_field
    def date_modified_raw(self) -> Found:
        return _first_date(self._modified_candidates())

    def _modified_candidates(self) -> Iterator[Found]:
        ld = self.doc.meta.jsonld
        yield Found(jsonld_text(ld, "dateModified"), "jsonld")
        yield Found(self.doc.meta.first("article:modified_time", "og:updated_time"), "opengraph")
        yield Found(self.doc.meta.first("datemodified", "dc.date.modified"), "meta")
        yield Found(self._markup_date("dateModified"), "microdata")
        yield Found(self._edit_line_near_headline(), "text")
        yield Found(self.feed.get("date_modified_raw"), "feed")  # a sitemap's lastmod

    @page_field
    def section(self) -> Found:
        for found in self._section_candidates():
            if found and fold_for_matching(found.value.strip()) not in HOME_SECTION_NAMES:
                return found
        return self.section_from_url()

    def _section_candidates(self) -> Iterator[Found]:
        """A generator: the breadcrumbs (a scan of the page's texts) are read only when the
        metadata names no section."""
        meta = self.doc.meta
        yield Found(meta.first("article:section", "og:article:section"), "opengraph")
        yield Found(jsonld_text(meta.jsonld, "articleSection"), "jsonld")
        yield Found(self._breadcrumb_section(), "breadcrumb")

    @page_field
    def image(self) -> Found:
        meta = self.doc.meta
        for value, step in (
            (meta.first("og:image", "og:image:url", "twitter:image"), "opengraph"),
            (jsonld_text(meta.jsonld, "image"), "jsonld"),
        ):
            if value and len(value) <= MAX_URL_CHARS and not self.is_generic_image(value):
                absolute = absolute_url(self.doc.url, value)
                if absolute:
                    return Found(absolute, step)
        container = self.container.value
        if container is not None:
            for src in _IMAGE_SOURCES(container):
                absolute = absolute_url(self.doc.url, src) if len(src) <= MAX_URL_CHARS else None
                if absolute and not self.is_generic_image(src):
                    return Found(absolute, "selectors")
        return NOTHING

    @page_field
    def tags(self) -> Found:
        meta = self.doc.meta
        keywords = meta.first("news_keywords", "keywords")
        found = first(
            Found(meta.all("article:tag", "og:article:tag"), "opengraph"),
            Found([clean_text(t) for t in jsonld_list(meta.jsonld, "keywords")], "jsonld"),
            Found(split_list(keywords) if keywords and not self.generic_keywords(keywords) else None, "meta"),
        )
        if found and len(found.value) == 1 and ("," in found.value[0] or "،" in found.value[0]):
            return Found(split_list(found.value[0]), found.step)
        return found

    @page_field
    def description(self) -> Found:
        meta = self.doc.meta
        for found in (Found(meta.first("og:description"), "opengraph"),
                      Found(meta.first("description", "twitter:description"), "meta")):
            if found:
                if not self.generic_description(found.value):  # not the site-wide blurb
                    return found
                break
        return Found(jsonld_text(meta.jsonld, "description"), "jsonld")

    @page_field
    def language(self) -> Found:
        """The body's language, from its text, checked against what the page declares
        (``newscrawl.language.decide``); nothing when the body is too short to tell."""
        value, step = decide_language(self.body.value, self.declared_languages())
        return Found(value, step)

    def declared_languages(self) -> list[tuple[str, str | None]]:
        """What the page and its response say the language is: (source, declaration) pairs."""
        root = self.doc.root
        html_lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")) \
            if isinstance(root.tag, str) else None
        return [
            ("html_lang", html_lang),
            ("og_locale", self.doc.meta.first("og:locale")),
            ("content_language", self.feed.get("content_language")),  # the response's header, from the spider
            ("jsonld", _jsonld_language(self.doc.meta.jsonld)),
        ]

    # ---- the page as a whole ---------------------------------------------------------------

    def not_article_reason(self) -> str | None:
        """Why the page is no article (None when it is one)."""
        if not self.headline:
            return "no headline"
        body = self.body.value or ""
        if self.is_site_title(self.doc.meta.title) and not body:
            return "site page (title is the site's own)"
        return self.classify(body)

    def classify(self, body: str) -> str | None:
        """Whether a page of an unknown site is an article, on several signals: a page with
        enough text, a date and a headline is one whatever a single tag says (a lost article
        costs a corpus more than a kept front page). Fronts, sections, tags and video pages
        declare themselves, carry no date or little text, or sit at the site's root."""
        if len(body) < MIN_GENERIC_BODY_CHARS:
            return "too little article text"
        meta = self.doc.meta
        og_type = (meta.first("og:type") or "").lower()
        against = []
        if og_type and og_type not in ARTICLE_OG_TYPES and not meta.jsonld:
            against.append(f"og:type {og_type}")
        parts = urlsplit(self.doc.url)
        if self.doc.path == "/" and not parts.query and not parts.fragment:  # "/?p=123" is a post
            against.append("the site's home page")
        if not (self.date_published_raw and parse_date(self.date_published_raw.value)):
            against.append("no date")
        return ", ".join(against) if len(against) >= 2 else None

    def field_values(self) -> dict[str, Found]:
        """Every field's value, as ``item_from_fields_sync(self)`` gives them, each computed
        once. The fields have no processors and the page no input validation, so each field's
        own method is called, not web-poet's wrapper around it (which asks for input validation
        on every access: 0.05 ms a page, a thirtieth of a mirror page's extraction)."""
        page_class = type(self)
        return {name: getattr(page_class, name).original_method(self) for name in get_fields_dict(self)}

    def extraction(self) -> Extraction:
        """Every field, its provenance, and whether the page is an article."""
        out = Extraction()
        for name, found in self.field_values().items():
            if found:
                out.fields[name] = found.value
                out.provenance[name] = found.step
        for name in ("date_published", "date_modified"):
            raw = out.fields.get(f"{name}_raw")
            if raw is not None and parse_date(raw) is not None:
                out.provenance[name] = out.provenance[f"{name}_raw"]
        out.provenance["parser"] = self.parser_name
        out.not_article = self.not_article_reason()
        return out

    # ---- shared lookups --------------------------------------------------------------------

    def clean_title(self, text: str | None) -> str:
        text = strip_site_label(cut(text, MAX_TITLE_CHARS), self.labels)
        # "<headline> | <site slogan>" titles: keep the part before the last bar.
        if "|" in text:
            text = clean_text(text.split("|")[0])
        return text

    def is_site_title(self, text: str) -> bool:
        raw = clean_text(text)
        return any(raw.startswith(label) and "|" in raw for label in self.labels)

    @cached_property
    def container(self) -> Found:
        return self.body_container()

    @cached_property
    def dateline(self) -> Any:
        return self.dateline_element(self.container.value)

    @cached_property
    def body_parts(self) -> BodyParts:
        container, step = self.container
        headline = self.headline.value
        dateline_el = self.dateline
        dateline_text = clean_text(text_start(dateline_el, MAX_BLOCK_CHARS)) if dateline_el is not None else ""
        skip = {t for t in (headline, dateline_text) if t}
        labels = self.labels
        paragraphs: list[str] = []
        lead_byline = None
        if container is not None:
            blocks = iter_blocks(container)
            # "بقلم : X" opening a column's body is furniture to the paragraphs, but names the writer.
            lead_byline = parse_byline(next((block.text for block in blocks if block.text), None))
            paragraphs = _leading_prose(container, labels, skip) + _paragraphs(blocks, labels, skip)
            if not any(block.text and ends_article(block.text) for block in blocks):
                paragraphs += _trailing_prose(container, labels, skip)
        if sum(map(len, paragraphs)) < MIN_BODY_CHARS:
            article_body = jsonld_text(self.doc.meta.jsonld, "articleBody")
            if article_body:
                paragraphs, step = [p for p in map(clean_text, article_body.split("\n")) if p], "jsonld"
        theirs: list[str] | None = None
        if sum(map(len, paragraphs)) < MIN_BODY_CHARS and step != "jsonld":
            paragraphs, step = self._trafilatura_paragraphs(skip, precise=True), "trafilatura"
        elif step == "microdata" or (step == "density" and self.density_share < SOLE_PROSE):
            theirs = self._trafilatura_paragraphs(skip)
        parts = BodyParts(paragraphs, step)
        self._set_apart_lines(parts, dateline_text, skip)
        if lead_byline and not parts.author and not parts.location:
            parts.author = Found(lead_byline, "body")
        if theirs is not None:
            # A guessed container may hold half the story, or the story and its neighbours:
            # trafilatura's reading of the page is a second opinion (see reconcile_bodies).
            theirs = [p for p in theirs if p not in skip]
            parts.paragraphs, extended = reconcile_bodies(parts.paragraphs, theirs)
            if extended:
                parts.step = "trafilatura"
                if not parts.location and not parts.author:
                    self._set_apart_lines(parts, "", skip)
        paragraphs = parts.paragraphs

        subtitle = self._subtitle(dateline_el if dateline_el is not None else container, headline, skip)
        if subtitle and subtitle in paragraphs[1:]:
            # Text above the guessed container that the body holds past its start: the story's
            # first half in a container of its own (a photo between the halves), not a sub-headline.
            subtitle = None
        if subtitle:
            parts.subtitle = subtitle
            parts.paragraphs = [p for p in paragraphs if p != subtitle]
        return parts

    def _set_apart_lines(self, parts: BodyParts, dateline_text: str, skip: set[str]) -> None:
        """Read the dateline (the site's own line, else the first short line of the body) or a
        byline off the body's first paragraph, into *parts*."""
        paragraphs, labels = parts.paragraphs, self.labels
        parsed = parse_dateline(dateline_text, labels) if dateline_text else None
        dateline_step = "selectors"
        if parsed is None and paragraphs:
            # A body line is a dateline only with a short place name: "المتحدث باسم الوزارة - X" is prose.
            parsed = parse_dateline(paragraphs[0], labels, max_city_words=2)
            if parsed:
                skip.add(paragraphs.pop(0))
                dateline_step = "body"
        if parsed:
            location, author = parsed
            parts.location = Found(location, dateline_step)
            parts.author = Found(author, dateline_step)
            parts.signed = author is not None
        elif paragraphs:
            byline = parse_byline(paragraphs[0])
            if byline:
                parts.author = Found(byline, "body")
                skip.add(paragraphs.pop(0))

    def _trafilatura_paragraphs(self, skip: set[str], *, precise: bool = False) -> list[str]:
        """trafilatura's main text of the page, as paragraphs without the lines already set
        apart or known furniture.

        Its fast mode (no second-opinion extractors inside trafilatura: about 0.5 of a default
        call) on a copy of the parsed tree (it edits the tree it reads, and a serialised copy
        would be parsed again for 8 ms). As a second opinion on a guessed container it reads
        only the container's neighbourhood (``SECOND_OPINION_LEVELS`` up): what it may add or
        drop lies beside the container, and the rest of the page only costs time. As the last
        resort (*precise*, no container worth reading) it reads the whole page.
        Without ``deduplicate``: with it, a page's text depends on the pages read before."""
        if self.doc.size > MAX_TRAFILATURA_ELEMENTS:
            return []
        try:
            import trafilatura  # a maintained main-text extractor
        except ImportError:  # pragma: no cover - declared dependency
            return []
        container = self.container.value
        tree = copy.deepcopy(self.doc.root) if precise or container is None else _neighbourhood_copy(container)
        text = trafilatura.extract(tree, fast=True, include_comments=False,
                                   include_tables=False, favor_precision=precise, deduplicate=False)
        lines = (clean_text(cut(line, MAX_BLOCK_CHARS)) for line in (text or "").split("\n"))
        return [line for line in lines if line and line not in skip and not is_furniture(line, self.labels)
                and not is_share_bar(line) and not is_embed_attribution(line)]

    def _subtitle(self, anchor, headline: str | None, skip: set[str]) -> str | None:
        """The sub-headline: the nearest plain text between the headline and the dateline (or
        body); failing that, a kicker printed just above the headline."""
        if anchor is None or not headline:
            return None
        passed_headline = False
        headline_key = loose(headline)
        for node, parent in islice(texts_before(anchor), SUBTITLE_TEXTS):
            text = clean_text(cut(node, MAX_TITLE_CHARS))  # a headline is cut as long
            if loose(strip_site_label(text, self.labels)) == headline_key:
                if parent is not None and parent.tag == "h1":
                    passed_headline = True
                continue
            if parent is None or not self.is_plain_text_node(parent, text, skip):
                if passed_headline and parent is not None and parent.tag != "a":
                    return None  # only the text right above the headline can be its kicker
                continue
            if passed_headline:
                return text if len(text) >= 15 and _reads_as_subtitle(text) else None
            if 10 <= len(text) <= 300:
                # The nearest line is a date or a label: there is no sub-headline.
                return text if _reads_as_subtitle(text) else None
        return None

    def is_plain_text_node(self, parent, text: str, skip: set[str]) -> bool:
        """False for text that is a link, caption, label or the like (a site adds its stamps)."""
        if len(text) > 300:
            return False  # prose, not a line; checked first so long text costs nothing below
        chain = (parent, *parent.iterancestors())
        if {el.tag for el in chain} & {"a", "script", "style", "figcaption", "button", "label", "option", "h1", "title"}:
            return False
        if any(is_caption(el) for el in chain):
            return False
        # (a compiled XPath takes elements only; a tail's parent may be a comment)
        beside = _PHOTO_BESIDE(parent) if isinstance(parent.tag, str) else parent.xpath(_PHOTO_BESIDE.path)
        if beside:
            return False  # text beside a photo is its caption
        return not (text in skip or is_furniture(text, self.labels))

    def _markup_date(self, prop: str) -> str | None:
        """A date in microdata or RDFa attributes (``itemprop``/``property`` on any element), or ``<time>``."""
        values = self._markup_dates[prop]
        if prop == "datePublished":
            values = values + self._markup_dates["time"]
        return next((v for v in map(clean_text, values) if v), None)

    @cached_property
    def _markup_dates(self) -> dict[str, list[str]]:
        """Every microdata/RDFa date attribute and ``<time datetime>``, read in one pass over
        the page (a scan per property was two full-document XPath walks). A page whose source
        names none of them (no ``<time``, no property name, no character reference that could
        spell one) is not walked: the walk costs half a parse of a mirror page, the source
        checks a fiftieth of that."""
        found: dict[str, list[str]] = {"datePublished": [], "dateModified": [], "time": []}
        if not _may_hold_markup_dates(self.doc.source):
            return found
        for el in _MARKUP_DATE_HOLDERS(self.doc.root):
            if _element_in_teaser(el, self.doc.path):
                continue  # a related story's date ("most read", "read also")
            if el.tag == "time" and el.get("datetime") is not None:
                found["time"].append(el.get("datetime"))
            if el.tag == "meta":
                continue
            names = {el.get("itemprop"), el.get("property")}
            values = [v for k, v in el.attrib.items() if k in ("datetime", "content")]
            for prop in ("datePublished", "dateModified"):
                if prop in names or "dc:date" in names:
                    found[prop].extend(values)
        return found

    def is_clock(self, text: str) -> bool:
        """Whether a line is the page's clock ("last updated …", "local time"), not the article's date."""
        return bool(CLOCK_WORDS.search(text))

    def _date_near_headline(self) -> str | None:
        """A short visible line just below the headline that reads as a full date (what htmldate
        and trafilatura call the text heuristic); clocks and related items' stamps are not there."""
        label = clock = ""
        for node, text in self._texts_below_headline:
            labelled_edit = _is_edit_line(text, label)
            label = _label_of_next(text)
            time_first, clock = clock, ""
            if 6 <= len(text) <= 80 and any(c.isdigit() for c in text) and not self.is_clock(text) \
                    and not labelled_edit and not self._quotes_a_date(node, text) and self.may_be_date_line(node, text):
                if time_first and parse_date(f"{time_first} {text}") is not None:
                    return f"{time_first} {text}"  # "<b>GMT 14:32</b> 2025 ...": the time, then the day
                if parse_date(text) is not None:
                    return text
                if len(text) <= 20 and ":" in text and "time_only" in analyse_date(text).flags:
                    clock = text
        return None

    def _edit_line_near_headline(self) -> str | None:
        """A short line just below the headline labelled as an edit ("آخر تحديث: …", "Updated:
        …", or the label on the line or element before): the modification date."""
        label = ""
        for node, text in self._texts_below_headline:
            # The label checks (regexes) only for a line that may print a date: most hold no digit.
            if 6 <= len(text) <= 80 and any(c.isdigit() for c in text) and _is_edit_line(text, label) \
                    and not self._quotes_a_date(node, text) and self.may_be_date_line(node, text) \
                    and parse_date(text) is not None:
                return text
            label = _label_of_next(text)
        return None

    @cached_property
    def _texts_below_headline(self) -> list[tuple[Any, str]]:
        """The first texts after the headline, each with its cleaned text (read by the date line
        and the edit line both)."""
        return [(node, clean_text(cut(str(node), MAX_TITLE_CHARS))) for node in _BELOW_HEADLINE(self.doc.root)]

    def _quotes_a_date(self, node, text: str) -> bool:
        """A sentence that mentions a date ("وقال الوزير إن الاتفاق وقع في 3 مارس 2010"), not a
        date line: many words besides the date, or a few in the body's own text (a byline with a
        date, "Posted by John Smith on March 3, 2010", sits above the body)."""
        words = words_besides_date(text)
        if words >= DATE_LINE_MAX_WORDS:
            return True
        container = self.container.value
        parent = node.getparent()
        return words >= BODY_DATE_LINE_MAX_WORDS and container is not None and parent is not None and (
            parent is container or container in parent.iterancestors())

    def may_be_date_line(self, node, text: str) -> bool:
        """Whether a text just below the headline may print this article's date: not one in a
        teaser of another story (a link to a story in its small block)."""
        return not _in_teaser(node, self.doc.path)

    def _breadcrumb_section(self) -> str | None:
        if not _may_hold_breadcrumbs(self.doc.source):
            return None  # (the scan of every text costs a quarter of a parse; the source check a hundredth)
        for element in _BREADCRUMBS(self.doc.root)[:5]:
            parts = [clean_text(p) for p in clean_text(text_start(element, MAX_BLOCK_CHARS)).split("»")]
            if len(parts) >= 2 and fold_for_matching(parts[0]) in HOME_SECTION_NAMES and parts[-1]:
                return parts[-1]
        return None

    def _byline_before_body(self, container) -> Found:
        """Opinion pages print "بقلم : <writer>" above the body (the name often a link)."""
        for element in _NEAREST_BYLINES_BEFORE(container):
            name = parse_byline(text_start(element, MAX_TITLE_CHARS))
            if name:
                return Found(name, "selectors")
        return NOTHING

    def _author_from_markup(self, container) -> Found:
        """The writer an element marked as the byline prints (rel/itemprop "author", a class
        naming the author or the byline), above the body or in it, never after it (related
        items and comments name their own writers) nor in a page's footer, sidebar or menus."""
        if not _may_mark_bylines(self.doc.source):
            return NOTHING
        marked = _MARKED_BYLINES(self.doc.root)[:MAX_MARKED_BYLINES]
        rank = self.doc.ranks(marked, (container,)) if container is not None else {}
        host = (urlsplit(self.doc.url).hostname or "").removeprefix("www.")
        names = (*self.labels, host.rsplit(".", 1)[0] if "." in host else host)
        for element in marked:
            if container is not None and rank[element] > rank[container] and container not in element.iterancestors():
                continue
            if any(a.tag in ("footer", "aside", "nav") for a in element.iterancestors()):
                continue
            name = _marked_byline_name(text_start(element, MAX_TITLE_CHARS))
            if name and not _names_outlet(name, names):
                return Found(name, "selectors")
        return NOTHING

    def _author_from_metadata(self) -> Found:
        """The author the page's metadata names, unless it is the outlet itself: a JSON-LD
        organisation, or a name that is (or holds, or is held in) one of the outlet's names:
        its labels (og:site_name, application-name, the JSON-LD publisher, what the title prints
        around the headline) and its domain. A blog published under its writer's own name
        loses its author by this rule: it cannot be told from an outlet that names itself."""
        meta = self.doc.meta
        host = (urlsplit(self.doc.url).hostname or "").removeprefix("www.")
        names = (*self.labels, host.rsplit(".", 1)[0] if "." in host else host)

        def usable(value: str | None) -> bool:
            return bool(value) and not _URLISH.match(value) and not _names_outlet(value, names)

        # Every person the JSON-LD names (a story by two reporters names both), its
        # organisations left out; then each meta key on its own (an article:author that is a
        # profile URL does not hide a plain "author" name); then Yoast's "Written by" line.
        writers = [name for name in _jsonld_people(meta.jsonld, "author") if usable(name)]
        if writers:
            return Found(", ".join(dict.fromkeys(writers)), "jsonld")
        for key in ("article:author", "og:article:author", "author"):
            value = meta.first(key)
            if usable(value):
                return Found(value, "meta")
        for number in "123":
            if (meta.first(f"twitter:label{number}") or "").casefold() == "written by":
                value = meta.first(f"twitter:data{number}")
                if usable(value):
                    return Found(value, "meta")
        return NOTHING


_TIME_TAG = re.compile("<time", re.IGNORECASE)


def _may_hold_markup_dates(source: str) -> bool:
    """Whether a page's HTML may hold what ``_markup_dates`` reads: a ``<time>`` element, or an
    itemprop/property naming a date. Tag names cannot be spelled with character references;
    attribute values can (``&#100;atePublished``), so a page with any numeric one is walked.
    (HTML's named references spell no ASCII letter or colon.)"""
    return ("datePublished" in source or "dateModified" in source or "dc:date" in source
            or "&#" in source or _TIME_TAG.search(source) is not None)


# "»" written as a character reference (one case-sensitive pattern: a case-blind one, or a
# search per spelling, reads a 240,000-character page three times slower).
_RAQUO_REFERENCE = re.compile(r"&(?:raquo|#0*187|#[xX]0*[bB]{2})")


def _may_hold_breadcrumbs(source: str) -> bool:
    """Whether a page's HTML may print "»" (as itself or as a character reference)."""
    return "»" in source or _RAQUO_REFERENCE.search(source) is not None


def texts_before(node) -> Iterator[tuple[str, Any]]:
    """The non-blank text nodes before *node* (XPath's ``preceding::text()[normalize-space()]``:
    ancestors' own texts count, the node's don't), nearest first, each with the element it is
    the text or tail of.

    A generator walking back from the node: a caller that stops after a few texts reads only
    those (the XPath tests every text above the node, a fifth of a mirror page's parse). An
    explicit stack: pages nest thousands deep."""
    el = node
    while el is not None:
        for sibling in el.itersiblings(preceding=True):
            # A sibling's subtree backwards: its tail, then each child's (tail, subtree) from
            # the last child, then its own text.
            stack: list[tuple[Any, bool]] = [(sibling, False)]
            while stack:
                current, text_only = stack.pop()
                if text_only:
                    text = current.text if isinstance(current.tag, str) else None
                    if text and text.strip(_XPATH_SPACE):
                        yield text, current
                    continue
                tail = current.tail
                if tail and tail.strip(_XPATH_SPACE):
                    yield tail, current
                stack.append((current, True))
                if len(current):
                    stack.extend([(child, False) for child in current])
        el = el.getparent()
        if el is not None:
            text = el.text
            if text and text.strip(_XPATH_SPACE):
                yield text, el


# The characters XPath's normalize-space() strips (a text of only no-break spaces is not blank).
_XPATH_SPACE = " \t\r\n"


# A path that names a story: a date, a long number or a long slug (not a section or a writer's page).
_STORY_PATH = re.compile(r"/(?:19|20)\d\d/\d{1,2}/|\d{5,}|[^/]*(?:-[^/-]+){3,}")
MAX_TEASER_CHARS = 300


def _is_edit_line(text: str, label_before: str) -> bool:
    """A line labelled as an edit, by its own words or by the label line before it."""
    return bool(EDIT_LABEL.search(remove_marks(text)) or EDIT_LABEL.search(remove_marks(label_before)))


def _label_of_next(text: str) -> str:
    """*text* when it may label the line after it: short and without a digit ("آخر تعديل:",
    "<span>آخر تحديث</span> <span>…</span>"), else ""."""
    return text if len(text) <= 30 and not any(c.isdigit() for c in text) else ""


def _element_in_teaser(element, own_path: str) -> bool:
    """Is *element* (a ``<time>``, a microdata date) part of another story's teaser: in an
    aside, a menu or the page's footer (an article's own footer prints its date), or in a
    teaser as ``_in_teaser`` tells one?"""
    if _in_page_furniture(element):
        return True
    return _block_in_teaser(element, own_path)


def _in_page_furniture(element) -> bool:
    """In an ``<aside>`` or ``<nav>``, or a ``<footer>`` outside any ``<article>``."""
    footer = False
    for ancestor in element.iterancestors():
        tag = ancestor.tag
        if tag in ("aside", "nav"):
            return True
        if tag == "footer":
            footer = True
        elif tag == "article":
            return False
    return footer


def _in_teaser(node, own_path: str) -> bool:
    """Is text *node* part of another story's teaser: inside a link to a story, or in a small
    block holding a link to a story other than the page's own (its date is that story's)?"""
    element = node.getparent()
    if element is None:
        return False
    if node.is_tail:
        element = element.getparent()
    return _block_in_teaser(element, own_path)


def _block_in_teaser(element, own_path: str) -> bool:
    block = None
    while element is not None and isinstance(element.tag, str) and element.tag not in ("body", "html"):
        if element.tag == "a" and _other_story(element.get("href"), own_path):
            return True
        if block is None and element.tag in BLOCK_TAGS:
            block = element
            break
        element = element.getparent()
    if block is None or len(text_start(block, MAX_TEASER_CHARS + 1)) > MAX_TEASER_CHARS:
        return False
    return any(_other_story(a.get("href"), own_path) for a in islice(block.iter("a"), 10))


def _other_story(href: str | None, own_path: str) -> bool:
    try:
        path = unquote(urlsplit((href or "").strip()).path)
    except ValueError:
        return False
    return bool(path) and path.rstrip("/") != own_path.rstrip("/") and bool(_STORY_PATH.search(path))


def _neighbourhood_copy(container):
    """A copy of *container*'s ancestor ``SECOND_OPINION_LEVELS`` up (stopping below
    ``<body>``), as a page of its own (``<html><body>…``): what trafilatura reads to judge it."""
    region = container
    for _ in range(SECOND_OPINION_LEVELS):
        parent = region.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        region = parent
    page = container.makeelement("html")  # the page's parser, so its element classes
    etree.SubElement(page, "body").append(copy.deepcopy(region))
    return page


_NOT_A_NAME_CHAR = re.compile(r"[\W_]+")
_WEB_SUFFIX = re.compile(r"(?:com|net|org|info|news)$")
MIN_NAME_CHARS = 5  # shorter squashed names are compared whole only ("LN", "BBC")


def _squash(name: str) -> str:
    """A name reduced for comparing outlets: folded, no "the", no spaces or punctuation, no
    web suffix ("The Daily-Herald.com" → "dailyherald")."""
    folded = fold_for_matching(name).removeprefix("the ")
    return _WEB_SUFFIX.sub("", _NOT_A_NAME_CHAR.sub("", folded))


def _names_outlet(value: str, names: tuple[str, ...]) -> bool:
    """Whether *value* names the outlet: equal to one of its *names* once squashed, or one
    holding the other ("الأهرام" / "بوابة الأهرام")."""
    if is_site_label(value, names):
        return True
    mine = _squash(value)
    if not mine:
        return False
    for name in names:
        theirs = _squash(name)
        if not theirs:
            continue
        if mine == theirs:
            return True
        shorter, longer = sorted((mine, theirs), key=len)
        if len(shorter) >= MIN_NAME_CHARS and shorter in longer:
            return True
    return False


# Elements a page marks as its byline: rel or itemprop "author", a class naming the author or
# the byline (WordPress "author vcard", "article-header__byline", "entry-author").
# Found from the attributes (each element tested with translate() cost 3.9 ms an eval page, the
# attributes 1.1); "uthor"/"yline" read "Author", "author", "Byline", "byline".
_MARKED_BYLINES = etree.XPath(
    "(//@class[contains(., 'uthor') or contains(., 'yline') or contains(., 'UTHOR') or contains(., 'YLINE')]"
    " | //@rel[. = 'author'] | //@itemprop[. = 'author'])/..")


def _may_mark_bylines(source: str) -> bool:
    """Whether a page's HTML may hold what ``_MARKED_BYLINES`` finds (a page spelling those
    attribute values with character references is not read)."""
    return "uthor" in source or "yline" in source or "UTHOR" in source or "YLINE" in source
_BYLINE_PREFIX = re.compile(r"^(?:by|von|par|por|door|di|af|av|przez|بقلم|كتبت|كتب|بواسطة)\b\s*:?\s*", re.IGNORECASE)
_BYLINE_EDGES = " -–—|·•,:"
MAX_MARKED_BYLINES = 20
MAX_BYLINE_CHARS = 80


def _marked_byline_name(text: str) -> str | None:
    """The writer(s) in a marked byline's text: "By Jessica Holly , Gail Levy" → "Jessica Holly,
    Gail Levy"; None for what reads as no name (a date, an e-mail address, a sentence)."""
    text = clean_text(text).strip(_BYLINE_EDGES)
    text = _BYLINE_PREFIX.sub("", text).strip(_BYLINE_EDGES)
    text = re.sub(r"\s+,", ",", text)
    if not text or len(text) > MAX_BYLINE_CHARS or "@" in text or re.search(r"\d{2}", text):
        return None
    return text if len(text.split()) <= 2 * MAX_AUTHOR_WORDS else None


def _jsonld_people(node: dict, key: str) -> list[str]:
    """The names a JSON-LD property gives (one object, a string or a list of either), its
    organisations left out."""
    value = node.get(key)
    people = []
    for entry in (value if isinstance(value, list) else [value])[:MAX_JSONLD_PEOPLE]:
        if isinstance(entry, dict):
            kind = entry.get("@type")
            kinds = [kind] if isinstance(kind, str) else [k for k in kind or () if isinstance(k, str)]
            if "Organization" in " ".join(kinds):
                continue
        name = jsonld_text({key: entry}, key)
        if name:
            people.append(name)
    return people


MAX_JSONLD_PEOPLE = 10  # a byline names a few; past this a list is junk
# A profile link given as the author: "https://…", "//…", "www.…", "facebook.com/name".
_URLISH = re.compile(r"(?:https?:|//|www\.|[\w.-]+\.[a-z]{2,}/)", re.IGNORECASE)


def _jsonld_typed(node: dict, key: str) -> tuple[str | None, str]:
    """A JSON-LD property as text, and its ``@type`` (joined when several; "" when none)."""
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    kind = value.get("@type") if isinstance(value, dict) else None
    kinds = [kind] if isinstance(kind, str) else [k for k in kind or () if isinstance(k, str)]
    return jsonld_text(node, key), " ".join(kinds)


def _jsonld_language(node: dict) -> str | None:
    """JSON-LD ``inLanguage``: a tag ("ar", "fr-FR") or a ``Language`` object, whose
    ``alternateName`` is the tag (its ``name`` is a word: "Arabic")."""
    value = node.get("inLanguage")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("alternateName")
    return value if isinstance(value, str) else None


def _first_date(candidates: Iterable[Found]) -> Found:
    """The first candidate that reads as a date; if none does, the first one found (kept as
    evidence: the date pipeline counts and logs it as unparsed or implausible). A date before
    the web's news (a CMS's "0001-01-01" placeholder, the Unix epoch) reads as no date, so the
    next source is asked. Candidates after the one that reads as a date are not produced
    (*candidates* may be a generator)."""
    first_found = NOTHING
    for raw, step in candidates:
        value = clean_text(raw) if raw else ""
        if not value:
            continue
        found = Found(value, step)
        parsed = parse_date(value)
        if parsed is not None and parsed >= PLAUSIBLE_EARLIEST:
            return found
        if not first_found:
            first_found = found
    return first_found


_WORD = re.compile(r"[\w\u064b-\u0652]+")
# reconcile_bodies' thresholds, set on the tuned half of the eval pages (benchmarks/eval_extraction.py):
AGREEMENT = 0.8  # share of one reading's words the other holds for the two to "agree"
LONGER = 1.2  # the other reading is longer by this factor: it holds more of the story
SUPPORTED = 0.5  # share of a paragraph's words the other reading holds for it to be backed
AGREEMENT_BACK = 0.9  # ours holds this share of theirs: theirs is the core of ours
GAP_WORDS = 3  # a label between two blocks of one story, not a heading of something else
PROSE_WORDS = 10  # a paragraph of prose, not a menu line or a related headline


def _lower_words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def reconcile_bodies(ours: list[str], theirs: list[str]) -> tuple[list[str], bool]:
    """Decide between the container guess (*ours*) and trafilatura's reading (*theirs*) on
    general evidence only (word agreement, paragraph shape), and say whether theirs was taken:

    - theirs holds nearly all of ours and more: ours may be one block of a story split over
      several. Theirs is taken from the first to the last paragraph ours backs (what lies
      between is the story), widened by neighbouring prose paragraphs (whole sentences of
      PROSE_WORDS words or more; menus and headline lists are neither) when that is longer;
    - ours holds nearly all of theirs and more: the story is what both agree on, so paragraphs
      of ours before the first and after the last one theirs backs (related items, bios,
      captions at the edges) are dropped; paragraphs in between stay;
    - otherwise the two disagree, and ours (which knows the Arabic boilerplate) stands.
    """
    if not theirs:
        return ours, False
    if not ours:
        return theirs, True
    # Each paragraph's words are read once: the counts of a reading are its paragraphs' counts
    # (the join's spaces split no word, and lower() reads no context across them).
    our_words, their_words = [_lower_words(p) for p in ours], [_lower_words(p) for p in theirs]
    mine, other = Counter(chain.from_iterable(our_words)), Counter(chain.from_iterable(their_words))
    shared = sum((mine & other).values())
    mine_total, other_total = sum(mine.values()), sum(other.values())
    if not mine_total or not other_total:
        return ours, False
    if shared / mine_total >= AGREEMENT and other_total > LONGER * mine_total:
        start, end = _backed_span(their_words, mine)
        if start is not None:
            taken = _widened(theirs, start, end)
            if len(_lower_words(" ".join(taken))) > LONGER * mine_total:
                return taken, True
        return ours, False
    if shared / other_total >= AGREEMENT_BACK and other_total >= SUPPORTED * mine_total:
        start, end = _backed_span(our_words, other)
        if start is not None:
            return ours[start:end], False
    return ours, False


def _widened(paragraphs: list[str], start: int, end: int) -> list[str]:
    """paragraphs[start:end] widened both ways over prose; a lone label between two blocks
    ("Advertisement", "إعلان") is stepped over when prose lies beyond it, and left out."""
    def step_over(i: int, beyond: int) -> bool:
        return 0 <= beyond < len(paragraphs) and len(_WORD.findall(paragraphs[i])) <= GAP_WORDS \
            and _is_prose(paragraphs[beyond])

    before: list[str] = []
    i = start - 1
    while i >= 0:
        if _is_prose(paragraphs[i]):
            before.insert(0, paragraphs[i])
            i -= 1
        elif step_over(i, i - 1):
            i -= 1
        else:
            break
    after: list[str] = []
    i = end
    while i < len(paragraphs):
        if _is_prose(paragraphs[i]):
            after.append(paragraphs[i])
            i += 1
        elif step_over(i, i + 1):
            i += 1
        else:
            break
    return before + paragraphs[start:end] + after


def _backed_span(paragraph_words: list[list[str]], other: Counter) -> tuple[int | None, int]:
    """[start, end) from the first to the last paragraph (given by its ``_lower_words``) that
    *other* backs."""
    backed = [_backed(words, other) for words in paragraph_words]
    if not any(backed):
        return None, 0
    return backed.index(True), len(backed) - backed[::-1].index(True)


def _is_prose(paragraph: str) -> bool:
    return len(_WORD.findall(paragraph)) >= PROSE_WORDS and bool(SENTENCE_END.search(paragraph))


def _backed(words: list[str], other: Counter) -> bool:
    """Whether *other* holds a SUPPORTED share of a paragraph's *words*."""
    return bool(words) and sum(w in other for w in words) / len(words) >= SUPPORTED


def _reads_as_subtitle(text: str) -> bool:
    """A sub-headline is a phrase: three words or more, not a label ("Last Updated:", "| UPDATED:")
    and not the date line."""
    if len(text.split()) < 3 or text.endswith(":") or text.startswith("|"):
        return False
    return not (len(text) <= 80 and parse_date(text) is not None)


def _looks_like_caption(text: str) -> bool:
    return len(text) < 160 and not SENTENCE_END.search(text)


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
        if _is_stray_label(text):
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
        prose = [b.text for b in blocks if b.text and len(b.text) >= 80 and SENTENCE_END.search(b.text)
                 and b.link_share < 0.3 and not b.has_image]
        rest = [b for b in blocks if b.text and b.text not in prose and b.text not in skip
                and not is_furniture(b.text, labels) and not parse_dateline(b.text, labels)]
        if not prose or rest:
            break
        lead = prose + lead
    return lead


def _is_stray_label(text: str) -> bool:
    return len(text.split()) < 3 and not SENTENCE_END.search(text)


def _trailing_prose(container, labels: tuple[str, ...], skip: set[str]) -> list[str]:
    """Paragraphs printed after the body container that continue it: the rest of a story cut by
    an ad slot. Read only past an ad slot (an element holding an ad's markup, ``<ins>``,
    ``<script>`` or ``<iframe>``, or its label, "إعلان", and no other text): right after the
    container, prose is as likely a bio, a disclaimer or a comment. Past it, blocks are read on
    while they hold nothing but prose and short headings (further ad slots and empty blocks
    stepped over); related items, a photo, a form, a long non-prose line or an end-of-article
    line stop the walk. A container that is its wrapper's last element is continued after the
    wrapper (two levels at most)."""
    anchor = container
    for _ in range(2):
        parent = anchor.getparent()
        if _next_element(anchor) is not None or parent is None or parent.tag in ("body", "html"):
            break
        anchor = parent
    more: list[str] = []
    interrupted = False
    for sibling in islice(anchor.itersiblings(), MAX_CONTINUATION_BLOCKS):
        if not isinstance(sibling.tag, str) or sibling.tag in SKIP_TAGS:
            # (a script of its own is an ad slot only if it says so: analytics and embeds'
            # scripts follow many stories)
            interrupted = interrupted or (sibling.tag == "script" and bool(_AD_SCRIPT.search(sibling.text or "")))
            continue
        if not interrupted:
            # Before an ad slot only text-less blocks may pass: a block opening with text of its
            # own (a bio, related items, the comment form) ends the walk before it is read whole.
            first = first_text(sibling)
            opening = clean_text(first[:MAX_TITLE_CHARS]) if first else ""
            if opening and (ends_article(opening) or not (is_furniture(opening, labels) or _is_stray_label(opening))):
                break
        blocks = iter_blocks(sibling)
        texts = [b.text for b in blocks if b.text and not is_furniture(b.text, labels) and not _is_stray_label(b.text)]
        if not texts and not any(b.has_image for b in blocks):
            # Nothing to read: an ad slot, if it says so; an empty block is stepped over.
            interrupted = interrupted or _AD_MARKUP(sibling) or any(
                b.text and _AD_LABEL.match(fold_for_matching(b.text)) for b in blocks)
            continue
        if not interrupted or any(b.text and ends_article(b.text) for b in blocks):
            break
        if not all(b.text in skip or _continues_story(b) for b in blocks if b.text or b.has_image):
            break
        more += _paragraphs(blocks, labels, skip)
    return more


# A story cut by ads is continued over at most this many blocks after its container.
MAX_CONTINUATION_BLOCKS = 12
# Elements whose texts are no reading matter (as ``first_text`` skips them).
_UNREAD_TAGS = frozenset(("script", "style", "noscript", "template"))
_XPATH_SPACE = " \t\r\n"  # what normalize-space() strips (not NBSP)


def first_text(element) -> str | None:
    """The first text of *element*'s subtree that is not blank, outside scripts, styles,
    noscripts and templates: ``(descendant::text()[normalize-space()][not(ancestor::script or
    …)])[1]``, walked from the start and stopped there (libxml2 gathers every text of the
    subtree and tests each one's ancestors first: 2% of a mirror page's extraction)."""
    if any(a.tag in _UNREAD_TAGS for a in element.iterancestors()):
        return None
    if not isinstance(element.tag, str) or element.tag in _UNREAD_TAGS:
        return None
    text = element.text
    if text and text.strip(_XPATH_SPACE):
        return text
    # (iterator over an element's children, the element): its tail is read after its subtree
    stack = [(iter(element), None)]
    while stack:
        children, owner = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            tail = owner.tail if owner is not None else None
            if tail and tail.strip(_XPATH_SPACE):
                return tail
            continue
        if isinstance(child.tag, str) and child.tag not in _UNREAD_TAGS:
            text = child.text
            if text and text.strip(_XPATH_SPACE):
                return text
            stack.append((iter(child), child))
            continue
        tail = child.tail  # (a comment's or an unread element's tail is text of the parent)
        if tail and tail.strip(_XPATH_SPACE):
            return tail
    return None
    stack = [element]
    text = element.text
    if text and text.strip(_XPATH_SPACE):
        return text
    stack = [iter(element)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        if isinstance(child.tag, str) and child.tag not in _UNREAD_TAGS:
            text = child.text
            if text and text.strip(_XPATH_SPACE):
                return text
            if len(child):
                stack.append(iter(child))
                continue
        tail = child.tail  # (a comment's or an unread element's tail is text of the parent)
        if tail and tail.strip(_XPATH_SPACE):
            return tail
    return None
_AD_SCRIPT = re.compile(r"adsbygoogle|googletag|doubleclick|\bads?\b|banner", re.IGNORECASE)
_AD_MARKUP = etree.XPath("boolean(descendant-or-self::ins|descendant-or-self::iframe|descendant-or-self::script)")
_AD_LABEL = re.compile(r"^(?:اعلان|إعلان|advertisement|advertising|ad|ads|sponsored|publicite|publicité)$", re.IGNORECASE)


def _next_element(el):
    return next((s for s in el.itersiblings() if isinstance(s.tag, str)), None)


def _continues_story(block: Block) -> bool:
    """A block a story's continuation may hold: prose, a short heading, furniture or a stray label."""
    text = block.text
    if block.has_image or block.link_share >= 0.3:
        return False
    if len(text) >= 80 and SENTENCE_END.search(text):
        return True
    return block.tag in ("h2", "h3", "h4", "h5", "h6") and len(text.split()) <= 12 or _is_stray_label(text)


_PUNCTUATION = re.compile(r"[\s\"'«»“”.,،:;؛!?؟…\-–—_]+")


def loose(text: str) -> str:
    """*text* without punctuation, spacing, tashkeel or hamza differences: "X؟" is the headline X."""
    return _PUNCTUATION.sub("", fold_for_matching(text))
