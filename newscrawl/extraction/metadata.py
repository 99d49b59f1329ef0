"""Machine-readable metadata of a page: ``<meta>`` tags, canonical link, JSON-LD (pure)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

from lxml import etree

from newscrawl.text import MAX_BLOCK_CHARS, MAX_TITLE_CHARS, clean_text

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "blogposting", "backgroundnewsarticle", "reviewnewsarticle"}


@dataclass
class PageMetadata:
    meta: dict[str, list[str]] = field(default_factory=dict)
    """``<meta>`` values by lower-cased ``property`` / ``name`` / ``itemprop``, in page order."""
    canonical: str | None = None
    title: str = ""
    jsonld: dict = field(default_factory=dict)
    """The first schema.org Article-like object of the page's JSON-LD (``@graph`` searched too)."""

    _cleaned: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    """``clean_text`` of each key's values, read once: fields ask for the same keys many times."""

    def cleaned(self, key: str) -> list[str]:
        values = self._cleaned.get(key)
        if values is None:
            values = self._cleaned[key] = [clean_text(v) for v in self.meta.get(key, ())]
        return values

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.cleaned(key):
                if value:
                    return value
        return None

    def all(self, *keys: str) -> list[str]:
        return [v for key in keys for v in self.cleaned(key) if v]


def _walk_jsonld(node):
    """Every object in *node* (lists and ``@graph`` searched), in document order.

    An explicit stack, not recursion: a page's JSON-LD may nest lists thousands deep."""
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            yield node
            if "@graph" in node:
                stack.append(node["@graph"])


def _is_article(node: dict) -> bool:
    types = node.get("@type", ())
    types = [types] if isinstance(types, str) else types
    return any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in types)


def _load_json(text: str):
    # Some CMSs wrap the block in a CDATA section or HTML comment for old parsers.
    text = re.sub(r"^\s*(?:<!\[CDATA\[|<!--|//\s*<!\[CDATA\[)|(?://\s*)?(?:\]\]>|-->)\s*$", "", text.strip())
    try:
        return json.loads(text)
    except RecursionError:  # nested deeper than the decoder goes: no page's real metadata
        return None
    except ValueError:
        # CMS templates often leave raw newlines or a trailing comma inside strings.
        repaired = re.sub(r",\s*([}\]])", r"\1", text.replace("\n", " ").replace("\r", " "))
        try:
            return json.loads(repaired)
        except (ValueError, RecursionError):
            return None


# No real page has more than a few hundred <meta> tags: past this many, the rest are not read.
MAX_META_TAGS = 2000

_STRING = etree.XPath("string(.)")
_TEXTS = etree.XPath("text()")


# A microdata item this small that links elsewhere is a teaser of another story.
MAX_TEASER_ITEM_CHARS = 300


def _in_other_item(node) -> bool:
    """Whether a ``<meta itemprop>`` describes another story than the page's: it sits in an
    aside, a menu or the page's footer, or its item (the nearest ``itemscope``) is a small block with a
    link (a teaser), not the article."""
    footer = False
    for ancestor in node.iterancestors():
        tag = ancestor.tag
        if tag in ("aside", "nav"):
            return True
        footer = footer or tag == "footer"  # the page's footer; an article's own prints its date
        if tag == "article" and ancestor.get("itemscope") is None:
            return False
        if ancestor.get("itemscope") is not None:
            return tag not in ("body", "html") and ancestor.find(".//a[@href]") is not None \
                and len(_STRING(ancestor)) <= MAX_TEASER_ITEM_CHARS
    return footer


def read_metadata(root) -> PageMetadata:
    """The metadata of the page whose tree is *root*: every ``<meta>``, the first canonical
    link, the first ``<title>``, the first Article-like JSON-LD object (lxml XPath on the tree:
    a parsel Selector per ``<meta>`` cost more than reading it)."""
    result = PageMetadata()
    canonical = title = None
    scripts = []
    metas = 0
    # The four lookups in one walk of the tree, in document order, the tags matched in C. Not an
    # XPath union ("//meta|//title"): libxml2 merges node sets in time quadratic in their sizes
    # (100,000 <meta> tags took 25 s).
    for node in root.iter("meta", "link", "title", "script"):
        tag = node.tag
        if tag == "meta":
            metas += 1
            if metas > MAX_META_TAGS:
                continue
            attrib = node.attrib
            key = attrib.get("property") or attrib.get("name") or attrib.get("itemprop")
            value = attrib.get("content")
            if key and not (attrib.get("property") or attrib.get("name")) and _in_other_item(node):
                continue  # a related story's microdata ("most read" teasers), not the page's
            if key and value is not None:  # cut: a value is read (cleaned) once per lookup
                result.meta.setdefault(key.strip().lower(), []).append(value[:MAX_BLOCK_CHARS])
        elif tag == "link":
            if canonical is None and node.get("rel") == "canonical":
                canonical = node.get("href")
        elif tag == "title":
            if title is None:
                title = node
        elif node.get("type") == "application/ld+json":
            scripts.append(node)
    result.canonical = canonical
    result.title = clean_text(str(_STRING(title))[:MAX_TITLE_CHARS] if title is not None else "")
    for script in scripts:
        for text in _TEXTS(script):
            data = _load_json(str(text))
            for node in _walk_jsonld(data):
                if _is_article(node):
                    result.jsonld = node
                    return result
    return result


def jsonld_text(node: dict, key: str) -> str | None:
    """A JSON-LD property as text: strings as they are, objects by ``name``/``url``, lists by first item."""
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("@id")
    if value in (None, ""):
        return None
    text = str(value)
    # CMSs write HTML entities into JSON-LD strings (WordPress SEO plugins: "Thermen- &#038;
    # Vulkanland"); JSON has its own escapes, so an entity there is the page's mistake.
    return clean_text(html.unescape(text) if "&" in text else text)


def jsonld_list(node: dict, key: str) -> list[str]:
    value = node.get(key)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v.get("name") if isinstance(v, dict) else v) for v in value if v]
    return []
