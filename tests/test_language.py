"""An article's language: read from its text, checked against the page's declarations; the
NEWSCRAWL_LANGUAGES filter in a real crawl; the feeds' language."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import threading
from collections import Counter
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from newscrawl.exporters import AtomItemExporter
from newscrawl.extraction.article import extract_article
from newscrawl.items import Article
from newscrawl.jsonfeed import JsonFeedItemExporter, JsonFeedWriter, json_feed_document
from newscrawl.language import decide, dominant_language, parse_language_list, primary_subtag
from newscrawl.mirror.content import MirrorSite
from newscrawl.sites.almaghrib import SITE
from newscrawl.sites.network import BODY_SELECTOR
from newscrawl.state import CrawlState
from tests.conftest import REPO, crawl, run_scrapy, shared_dir

ARABIC = ("أعلن وزير الداخلية اليوم في الرباط عن خطة جديدة لدعم المقاولات الصغيرة والمتوسطة، مشيرا إلى أن التنفيذ "
          "سيبدأ خلال ثلاثة أشهر بمشاركة عدد من القطاعات الحكومية والمؤسسات العمومية. وأوضح الوزير في ندوة صحافية "
          "أن الخطة تتضمن تسهيلات في التمويل وتبسيط المساطر الإدارية، كما تشمل برامج للتكوين والمواكبة لفائدة "
          "الشباب حاملي المشاريع في مختلف جهات المملكة. ورحبت فعاليات المجتمع المدني بالخطوة، ودعت إلى إشراكها "
          "في مراحل التتبع والتقييم حتى تحقق الأهداف المرجوة منها في أقرب الآجال.")
PERSIAN = ("وزیر امور خارجه ایران روز دوشنبه در سفر به بغداد با همتای عراقی خود دیدار و درباره روابط دوجانبه و "
           "تحولات منطقه گفت‌وگو کرد. او در نشست خبری پس از این دیدار گفت که دو کشور برای گسترش همکاری‌های "
           "اقتصادی و تجاری برنامه‌های تازه‌ای دارند و قرار است کمیسیون مشترک اقتصادی به زودی در تهران تشکیل شود. "
           "به گفته او، حجم مبادلات تجاری میان دو کشور در سال گذشته افزایش یافته و هر دو طرف خواهان رشد بیشتر آن "
           "هستند. وزیر عراقی نیز از سفرهای زائران ایرانی به شهرهای زیارتی عراق استقبال کرد.")
URDU = ("پاکستان کے وزیر اعظم نے آج اسلام آباد میں ایک اہم اجلاس کی صدارت کی جس میں ملک کی معاشی صورتحال پر "
        "تفصیلی غور کیا گیا۔ اجلاس میں وزیر خزانہ نے بتایا کہ حکومت مہنگائی پر قابو پانے کے لیے نئے اقدامات کر "
        "رہی ہے اور آئندہ بجٹ میں عوام کو ریلیف دیا جائے گا۔ وزیر اعظم نے ہدایت کی کہ بجلی اور گیس کی قیمتوں کے "
        "بارے میں جلد فیصلہ کیا جائے تاکہ صنعتوں کو درپیش مشکلات کم ہو سکیں۔ اجلاس میں صوبائی حکومتوں کے نمائندوں "
        "نے بھی شرکت کی اور اپنی تجاویز پیش کیں۔")
FRENCH = ("Le ministre de l'Intérieur a présenté lundi à Rabat un nouveau plan de soutien aux petites et moyennes "
          "entreprises, dont la mise en œuvre doit commencer dans les trois prochains mois. Selon le ministre, le "
          "dispositif prévoit des facilités de financement, une simplification des procédures administratives et "
          "des programmes de formation destinés aux jeunes porteurs de projets dans toutes les régions du royaume. "
          "Les associations de la société civile ont salué cette initiative et demandé à être associées au suivi.")
ENGLISH = ("The interior minister on Monday presented a new plan in Rabat to support small and medium-sized "
           "businesses, to be rolled out over the next three months. According to the minister, the scheme offers "
           "easier access to credit, simpler administrative procedures and training programmes for young "
           "entrepreneurs in every region of the kingdom. Civil society groups welcomed the move and asked to take "
           "part in monitoring how the plan is carried out and whether it reaches its goals.")


def page(body: str, *, html_lang: str | None = None, og_locale: str | None = None, jsonld_language=None,
         headline: str = "Headline of the story") -> str:
    """An article page of an unknown site: the body in two paragraphs, the declarations asked for."""
    lang = f' lang="{html_lang}"' if html_lang else ""
    og = f'<meta property="og:locale" content="{og_locale}">' if og_locale else ""
    ld = ""
    if jsonld_language is not None:
        ld = ('<script type="application/ld+json">' + json.dumps(
            {"@type": "NewsArticle", "headline": headline, "inLanguage": jsonld_language}) + "</script>")
    half = len(body) // 2
    cut = body.index(" ", half)
    return (f'<html{lang}><head><title>{headline}</title>{og}{ld}'
            '<meta property="article:published_time" content="2024-05-06T10:00:00+00:00"></head>'
            f'<body><h1>{headline}</h1><article><p>{body[:cut]}</p><p>{body[cut + 1:]}</p></article></body></html>')


def language_of(html: str, **kwargs) -> tuple[str | None, str | None]:
    extraction = extract_article(html, "https://news.example/2024/05/06/story", **kwargs)
    assert extraction.fields.get("body"), "the page's body was read"
    return extraction.fields.get("language"), extraction.provenance.get("language")


# --- the field ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    (ARABIC, "ar"), (PERSIAN, "fa"), (URDU, "ur"), (FRENCH, "fr"), (ENGLISH, "en"),
])
def test_the_text_names_its_language_without_any_declaration(text, expected):
    assert language_of(page(text)) == (expected, "text")


@pytest.mark.parametrize("text, expected", [(PERSIAN, "fa"), (URDU, "ur")])
def test_arabic_script_in_persian_or_urdu_is_not_called_arabic_even_when_declared_arabic(text, expected):
    assert language_of(page(text, html_lang="ar", og_locale="ar_AR")) == (expected, "text-declared")


def test_a_declaration_that_agrees_is_recorded_as_confirmation():
    assert language_of(page(ARABIC, html_lang="ar-aa")) == ("ar", "text+declared")
    assert language_of(page(FRENCH, og_locale="fr_FR")) == ("fr", "text+declared")
    assert language_of(page(ENGLISH, jsonld_language={"@type": "Language", "name": "English",
                                                      "alternateName": "en"})) == ("en", "text+declared")


def test_a_disagreeing_html_lang_loses_to_the_text():
    """CMS templates print the site's default language on every page: the text decides."""
    assert language_of(page(FRENCH, html_lang="en")) == ("fr", "text-declared")
    assert language_of(page(ENGLISH, html_lang="ar", jsonld_language="ar")) == ("en", "text-declared")


def test_the_content_language_header_reaches_the_field_through_the_spiders_hints():
    assert language_of(page(FRENCH), feed={"content_language": "fr-FR, en"}) == ("fr", "text+declared")
    assert language_of(page(FRENCH), feed={"content_language": "de"}) == ("fr", "text-declared")


def test_a_body_too_short_to_tell_has_no_language_whatever_the_page_declares():
    short = " ".join(ARABIC.split()[:14])  # a body (80+ characters) of 14 words: too few to tell
    html = page(short, html_lang="ar", og_locale="ar_AR", jsonld_language="ar")
    extraction = extract_article(html, "https://news.example/2024/05/06/story")
    assert extraction.fields.get("body")
    assert "language" not in extraction.fields and "language" not in extraction.provenance
    assert Article(url="https://x.test/").language is None  # and the item has no default


def test_network_pages_are_arabic_only_when_their_text_is():
    """The network's page object reads the language like any other page: its pages declare
    ar-aa, and an English story under that template is English."""
    from newscrawl.mirror.server import route

    site = MirrorSite(articles=5)
    url = "https://www.almaghribtoday.net" + site.original(1).path
    html = route(site, "https://www.almaghribtoday.net", site.original(1).path)[2].decode("utf-8")
    extraction = extract_article(html, url, SITE)
    assert (extraction.fields["language"], extraction.provenance["language"]) == ("ar", "text+declared")
    tree = lxml.html.fromstring(html)
    body = tree.cssselect(BODY_SELECTOR)[0]
    for child in list(body):
        body.remove(child)
    body.text = None
    for sentence in ENGLISH.split(". "):
        paragraph = etree.SubElement(body, "p")
        paragraph.text = sentence + "."
    extraction = extract_article(lxml.html.tostring(tree, encoding="unicode"), url, SITE)
    assert (extraction.fields["language"], extraction.provenance["language"]) == ("en", "text-declared")


@pytest.mark.parametrize("tag, code", [("ar-AA", "ar"), ("fr_FR", "fr"), ("EN", "en"), ("und", None), ("", None),
                                       ("x-default", None), ("iw", "he"), ("عربي", None)])
def test_declared_tags_are_read_to_their_language(tag, code):
    assert primary_subtag(tag) == code


def test_characters_cld2_refuses_are_read_past():
    """CLD2 raises "invalid UTF-8" on C1 controls and noncharacters pasted into a story."""
    dirty = "\x85".join(ARABIC.split("،")) + "\ufffe\U0010ffff\ufdd0\x00\ud800"
    assert decide(dirty) == ("ar", "text")


def test_too_few_words_or_nothing_readable_is_no_language():
    assert decide("") == (None, None)
    assert decide("GMT 12:05 2017 الخميس ,28 كانون الأول") == (None, None)
    assert decide("123 456 789 " * 20) == (None, None)


# --- the eval pages -----------------------------------------------------------------------------
def _bench():
    spec = importlib.util.spec_from_file_location("bench_language", REPO / "benchmarks" / "bench_language.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_language"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def eval_pages():
    shared = shared_dir()
    if not (shared / "eval" / "manifest.jsonl").exists():
        pytest.skip(f"no eval pages at {shared / 'eval'}")
    bench = _bench()
    return bench, bench.extracted_pages(shared)


def test_every_eval_page_of_50_words_or_more_gets_its_language(eval_pages):
    bench, pages = eval_pages
    scored = [p for p in pages if bench.word_count(p["body"]) >= bench.MIN_WORDS]
    assert len(scored) >= 70
    wrong = [(p["file"], p["language"], p["right"]) for p in scored if p["language"] != p["right"]]
    assert wrong == []
    assert {p["language"] for p in scored} >= {"ar", "fa", "en", "de", "fr", "es"}


def test_the_label_corrections_are_still_needed(eval_pages):
    """A correction stands only while the manifest still gives the page another language, the
    one its <html lang> declares (the evidence for the right one is in LABEL_CORRECTIONS)."""
    bench, pages = eval_pages
    by_file = {p["file"]: p for p in pages}
    for file, (language, _) in bench.LABEL_CORRECTIONS.items():
        page = by_file[file]
        assert page["manifest"] != language, f"{file}: the manifest is fixed; drop the correction"
        assert page["manifest"] == primary_subtag(page["html_lang"])


def test_language_costs_under_a_tenth_of_the_extraction(eval_pages):
    bench, pages = eval_pages
    result = bench.measure_field(pages)
    assert result["share"] < 0.1, result


# --- the filter, through a real crawl -----------------------------------------------------------
def _article_html(body: str, headline: str, lang: str | None) -> bytes:
    return page(body, html_lang=lang, headline=headline).encode("utf-8")


class _Pages(BaseHTTPRequestHandler):
    """A second site of plain article pages, in French and English (the mirror is Arabic)."""

    routes = {
        "/fr/plan-pme": (_article_html(FRENCH + " " + FRENCH.replace("lundi", "mardi"),
                                       "Un plan pour les PME", "fr"), "fr"),
        "/en/sme-plan": (_article_html(ENGLISH + " " + ENGLISH.replace("Monday", "Tuesday"),
                                       "A plan for small businesses", None), "en"),
    }

    def do_GET(self):  # noqa: N802 - http.server's name
        found = self.routes.get(self.path)
        if found is None:
            self.send_error(404)
            return
        body, content_language = found
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Language", content_language)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def other_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # "localhost", not the mirror's 127.0.0.1: the news spider allows one port per host.
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_newscrawl_languages_keeps_only_the_listed_languages_and_counts_the_rest(tmp_path, mirror, other_site):
    arabic = [mirror.base_url + mirror.site.original(i).path for i in (1, 2)]
    urls = [*arabic, other_site + "/fr/plan-pme", other_site + "/en/sme-plan"]
    result = run_scrapy(["crawl", "news", "-a", "urls=" + ",".join(urls), "-s", "NEWSCRAWL_LANGUAGES=ar,fr",
                         "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "NEWSCRAWL_STATS_FILE=stats.json",
                         "-O", "out.jsonl", "-O", "out.json:jsonfeed"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert Counter(i["language"] for i in items) == {"ar": 2, "fr": 1}
    french = next(i for i in items if i["language"] == "fr")
    assert french["extraction"]["language"] == "text+declared"  # <html lang="fr"> and Content-Language: fr
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["newscrawl/items/dropped/language_en"] == 1
    assert "Dropped: language en is not in NEWSCRAWL_LANGUAGES: " + other_site + "/en/sme-plan" in result.stderr
    state = CrawlState(tmp_path / "state" / "state.sqlite")
    try:  # the dropped page is settled: the next run does not fetch it again
        assert state.known("localhost/en/sme-plan") == "other_language"
    finally:
        state.close()
    # Two of three items Arabic: the JSON Feed is mixed, it names no language; each item its own.
    document = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert "language" not in document
    assert sorted(i["language"] for i in document["items"]) == ["ar", "ar", "fr"]


def test_a_bad_newscrawl_languages_is_one_clear_line(tmp_path):
    result = run_scrapy(["crawl", "almaghrib", "-s", "NEWSCRAWL_LANGUAGES=ar,arabic",
                         "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: NEWSCRAWL_LANGUAGES must be ISO 639-1 codes separated by commas (e.g. ar,fr), "
                      "got 'arabic'"]
    assert "Traceback" not in result.stderr


def test_language_list_setting_is_read_as_codes():
    assert parse_language_list("ar, FR,") == {"ar", "fr"}
    assert parse_language_list(["ar", "fa"]) == {"ar", "fa"}
    assert parse_language_list("") == frozenset()


# --- the feeds' language ------------------------------------------------------------------------
def _articles(*languages) -> list[dict]:
    return [asdict(Article(url=f"https://x.test/{i}", headline=f"story {i}", body="text", language=language))
            for i, language in enumerate(languages)]


def test_dominant_language_needs_nine_items_in_ten():
    assert dominant_language(Counter({"ar": 9, "fr": 1})) == "ar"
    assert dominant_language(Counter({"ar": 8, "fr": 2})) is None
    assert dominant_language(Counter()) is None


def test_json_feed_document_says_its_dominant_language_or_none():
    arabic = json_feed_document(_articles(*["ar"] * 9, "fr", None), title="t")
    assert arabic["language"] == "ar"
    assert [i.get("language") for i in arabic["items"]] == [*["ar"] * 9, "fr", None]
    mixed = json_feed_document(_articles("ar", "fr", "en"), title="t")
    assert "language" not in mixed
    assert json_feed_document(_articles("ar"), title="t", language="fr")["language"] == "fr"  # as given


@pytest.mark.parametrize("indent", [None, 2])
def test_streamed_json_feed_writes_its_language_after_the_items(indent):
    out = io.BytesIO()
    writer = JsonFeedWriter(out, title="t", indent=indent)
    for article in _articles("fr", "fr", None):
        writer.write(article)
    writer.finish()
    document = json.loads(out.getvalue())
    assert document["language"] == "fr" and len(document["items"]) == 3
    mixed = io.BytesIO()
    exporter = JsonFeedItemExporter(mixed, feed_title="t")
    exporter.start_exporting()
    for article in _articles("fr", "en"):
        exporter.export_item(Article(**article))
    exporter.finish_exporting()
    document = json.loads(mixed.getvalue())
    assert "language" not in document and [i["language"] for i in document["items"]] == ["fr", "en"]


ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _atom(*languages) -> etree._Element:
    out = io.BytesIO()
    exporter = AtomItemExporter(out, feed_title="t")
    exporter.start_exporting()
    for article in _articles(*languages):
        exporter.export_item(Article(**article))
    exporter.finish_exporting()
    return etree.fromstring(out.getvalue())


def test_atom_feed_says_its_dominant_language_and_each_entry_its_own():
    arabic = _atom("ar", "ar", None)
    assert arabic.get(XML_LANG) == "ar"
    assert [e.get(XML_LANG) for e in arabic.findall(f"{ATOM}entry")] == ["ar", "ar", None]
    assert [e.findtext(f"{ATOM}id") for e in arabic.findall(f"{ATOM}entry")] == [f"https://x.test/{i}" for i in range(3)]
    mixed = _atom("ar", "fr")
    assert mixed.get(XML_LANG) is None
    assert [e.get(XML_LANG) for e in mixed.findall(f"{ATOM}entry")] == ["ar", "fr"]
    assert len(_atom().findall(f"{ATOM}entry")) == 0  # an empty feed is still a feed


def test_atom_spools_entries_past_memory_to_a_temporary_file(monkeypatch):
    import newscrawl.exporters as exporters

    monkeypatch.setattr(exporters, "SPOOL_MEMORY", 1024)  # a few entries, then disk
    many = _atom(*["fr"] * 50)
    assert many.get(XML_LANG) == "fr" and len(many.findall(f"{ATOM}entry")) == 50
