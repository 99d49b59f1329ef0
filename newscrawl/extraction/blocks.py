"""Turn an HTML subtree into text blocks (paragraph candidates), in reading order.

Pure lxml; no Scrapy. A block ends at a block-level element or a ``<br>``, so both
``<p>`` paragraphs and ``text<br><br>text`` bodies come out as one block per paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass

from newscrawl.text import MAX_BLOCK_CHARS, clean_text

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt fieldset figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td th thead tr ul".split()
)
# Subtrees that never hold article prose.
SKIP_TAGS = frozenset(
    "script style noscript template form iframe button select option textarea input label svg "
    "object embed video audio figcaption map canvas head title meta link".split()
)
CAPTION_HINTS = ("caption",)  # the network's real markup uses h3.caption / h6.caption (docs/site-facts.md F15)
# An article has tens of paragraphs, a whole page a few thousand blocks; a subtree with more is
# generated junk (50,000 <p>), and reading past this many blocks would only cost time.
MAX_BLOCKS = 5_000


@dataclass
class Block:
    text: str
    link_chars: int = 0
    has_image: bool = False
    tag: str = ""

    @property
    def link_share(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def _tag(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    if tag.islower() and "}" not in tag:  # what the HTML parser gives: nothing to change
        return tag
    return tag.rsplit("}", 1)[-1].lower()


def is_caption(el) -> bool:
    # el.get, not el.attrib: the attrib proxy made for each element cost half this check.
    css_class, ident = el.get("class"), el.get("id")
    if css_class is None and ident is None:  # most elements: no class, no id
        return False
    attrs = f"{css_class or ''} {ident or ''}".lower()
    return any(hint in attrs for hint in CAPTION_HINTS)


def iter_blocks(root) -> list[Block]:
    """Blocks of *root* in document order (the first MAX_BLOCKS); captions, scripts and forms
    are left out. A block's text is cut at MAX_BLOCK_CHARS."""
    blocks: list[Block] = []
    pieces: list[str] = []
    # The block being gathered: characters of link text, whether it holds an image, its tag.
    link, image, block_tag = 0, False, ""

    def flush() -> None:
        nonlocal link, image, block_tag
        if pieces:
            text = clean_text("".join(pieces)[:MAX_BLOCK_CHARS])
            pieces.clear()
        else:
            text = ""
        if text or image:  # an image-only block marks where a caption may follow
            blocks.append(Block(text, min(link, len(text)), image, block_tag))
        link, image, block_tag = 0, False, ""

    # An explicit stack, not recursion: hostile or broken pages nest thousands of elements,
    # past Python's recursion limit. An entry is (element, in_link, None) before the element's
    # subtree and (element, in_link, is_block) after it, when only its tail is left.
    root_in_link = _tag(root) == "a"
    if root.text:
        pieces.append(root.text)
        if root_in_link:
            link += len(clean_text(root.text))
    stack: list[tuple] = [(child, root_in_link, None) for child in reversed(root)]
    while stack and len(blocks) < MAX_BLOCKS:  # the root's own tail lies outside the subtree
        el, in_link, closing = stack.pop()
        if closing is not None:
            if closing:
                flush()
            tail = el.tail
            if tail:
                pieces.append(tail)
                if in_link:
                    link += len(clean_text(tail))
            continue
        tag = _tag(el)
        if not tag or tag in SKIP_TAGS or is_caption(el):
            tail = el.tail
            if tail:
                pieces.append(tail)
                if in_link:
                    link += len(clean_text(tail))
            continue
        block = tag in BLOCK_TAGS
        if block or tag == "br":
            flush()
        if block:
            block_tag = tag
        if tag in ("img", "amp-img", "picture"):
            image = True
        inner_link = in_link or tag == "a"
        text = el.text
        if text:
            pieces.append(text)
            if inner_link:
                link += len(clean_text(text))
        stack.append((el, in_link, block))
        if len(el):
            stack.extend((child, inner_link, None) for child in reversed(el))
    flush()
    return blocks[:MAX_BLOCKS]


def element_text(el) -> str:
    """All text of *el* (scripts and styles excluded), whitespace collapsed."""
    return clean_text(" ".join(t for t in el.itertext() if t) if _tag(el) not in SKIP_TAGS else "")

