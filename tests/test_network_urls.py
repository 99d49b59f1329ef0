"""The network's URL grammar (docs/site-facts.md F2), on real URLs seen on the site."""

from __future__ import annotations

import pytest

from newscrawl.sites.network import classify_path, fold_amp, path_of, section_id_of, url_publish_time

REAL = [
    ("/314/102152-الخلاف-يحبط-المساعي-المصرية-ــ-الليبية-لتوحيد-المؤسسة-العسكرية", "article"),
    ("/1189/030538-تعرف-علي-سعر-الدرهم-المغربي-مقابل-الليره-السوري-الاربعاء", "article"),
    ("/amp/36/142851-الملكْ-محمدْ-السادسْ-يتوجهُ-بخطابٍ-للأمةِ", "article"),
    ("/amp/1188/انس-أصباحي-يغيب-عن-مباراة-الوداد", "article"),
    ("/w-1046/052021-معنى-معركة-بيروت", "opinion"),
    ("/w-784/نهاية-أم-بداية-العرب", "opinion"),
    ("/w-1046-more/", "writer"),
    ("/1187-أخبار-عاجلة", "listing"),
    ("/314-أخبار-محلية-وعربية-وعالمية/", "listing"),
    ("/2013-09-13-14-42-41", "listing"),
    ("/v-915/013153-شاهد-الجيش-السوري-يستعيد-مسرابا-في-الغوطة", "video"),
    ("/v-917-رياضة", "video"),
    ("/gallery-923/", "gallery"),
    ("/b-916-أخبار", "blog"),
    ("/arabpoll/916/2107/homepoll", "poll"),
    ("/search", "search"),
    ("/mobile-app/android", "mobile_app"),
    ("/home/rss.xml", "feed"),
    ("/rss", "feed"),
    ("/ar/rss", "feed"),  # arabstoday
    ("/ar/rss/", "feed"),  # palestinetoday
    ("/rss/المدينة-طنجة", "feed"),
    ("/", "home"),
    ("/en/", "english"),
    ("/خارطة-الموقع", "other"),
]


@pytest.mark.parametrize("path,kind", REAL)
def test_classify_real_paths(path, kind):
    assert classify_path(path) == kind


def test_percent_encoded_and_raw_arabic_are_one_path():
    raw = "https://www.almaghribtoday.net/1187/151638-مقتل-شخص"
    encoded = "https://www.almaghribtoday.net/1187/151638-%D9%85%D9%82%D8%AA%D9%84-%D8%B4%D8%AE%D8%B5"
    assert path_of(raw) == path_of(encoded) == "/1187/151638-مقتل-شخص"


def test_amp_is_folded_and_sections_read():
    assert fold_amp("/amp/42/092823-إلغاء-اجتماع") == "/42/092823-إلغاء-اجتماع"
    assert fold_amp("/42/092823-x") == "/42/092823-x"
    assert section_id_of("/42/092823-x") == "42"
    assert section_id_of("/1187-أخبار-عاجلة") == "1187"
    assert section_id_of("/w-1046/052021-x") is None


def test_url_publish_time_is_hhmmss_and_rejects_impossible_times():
    assert url_publish_time("/314/102152-x") == (10, 21, 52)
    assert url_publish_time("/w-1046/052021-x") == (5, 20, 21)
    assert url_publish_time("/314/256161-x") is None
    assert url_publish_time("/amp/1188/no-number") is None
