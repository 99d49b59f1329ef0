"""JSON Feed 1.1 mapping, document, streaming exporter (and the Atom exporter), checked against the spec."""

from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from newscrawl.exporters import AtomItemExporter
from newscrawl.feeds import parse_feed
from newscrawl.items import Article
from newscrawl.jsonfeed import (VERSION, JsonFeedItemExporter, JsonFeedWriter, json_feed_document, json_feed_item,
                                rfc3339)
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from tests.conftest import run_scrapy

# --- a validator for https://www.jsonfeed.org/version/1.1/ ---------------------------------------------
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
FEED_STRINGS = ("home_page_url", "feed_url", "description", "user_comment", "next_url", "icon", "favicon",
                "language")
ITEM_STRINGS = ("url", "external_url", "title", "content_html", "content_text", "summary", "image", "banner_image",
                "language")


def _check_extensions(obj: dict, known: set[str], where: str) -> None:
    for key, value in obj.items():
        if key in known:
            assert value is not None, f"{where}.{key} is null: optional keys are omitted, not null"
            continue
        assert re.match(r"^_[A-Za-z]", key), f"{where}: unknown key {key!r} (custom keys start with _ and a letter)"
        assert isinstance(value, dict), f"{where}.{key}: a custom object"


def _check_authors(authors, where: str) -> None:
    assert isinstance(authors, list) and authors, f"{where}.authors: a non-empty array"
    for author in authors:
        assert isinstance(author, dict), where
        assert set(author) <= {"name", "url", "avatar"} and author, f"{where}: author {author!r}"
        assert all(isinstance(v, str) and v for v in author.values()), f"{where}: author {author!r}"


def _check_date(value, where: str) -> None:
    assert isinstance(value, str) and RFC3339.match(value), f"{where}: {value!r} is not RFC 3339"
    assert datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None, where


def validate_json_feed(document) -> None:
    """Raise AssertionError unless *document* follows the JSON Feed 1.1 spec's required keys and types."""
    assert isinstance(document, dict)
    assert document.get("version") == VERSION
    assert isinstance(document.get("title"), str) and document["title"], "title: a required string"
    assert isinstance(document.get("items"), list), "items: a required array"
    _check_extensions(document, {"version", "title", "items", "authors", "author", "expired", "hubs", *FEED_STRINGS},
                      "feed")
    for key in FEED_STRINGS:
        if key in document:
            assert isinstance(document[key], str), f"feed.{key}: a string"
    if "authors" in document:
        _check_authors(document["authors"], "feed")
    if "expired" in document:
        assert isinstance(document["expired"], bool)
    ids = set()
    for index, item in enumerate(document["items"]):
        where = f"items[{index}]"
        assert isinstance(item, dict), where
        assert isinstance(item.get("id"), str) and item["id"], f"{where}.id: a required string"
        ids.add(item["id"])
        assert isinstance(item.get("content_text"), str) or isinstance(item.get("content_html"), str), \
            f"{where}: content_text or content_html is required"
        _check_extensions(item, {"id", "tags", "date_published", "date_modified", "authors", "author", "attachments",
                                 *ITEM_STRINGS}, where)
        for key in ITEM_STRINGS:
            if key in item:
                assert isinstance(item[key], str), f"{where}.{key}: a string"
        for key in ("date_published", "date_modified"):
            if key in item:
                _check_date(item[key], f"{where}.{key}")
        if "authors" in item:
            _check_authors(item["authors"], where)
        if "tags" in item:
            assert isinstance(item["tags"], list) and all(isinstance(t, str) and t for t in item["tags"]), where
    assert len(ids) == len(document["items"]), "item ids are unique"


# --- articles --------------------------------------------------------------------------------------------
def article(**overrides) -> dict:
    base = asdict(Article(
        url="https://www.almaghribtoday.net/314/134500-%D8%AE%D8%A8%D8%B1",
        source="almaghrib", section="أخبار عالمية", headline="المغرب يوقع اتفاقية جديدة",
        subtitle="الرباط تستضيف الاجتماع", author="نور خوام", location="دمشق",
        date_published="2015-10-06T13:45:00+01:00", date_published_raw="GMT 12:45 2015 الثلاثاء ,06 تشرين الأول / أكتوبر",
        date_modified="2015-10-07T08:00:00+01:00", date_modified_raw="2015-10-07 08:00",
        body="الفقرة الأولى، \"بين علامتي تنصيص\".\n\nالفقرة الثانية.", description="ملخص الخبر",
        image="https://img.almaghribtoday.net/a.jpg", tags=["المغرب", "اقتصاد"], language="ar",
        scraped_at="2025-01-02T03:04:05+00:00", extraction={"body": "selectors"}))
    base.update(overrides)
    return base


def test_item_maps_every_field():
    item = json_feed_item(article())
    assert item == {
        "id": "https://www.almaghribtoday.net/314/134500-%D8%AE%D8%A8%D8%B1",
        "url": "https://www.almaghribtoday.net/314/134500-%D8%AE%D8%A8%D8%B1",
        "title": "المغرب يوقع اتفاقية جديدة",
        "content_text": "الفقرة الأولى، \"بين علامتي تنصيص\".\n\nالفقرة الثانية.",
        "summary": "ملخص الخبر",
        "image": "https://img.almaghribtoday.net/a.jpg",
        "date_published": "2015-10-06T13:45:00+01:00",
        "date_modified": "2015-10-07T08:00:00+01:00",
        "authors": [{"name": "نور خوام"}],
        "tags": ["المغرب", "اقتصاد"],
        "language": "ar",
        "_newscrawl": {"source": "almaghrib", "section": "أخبار عالمية", "location": "دمشق",
                       "subtitle": "الرباط تستضيف الاجتماع",
                       "date_published_raw": "GMT 12:45 2015 الثلاثاء ,06 تشرين الأول / أكتوبر",
                       "date_modified_raw": "2015-10-07 08:00", "scraped_at": "2025-01-02T03:04:05+00:00"},
    }
    validate_json_feed({"version": VERSION, "title": "t", "items": [item]})


def test_empty_values_are_omitted_not_null():
    item = json_feed_item(asdict(Article(url="https://x.test/1", headline="  ")))
    assert item == {"id": "https://x.test/1", "url": "https://x.test/1", "content_text": ""}  # no language: none said
    assert None not in item.values()


def test_summary_and_content_fallbacks():
    no_description = json_feed_item(article(description=None))
    assert no_description["summary"] == "الرباط تستضيف الاجتماع"  # the subtitle
    no_body = json_feed_item(article(body=None))
    assert no_body["content_text"] == "ملخص الخبر"
    only_title = json_feed_item(asdict(Article(url="https://x.test/2", headline="عنوان")))
    assert only_title["content_text"] == "عنوان"


@pytest.mark.parametrize("value, expected", [
    ("2015-10-06T13:45:00+01:00", "2015-10-06T13:45:00+01:00"),
    ("2015-10-06T13:45:00Z", "2015-10-06T13:45:00+00:00"),
    ("2015-10-06T13:45:00", "2015-10-06T13:45:00+00:00"),  # no offset: UTC
    ("2015-10-06", "2015-10-06T00:00:00+00:00"),
    ("2015-10-06T13:45:00.250+03:00", "2015-10-06T13:45:00.250000+03:00"),
    ("الخميس 28 ديسمبر", None), ("", None), (None, None),
])
def test_dates_become_rfc3339(value, expected):
    assert rfc3339(value) == expected
    if expected:
        assert RFC3339.match(expected)


def test_unparseable_date_is_left_out_but_its_raw_text_kept():
    item = json_feed_item(article(date_published="not a date", date_modified=None))
    assert "date_published" not in item and "date_modified" not in item
    assert item["_newscrawl"]["date_published_raw"].startswith("GMT")


def test_item_needs_a_url():
    with pytest.raises(ValueError, match="url"):
        json_feed_item({"headline": "x"})


def test_document_validates_and_keeps_arabic_unescaped():
    items = [article(url=f"https://x.test/{i}") for i in range(5)]
    document = json_feed_document(items, title="المغرب اليوم", home_page_url="https://www.almaghribtoday.net/",
                                  feed_url="https://example.test/almaghrib.json")
    assert list(document)[:2] == ["version", "title"]
    assert document["language"] == "ar" and len(document["items"]) == 5
    validate_json_feed(document)
    text = json.dumps(document, ensure_ascii=False)
    assert "المغرب" in text and "\\u06" not in text
    empty = json_feed_document([], title="t")
    validate_json_feed(empty)
    assert "home_page_url" not in empty and "feed_url" not in empty


def test_validator_rejects_what_the_spec_forbids():
    good = json_feed_document([article()], title="t")
    for breakage in (lambda d: d.pop("title"), lambda d: d.__setitem__("version", "1.1"),
                     lambda d: d["items"][0].pop("id"), lambda d: d["items"][0].pop("content_text"),
                     lambda d: d["items"][0].__setitem__("date_published", "06/10/2015"),
                     lambda d: d["items"][0].__setitem__("tags", "a, b"),
                     lambda d: d["items"][0].__setitem__("summary", None),
                     lambda d: d["items"][0].__setitem__("section", "x")):
        broken = json.loads(json.dumps(good))
        breakage(broken)
        with pytest.raises(AssertionError):
            validate_json_feed(broken)


# --- the streaming exporter ------------------------------------------------------------------------------
def test_exporter_streams_each_item_as_it_comes():
    out = io.BytesIO()
    exporter = JsonFeedItemExporter(out, feed_title="المغرب اليوم", home_page_url="https://www.almaghribtoday.net/")
    exporter.start_exporting()
    sizes = [len(out.getvalue())]
    assert out.getvalue().startswith(b'{"version": "https://jsonfeed.org/version/1.1"')
    for i in range(50):
        exporter.export_item(Article(**article(url=f"https://x.test/{i}", headline=f"خبر رقم {i}")))
        sizes.append(len(out.getvalue()))
        assert f"خبر رقم {i}".encode() in out.getvalue()  # written now, not held back
    assert all(b > a for a, b in itertools.pairwise(sizes))
    exporter.finish_exporting()
    raw = out.getvalue()
    document = json.loads(raw.decode("utf-8"))
    validate_json_feed(document)
    assert [item["title"] for item in document["items"]] == [f"خبر رقم {i}" for i in range(50)]
    assert "المغرب اليوم".encode() in raw and b"\\u06" not in raw  # UTF-8, not escaped
    assert exporter.count == 50


@pytest.mark.parametrize("indent", [None, 0, 2, 4])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_writer_output_is_one_valid_document(indent, count):
    out = io.BytesIO()
    writer = JsonFeedWriter(out, title="t", indent=indent)
    writer.start()
    for i in range(count):
        writer.write(article(url=f"https://x.test/{i}"))
    writer.finish()
    document = json.loads(out.getvalue())
    validate_json_feed(document)
    assert len(document["items"]) == count
    for line in out.getvalue().decode("utf-8").splitlines():
        # No line stands alone as a JSON object: readers of JSON Lines (resume reconciliation
        # reads feed files line by line) never take a line of a JSON Feed for an article.
        try:
            assert not isinstance(json.loads(line), dict) or count == 0, line
        except ValueError:
            pass


def test_exporter_options():
    out = io.BytesIO()
    exporter = JsonFeedItemExporter(out, fields_to_export=["url", "headline"], indent=2, encoding="latin-1",
                                    feed_title="t", feed_url="https://example.test/f.json")
    exporter.start_exporting()
    exporter.export_item(Article(**article()))
    exporter.finish_exporting()
    document = json.loads(out.getvalue().decode("utf-8"))  # UTF-8 whatever was asked
    validate_json_feed(document)
    assert document["feed_url"] == "https://example.test/f.json"
    assert set(document["items"][0]) == {"id", "url", "title", "content_text"}
    assert b'\n    {\n' in out.getvalue()  # indented
    with pytest.raises(TypeError, match="feed_titel"):
        JsonFeedItemExporter(io.BytesIO(), feed_titel="typo")


def test_exporter_takes_title_and_home_page_from_the_spider():
    spider = SimpleNamespace(name="almaghrib", site=SimpleNamespace(label="المغرب اليوم"),
                             base_url="http://127.0.0.1:8080")
    crawler = SimpleNamespace(spider=spider)
    out = io.BytesIO()
    exporter = JsonFeedItemExporter.from_crawler(crawler, out)
    exporter.start_exporting()
    exporter.finish_exporting()
    document = json.loads(out.getvalue())
    assert document["title"] == "المغرب اليوم" and document["home_page_url"] == "http://127.0.0.1:8080/"
    named = JsonFeedItemExporter.from_crawler(SimpleNamespace(spider=SimpleNamespace(name="news")), io.BytesIO(),
                                              home_page_url="https://example.test/")
    assert named.writer.header["title"] == "news" and named.writer.header["home_page_url"] == "https://example.test/"
    given = JsonFeedItemExporter.from_crawler(crawler, io.BytesIO(), feed_title="عنوان آخر")
    assert given.writer.header["title"] == "عنوان آخر"


# --- Atom through feedgen --------------------------------------------------------------------------------
ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_exporter_streams_a_valid_feed():
    out = io.BytesIO()
    # An explicit feed language: the head is written first and each entry streams straight out
    # (the default, the entries' dominant language, waits for them: tests/test_language.py).
    exporter = AtomItemExporter(out, feed_title="المغرب اليوم", home_page_url="https://www.almaghribtoday.net/",
                                feed_url="https://example.test/a.atom", feed_language="ar")
    exporter.start_exporting()
    for i in range(3):
        before = len(out.getvalue())
        exporter.export_item(Article(**article(url=f"https://x.test/{i}", headline=f"خبر {i}\x01")))
        assert len(out.getvalue()) > before
    exporter.export_item(Article(url="https://x.test/bare"))  # nothing but a URL
    exporter.finish_exporting()
    raw = out.getvalue()
    root = etree.fromstring(raw)  # strict parser: well-formed
    assert root.tag == f"{ATOM}feed" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == "خبر 0"
    assert first.findtext(f"{ATOM}content") == article()["body"]
    assert first.findtext(f"{ATOM}published") == "2015-10-06T13:45:00+01:00"
    assert first.findtext(f"{ATOM}updated") == "2015-10-07T08:00:00+01:00"
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["المغرب", "اقتصاد"]
    assert "المغرب اليوم".encode() in raw  # UTF-8 text, not character references
    parsed = parse_feed(raw)  # the project's own feed reader understands it
    assert parsed.problem is None and [e.link for e in parsed.entries][:3] == [f"https://x.test/{i}" for i in range(3)]


# --- through Scrapy: FEED_EXPORTERS with a real crawl of the mirror --------------------------------------
def test_crawl_writes_jsonfeed_and_atom_through_feed_exporters(tmp_path):
    feeds = {str(tmp_path / "out.json"): {"format": "jsonfeed"}, str(tmp_path / "out.atom"): {"format": "atom"},
             str(tmp_path / "out.jsonl"): {"format": "jsonlines", "encoding": "utf-8"}}
    exporters = {"jsonfeed": "newscrawl.jsonfeed.JsonFeedItemExporter", "atom": "newscrawl.exporters.AtomItemExporter"}
    with MirrorServer(MirrorSite(articles=25)) as server:
        result = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={server.base_url}",
                             "-s", f"FEED_EXPORTERS={json.dumps(exporters)}", "-s", f"FEEDS={json.dumps(feeds)}",
                             "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "LOG_LEVEL=WARNING"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    raw = (tmp_path / "out.json").read_bytes()
    document = json.loads(raw.decode("utf-8"))
    validate_json_feed(document)
    assert document["title"] == "المغرب اليوم"
    assert document["home_page_url"] == server.base_url.rstrip("/") + "/"
    assert len(document["items"]) == len(lines) > 15
    assert [i["id"] for i in document["items"]] == [a["url"] for a in lines]
    assert sum("date_published" in i for i in document["items"]) >= 0.9 * len(lines)
    assert b"\\u06" not in raw
    atom = etree.fromstring(Path(tmp_path / "out.atom").read_bytes())
    assert [e.findtext(f"{ATOM}id") for e in atom.findall(f"{ATOM}entry")] == [a["url"] for a in lines]


def test_rolling_and_run_feeds_name_the_public_urls_from_settings(tmp_path):
    """A subscriber's reader needs the feed's public address, not a file:// path of the crawling
    machine: NEWSCRAWL_FEED_PUBLIC_URL is the rolling feed's feed_url, NEWSCRAWL_FEED_HOME_URL
    every feed's home_page_url (Atom: its alternate link). Unset: no feed_url at all, and the
    site's home page."""
    feeds = {"feeds/%(name)s/run.json": {"format": "jsonfeed"}, "feeds/%(name)s/run.atom": {"format": "atom"}}
    (tmp_path / "configured").mkdir()
    (tmp_path / "plain").mkdir()
    with MirrorServer(MirrorSite(articles=20)) as server:
        configured = run_scrapy(
            ["crawl", "almaghrib", "-a", f"base_url={server.base_url}", "-s", f"FEEDS={json.dumps(feeds)}",
             "-s", "NEWSCRAWL_FEED_PUBLIC_URL=https://news.example.org/feeds/%(name)s.json",
             "-s", "NEWSCRAWL_FEED_HOME_URL=https://news.example.org/%(name)s/",
             "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "LOG_LEVEL=WARNING"], cwd=tmp_path / "configured")
        plain = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={server.base_url}",
                            "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "LOG_LEVEL=WARNING"], cwd=tmp_path / "plain")
    for result in (configured, plain):
        assert result.returncode == 0, result.stderr[-3000:]

    rolling = json.loads((tmp_path / "configured" / "feeds" / "almaghrib.json").read_text("utf-8"))
    validate_json_feed(rolling)
    assert rolling["feed_url"] == "https://news.example.org/feeds/almaghrib.json"
    assert rolling["home_page_url"] == "https://news.example.org/almaghrib/"
    run = json.loads((tmp_path / "configured" / "feeds" / "almaghrib" / "run.json").read_text("utf-8"))
    assert run["home_page_url"] == "https://news.example.org/almaghrib/" and "feed_url" not in run
    atom = etree.fromstring((tmp_path / "configured" / "feeds" / "almaghrib" / "run.atom").read_bytes())
    assert [link.get("href") for link in atom.findall(f"{ATOM}link[@rel='alternate']")] == \
        ["https://news.example.org/almaghrib/"]
    assert atom.findtext(f"{ATOM}id") == "https://news.example.org/almaghrib/"

    raw = (tmp_path / "plain" / "feeds" / "almaghrib.json").read_text("utf-8")
    rolling = json.loads(raw)
    validate_json_feed(rolling)
    assert "file:" not in raw and "feed_url" not in rolling
    assert rolling["home_page_url"] == server.base_url + "/" and rolling["items"]


def test_a_feed_url_setting_that_is_no_url_is_ignored_with_a_warning(caplog):
    from scrapy.settings import Settings

    from newscrawl.jsonfeed import public_url

    settings = Settings({"NEWSCRAWL_FEED_PUBLIC_URL": "feeds.example.org/%(name)s.json"})
    assert public_url(settings, "NEWSCRAWL_FEED_PUBLIC_URL", "almaghrib") is None
    assert "NEWSCRAWL_FEED_PUBLIC_URL='feeds.example.org/%(name)s.json' is not an absolute http(s) URL" in caplog.text
    assert public_url(Settings({}), "NEWSCRAWL_FEED_PUBLIC_URL", "almaghrib") is None
