"""Read RSS and Atom feeds forgivingly (pure; no Scrapy).

The network's feeds have been served truncated (docs/site-facts.md F19), so parsing uses lxml's
recovering parser and keeps every entry that parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

_DATE_ELEMENTS = ("pubDate", "published", "date", "updated", "issued", "modified")


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str | None
    date_raw: str | None


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[FeedEntry]
    problem: str | None
    """The first parser error when the document is malformed or truncated, else None."""
    readable: bool = True


def _text(entry, *names: str) -> str:
    for name in names:
        value = entry.xpath(f"string(*[local-name()='{name}'][1])").strip()
        if value:
            return value
    return ""


def parse_feed(body: bytes) -> ParsedFeed:
    if not body or not body.strip():
        return ParsedFeed([], "empty document", readable=False)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        return ParsedFeed([], str(error), readable=False)
    if root is None:
        return ParsedFeed([], "no XML found", readable=False)
    problem = parser.error_log[0].message.strip() if parser.error_log else None
    entries = []
    for node in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        link = (_text(node, "link") or node.xpath("string(*[local-name()='link'][not(@rel) or @rel='alternate'][1]/@href)")
                or _text(node, "guid", "id"))
        if link.strip().startswith(("http://", "https://", "/")):
            entries.append(FeedEntry(link.strip(), _text(node, "title") or None, _text(node, *_DATE_ELEMENTS) or None))
    return ParsedFeed(entries, problem)
