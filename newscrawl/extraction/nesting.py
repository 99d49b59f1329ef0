"""Pages nested deeper than libxml2 reads: their excess nesting flattened before a re-parse.

libxml2's HTML parser stops reading a page (huge_tree or not) once elements nest 2,048 deep:
everything after that point is lost, silently but for an entry in the parser's error log.
Real pages reach such depths by broken markup (a ``<div>`` opened per paragraph, never closed)
or on purpose; either way the text is the page's. ``flatten_nesting`` drops the start and end
tags of the elements in the middle of too deep a chain, so the whole text parses. It runs
only on a page whose parse reported the limit: one pass over its tags, linear in its length.
"""

from __future__ import annotations

import re

# Well under libxml2's 2,048, with room for what the parser adds or keeps open that this tally
# does not follow (a <tbody> in each table, <html> and <body>).
MAX_NESTING = 1_000

# Elements that never hold others, and those whose content is text, not tags.
_VOID = frozenset("area base basefont bgsound br col embed frame hr img input isindex keygen link meta "
                  "param source track wbr".split())
_RAW_TEXT = "script|style|textarea|title|xmp|iframe|noembed|noframes"
# One token each: a comment, a raw-text element whole, a start or end tag. Every alternative
# ends at the end of the page when unclosed, so no position is scanned twice (no quadratic
# rescans of an unclosed "<!--" or "<div" repeated).
_TOKEN = re.compile(
    rf"<!--.*?(?:-->|\Z)|<(?P<raw>{_RAW_TEXT})\b.*?(?:</(?P=raw)\s*>|\Z)"
    r"|<(?P<end>/?)(?P<tag>[A-Za-z][^\s/>]*)[^>]*(?:>|\Z)",
    re.DOTALL | re.IGNORECASE)

# libxml2's end-tag priorities (htmlEndPriority): an end tag closes the open elements above its
# own only when none of them has a higher priority; otherwise the parser ignores it.
_END_PRIORITY = {"div": 150, "td": 160, "th": 160, "tr": 170, "thead": 180, "tbody": 180, "tfoot": 180,
                 "table": 190, "head": 200, "body": 200, "html": 220}
_DEFAULT_PRIORITY = 100


def is_too_deep(error_log) -> bool:
    """Whether a parse whose *error_log* this is stopped at libxml2's nesting limit
    ("Excessive depth in document: 2048, use XML_PARSE_HUGE option")."""
    return any("Excessive depth" in error.message for error in error_log)


def flatten_nesting(html: str, max_nesting: int = MAX_NESTING) -> str:
    """*html* with elements nested more than *max_nesting* deep unwrapped: of each chain of
    nested elements, the outer half of *max_nesting* and the inner half stay (the page's frame,
    and the paragraphs and links that hold its text); the start and end tags of the elements
    between are dropped, their content kept.

    An element is dropped when more than ``max_nesting // 2`` elements enclose it and its own
    subtree is more than ``max_nesting // 2`` deep: along any path, depths rise and subtree
    heights fall, so at most *max_nesting* + 1 elements of a path stay. Depth is tallied the
    parser's way, closely enough: void elements open nothing, an end tag closes the elements
    opened after its start tag unless one of them has a higher end priority (then libxml2
    ignores it). What the tally misses (a <p> closed by the next block) makes it count deeper
    than the parser, so it unwraps more, never fewer."""
    outer = inner = max_nesting // 2
    # Each open element, innermost last: [tag, start tag's span, height of its deepest child].
    stack: list[list] = []
    open_at: dict[str, list[int]] = {}  # each tag's positions in the stack
    dropped: list[tuple[int, int]] = []  # spans of the tags to drop

    def close(end_tag_span) -> None:
        tag, start_span, child_height = stack.pop()
        open_at[tag].pop()
        height = child_height + 1
        if stack and stack[-1][2] < height:
            stack[-1][2] = height
        if len(stack) >= outer and height > inner:
            dropped.append(start_span)
            if end_tag_span is not None:
                dropped.append(end_tag_span)

    for token in _TOKEN.finditer(html):
        tag = token.group("tag")
        if tag is None:  # a comment or a raw-text element: no nesting inside
            continue
        tag = tag.lower()
        if not token.group("end"):  # a start tag
            if tag not in _VOID:
                open_at.setdefault(tag, []).append(len(stack))
                stack.append([tag, token.span(), 0])
            continue
        positions = open_at.get(tag)
        if not positions:
            continue  # an end tag with no open element: the parser ignores it
        at = positions[-1]
        priority = _END_PRIORITY.get(tag, _DEFAULT_PRIORITY)
        if any(p > priority and open_at.get(t) and open_at[t][-1] > at for t, p in _END_PRIORITY.items()):
            continue  # an element between cannot be closed by this tag: ignored
        while len(stack) > at + 1:  # the elements opened after it close with it
            close(None)
        close(token.span())
    while stack:  # left open at the end of the page
        close(None)
    if not dropped:
        return html
    dropped.sort()
    pieces: list[str] = []
    start = 0
    for drop_start, drop_end in dropped:
        pieces.append(html[start:drop_start])
        start = drop_end
    pieces.append(html[start:])
    return "".join(pieces)
