"""Body evidence for a title verdict (pure; no Scrapy).

Titles alone merge different stories: "in Oujda" and "in Jeddah" (وجدة / جدة), "Karim" and
"Karima", "in Nador" and "in Nador and Berkane" fold to the same key or pass the near-duplicate
rule. A copy of a story carries the story's text; two stories do not. So a title verdict is
overruled only when both bodies are long enough to tell and share little of their text.
"""

from __future__ import annotations

import re

from newscrawl.arabic import fold_for_matching

SHINGLE_WORDS = 3
# Bodies shorter than this (a caption, a video's one line) say nothing either way.
MIN_WORDS = 30
# Share of the shorter body's word triples the other holds, below which the two are different
# stories. A copy republished with an edited lead or a paragraph added shares far more.
SAME_STORY = 0.5
# Share of the shorter body's word triples the other must hold for two articles published at the
# same moment under different URLs and titles to be one story (retitled, moved to another section):
# a retitled story keeps its text, while two stories of one minute share their template at most.
MOVED_STORY = 0.8
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> set[int] | None:
    words = _WORD.findall(fold_for_matching(text))
    if len(words) < MIN_WORDS:
        return None
    return {hash(tuple(words[i:i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1)}


def bodies_differ(body: str | None, other: str | None) -> bool:
    """True when both bodies are long enough to tell and share less than ``SAME_STORY`` of the
    shorter one's word triples: two different stories, whatever their titles say."""
    mine, theirs = _shingles(body or ""), _shingles(other or "")
    if mine is None or theirs is None:
        return False
    return len(mine & theirs) / min(len(mine), len(theirs)) < SAME_STORY


def same_text(body: str | None, other: str | None) -> bool:
    """True when both bodies are long enough to tell and share at least ``MOVED_STORY`` of the
    shorter one's word triples: the same story's text, whatever its title and URL now are."""
    mine, theirs = _shingles(body or ""), _shingles(other or "")
    if mine is None or theirs is None:
        return False
    return len(mine & theirs) / min(len(mine), len(theirs)) >= MOVED_STORY
