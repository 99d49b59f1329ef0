"""newscrawl.arabic: each fold, mark and label function, and that its users share its tables."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

import pytest

from newscrawl import arabic
from newscrawl.arabic import (
    DIGIT_FOLD,
    INVISIBLE_CHARS,
    LETTER_FOLD,
    MARKS,
    QURANIC_SIGNS,
    TASHKEEL_CHARS,
    TATWEEL,
    fold_borrowed_letters,
    fold_case,
    fold_digits,
    fold_for_matching,
    fold_letters,
    is_label_only,
    is_site_label,
    remove_invisibles,
    remove_marks,
    remove_tashkeel,
    remove_tatweel,
    strip_site_label,
    tatweel_as_separator,
    tolerant_pattern,
)
from newscrawl.dates import parse_date
from newscrawl.dedupe import keys, title_key

LABELS = ("المغرب اليوم", "الامارات عاجل", "almaghribtoday")
REF = datetime(2024, 5, 20, 12, 0, tzinfo=timezone.utc)


# --- the tables ----------------------------------------------------------------------------

def test_tashkeel_is_the_arabic_combining_marks_and_nothing_else():
    assert {unicodedata.category(c) for c in TASHKEEL_CHARS} == {"Mn"}
    arabic_block = {chr(c) for c in range(0x0600, 0x0700) if unicodedata.category(chr(c)) == "Mn"}
    assert arabic_block <= set(TASHKEEL_CHARS)
    assert {chr(c) for c in range(0x08D3, 0x0900) if unicodedata.category(chr(c)) == "Mn"} <= set(TASHKEEL_CHARS)


def test_marks_split_no_letters_but_the_small_waw_and_yeh():
    word_chars = {c for c in MARKS if re.match(r"\w", c)}
    assert word_chars == {"\u06e5", "\u06e6"}  # small waw/yeh: vowel signs Unicode calls letters
    assert TATWEEL not in MARKS  # a word character: each caller decides what it is


def test_letter_fold_keeps_length_and_is_idempotent():
    assert all(len(v) == 1 and v not in LETTER_FOLD for v in LETTER_FOLD.values())
    text = "".join(LETTER_FOLD) + " abc"
    assert len(fold_letters(text)) == len(text)
    assert fold_letters(fold_letters(text)) == fold_letters(text)


def test_digit_fold_covers_arabic_indic_and_persian():
    assert "".join(DIGIT_FOLD.values()) == "0123456789" * 2
    assert set(DIGIT_FOLD) == {chr(c) for c in (*range(0x0660, 0x066A), *range(0x06F0, 0x06FA))}


# --- marks ---------------------------------------------------------------------------------

def test_remove_tashkeel_harakat_tanwin_shadda_sukun_superscript_alef():
    assert remove_tashkeel("أَكَّدَ الوزيرُ مرسوماً") == "أكد الوزير مرسوما"
    assert remove_tashkeel("هٰذا") == "هذا"
    assert remove_tashkeel("الملكْ") == "الملك"


def test_remove_tashkeel_quranic_and_extended_marks():
    assert remove_tashkeel("محمد\u0610 الله\u06d6") == "محمد الله"
    assert remove_tashkeel("ب\u08f0") == "ب"


def test_remove_tashkeel_keeps_hamza_letters_and_tatweel():
    assert remove_tashkeel("أإآءؤئ") == "أإآءؤئ"
    assert remove_tashkeel("أيضــا") == "أيضــا"


@pytest.mark.parametrize("char", ["\u200f", "\u200e", "\u200c", "\u200d", "\ufeff", "\u061c", "\u00ad", "\u2066",
                                  "\u202b", "\u2060"])
def test_remove_invisibles(char):
    assert remove_invisibles(f"المغرب{char} اليوم") == "المغرب اليوم"
    assert char in INVISIBLE_CHARS
    # beside whitespace the printable-text shortcut does not apply: the regex still runs
    assert remove_invisibles(f"المغرب\n{char}\tاليوم\xa0") == "المغرب\n\tاليوم\xa0"


def test_remove_invisibles_shortcut_premise():
    # remove_invisibles returns a text unread when it is printable but for whitespace:
    # that holds only while no invisible is printable or whitespace.
    assert not any(c.isprintable() or c.isspace() for c in INVISIBLE_CHARS)
    text = "المغرب\nاليوم\xa0«خبر»"
    assert remove_invisibles(text) is text


def test_remove_tatweel_inside_words_and_alone():
    assert remove_tatweel("البيضـــاوي") == "البيضاوي"
    assert remove_tatweel(TATWEEL) == ""
    assert remove_tatweel("المغرب اليوم ـ خبر") == "المغرب اليوم  خبر"


def test_remove_marks_all_at_once():
    assert remove_marks("أيضــًا\u200f") == "أيضا"
    assert remove_marks("".join(QURANIC_SIGNS) + "ب") == "ب"
    assert remove_marks(TATWEEL * 3) == ""


def test_tatweel_as_separator_kashida_goes_free_run_is_a_dash():
    assert tatweel_as_separator("انطـلاق فعاليـات") == "انطلاق فعاليات"
    assert tatweel_as_separator("المصرية ــ الليبية") == "المصرية  -  الليبية"
    assert tatweel_as_separator(TATWEEL) == " - "  # a lone tatweel
    assert tatweel_as_separator("ـخبر") == " - خبر"  # no letter before: not kashida
    text = "بلا تطويل"
    assert tatweel_as_separator(text) is text


# --- letters, digits, case -----------------------------------------------------------------

@pytest.mark.parametrize("src,dst", [
    ("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ٲ", "ا"), ("ٳ", "ا"),  # hamza and madda on alef, wasla
    ("ى", "ي"),  # alef maqsura
    ("ة", "ه"),  # taa marbuta
    ("ی", "ي"), ("ې", "ي"), ("ک", "ك"), ("ە", "ه"), ("ۀ", "ه"), ("ہ", "ه"),  # Persian/Kurdish/Urdu forms
    ("ؤ", "و"), ("ئ", "ي"),  # hamza on its seats
])
def test_fold_letters_each(src, dst):
    assert fold_letters(src) == dst


def test_fold_letters_words_and_what_stays():
    assert fold_letters("الإمارات") == "الامارات"
    assert fold_letters("مسؤول") == "مسوول" and fold_letters("رئيس") == "رييس"
    assert fold_letters("مسئول") == "مسيول"  # the seats fold apart
    assert fold_letters("مستشفى القاهرة") == "مستشفي القاهره"
    assert fold_letters("سماء") == "سماء"  # the bare hamza is a letter of its own
    assert fold_letters("Cairo 2024") == "Cairo 2024"
    assert fold_letters("پ ڤ ھ") == "پ ڤ ھ"  # borrowed letters are another fold


def test_fold_borrowed_letters():
    assert fold_borrowed_letters("نوڤمبر") == "نوفمبر"
    assert fold_borrowed_letters("سپتمبر") == "سبتمبر"
    assert fold_borrowed_letters("ھ") == "ه"
    assert fold_borrowed_letters("أكتوبر") == "أكتوبر"


def test_fold_digits_arabic_indic_persian_and_mixed_latin():
    assert fold_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert fold_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert fold_digits("G٧ قمة COP٢٨ في ۲۰۲۳") == "G7 قمة COP28 في 2023"
    assert fold_digits("٣٫٥") == "3٫5"  # the decimal separator is punctuation, not a digit
    assert fold_digits("১২") == "১২"  # Bengali digits are no Arabic digits


def test_fold_case_latin_only():
    assert fold_case("AlMaghribToday G7") == "almaghribtoday g7"
    assert fold_case("المغرب") == "المغرب"


# --- fold_for_matching ---------------------------------------------------------------------

def test_fold_for_matching_phrases():
    assert fold_for_matching("قد يهمك أيضــًا") == "قد يهمك ايضا"
    assert fold_for_matching("  اقرأ\u200f   أيضاً  ") == "اقرا ايضا"
    assert fold_for_matching("مواضيع ذات صلة") == "مواضيع ذات صله"


def test_fold_for_matching_composes_a_combining_hamza():
    assert fold_for_matching("ا\u0654خنوش") == "اخنوش"


def test_fold_for_matching_digits_case_and_empty():
    assert fold_for_matching("GMT ١٢:٠٥") == "gmt 12:05"
    assert fold_for_matching(None) == fold_for_matching("") == fold_for_matching(TATWEEL) == ""


def test_fold_for_matching_agrees_with_the_dedupe_key_on_plain_words():
    # the two share their tables: on words without labels or punctuation they fold alike
    for text in ("أَكَّدَ الوزيـــر إعادة ٣٠ مسؤولا", "مستشفى القاهرة الجديدة", "Almaghribtoday G٧"):
        assert fold_for_matching(text) == title_key(text)


def test_tolerant_pattern_matches_every_spelling_the_fold_equates():
    pattern = re.compile(tolerant_pattern("اقرا", "ايضا"))
    for text in ("اقرأ أيضاً", "إقـرأ أيضــًا", "اقرا ايضا", "اقرأ\u200f أيضا"):
        assert pattern.fullmatch(text), text
        assert fold_for_matching(text) == "اقرا ايضا"
    assert not pattern.match("اقرب ايضا")


# --- site labels ---------------------------------------------------------------------------

def test_is_site_label_in_any_spelling():
    assert is_site_label("الإمارات عاجل", LABELS)
    assert is_site_label("المغربُ اليوم", LABELS)
    assert is_site_label("ALMAGHRIBTODAY", LABELS)
    assert not is_site_label("المغرب", LABELS)
    assert not is_site_label("", LABELS) and not is_site_label("x", ())


def test_is_label_only():
    assert is_label_only("المغرب اليوم -", LABELS)
    assert is_label_only("— الإمارات عاجل |", LABELS)
    assert is_label_only("Almaghribtoday", LABELS)
    assert is_label_only("- | /", LABELS)
    assert not is_label_only("المغرب اليوم يحتفل", LABELS)


@pytest.mark.parametrize("title", [
    "المغرب اليوم - الحكومة تصادق على القانون",
    "الحكومة تصادق على القانون | المغرب اليوم",
    "الحكومة تصادق على القانون / المغرب اليوم",
    "الحكومة تصادق على القانون • الإمارات عاجل",
    "الامارات عاجل ـ المغرب اليوم : الحكومة تصادق على القانون",
    "ALMAGHRIBTODAY _ الحكومة تصادق على القانون",
])
def test_strip_site_label(title):
    assert strip_site_label(title, LABELS) == "الحكومة تصادق على القانون"


def test_strip_site_label_keeps_labels_inside_the_sentence():
    quoted = 'وأفاد مصدر إلى "المغرب اليوم" بأن الحكومة'
    assert strip_site_label(quoted, LABELS) == quoted
    assert strip_site_label("المغرب اليوم يحتفل", LABELS) == "المغرب اليوم يحتفل"


def test_strip_site_label_with_a_letter_whose_lower_case_is_longer():
    assert strip_site_label("İstanbul - المغرب اليوم", LABELS) == "İstanbul"


# --- the users share the tables ------------------------------------------------------------

def test_dedupe_key_rules_are_the_arabic_functions():
    assert keys.fold_letters is fold_letters
    assert keys.fold_digits is fold_digits
    assert keys.fold_case is fold_case
    assert keys.strip_tatweel is tatweel_as_separator
    assert keys.strip_tashkeel is remove_tashkeel
    assert keys.strip_format_chars is remove_invisibles


def test_dedupe_key_is_frozen_without_borrowed_letters_and_quranic_signs():
    assert title_key("ڤيروس") != title_key("فيروس")
    assert title_key("الله\u06e5") == "الله\u06e5"


@pytest.mark.parametrize("text,expected", [
    ("٢٨ دیسمبر ۲۰۱۷", datetime(2017, 12, 28, tzinfo=timezone.utc)),  # Persian yeh and digits
    ("۳ نوڤمبر ۲۰۲۰", datetime(2020, 11, 3, tzinfo=timezone.utc)),  # borrowed letter
    ("الخميس\u200f 28 ديسمبر 2017", datetime(2017, 12, 28, tzinfo=timezone.utc)),
    ("28 دي\u0610سمبر 2017", datetime(2017, 12, 28, tzinfo=timezone.utc)),  # a mark the old table missed
    ("28 ديسـمبر 2017", datetime(2017, 12, 28, tzinfo=timezone.utc)),  # kashida
    ("منذ 5 دقايق", datetime(2024, 5, 20, 11, 55, tzinfo=timezone.utc)),  # hamza seat unwritten
])
def test_dates_read_every_spelling_the_folds_equate(text, expected):
    assert parse_date(text, reference=REF) == expected


def test_public_names_are_documented():
    for name in arabic.__all__:
        value = getattr(arabic, name)
        if callable(value):
            assert value.__doc__, name
