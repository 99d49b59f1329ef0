"""Turn an HTML subtree into text blocks (paragraph candidates), in reading order.

Pure lxml; no Scrapy. A block ends at a block-level element or a ``<br>``, so both
``<p>`` paragraphs and ``text<br><br>text`` bodies come out as one block per paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass

from newscrawl.text import clean_text

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt fieldset figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td th thead tr ul".split()
)
# Subtrees that never hold article prose.
SKIP_TAGS = frozenset(
    "script style noscript template form iframe button select option textarea input label svg "
    "object embed video audio figcaption map canvas head title meta link".split()
)
CAPTION_HINTS = ("caption",)  # the network's real markup uses h3.caption / h6.caption (site_profile A4)


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
    return tag.rsplit("}", 1)[-1].lower()


def is_caption(el) -> bool:
    attrs = f"{el.get('class', '')} {el.get('id', '')}".lower()
    return any(hint in attrs for hint in CAPTION_HINTS)


def iter_blocks(root) -> list[Block]:
    """Blocks of *root* in document order; captions, scripts and forms are left out."""
    blocks: list[Block] = []
    pieces: list[str] = []
    state = {"link": 0, "image": False, "tag": ""}

    def flush() -> None:
        text = clean_text("".join(pieces))
        if text or state["image"]:  # an image-only block marks where a caption may follow
            blocks.append(Block(text, min(state["link"], len(text)), state["image"], state["tag"]))
        pieces.clear()
        state.update(link=0, image=False, tag="")

    def add(text: str | None, in_link: bool) -> None:
        if text:
            pieces.append(text)
            if in_link:
                state["link"] += len(clean_text(text))

    def walk(el, in_link: bool) -> None:
        tag = _tag(el)
        if tag and tag not in SKIP_TAGS and not is_caption(el):
            block = tag in BLOCK_TAGS
            if block or tag == "br":
                flush()
            if block:
                state["tag"] = tag
            if tag in ("img", "amp-img", "picture"):
                state["image"] = True
            inner_link = in_link or tag == "a"
            add(el.text, inner_link)
            for child in el:
                walk(child, inner_link)
            if block:
                flush()
        if el.tail:
            add(el.tail, in_link)

    add(root.text, _tag(root) == "a")
    for child in root:  # the root's own tail lies outside the subtree
        walk(child, _tag(root) == "a")
    flush()
    return blocks


def element_text(el) -> str:
    """All text of *el* (scripts and styles excluded), whitespace collapsed."""
    return clean_text(" ".join(t for t in el.itertext() if t) if _tag(el) not in SKIP_TAGS else "")

