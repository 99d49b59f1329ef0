"""Recognise text that is page furniture, not article prose (pure functions).

Patterns are matched on ``fold_for_matching`` text (``newscrawl.arabic``), so tatweel runs
("أيضــــًا"), tashkeel, hamza variants and case do not slip through; they are written as
printed and folded once at import. The phrases are the real pages' (docs/site-facts.md F11–F14).
"""

from __future__ import annotations

import re

from newscrawl.arabic import fold_for_matching, fold_letters, tolerant_pattern
from newscrawl.text import is_label_only


def _folded_pattern(source: str) -> re.Pattern:
    """A pattern written as printed, in the spelling ``fold_for_matching`` gives the text it
    is matched on (only Arabic letters change, so the regex syntax is untouched)."""
    return re.compile(fold_letters(source), re.IGNORECASE)


# A block matching one of these ends the article: what follows is related items, the
# comment form or the footer.
_END_OF_ARTICLE = _folded_pattern(
    r"^(?:قد يهمك ايضا|قد يهمك كذلك|مواضيع ذات صله|اخبار ذات صله|ارسل تعليقك|تعليقك كزائر|"
    r"الاسم \*|البريد الالكتروني \*|عنوان التعليق \*|تعليق \*|all rights reserved|security code|"
    r"(?:جميع|كافه) الحقوق محفوظه|حقوق (?:النشر|الطبع) محفوظه|"  # "all rights reserved", in Arabic
    # the comment form and the footer of any site, in English
    r"leave a (?:comment|reply)|your email address will not be published)"
)
# Single lines that are never prose.
_FURNITURE = _folded_pattern(
    r"^(?:"
    r"اخر تحديث|"  # the site clock band
    r"GMT\s*\d{1,2}:\d{2}|"  # dated related items
    r"الرئيسيه\s*[»>]|"  # breadcrumb
    r"(?:بقلم|بريشه)\s*:?\s*\S+(?:\s+\S+){0,3}$|"  # byline of a related column or cartoon
    r"(?:اقرا|شاهد|طالع)\s+(?:ايضا|كذلك|المزيد)|"  # "اقرأ أيضاً: <link>"
    r": Characters Left|الزامي \*|شروط الاستخدام|شروط النشر|اوافق علي شروط|"
    r"بنايه النخيل|"  # publisher's address line
    r"(?:شارك|مشاركه)(?:\s+(?:علي|عبر)\s+\S+)?$|"
    # any site's newsletter box, cookie banner and follow-us line, in English
    r"(?:sign up|subscribe) (?:for|to) (?:our|the) (?:\w+ )?newsletter|"
    r"we use cookies|this (?:web)?site uses cookies|"
    r"follow us on |تابعونا\s+(?:علي|عبر|في)\s|"  # a follow-us line, in English and Arabic
    # the same in Arabic: a tags line, an app to download, a newsletter box
    r"(?:ال)?(?:كلمات (?:ال)?(?:داله|مفتاحيه)|وسوم)\s*:|"
    r"(?:حمل|نزل|حملوا|نزلوا)\s+تطبيق|"
    r"(?:اشترك|اشتركوا|سجل)\s+(?:في|ب)\s*(?:ال)?نشر|"
    r"(?:©|copyright\s*(?:©|\(c\)|\d{4}))"  # a copyright line
    r")"
)


# No leading \s*: searched, it would rescan a run of spaces from each of its positions
# (quadratic); cut_inline_read_also strips the spaces before the phrase instead.
_INLINE_READ_ALSO = re.compile(
    rf"(?:{tolerant_pattern('اقرا')}|{tolerant_pattern('شاهد')})\s+"
    rf"(?:{tolerant_pattern('ايضا')}|{tolerant_pattern('كذلك')})(?P<colon>\s*[:：\-–])?.*$"
)
# What ends a sentence: a glued "read also" starts after one (or after nothing: its own line).
_SENTENCE_ENDS = ".!?؟…»\"”)"



# Share bars: "طباعة Email فيسبوك تويتر لينكدين Pin Interest Whats App".
_SHARE_WORDS = frozenset(fold_for_matching(
    "طباعه ارسال email print فيسبوك فيس بوك facebook تويتر twitter لينكدين linkedin واتساب واتس اب whatsapp whats app "
    "pin interest pinterest telegram تليجرام تلغرام مشاركه شارك share انستغرام instagram").split())
# A field label standing alone ("المصدر:"), not a speech verb introducing a quote ("وأضاف:").
_LABEL_FIELD = re.compile(r"^(?![وف])[^\s:]{2,20}\s*:$")
_LABELLED_VALUE = re.compile(r"^[^\s:]{2,20}\s*:\s*(?P<value>.{4,40})$")


_DIGIT = re.compile(r"\d")
# A share bar is a row of a dozen network names; a longer text is prose.
MAX_SHARE_BAR = 400


# An embedded tweet's attribution: "— Météo Maroc (@MeteoMaroc) January 15, 2019".
_TWEET_ATTRIBUTION = re.compile(r"^[—–-]\s*[^()]{1,60}\(@\w{1,30}\)")


def is_embed_attribution(text: str) -> bool:
    return bool(_TWEET_ATTRIBUTION.match(text))


def is_share_bar(text: str) -> bool:
    if len(text) > MAX_SHARE_BAR:
        return False
    words = fold_for_matching(text).split()
    return len(words) >= 2 and sum(w in _SHARE_WORDS for w in words) >= 0.6 * len(words)


def is_metadata_line(text: str, is_date) -> bool:
    """A lone field label ("المصدر:"), a labelled date ("التاريخ: 03 يونيو 2020") or a bare
    date line; a sentence that mentions a date ("ويستمر المهرجان حتى 20 أغسطس 2025") is prose."""
    if _LABEL_FIELD.match(text):
        return True
    if not _DIGIT.search(text):
        return False
    labelled = _LABELLED_VALUE.match(text)
    if labelled:
        return is_date(labelled["value"])
    return len(text.split()) <= 4 and is_date(text)


def ends_article(text: str) -> bool:
    # The phrases are anchored at the start and short: folding the start is enough.
    return bool(_END_OF_ARTICLE.match(fold_for_matching(text[:_FURNITURE_READ])))


# Furniture is a line of a few words. Of a longer text only the start can match a pattern, so
# only the start is folded (folding whole paragraphs was a tenth of the extraction's time).
_FURNITURE_READ = 200
# Appended to a cut start: words that keep the "<byline>$" alternatives from matching at the cut.
_CUT_MARK = " … … … … …"
# A line of nothing but site labels is a few names long.
MAX_LABEL_LINE = 300


def is_furniture(text: str, labels: tuple[str, ...] = ()) -> bool:
    if len(text) > _FURNITURE_READ:
        folded = fold_for_matching(text[:_FURNITURE_READ]) + _CUT_MARK
    else:
        folded = fold_for_matching(text)
    if _FURNITURE.match(folded):
        return True
    return bool(labels) and len(text) <= MAX_LABEL_LINE and is_label_only(text, labels)


def cut_inline_read_also(text: str) -> str:
    """Drop a trailing "اقرأ أيضاً: <other headline>" that the CMS glued onto a paragraph."""
    match = _INLINE_READ_ALSO.search(text)
    before = text[: match.start()].rstrip() if match else ""
    if not before:  # no phrase, or the paragraph is nothing else
        return text
    if not match["colon"] and before[-1] not in _SENTENCE_ENDS:
        return text  # mid-sentence ("ولمزيد من التفاصيل، اقرأ أيضاً البلاغ ..."): prose, not a link
    return before.rstrip(" :-–")
