"""The paragraph-density guess at an article's body container (pure lxml, no Scrapy).

Scores each element by the non-link prose its paragraph children hold; the best scoring
element is the body. One pass over the tree, linear in its size even thousands deep.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from newscrawl.extraction.blocks import is_caption
from newscrawl.text import clean_text, collapse_text

SENTENCE_END = re.compile(r"[.!؟?:…»\"”)]$")


def densest_container(root):
    """The element whose paragraph children hold the most non-link prose."""
    return densest_container_and_share(root)[0]


def densest_container_and_share(root) -> tuple[Any, float]:
    """The densest container, and the share of the page's prose blocks (paragraphs of 40+
    characters ending a sentence) that lie inside it: near 1, no prose is left to find."""
    lengths, wrappers = _candidate_text_lengths(root)
    scores: dict[Any, int] = {}
    prose_blocks: list[tuple[Any, int]] = []
    holds_prose: set = set()  # elements with prose of their own: a prose child, or text
    for el in root.iter(*_CANDIDATE_TAGS):
        wrapper = wrappers.get(el)  # None: inside a candidate, not met by the walk
        if el.tag != "p" and (wrapper or (wrapper is None and _is_wrapper(el))):
            # A wrapper div: score the prose held directly in it ("text<br><br>text" bodies).
            direct = sum(len(clean_text(t)) for t in [el.text, *(c.tail for c in el)] if t)
            if direct >= 200:
                scores[el] = scores.get(el, 0) + direct
                holds_prose.add(el)
            continue
        if is_caption(el):
            continue
        text, link = lengths[el]  # clean_text(el.text_content()), read once for all candidates
        prose = _stripped_length(text) - link
        if el.tag != "p" and prose >= 200 and _br_paragraphs(el) >= 2:
            # "text<br><br>text" in a div or cell of its own: the story's container is this
            # element, not its parent (which may hold the related items printed right after).
            scores[el] = scores.get(el, 0) + prose
            holds_prose.add(el)
            prose_blocks.append((el, prose))
            continue
        if prose >= 40 and SENTENCE_END.search(text[3]):
            prose_blocks.append((el, prose))
            parent = el.getparent()
            if parent is not None:
                holds_prose.add(parent)
                scores[parent] = scores.get(parent, 0) + prose
                # Articles split over sibling blocks: the grandparent gathers them (at half weight,
                # so one block of prose still wins over a page-wide wrapper).
                grandparent = parent.getparent()
                if grandparent is not None:
                    scores[grandparent] = scores.get(grandparent, 0) + prose // 2
    if not scores:
        return None, 0.0
    best, score = max(scores.items(), key=lambda kv: kv[1])
    if score < 200:
        return None, 0.0
    best = _top_of_chain(best, holds_prose)
    total = sum(prose for _, prose in prose_blocks)
    within = set(best.iter())  # one walk of the container, whatever the nesting depth
    inside = sum(prose for el, prose in prose_blocks if el in within)
    return best, (inside / total if total else 1.0)


def _br_paragraphs(el) -> int:
    """How many paragraph breaks (two <br> in a row, blank text between) *el* holds directly."""
    breaks = 0
    previous_br = False
    for child in el:
        if child.tag == "br":
            if previous_br:
                breaks += 1
            previous_br = not (child.tail and not child.tail.isspace())
        elif isinstance(child.tag, str):
            previous_br = False
    return breaks


def _top_of_chain(best, holds_prose: set):
    """The outermost of the containers like *best* (same tag, same class) that enclose it
    one in the other, each with prose of its own: a CMS that opens a ``<div>`` per paragraph
    and never closes it nests the story paragraph in paragraph, and the best scored of those
    divs holds only the paragraphs from its own on."""
    parent = best.getparent()
    while parent is not None and parent.tag == best.tag and parent.get("class") == best.get("class") \
            and parent in holds_prose:
        best, parent = parent, parent.getparent()
    return best


_CANDIDATE_TAGS = ("p", "div", "td")
_BLOCK_CHILDREN = frozenset(("div", "p", "table", "ul"))


def _is_wrapper(el) -> bool:
    """Whether the div or td *el* holds blocks of its own (a div, p, table or ul child): its
    prose is scored apart, not from its text_content(). (A loop over the children: lxml's
    tag-filtered iterchildren costs more to set up than it saves, 2.0 against 1.4 µs.)"""
    for child in el:
        if child.tag in _BLOCK_CHILDREN:  # a comment's tag is a function: never in the set
            return True
    return False


def _candidate_text_lengths(root) -> tuple[dict[Any, tuple[tuple, int]], dict[Any, bool]]:
    """``_text_lengths`` of the elements whose text densest_container reads (its candidates:
    every p, and every div or td that is no wrapper) and of their descendants: the subtree of
    each outermost one, found by a walk in C that descends only through the wrappers. The
    rest of the page (the head, menus and lists in wrapper divs: 40% of an eval page's
    elements) is never summarised. Also whether each div or td the walk met is a wrapper."""
    lengths: dict[Any, tuple[tuple, int]] = {}
    wrappers: dict[Any, bool] = {}
    walk = etree.iterwalk(root, events=("start",), tag=_CANDIDATE_TAGS)
    for _, el in walk:
        if not len(el):  # a leaf ("<p>text</p>"): its text is all there is
            text = el.text
            lengths[el] = (_NO_TEXT if not text else _BLANK if text.isspace() else _summary(text), 0)
            wrappers[el] = False
        elif el.tag == "p" or not _is_wrapper(el):
            walk.skip_subtree()  # its own descendants are summarised with it
            _summarise_subtree(el, lengths)
            wrappers[el] = False
        else:
            wrappers[el] = True
    return lengths, wrappers


# What densest_container needs of an element's text_content(): the length clean_text gives it
# and its last character. Read per candidate, nested candidates (<div><span><div>…, thousands
# deep on a hostile page) would read the same text once per level: quadratic. So each text node
# is cleaned once and the results are joined up the tree. A summary is (length of the collapsed
# text, starts with a space, ends with a space, last non-space character).
_NO_TEXT = (0, False, False, "")


_BLANK = (1, True, True, "")


def _summary(raw: str | None) -> tuple[int, bool, bool, str]:
    if not raw:
        return _NO_TEXT
    if raw.isspace():  # most text nodes are the blanks between tags: skip the cleanup's cost
        return _BLANK
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
    _summarise_subtree(root, result)
    return result


def _summarise_subtree(root, result: dict) -> None:
    """Add ``_text_lengths(root)`` to *result*. (``_summary``, ``_joined`` and
    ``_stripped_length`` inlined: this loop runs for every element read.)"""
    for el in reversed(list(root.iter())):
        # text_content() leaves out comments and processing instructions, but not their tails.
        text = el.text if isinstance(el.tag, str) else None
        summary = _NO_TEXT if not text else _BLANK if text.isspace() else _summary(text)
        link = 0
        if len(el):  # (a leaf, the most common element, skips making an iterator)
            for child in el:
                child_summary, child_link = result[child]
                if child_summary[0]:
                    summary = child_summary if not summary[0] else (
                        summary[0] + child_summary[0] - (summary[2] and child_summary[1]),
                        summary[1], child_summary[2], child_summary[3] or summary[3])
                tail = child.tail
                if tail:
                    tail_summary = _BLANK if tail.isspace() else _summary(tail)
                    if tail_summary[0]:
                        summary = tail_summary if not summary[0] else (
                            summary[0] + tail_summary[0] - (summary[2] and tail_summary[1]),
                            summary[1], tail_summary[2], tail_summary[3] or summary[3])
                link += child_link
                if child.tag == "a" and child_summary[3]:
                    link += child_summary[0] - child_summary[1] - child_summary[2]
        result[el] = (summary, link)
