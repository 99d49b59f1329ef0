"""Unit tests of the title key, one rule at a time, and of the near-duplicate parts."""

from __future__ import annotations

import pytest

from newscrawl.dedupe import NETWORK_LABELS, title_key
from newscrawl.dedupe.keys import (
    RULES,
    collapse_whitespace,
    compose_rules,
    drop_punctuation,
    fold_case,
    fold_digits,
    fold_letters,
    normalize_nfkc,
    strip_format_chars,
    strip_network_labels,
    strip_tashkeel,
    strip_tatweel,
)
from newscrawl.dedupe.near import (
    TAG_MASK,
    TAG_NUMBER,
    VerifyRule,
    band_keys,
    content_codes,
    decode_codes,
    encode_codes,
    stem,
    verify,
)

# ---------------------------------------------------------------------------
# rule 1: NFKC
# ---------------------------------------------------------------------------


def test_nfkc_presentation_forms_become_letters():
    assert normalize_nfkc("ﻻ") == "لا"
    assert normalize_nfkc("ﺍﻟﻤﻐﺮﺏ") == "المغرب"


def test_nfkc_composes_combining_hamza():
    assert normalize_nfkc("ا\u0654خنوش") == "أخنوش"
    assert normalize_nfkc("مو\u0654تمر") == "مؤتمر"


def test_nfkc_fullwidth_digits_and_latin():
    assert normalize_nfkc("６ درجات") == "6 درجات"
    assert normalize_nfkc("Ｇ７") == "G7"


def test_nfkc_leaves_normal_text_alone():
    text = "الحكومة تصادق على مشروع قانون المالية"
    assert normalize_nfkc(text) is text


# ---------------------------------------------------------------------------
# rule 2: format characters
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\u200c", "\u200d", "\u200f", "\u200e", "\ufeff", "\u061c", "\u00ad", "\u2066"])
def test_format_chars_removed(char):
    assert strip_format_chars(f"محمود{char} الإدريسي") == "محمود الإدريسي"


# ---------------------------------------------------------------------------
# rule 3: tashkeel
# ---------------------------------------------------------------------------


def test_tashkeel_harakat_tanwin_shadda_sukun_removed():
    assert strip_tashkeel("الملكُ محمدٌ السادسُ يتوجهُ بخطابٍ للأمةِ") == "الملك محمد السادس يتوجه بخطاب للأمة"
    assert strip_tashkeel("تَعرَّف") == "تعرف"
    assert strip_tashkeel("مرسوماً سلطانياً") == "مرسوما سلطانيا"
    assert strip_tashkeel("الملكْ محمدْ") == "الملك محمد"


def test_tashkeel_superscript_alef_and_quranic_marks():
    assert strip_tashkeel("هٰذا") == "هذا"
    assert strip_tashkeel("صلى الله عليه وسلم\u06d6") == "صلى الله عليه وسلم"


def test_tashkeel_keeps_letters_and_hamza():
    text = "أإآءؤئ"
    assert strip_tashkeel(text) == text


# ---------------------------------------------------------------------------
# rule 4: tatweel
# ---------------------------------------------------------------------------


def test_tatweel_inside_word_removed():
    assert strip_tatweel("البيضـــاوي") == "البيضاوي"
    assert strip_tatweel("انطـلاق فعاليـات") == "انطلاق فعاليات"


def test_free_tatweel_is_a_dash():
    assert strip_tatweel("المصرية ــ الليبية") == "المصرية  -  الليبية"
    assert strip_tatweel("المغرب اليوم ـ خبر") == "المغرب اليوم  -  خبر"


def test_tatweel_absent_is_noop():
    text = "لا تطويل هنا"
    assert strip_tatweel(text) is text


# ---------------------------------------------------------------------------
# rule 5: letter fold
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "src,dst",
    [("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ى", "ي"), ("ة", "ه"), ("ؤ", "و"), ("ئ", "ي"),
     ("ی", "ي"), ("ک", "ك")],
)
def test_fold_each_letter(src, dst):
    assert fold_letters(src) == dst


def test_fold_words():
    assert fold_letters("إسبانيا تشيد بالتعاون الأمني") == "اسبانيا تشيد بالتعاون الامني"
    assert fold_letters("مستشفى") == "مستشفي"
    assert fold_letters("وزارة الصحة") == "وزاره الصحه"
    assert fold_letters("مؤتمر") == "موتمر"
    assert fold_letters("الطائرة") == "الطايره"


def test_fold_keeps_bare_hamza():
    assert fold_letters("أبناء") == "ابناء"


# ---------------------------------------------------------------------------
# rule 6: digits
# ---------------------------------------------------------------------------


def test_arabic_indic_digits():
    assert fold_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert fold_digits("مقتل ٣ أشخاص") == "مقتل 3 أشخاص"


def test_persian_digits():
    assert fold_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert fold_digits("۲۵ قتيلا") == "25 قتيلا"


# ---------------------------------------------------------------------------
# rule 7: network labels
# ---------------------------------------------------------------------------

HEADLINE = "الحكومة تصادق على مشروع قانون المالية"


@pytest.mark.parametrize("label", NETWORK_LABELS)
@pytest.mark.parametrize(
    "template",
    ["{l} - {h}", "{l} -{h}", "{l}- {h}", "{h} | {l}", "{h} - {l}", "{l}: {h}", "{l} – {h}", "{h} — {l}",
     "{l} ــ {h}", "{l} | {h} | {l}"],
)
def test_each_label_stripped(label, template):
    text = strip_tatweel(template.format(l=label, h=HEADLINE))
    assert collapse_whitespace(drop_punctuation(strip_network_labels(text))) == collapse_whitespace(
        drop_punctuation(HEADLINE)
    )


def test_label_between_separators_stripped():
    out = strip_network_labels("عاجل | صوت الإمارات | زلزال يضرب اليابان")
    assert "الإمارات" not in out and "زلزال يضرب اليابان" in out


def test_label_in_folded_or_unfolded_spelling():
    assert "صوت" not in strip_network_labels("صوت الامارات - خبر")
    assert "السعوديه" not in strip_network_labels("السعوديه اليوم - خبر")
    assert "السعودية" not in strip_network_labels("خبر | السعودية اليوم")


def test_label_inside_sentence_kept():
    assert strip_network_labels("المغرب اليوم يحتفل بعيد العرش") == "المغرب اليوم يحتفل بعيد العرش"
    assert strip_network_labels("مصر اليوم أمام تحد كبير - تحليل") == "مصر اليوم أمام تحد كبير - تحليل"


def test_quoted_label_kept():
    assert "«المغرب اليوم»" in strip_network_labels("صحيفة «المغرب اليوم» تحتفل - تقرير")
    assert "«المغرب اليوم»" in strip_network_labels('تقرير - «المغرب اليوم»')
    assert title_key("صحيفة «المغرب اليوم» تحتفل") == "صحيفه المغرب اليوم تحتفل"


def test_headline_that_is_only_a_label_kept():
    assert strip_network_labels("المغرب اليوم") == "المغرب اليوم"
    assert strip_network_labels("المغرب اليوم - ") == "المغرب اليوم - "
    assert title_key("المغرب اليوم") == "المغرب اليوم"


def test_two_labels_stripped():
    assert title_key("مصر اليوم - العرب اليوم - خبر عاجل") == "خبر عاجل"


# ---------------------------------------------------------------------------
# rule 8: punctuation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mark", list("«»“”\"'‘’،؛؟!?.,:;()[]-–—|/%٪٫٬_…•") + ["..."])
def test_punctuation_dropped(mark):
    assert collapse_whitespace(drop_punctuation(f"الوداد{mark}الرجاء")) == "الوداد الرجاء"


def test_numbers_keep_their_parts():
    assert title_key("3.1%") == "3 1"
    assert title_key("3٫1") == "3 1"
    assert title_key("31") == "31"
    assert title_key("2-1") == "2 1"


# ---------------------------------------------------------------------------
# rules 9, 10
# ---------------------------------------------------------------------------


def test_fold_case():
    assert fold_case("قمة G7 وCOP28") == "قمة g7 وcop28"


def test_collapse_whitespace():
    assert collapse_whitespace("  البرلمان   يصادق\u00a0على\tقانون\nالإضراب  ") == "البرلمان يصادق على قانون الإضراب"


# ---------------------------------------------------------------------------
# title_key
# ---------------------------------------------------------------------------

SAMPLES = [
    "المغرب اليوم - تعرَّف على سعر الدرهم المغربي مقابل الليرة السوري الأربعاء",
    "«الوداد» يفوز على الرجاء ٢-١ في ديربي الدار البيضاء | العرب اليوم",
    "الخلاف يحبط المساعي المصرية ــ الليبية لتوحيد المؤسسة العسكرية",
    "عاجـــل: زلزال بقوة ۵ درجات يضرب شمال المغرب",
    "ا\u0654خنوش: الحكومة ستواصل دعم أسعار غاز البوتان",
    "صحيفة «المغرب اليوم» تحتفل بذكرى تأسيسها",
    "قمة G7 في فرنسا_2019",
    "  ",
    "مستشفى ابن سينا\u200c يستقبل مرضى جدد",
    "ﻻ تراجع عن الإصلاحات",
    "صوت الامارات | الإمارات ترسل مساعدات - الامارات عاجل",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_title_key_equals_composition_of_rules(text):
    assert title_key(text) == compose_rules(text)


@pytest.mark.parametrize("text", SAMPLES)
def test_title_key_idempotent(text):
    assert title_key(title_key(text)) == title_key(text)


def test_title_key_examples():
    assert (
        title_key("المغرب اليوم - تعرَّف على سعر الدرهم المغربي مقابل الليرة السوري الأربعاء")
        == "تعرف علي سعر الدرهم المغربي مقابل الليره السوري الاربعاء"
    )
    assert title_key("«الوداد» يفوز على الرجاء ٢-١ | العرب اليوم") == "الوداد يفوز علي الرجاء 2 1"
    assert title_key("") == ""
    assert title_key("؟!") == ""


def test_rules_are_ten_pure_functions():
    assert len(RULES) == 10
    for rule in RULES:
        assert rule("") == ""


# ---------------------------------------------------------------------------
# near-duplicate parts
# ---------------------------------------------------------------------------


def test_stem_strips_clitics_consistently():
    assert stem("بالرباط") == stem("الرباط") == "رباط"
    assert stem("للمنتخب") == stem("المنتخب") == "منتخب"
    assert stem("الليبي") == stem("ليبي")
    assert stem("سيزور") == stem("يزور")
    assert stem("فاس") == "فاس"  # never below three letters


def _codes(text):
    return content_codes(title_key(text))


def test_function_and_filler_words_ignored():
    assert _codes("تم توقيف المشتبه فيه") == _codes("توقيف المشتبه فيه")
    assert _codes("عاجل: زلزال يضرب اليابان") == _codes("زلزال يضرب اليابان")


def test_synonyms_fold_including_feminine_verbs():
    assert _codes("الحكومة تكشف خطة") == _codes("الحكومة تعلن خطة")
    assert _codes("مقتل شخصين") == _codes("مصرع شخصين")


def test_digit_tokens_tagged():
    codes = _codes("مقتل 3 أشخاص في قمة G7")
    assert sum(1 for c in codes if c & TAG_MASK == TAG_NUMBER) == 2


def test_band_keys_shared_by_variants_and_three_per_title():
    a = _codes("الحكومة المغربية تعلن إجراءات جديدة لمواجهة الغلاء")
    b = _codes("حكومة المغرب تعلن إجراءات جديدة لمواجهة الغلاء الفاحش")
    ka, kb = band_keys(a), band_keys(b)
    assert len(ka) == 3 and len(kb) == 3
    assert set(ka) & set(kb)
    assert all(0 <= k < 2**31 for k in ka)
    assert len(band_keys([], "x")) == 1


def test_codes_roundtrip():
    codes = _codes("الوداد يفوز على الرجاء 2-1")
    assert list(decode_codes(encode_codes(codes))) == codes
    assert len(encode_codes(codes)) == 4 * len(codes)


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("مقتل 3 أشخاص في حادثة سير", "مقتل 30 شخصا في حادثة سير", False),
        ("تعرف علي سعر الدرهم المغربي مقابل الليره السوري الاربعاء",
         "تعرف علي سعر الدرهم المغربي مقابل الدينار الليبي الاربعاء", False),
        ("تعرف علي سعر الدرهم المغربي مقابل الليره السوري الاربعاء",
         "تعرف علي سعر الدرهم المغربي مقابل الليره السوريه الاربعاء", True),
        ("الوداد يفوز على الرجاء في الديربي", "الرجاء يفوز على الوداد في الديربي", False),
        ("بوريطة يستقبل وزير الخارجية الموريتاني بالرباط", "بوريطة يستقبل وزير الخارجية الموريتاني", True),
        ("وفاة الفنان عبد الهادي بلخياط", "وفاة والدة الفنان عبد الهادي بلخياط", False),
        ("المغرب يشارك في قمة الجامعة العربية", "المغرب لن يشارك في قمة الجامعة العربية", False),
        ("في الرباط، الملك يدشن مشروعا سكنيا جديدا", "الملك يدشن مشروعا سكنيا جديدا في الرباط", True),
        ("الجيش الملكي يهزم المغرب الفاسي", "المغرب الفاسي يهزم الجيش الملكي", False),
        ("زلزال يضرب تركيا", "زلزال يضرب تركيا بقوة", False),  # too short for an extra word
    ],
)
def test_verify_rule(a, b, same):
    assert verify(_codes(a), _codes(b)) is same
    assert verify(_codes(b), _codes(a)) is same


def test_verify_rule_parameters():
    a = _codes("بوريطة يستقبل وزير الخارجية الموريتاني بالرباط")
    b = _codes("بوريطة يستقبل وزير الخارجية الموريتاني")
    assert verify(a, b)
    assert not verify(a, b, VerifyRule(max_extra=0))
    assert not verify(a, b, VerifyRule(min_shared_for_extra=6))
