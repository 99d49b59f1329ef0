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
from collections.abc import Iterator
from functools import cached_property
from itertools import islice

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from newscrawl.extraction.document import absolute_url, text_start
from newscrawl.extraction.page import NOTHING, ArticlePage, Found
from newscrawl.extraction.versions import ParserVersion, SiteParser
from newscrawl.sites import network
from newscrawl.text import MAX_TITLE_CHARS, clean_text


def _compiled_css(selector: str) -> etree.XPath:
    """*selector* as compiled XPath: parsel's translation (what Selector.css runs), but a bare
    ``#id`` is found from the id attributes, twice as fast as testing every element."""
    if re.fullmatch(r"#[\w-]+", selector):
        return etree.XPath(f"//@id[. = '{selector[1:]}']/..")
    return etree.XPath(HTMLTranslator().css_to_xpath(selector))


# The landmarks, compiled once.
_BODY = _compiled_css(network.BODY_SELECTOR)
_DATELINES = _compiled_css(network.DATELINE_SELECTOR)
# Elements below <body> with a text child holding "GMT" (found from the texts: faster).
_STAMPS = etree.XPath("/descendant::text()[contains(., 'GMT')]/parent::*[ancestor::body]")
# A page prints its own stamp and a few dozen related items' stamps below the headline.
MAX_STAMPS = 200
# A page's writer link is among the last links above the body.
MAX_WRITER_LINKS = 15
# The writer links nearest above the body, in document order.
_NEAREST_LINKS_BEFORE = etree.XPath(f"preceding::a[@href][position() <= {MAX_WRITER_LINKS}]")


class NetworkArticlePage(ArticlePage):
    """Article pages of the network's template as known from 2017 to today (headline h1, #balmon, h4.coring, GMT stamps)."""

    @cached_property
    def labels(self) -> tuple[str, ...]:
        labels = self.site.labels if self.site else network.NETWORK_LABELS
        site_name = self.doc.meta.first("og:site_name")
        if site_name and len(site_name) <= 100 and site_name not in labels:
            labels = (*labels, site_name)  # "<headline> - اليوم السابع"
        return labels

    def body_container(self) -> Found:
        found = _BODY(self.doc.root)
        return Found(found[0], "selectors") if found else super().body_container()

    def dateline_element(self, container):
        candidates = _DATELINES(self.doc.root)
        if not candidates:
            return None
        if container is None:
            return candidates[0]
        headline = self.doc.headline
        rank = self.doc.ranks(candidates, (container, headline))
        after_headline = rank[headline] if headline is not None else -1
        # Teaser boxes elsewhere on the page carry datelines too: only the headline's own counts.
        inside = [c for c in candidates if c is container or container in c.iterancestors()]
        if inside:
            return inside[0]
        before = [c for c in candidates if after_headline < rank[c] < rank[container]]
        return before[-1] if before else None

    def published_candidates(self) -> Iterator[Found]:
        # The site's own stamp is the most reliable source on the network; the generic
        # "date below the headline" guess is left out (the stamp is that line, when right).
        yield Found(self._stamp(), "selectors")
        yield from self.metadata_published_candidates()

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
        headline = doc.headline
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

    def _stamp(self) -> str | None:
        """The article's own network stamp: the one whose HH:MM matches the URL's HHMMSS, else the
        last one before the body. Stamps after the body belong to related items."""
        doc = self.doc
        url_time = network.url_publish_time(network.fold_amp(doc.path))
        container = self.container.value
        stamps = _STAMPS(doc.root)
        headline = doc.headline
        rank = doc.ranks(stamps, (container, headline))
        body_start = rank[container] if container is not None else None
        after_headline = rank[headline] if headline is not None else -1
        candidates = []
        below_headline = (el for el in stamps if rank[el] > after_headline)  # not a sidebar above it
        for element in islice(below_headline, MAX_STAMPS):
            text = clean_text(text_start(element, MAX_TITLE_CHARS))  # a stamp is one short line
            if network.CLOCK_PATTERN.search(text):
                continue
            match = network.STAMP_PATTERN.search(text)
            if match:
                candidates.append((rank[element], match))
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


NETWORK_PARSER = SiteParser("network", (ParserVersion("2017", NetworkArticlePage),))
