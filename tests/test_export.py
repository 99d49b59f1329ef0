"""``scrapy export``: stored articles out of the state store, exactly once, filtered, in three formats, streaming."""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import tracemalloc
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl.commands.export import ARTICLE_FIELDS, Command, read_csv_article
from newscrawl.items import Article
from newscrawl.state import CrawlState
from tests.conftest import run_scrapy
from tests.test_jsonfeed import validate_json_feed

SECTIONS = ("أخبار عالمية", "الأخبار الرياضية", "عالم الاقتصاد والمال")
START = datetime(2024, 12, 20, 6, 0, tzinfo=timezone(timedelta(hours=1)))


def synthetic(i: int, source: str = "almaghrib") -> dict:
    """An article whose text exercises quoting: commas, quotes, blank lines, Arabic, an empty author."""
    published = START + timedelta(hours=7 * i)
    return asdict(Article(
        url=f"https://www.{source}.test/{314 + i % 3}/{published:%H%M%S}-{i}",
        source=source, section=SECTIONS[i % 3], headline=f"خبر رقم {i}، \"عاجل\"",
        subtitle=None if i % 4 else f"عنوان فرعي {i}", author=None if i % 5 == 0 else f"كاتب {i % 7}",
        location="الرباط",
        date_published=None if i % 50 == 49 else published.isoformat(),
        date_published_raw=f"GMT {published:%H:%M %Y}",
        body=f"الفقرة الأولى من الخبر {i}، وفيها فاصلة.\n\nالفقرة الثانية; \"اقتباس\".\n\nالثالثة",
        description=f"ملخص {i}", image=f"https://img.test/{i}.jpg", tags=[f"وسم{i % 4}", "المغرب"],
        scraped_at="2025-03-01T00:00:00+00:00", extraction={"body": "selectors", "headline": "opengraph"}))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, dict[str, list[dict]]]:
    """A state store in <dir>/state with 300 almaghrib and 40 arabstoday articles."""
    workdir = tmp_path_factory.mktemp("export")
    state = CrawlState(workdir / "state" / "state.sqlite")
    stored: dict[str, list[dict]] = {"almaghrib": [], "arabstoday": []}
    for source, count in (("almaghrib", 300), ("arabstoday", 40)):
        for i in range(count):
            item = synthetic(i, source)
            assert state.keep(f"{source}:{i}", item)
            stored[source].append(item)
    assert not state.keep("almaghrib:0", synthetic(0))  # kept once, whatever happens later
    state.close()
    return workdir, stored


def export(workdir: Path, *args: str):
    return run_scrapy(["export", *args, "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=workdir)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def by_url(articles) -> dict[str, dict]:
    return {a["url"]: a for a in articles}


def day(article: dict) -> str | None:
    return article["date_published"][:10] if article["date_published"] else None


# --- every article exactly once, three formats round-trip --------------------------------------------------
def test_jsonl_exports_every_stored_article_exactly_once(store):
    workdir, stored = store
    result = export(workdir, "almaghrib", "-o", "all.jsonl")
    assert result.returncode == 0, result.stderr
    exported = read_jsonl(workdir / "all.jsonl")
    assert len(exported) == len({a["url"] for a in exported}) == 300
    assert by_url(exported) == by_url(stored["almaghrib"])  # whole items, unchanged
    assert list(exported[0]) == list(ARTICLE_FIELDS)  # the item's own field order
    dates = [a["date_published"] for a in exported if a["date_published"]]
    assert dates == sorted(dates)  # oldest first
    assert f"300 articles written to {(workdir / 'all.jsonl').resolve()} (jsonl)" in result.stderr.strip().splitlines()[-1]
    assert "\\u06" not in (workdir / "all.jsonl").read_text("utf-8")


def test_jsonfeed_export_validates_and_round_trips(store):
    workdir, stored = store
    result = export(workdir, "almaghrib", "-o", "feed.json", "--feed-url", "https://example.test/almaghrib.json")
    assert result.returncode == 0, result.stderr
    raw = (workdir / "feed.json").read_bytes()
    document = json.loads(raw.decode("utf-8"))
    validate_json_feed(document)
    assert document["title"] == "المغرب اليوم" and document["feed_url"] == "https://example.test/almaghrib.json"
    assert b"\\u06" not in raw
    items = document["items"]
    originals = by_url(stored["almaghrib"])
    assert len(items) == 300 and {i["id"] for i in items} == set(originals)
    for item in items:
        original = originals[item["id"]]
        assert item["title"] == original["headline"] and item["content_text"] == original["body"]
        assert item["tags"] == original["tags"] and item["_newscrawl"]["section"] == original["section"]
        assert item.get("date_published") == original["date_published"]
    dated = [i["date_published"] for i in items if "date_published" in i]
    assert dated == sorted(dated, reverse=True)  # a feed is newest first


@pytest.mark.parametrize("bom", [False, True])
def test_csv_export_round_trips(store, bom):
    workdir, stored = store
    name = "bom.csv" if bom else "plain.csv"
    result = export(workdir, "almaghrib", "-o", name, *(["--bom"] if bom else []))
    assert result.returncode == 0, result.stderr
    raw = (workdir / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom
    with open(workdir / name, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(ARTICLE_FIELDS)
    assert len(rows) == 300
    originals = by_url(stored["almaghrib"])
    for row in rows:
        assert read_csv_article(row) == originals[row["url"]]
    assert "\n\n" in rows[0]["body"]  # the body keeps its paragraphs, quoted


def test_stdout_and_explicit_format(store):
    workdir, stored = store
    result = export(workdir, "arabstoday", "-o", "-")
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    assert by_url(exported) == by_url(stored["arabstoday"])
    assert "40 articles written to stdout (jsonl)" in result.stderr
    as_csv = export(workdir, "arabstoday", "-o", "-", "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(as_csv.stdout)))) == 40
    named = export(workdir, "arabstoday", "-o", "arabs.txt", "--format", "jsonfeed")
    assert named.returncode == 0 and len(json.loads((workdir / "arabs.txt").read_text("utf-8"))["items"]) == 40


def test_site_by_domain_and_all(store):
    workdir, stored = store
    by_domain = export(workdir, "www.almaghribtoday.net", "-o", "-")
    assert by_domain.returncode == 0 and len(by_domain.stdout.splitlines()) == 300  # the site's spider
    everything = export(workdir, "all", "-o", "everything.jsonl")
    assert everything.returncode == 0
    assert by_url(read_jsonl(workdir / "everything.jsonl")) == by_url(stored["almaghrib"] + stored["arabstoday"])


# --- filters -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("since, until, section", [
    ("2025-01-01", None, None),
    (None, "2025-01-15", None),
    ("2025-01-05", "2025-01-05", None),  # one day: both bounds included
    ("2025-01-01", "2025-01-31", SECTIONS[1]),
    (None, None, SECTIONS[2]),
])
def test_filters(store, since, until, section):
    workdir, stored = store
    args = [*(["--since", since] if since else []), *(["--until", until] if until else []),
            *(["--section", section] if section else [])]
    result = export(workdir, "almaghrib", "-o", "-", *args)
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [a for a in stored["almaghrib"]
                if (since is None or (day(a) is not None and day(a) >= since))
                and (until is None or (day(a) is not None and day(a) <= until))
                and (section is None or a["section"] == section)]
    assert 0 < len(expected) < 300
    assert by_url(exported) == by_url(expected) and len(exported) == len(expected)


def test_order_and_limit(store):
    workdir, _ = store
    result = export(workdir, "almaghrib", "-o", "-", "--order", "newest", "--limit", "5")
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(exported) == 5
    dates = [a["date_published"] for a in exported]
    assert dates == sorted(dates, reverse=True)


# --- clear errors ----------------------------------------------------------------------------------------
def test_no_state_store_says_where_it_looked(tmp_path):
    result = run_scrapy(["export", "almaghrib", "-o", "out.jsonl"], cwd=tmp_path)
    assert result.returncode == 1
    assert str((tmp_path / ".newscrawl" / "state.sqlite").resolve()) in result.stderr
    assert "NEWSCRAWL_STATE_DIR" in result.stderr and "no state store" in result.stderr
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / ".newscrawl").exists()


def test_not_a_state_store(tmp_path):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.sqlite").write_text("not sqlite")
    result = run_scrapy(["export", "almaghrib", "-o", "out.jsonl", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert result.returncode == 1 and "is not a newscrawl state store" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["almaghrib", "-o", "x.jsonl", "--since", "2025-13-01"], "--since takes a calendar day as YYYY-MM-DD"),
    (["almaghrib", "-o", "x.jsonl", "--until", "yesterday"], "--until takes a calendar day as YYYY-MM-DD"),
    (["almaghrib", "-o", "x.jsonl", "--since", "20250101"], "--since takes a calendar day"),
    (["almaghrib", "-o", "x.jsonl", "--since", "2025-02-01", "--until", "2025-01-01"], "is after --until"),
    (["almaghrib", "-o", "x.xml"], "cannot tell the format from 'x.xml'"),
    (["almaghrib", "-o", "x.jsonl", "--format", "xml"], "unknown format 'xml': choose one of jsonl, jsonfeed, csv"),
    (["almaghrib", "-o", "x.jsonl", "--bom"], "--bom applies to CSV only"),
    (["-o", "x.jsonl"], "name one site"),
    ([], "name one site"),  # the site is what is missing first, not -o
    (["almaghrib"], "say where to write: -o FILE"),
])
def test_usage_errors(store, args, message):
    workdir, _ = store
    result = export(workdir, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "required" not in result.stderr
    assert not (workdir / "x.jsonl").exists()


def test_unknown_site_lists_the_stored_ones(store):
    workdir, _ = store
    result = export(workdir, "almagrib", "-o", "x.jsonl")
    assert result.returncode == 1
    assert "unknown site 'almagrib'" in result.stderr and "almaghrib (300), arabstoday (40)" in result.stderr


def test_known_spider_without_articles_writes_an_empty_export(store):
    workdir, _ = store
    result = export(workdir, "egypt_today", "-o", "empty.json")
    assert result.returncode == 0, result.stderr
    assert "holds no articles of 'egypt_today'" in result.stderr
    document = json.loads((workdir / "empty.json").read_text("utf-8"))
    validate_json_feed(document)
    assert document["items"] == []


# --- constant memory -----------------------------------------------------------------------------------
def fill(path: Path, count: int) -> None:
    state = CrawlState(path / "state.sqlite")
    for i in range(count):
        published = START + timedelta(minutes=i)
        state.keep(f"k{i}", {"url": f"https://www.almaghribtoday.net/314/{i:06d}-x", "source": "almaghrib",
                             "section": SECTIONS[i % 3], "headline": f"خبر {i}", "body": "فقرة قصيرة\n\nوأخرى",
                             "date_published": published.isoformat(), "tags": ["وسم"], "language": "ar",
                             "extraction": {}})
    state.close()


def run_in_process(state_dir: Path, *argv: str) -> None:
    command = Command()
    command.settings = Settings({"NEWSCRAWL_STATE_DIR": str(state_dir)})
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    opts, args = parser.parse_known_args(list(argv))
    command.process_options(args, opts)
    command.run(args, opts)
    assert command.exitcode == 0


def peak_bytes(state_dir: Path, out: Path, export_format: str) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run_in_process(state_dir, "almaghrib", "-o", str(out), "--format", export_format)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_memory_does_not_grow_with_the_corpus(tmp_path, capsys):
    small, large = tmp_path / "small", tmp_path / "large"
    fill(small, 5_000)
    fill(large, 50_000)
    run_in_process(small, "almaghrib", "-o", str(tmp_path / "warmup.jsonl"))  # imports, caches
    for export_format in ("jsonl", "jsonfeed", "csv"):
        out_small, out_large = tmp_path / f"small.{export_format}", tmp_path / f"large.{export_format}"
        peak_small = peak_bytes(small, out_small, export_format)
        peak_large = peak_bytes(large, out_large, export_format)
        size_large = out_large.stat().st_size
        # Ten times the articles, about the same peak; a fraction of what holding them would take.
        assert peak_large < 1.5 * peak_small + 256 * 1024, (export_format, peak_small, peak_large)
        assert peak_large < size_large / 10, (export_format, peak_large, size_large)
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("50000 articles written to") and lines[-1].endswith("(csv)")
    with open(tmp_path / "large.csv", encoding="utf-8", newline="") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == 50_000
    assert not [p for p in os.listdir(tmp_path) if ".part-" in p]  # temporary files moved into place


# --- one CSV layout: `scrapy crawl -O x.csv` and `scrapy export -o x.csv` -----------------------------------
def test_crawl_csv_and_export_csv_are_one_layout(tmp_path):
    """The same crawl written two ways: by the crawl itself (-O crawl.csv) and, afterwards, by
    `scrapy export` from the state store that crawl filled. Same header, same rows."""
    from newscrawl.mirror.content import MirrorSite
    from newscrawl.mirror.server import MirrorServer

    with MirrorServer(MirrorSite(articles=30)) as server:
        crawled = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={server.base_url}", "-O", "crawl.csv",
                              "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    exported = export(tmp_path, "almaghrib", "-o", "export.csv")
    assert exported.returncode == 0, exported.stderr

    def rows(name: str) -> tuple[list[str], list[list[str]]]:
        raw = (tmp_path / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM unless asked for
        assert raw.count(b"\r\n") >= raw.count(b"\n") - raw.count(b"\n\n") * 2 > 0  # CRLF row ends
        header, *body = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        return header, sorted(body)

    crawl_header, crawl_rows = rows("crawl.csv")
    export_header, export_rows = rows("export.csv")
    assert crawl_header == export_header == list(ARTICLE_FIELDS)
    assert len(crawl_rows) >= 20
    assert crawl_rows == export_rows
    # the layout itself: tags joined with "; ", provenance as field=step, an empty cell for None
    articles = [read_csv_article(dict(zip(crawl_header, row))) for row in crawl_rows]
    tagged = next(a for a in articles if len(a["tags"]) > 1)
    assert all(tag and "," not in tag for tag in tagged["tags"])
    assert all("{" not in row[crawl_header.index("extraction")] for row in crawl_rows)
    assert articles[0]["extraction"]["headline"] == "selectors"
    assert any(a["author"] is None for a in articles)  # unsigned stories: empty cell, not "None"
    assert "None" not in {cell for row in crawl_rows for cell in row}


@pytest.mark.parametrize("output", ["afile/out.jsonl", "adir"])
def test_an_output_that_cannot_be_written_is_one_line(store, output):
    workdir, _ = store
    (workdir / "afile").write_text("x")
    (workdir / "adir").mkdir(exist_ok=True)
    result = export(workdir, "almaghrib", "-o", output, "--format", "jsonl")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"cannot write {output}" in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_a_killed_exports_leftover_is_removed_by_the_next(store):
    workdir, stored = store
    leftover = workdir / ".again.jsonl.part-999999"  # no such process: killed long ago
    leftover.write_text("half an export")
    result = export(workdir, "almaghrib", "-o", "again.jsonl")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not leftover.exists()
    assert len(read_jsonl(workdir / "again.jsonl")) == len(stored["almaghrib"])


def test_an_unknown_section_is_named_with_the_stored_ones(store):
    workdir, _ = store
    result = export(workdir, "almaghrib", "--section", "أخبار عالميه", "-o", "typo.jsonl")  # ة typed as ه
    assert result.returncode == 0, result.stderr
    assert "0 articles written" in result.stderr
    assert "no stored article has the section 'أخبار عالميه' (did you mean 'أخبار عالمية'" in result.stderr
    assert "أخبار عالمية (100)" in result.stderr and "الأخبار الرياضية (100)" in result.stderr
    # A known section that the other filters empty is no typo: nothing to warn about.
    result = export(workdir, "almaghrib", "--section", SECTIONS[0], "--since", "2030-01-01", "-o", "later.jsonl")
    assert result.returncode == 0 and "0 articles written" in result.stderr
    assert "warning" not in result.stderr
