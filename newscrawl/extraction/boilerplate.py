"""Recognise text that is page furniture, not article prose (pure functions).

Patterns are matched on ``fold_for_matching`` text, so tatweel runs ("أيضــــًا"), tashkeel
and hamza variants do not slip through. The phrases come from the seed page and the stored
page texts in site_profile A6/A7.
"""

from __future__ import annotations

import re

from newscrawl.text import fold_for_matching, is_label_only

# A block matching one of these ends the article: what follows is related items, the
# comment form or the footer.
_END_OF_ARTICLE = re.compile(
    r"^(?:قد يهمك ايضا|قد يهمك كذلك|مواضيع ذات صله|اخبار ذات صله|ارسل تعليقك|تعليقك كزائر|"
    r"الاسم \*|البريد الالكتروني \*|عنوان التعليق \*|تعليق \*|all rights reserved|security code)",
    re.IGNORECASE,
)
# Single lines that are never prose.
_FURNITURE = re.compile(
    r"^(?:"
    r"اخر تحديث|"  # the site clock band
    r"GMT\s*\d{1,2}:\d{2}|"  # dated related items
    r"الرئيسيه\s*[»>]|"  # breadcrumb
    r"(?:بقلم|بريشه)\s*:?\s*\S+(?:\s+\S+){0,3}$|"  # byline of a related column or cartoon
    r"(?:اقرا|شاهد|طالع)\s+(?:ايضا|كذلك|المزيد)|"  # "اقرأ أيضاً: <link>"
    r": Characters Left|الزامي \*|شروط الاستخدام|شروط النشر|اوافق علي شروط|"
    r"بنايه النخيل|"  # publisher's address line
    r"(?:شارك|مشاركه)(?:\s+(?:علي|عبر)\s+\S+)?$"
    r")",
    re.IGNORECASE,
)
_MARKS = "[\u064b-\u065f\u0670\u0640]*"  # tashkeel and tatweel may sit between any letters
_ALEF = "[اأإآ]"


def _tolerant(*words: str) -> str:
    """Regex for *words* that ignores tashkeel, tatweel and hamza-on-alef variants."""
    return r"\s+".join(_MARKS.join(_ALEF if c == "ا" else re.escape(c) for c in w) + _MARKS for w in words)


# No leading \s*: searched, it would rescan a run of spaces from each of its positions
# (quadratic); cut_inline_read_also strips the spaces before the phrase instead.
_INLINE_READ_ALSO = re.compile(
    rf"(?:{_tolerant('اقرا')}|{_tolerant('شاهد')})\s+(?:{_tolerant('ايضا')}|{_tolerant('كذلك')})\s*[:：]?.*$"
)


# Share bars: "طباعة Email فيسبوك تويتر لينكدين Pin Interest Whats App".
_SHARE_WORDS = frozenset(
    "طباعه ارسال email print فيسبوك فيس بوك facebook تويتر twitter لينكدين linkedin واتساب واتس اب whatsapp whats app "
    "pin interest pinterest telegram تليجرام تلغرام مشاركه شارك share انستغرام instagram".split()
)
# A field label standing alone ("المصدر:"), not a speech verb introducing a quote ("وأضاف:").
_LABEL_FIELD = re.compile(r"^(?![وف])[^\s:]{2,20}\s*:$")
_LABELLED_VALUE = re.compile(r"^[^\s:]{2,20}\s*:\s*(?P<value>.{4,40})$")


# An embedded tweet's attribution: "— Météo Maroc (@MeteoMaroc) January 15, 2019".
_TWEET_ATTRIBUTION = re.compile(r"^[—–-]\s*[^()]{1,60}\(@\w{1,30}\)")


def is_embed_attribution(text: str) -> bool:
    return bool(_TWEET_ATTRIBUTION.match(text))


def is_share_bar(text: str) -> bool:
    words = fold_for_matching(text).lower().split()
    return len(words) >= 2 and sum(w in _SHARE_WORDS for w in words) >= 0.6 * len(words)


def is_metadata_line(text: str, is_date) -> bool:
    """A lone field label ("المصدر:"), a labelled date ("التاريخ: 03 يونيو 2020") or a bare
    date line; a sentence that mentions a date ("ويستمر المهرجان حتى 20 أغسطس 2025") is prose."""
    if _LABEL_FIELD.match(text):
        return True
    if not any(c.isdigit() for c in text):
        return False
    labelled = _LABELLED_VALUE.match(text)
    if labelled:
        return is_date(labelled["value"])
    return len(text.split()) <= 4 and is_date(text)


def ends_article(text: str) -> bool:
    return bool(_END_OF_ARTICLE.match(fold_for_matching(text)))


def is_furniture(text: str, labels: tuple[str, ...] = ()) -> bool:
    folded = fold_for_matching(text)
    return bool(_FURNITURE.match(folded)) or (bool(labels) and is_label_only(text, labels))


def cut_inline_read_also(text: str) -> str:
    """Drop a trailing "اقرأ أيضاً: <other headline>" that the CMS glued onto a paragraph."""
    match = _INLINE_READ_ALSO.search(text)
    before = text[: match.start()].rstrip() if match else ""
    if not before:  # no phrase, or the paragraph is nothing else
        return text
    return before.rstrip(" :-–")
