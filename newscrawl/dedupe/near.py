"""Near-duplicate detection on top of the exact title key.

Three steps, all pure:

1. ``content_codes(key)`` -- the key's *content tokens*, in order, each as a
   32-bit code.  Function words (في، قد، ان، و، تم ...) and filler words
   (عاجل، بالفيديو، شاهد ...) are dropped; a light stemmer removes the article
   and one-letter clitics (ال، وال، بال، لل، و، ب، س ...: "بالرباط" ==
   "في الرباط"); a small synonym table folds verbs and nouns that headlines
   use interchangeably (يستقبل/يلتقي، مقتل/مصرع، ارتفاع/صعود ...).  A code is
   ``root_hash << 3 | tag``: the tag records a nisba / gender / accusative
   ending that was split off (ي، يه، ه، يا، ا: "المغربي"/"المغربية"/"المغرب",
   "روسيا"/"الروسي", "جديدا"/"جديد") or marks a token holding a digit (tag 7,
   compared exactly).
2. ``band_keys(codes)`` -- candidate lookup.  A bottom-k MinHash sketch with
   one hash function (the root hash itself) and k = 3: the three smallest root
   hashes of the title (common particles من، على، بعد ... left out), and the
   three *pairs* of them, each hashed to 31 bits, are the LSH bands.  Two
   titles whose root sets differ by at most one token on each side share the
   pair of the two smallest hashes of their common part, so every pair the
   verifier can accept is found (recall 1 by construction, not by
   probability), with 3 index entries per title.
3. ``verify(a, b)`` -- the rule that decides (documented in ``VerifyRule``):
   numbers equal and in order, every token paired with an equal token or an
   inflection variant, at most one extra word (not a number, negation, kin or
   role word, team qualifier, ordinal or date word) and only when at least 4
   tokens are shared, no changed word, and the word order kept up to one
   moved clause.

Why our own sketch and not datasketch (the brief allows it when the library
misses the goals): at 1M generated titles (benchmarks/bench_dedupe.py, 2 CPUs)
a plain datasketch ``MinHashLSH`` (num_perm=64, threshold 0.7) with one
``MinHash`` per title costs 50 us per title for MinHash + query + insert alone
(shingling not counted) and 2.6 kB of memory per title -- 20x the 128-byte
goal, and it still needs a verification step.  The token sets here are tiny
(5-12 tokens), so a bottom-3 sketch over the tokens' own hashes is exact for
the edit distance the verifier accepts, costs ~1 us, and needs 3 small index
entries per title.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from dataclasses import dataclass
from typing import Iterable, Sequence

from .keys import title_key

__all__ = [
    "FUNCTION_WORDS",
    "FILLER_WORDS",
    "SYNONYM_CLASSES",
    "BLOCKING_WORDS",
    "VerifyRule",
    "stem",
    "content_codes",
    "band_keys",
    "verify",
    "encode_codes",
    "decode_codes",
    "TOKEN_VERSION",
]

#: bump when anything below changes the codes of existing titles
TOKEN_VERSION = 1

ROOT_BITS = 29
ROOT_MASK = (1 << ROOT_BITS) - 1
TAG_BITS = 3
TAG_MASK = (1 << TAG_BITS) - 1
TAG_NUMBER = 7
#: nisba / gender / country endings split off a root of >= 3 letters.
#: Two tokens with one root and different endings are "inflection variants"
#: (المغرب / المغربي / المغربية, سوريا / السوري / السورية, الحكومة / الحكومي).
#: The accusative alef of tanwin is one too ("تعديلا جديدا" / "تعديل جديد").
SUFFIX_TAGS = (("يه", 2), ("يا", 4), ("ي", 1), ("ه", 3), ("ا", 5))

# Every word list is written in ordinary spelling and passed through
# title_key + stem at import, so it matches whatever the fold produces.

#: ignored entirely: their presence, absence or exchange never decides.
FUNCTION_WORDS_RAW = """
في قد لقد أن إن أنه إنه بأن لأن ثم و ف ب ل ك هذا هذه ذلك تلك الذي التي الذين
اللذين اللتين هو هي كما حيث أيضا يا تم يتم
"""
#: headline decoration, ignored like function words.
FILLER_WORDS_RAW = """
عاجل عاجلا بالفيديو فيديو بالصور صور شاهد شاهدي حصري حصريا رسميا بالتفاصيل
تفاصيل أخيرا الآن
"""
#: words headlines use interchangeably; each class folds to its first member.
#: A present-tense verb "يفعل" also stands for its feminine "تفعل".
SYNONYM_CLASSES: tuple[tuple[str, ...], ...] = (
    ("يستقبل", "استقبل", "يلتقي", "التقى", "يجتمع", "اجتمع"),
    ("قال", "يقول", "أكد", "يؤكد", "صرح", "يصرح", "أوضح", "يوضح", "شدد", "يشدد", "أفاد", "يفيد"),
    ("مقتل", "مصرع"),
    ("توقيف", "اعتقال", "القبض"),
    ("ارتفاع", "صعود", "زيادة"),
    ("يرتفع", "ارتفع", "يصعد", "صعد"),
    ("انخفاض", "تراجع", "هبوط"),
    ("ينخفض", "انخفض", "يتراجع", "يهبط", "هبط"),
    ("يكشف", "كشف", "يعلن", "أعلن"),
    ("يدعو", "دعا", "يطالب"),
    ("يفوز", "فاز", "يتغلب", "تغلب", "ينتصر", "انتصر"),
    ("فوز", "انتصار"),
    ("يخسر", "خسر", "ينهزم", "انهزم"),
    ("خسارة", "هزيمة"),
    ("يبحث", "بحث", "يناقش", "ناقش"),
    ("يحذر", "حذر"),
    ("يطلق", "أطلق", "يدشن", "دشن"),
    ("يزور", "زار"),
    ("يوقع", "وقع"),
    ("مباراة", "مقابلة"),
    ("حادث", "حادثة"),
    ("سير", "مرور"),
    ("سعر", "أسعار"),
    ("الأمريكي", "الأميركي"),
    ("الأمريكية", "الأميركية"),
    ("أمريكا", "أميركا"),
    ("ترامب", "ترمب"),
    ("مسؤول", "مسئول"),
    ("مسؤولية", "مسئولية"),
    ("المسؤولين", "المسئولين"),
)
#: a content word that decides the story: it may not be the one extra word.
#: Negations, kin and role words ("وفاة والد الفنان" is not "وفاة الفنان"),
#: team qualifiers (the women's or U23 side is another team), ordinals,
#: weekdays, months and relative dates, and the before/after pair.
BLOCKING_WORDS_RAW = """
لا لم لن ليس ليست غير عدم ما دون بعدم لعدم وعدم ولا ولم ولن فلا فلم فلن
والد والدة ابن ابنة نجل زوج زوجة شقيق شقيقة أخ أخت أم أب جد جدة حفيد حفيدة عائلة أسرة
مدرب رئيس نائب وزير وزيرة سفير مساعد مدير مستشار متحدث ناطق قائد زعيم سابق الأسبق مرشح حارس محامي
النسوي نسوية السيدات للسيدات الشباب للشباب الأولمبي الرديف المحليين للمحليين الناشئين أقل
الأول الأولى الثاني الثانية الثالث الثالثة الرابع الأخير الأخيرة
الأحد الإثنين الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت
يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر
كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين
أمس غدا الليلة صباح مساء
قبل بعد
"""


def stem(word: str) -> str:
    """Light clitic stripper for one folded word.

    Repeatedly removes, while at least 3 letters remain: وال/بال/كال/فال,
    لل or ال, one of و ف ب ل, or the future prefix س before ي ت ن
    ("سيزور" -> "يزور").  Repeating makes it consistent: "الليبي", "ليبي"
    and "بليبيا" reach the same stem whatever their prefixes.  Only prefixes,
    never suffixes; over-stripping is harmless because both titles go
    through the same function.
    """
    while True:
        n = len(word)
        if n < 4:
            return word
        if n >= 6 and word[:3] in _PREFIX3:
            word = word[3:]
        elif n >= 5 and word[:2] in _PREFIX2:
            word = word[2:]
        elif word[0] in "وفبل":
            word = word[1:]
        elif word[0] == "س" and word[1] in "يتن":
            word = word[1:]
        else:
            return word


_PREFIX3 = ("وال", "بال", "كال", "فال")
_PREFIX2 = ("لل", "ال")


def _split_suffix(root: str) -> tuple[str, int]:
    for suffix, tag in SUFFIX_TAGS:
        if root.endswith(suffix) and len(root) - len(suffix) >= 3:
            return root[: -len(suffix)], tag
    return root, 0


def _root_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8")) & ROOT_MASK


def _words(raw: str) -> list[str]:
    return [w for w in title_key(raw).split() if w]


_FUNCTION_FORMS = frozenset(_words(FUNCTION_WORDS_RAW))
_FILLER_FORMS = frozenset(_words(FILLER_WORDS_RAW))
FUNCTION_WORDS = _FUNCTION_FORMS
FILLER_WORDS = _FILLER_FORMS
_IGNORED = _FUNCTION_FORMS | _FILLER_FORMS

_SYNONYM_OF: dict[str, str] = {}
for _cls in SYNONYM_CLASSES:
    _canon = stem(title_key(_cls[0]))
    for _w in _cls:
        _w = title_key(_w)
        _SYNONYM_OF[stem(_w)] = _canon
        if _w.startswith("ي") and len(_w) >= 4:  # يكشف -> تكشف
            _SYNONYM_OF[stem("ت" + _w[1:])] = _canon

_CACHE: dict[str, int | None] = {}
_CACHE_MAX = 500_000


def _code_of(word: str) -> int | None:
    """Code of one word of a title key, or None if the word is ignored."""
    if word in _IGNORED:
        return None
    if not word.isalpha():  # holds a digit (or is "g7", "covid19"): exact
        return (_root_hash(word) << TAG_BITS) | TAG_NUMBER
    s = stem(word)
    s = _SYNONYM_OF.get(s, s)
    root, tag = _split_suffix(s)
    return (_root_hash(root) << TAG_BITS) | tag


def content_codes(key: str) -> list[int]:
    """The content tokens of a title key, in order, as 32-bit codes."""
    cache = _CACHE
    out: list[int] = []
    for word in key.split():
        code = cache.get(word, -1)
        if code == -1:
            code = _code_of(word)
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[word] = code
        if code is not None:
            out.append(code)
    return out


def _blocking_roots() -> frozenset[int]:
    roots = set()
    for w in _words(BLOCKING_WORDS_RAW):
        code = _code_of(w)
        if code is not None:
            roots.add(code >> TAG_BITS)
    return frozenset(roots)


BLOCKING_ROOTS = _blocking_roots()
BLOCKING_WORDS = frozenset(_words(BLOCKING_WORDS_RAW))

#: compared by the verifier but not used as LSH bands (too common to select)
SKETCH_SKIP_RAW = """
من على إلى عن مع بعد قبل خلال حول بين عند منذ ضد نحو دون كل بعض لا لم لن ما
"""
_SKIP_ROOTS = frozenset(
    code >> TAG_BITS for code in (_code_of(w) for w in _words(SKETCH_SKIP_RAW)) if code is not None
)

# ---------------------------------------------------------------------------
# candidate lookup: bottom-3 sketch, pair bands
# ---------------------------------------------------------------------------

_M64 = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15


def _pair(a: int, b: int) -> int:
    return ((((a << ROOT_BITS) | b) * _MIX) & _M64) >> 33


def band_keys(codes: Sequence[int], key: str = "") -> list[int]:
    """LSH band keys (31-bit ints) for a title's content codes.

    Three keys for a title with >= 3 distinct content roots (the pairs of its
    three smallest root hashes), one key otherwise.  A title with no content
    token at all is banded on its whole key.  Particles that verification
    still compares (من، على، إلى، بعد ...: SKETCH_SKIP) are left out of the
    sketch: they are in every other headline and would make the buckets
    large.  Leaving a fixed set of words out keeps the guarantee (the root
    sets still differ by at most one word on each side).
    """
    roots = {c >> TAG_BITS for c in codes}
    strong = roots - _SKIP_ROOTS
    roots = sorted(strong if strong else roots)
    n = len(roots)
    if n >= 3:
        a, b, c = roots[0], roots[1], roots[2]
        return [_pair(a, b), _pair(a, c), _pair(b, c)]
    if n == 2:
        return [_pair(roots[0], roots[1])]
    if n == 1:
        return [_pair(roots[0], roots[0])]
    return [zlib.crc32(("\x00" + key).encode("utf-8")) & 0x7FFFFFFF]


# ---------------------------------------------------------------------------
# verification
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyRule:
    """When two titles with different keys are the same story.

    Compare the content tokens (function and filler words dropped, clitics
    stripped, synonyms folded):

    * the tokens holding digits must be the same, in the same order
      ("مقتل 3" is not "مقتل 30"; "2-1" is not "1-2");
    * every other token must pair up with an equal token, or with an
      inflection variant of it (same root, other nisba/gender ending);
    * at most ``max_extra`` tokens may be left over (default 1: a word added
      or removed), and only if the titles share at least
      ``min_shared_for_extra`` tokens (default 4) and the extra word is not a
      blocking word (negation, kin or role word, team qualifier, ordinal,
      weekday, month, قبل/بعد).  A *changed* word (one token on each side) is
      never accepted: it may be another entity, name, city or currency;
    * word order: walk the shared tokens of one title and look at each
      adjacent pair; at most ``max_broken`` pairs (default 2) may be broken
      (not adjacent, in the same order, in the other title) and at least
      ``min_order`` of them (default one half) must be kept.  Moving one
      clause breaks at most two pairs; swapping two names breaks three or
      more, or half of a short title, or (two pairs broken) leaves the three
      pieces in reverse order ("الوداد يفوز على الرجاء" is not
      "الرجاء يفوز على الوداد", "الجيش الملكي يهزم المغرب الفاسي" is not
      "المغرب الفاسي يهزم الجيش الملكي").
    """

    max_extra: int = 1
    min_shared_for_extra: int = 4
    max_broken: int = 2
    min_order: float = 0.5


DEFAULT_RULE = VerifyRule()


def verify(a: Sequence[int], b: Sequence[int], rule: VerifyRule = DEFAULT_RULE) -> bool:
    """True if content codes ``a`` and ``b`` are the same story under ``rule``."""
    la, lb = len(a), len(b)
    if abs(la - lb) > rule.max_extra:
        return False
    # cheap necessary condition: paired tokens share their root, so the root
    # sets differ by at most the extra words
    if len({c >> TAG_BITS for c in a} ^ {c >> TAG_BITS for c in b}) > rule.max_extra:
        return False
    if [c for c in a if c & TAG_MASK == TAG_NUMBER] != [c for c in b if c & TAG_MASK == TAG_NUMBER]:
        return False
    # exact pairing, first free occurrence
    free: dict[int, list[int]] = {}
    for j, c in enumerate(b):
        free.setdefault(c, []).append(j)
    match_of_a: list[int] = [-1] * la
    unmatched_a: list[int] = []
    for i, c in enumerate(a):
        js = free.get(c)
        if js:
            match_of_a[i] = js.pop(0)
        else:
            unmatched_a.append(i)
    unmatched_b = sorted(j for js in free.values() for j in js)
    # inflection variants: same root, both tagged as nisba/gender endings
    if unmatched_a and unmatched_b:
        for i in list(unmatched_a):
            ca = a[i]
            if ca & TAG_MASK == TAG_NUMBER:
                continue
            root = ca >> TAG_BITS
            for j in unmatched_b:
                cb = b[j]
                if cb >> TAG_BITS == root and cb & TAG_MASK != TAG_NUMBER:
                    match_of_a[i] = j
                    unmatched_a.remove(i)
                    unmatched_b.remove(j)
                    break
    extras = [a[i] for i in unmatched_a] + [b[j] for j in unmatched_b]
    shared = la - len(unmatched_a)
    if extras:
        if len(extras) > rule.max_extra:
            return False
        if shared < rule.min_shared_for_extra:
            return False
        for c in extras:
            if c & TAG_MASK == TAG_NUMBER or (c >> TAG_BITS) in BLOCKING_ROOTS:
                return False
    # word order over the shared tokens
    if shared >= 2:
        seq = [m for m in match_of_a if m >= 0]
        rank = {j: r for r, j in enumerate(sorted(seq))}
        ranks = [rank[j] for j in seq]
        starts = [0] + [k + 1 for k in range(len(ranks) - 1) if ranks[k + 1] != ranks[k] + 1]
        broken = len(starts) - 1
        if broken > rule.max_broken or (shared - 1) - broken < rule.min_order * (shared - 1):
            return False
        if broken == 2 and ranks[starts[0]] > ranks[starts[1]] > ranks[starts[2]]:
            return False  # C B A: two blocks swapped around a third, not one clause moved
    return True


# ---------------------------------------------------------------------------
# compact storage of codes
# ---------------------------------------------------------------------------

_SWAP = sys.byteorder != "little"


def encode_codes(codes: Iterable[int]) -> bytes:
    """Codes as little-endian uint32 bytes (4 bytes a token)."""
    arr = array("I", codes)
    if _SWAP:
        arr.byteswap()
    return arr.tobytes()


def decode_codes(blob: bytes) -> array:
    arr = array("I")
    arr.frombytes(blob)
    if _SWAP:
        arr.byteswap()
    return arr
