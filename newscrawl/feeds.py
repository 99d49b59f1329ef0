"""Read RSS and Atom feeds forgivingly (pure; no Scrapy).

The network's feeds have been served truncated (docs/site-facts.md F19), so parsing uses lxml's
recovering parser and keeps every entry that parsed.
"""

from __future__ import annotations

import re
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
    """The first parser error when the document is malformed or truncated, in one line
    ("cut off at line 122: CData section not finished"), else None."""
    readable: bool = True


def _text(entry, *names: str) -> str:
    for name in names:
        value = entry.xpath(f"string(*[local-name()='{name}'][1])").strip()
        if value:
            return value
    return ""


def describe_error(error, body: bytes | None = None) -> str:
    """One line for a parser error: libxml2's message is often two lines, the second a raw
    fragment of the document (half a CDATA title), which reads as garbage in a log. With the
    *body* of a recovered parse, an error on its last line is said to be where the feed is cut."""
    # an lxml _LogEntry (recovered errors) has message/line; an XMLSyntaxError has msg/lineno
    text = getattr(error, "message", None) or getattr(error, "msg", None) or str(error)
    message = " ".join(str(text).split("\n", 1)[0].split()) or "unreadable XML"
    message = re.sub(r",? line \d+, column \d+$", "", message)  # XMLSyntaxError repeats the position
    line = getattr(error, "line", None) or getattr(error, "lineno", None) or 0
    if line and body is not None and line >= body.rstrip().count(b"\n") + 1:  # on the last line: the feed ends early
        return f"cut off at line {line}: {message}"
    return f"{message} at line {line}" if line else message


def parse_feed(body: bytes) -> ParsedFeed:
    if not body or not body.strip():
        return ParsedFeed([], "empty document", readable=False)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        return ParsedFeed([], describe_error(error), readable=False)
    if root is None:
        return ParsedFeed([], "no XML found", readable=False)
    problem = describe_error(parser.error_log[0], body) if parser.error_log else None
    nodes = root.xpath("//*[local-name()='item' or local-name()='entry']")
    if problem and len(nodes) < len(_ENTRY_OPENINGS.findall(body)):
        # The parse stopped at a bad entry (nested past libxml2's depth limit, an entity bomb):
        # lxml's recovery drops everything after it. Each entry is read on its own instead.
        entries = [e for chunk in _entry_chunks(body) for e in _entries(_parse_chunk(chunk))]
        return ParsedFeed(entries, f"{problem}; entries read one by one")
    return ParsedFeed(_entries(nodes), problem)


def _entries(nodes) -> list[FeedEntry]:
    entries = []
    for node in nodes:
        link = (_text(node, "link") or node.xpath("string(*[local-name()='link'][not(@rel) or @rel='alternate'][1]/@href)")
                or _text(node, "guid", "id"))
        if link.strip().startswith(("http://", "https://", "/")):
            entries.append(FeedEntry(link.strip(), _text(node, "title") or None, _text(node, *_DATE_ELEMENTS) or None))
    return entries


# An entry's opening and closing tags (RSS item, Atom entry), prefixed or not.
_ENTRY_OPENINGS = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]")
_ENTRY_TAGS = re.compile(rb"<(/?)(?:[\w-]+:)?(item|entry)[\s>/]")
# The namespaces feeds' entries use, declared around an entry read on its own.
_CHUNK_ROOT = (b'<r xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
               b'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">')


def _entry_chunks(body: bytes) -> list[bytes]:
    """Each entry's text, from its opening tag to the closing tag that ends it (one pass over
    the tags: no pattern that rescans the rest of the document for each opening)."""
    chunks, start = [], None
    for match in _ENTRY_TAGS.finditer(body):
        if not match.group(1):
            start = match.start()
        elif start is not None:
            end = body.find(b">", match.end() - 1) + 1
            chunks.append(body[start:end or match.end()])
            start = None
    return chunks


def _parse_chunk(chunk: bytes) -> list:
    """The entry elements of one entry's text (none when even it alone does not parse)."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(_CHUNK_ROOT + chunk + b"</r>", parser)
    except etree.XMLSyntaxError:
        return []
    return [] if root is None else root.xpath("*[local-name()='item' or local-name()='entry']")
