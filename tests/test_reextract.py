"""``scrapy reextract``: real commands over the archive a real crawl of the mirror wrote."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from tests.conftest import crawl, run_scrapy

# A fix under trial, as a user writes one: a page class in their own module, named with --page.
TRIAL_PAGE = '''
from web_poet import field

from newscrawl.extraction.page import Found
from newscrawl.sites.network_page import NetworkArticlePage


class NoLocation(NetworkArticlePage):
    """Reads every field as today, except the dateline's place: never found."""

    @field(cached=True)
    def location(self) -> Found:
        return Found()
'''


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    work = tmp_path_factory.mktemp("reextract")
    with MirrorServer(MirrorSite(articles=40)) as server:
        items, _, _ = crawl(server.base_url, work)
    (work / "trial_page.py").write_text(TRIAL_PAGE, encoding="utf-8")
    return work, items


def reextract(work: Path, *args: str):
    return run_scrapy(["reextract", "almaghrib", "-s", "NEWSCRAWL_STATE_DIR=state", *args], cwd=work,
                      env={"PYTHONPATH": str(work)})


def stored(work: Path) -> dict[str, dict]:
    db = sqlite3.connect(work / "state" / "state.sqlite")
    try:
        return {json.loads(item)["url"]: json.loads(item) for (item,) in db.execute("SELECT item FROM articles")}
    finally:
        db.close()


def test_unchanged_extraction_reports_no_change(crawled):
    work, items = crawled
    result = reextract(work, "-o", "same.jsonl")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((work / "same.jsonl.report.json").read_text("utf-8"))
    assert report["kept_in_range"] == report["reextracted"] == report["unchanged"] == len(items)
    assert report["fields"] == {}
    assert "0 changed" in result.stdout
    new = {i["url"]: i for i in map(json.loads, (work / "same.jsonl").read_text("utf-8").splitlines())}
    assert new.keys() == {i["url"] for i in items}


def test_a_changed_field_is_reported_and_only_it(crawled):
    work, items = crawled
    with_location = [i for i in items if i.get("location")]
    assert 0 < len(with_location) < len(items) + 1
    result = reextract(work, "-o", "trial.jsonl", "--page", "trial_page:NoLocation")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((work / "trial.jsonl.report.json").read_text("utf-8"))
    assert list(report["fields"]) == ["location"]
    assert report["fields"]["location"]["changed"] == len(with_location)
    assert report["changed"] == len(with_location)
    example = report["fields"]["location"]["examples"][0]
    kept = {i["url"]: i for i in items}
    assert example["old"] == kept[example["url"]]["location"] and example["new"] is None
    assert len(report["fields"]["location"]["examples"]) == 3
    assert f"location: {len(with_location)} changed" in result.stdout
    new = list(map(json.loads, (work / "trial.jsonl").read_text("utf-8").splitlines()))
    assert len(new) == len(items) and all(i["location"] is None for i in new)
    assert all(i["headline"] == kept[i["url"]]["headline"] for i in new)
    # Without --update the store keeps what the crawl kept.
    assert all(stored(work)[url]["location"] == item["location"] for url, item in kept.items())


def test_since_until_limit_the_articles(crawled):
    work, items = crawled
    days = sorted(i["date_published"][:10] for i in items)
    since, until = days[len(days) // 4], days[3 * len(days) // 4]
    result = reextract(work, "-o", "range.jsonl", "--since", since, "--until", until)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((work / "range.jsonl.report.json").read_text("utf-8"))
    expected = sum(since <= d <= until for d in days)
    assert report["kept_in_range"] == report["reextracted"] == expected < len(items)


def test_update_replaces_the_kept_articles(tmp_path):
    with MirrorServer(MirrorSite(articles=15)) as server:
        items, _, _ = crawl(server.base_url, tmp_path)
    (tmp_path / "trial_page.py").write_text(TRIAL_PAGE, encoding="utf-8")
    result = reextract(tmp_path, "-o", "trial.jsonl", "--page", "trial_page:NoLocation", "--update")
    assert result.returncode == 0, result.stderr[-2000:]
    changed = sum(bool(i.get("location")) for i in items)
    assert f"{changed} updated in the state store" in result.stdout
    assert all(item["location"] is None for item in stored(tmp_path).values())
    # Today's extraction again: the store now differs from it in exactly that field.
    again = reextract(tmp_path, "-o", "back.jsonl")
    report = json.loads((tmp_path / "back.jsonl.report.json").read_text("utf-8"))
    assert list(report["fields"]) == ["location"] and report["fields"]["location"]["changed"] == changed


def test_errors_are_one_line(tmp_path):
    result = run_scrapy(["reextract", "almaghrib", "-o", "x.jsonl"], cwd=tmp_path)
    assert result.returncode == 2
    assert "no WARC file matches" in result.stderr and "Traceback" not in result.stderr
    result = run_scrapy(["reextract", "almaghrib", "-o", "x.jsonl", "--page", "nowhere:Page"], cwd=tmp_path)
    assert result.returncode == 2 and "--page 'nowhere:Page' names no class" in result.stderr


def test_a_sibling_sites_page_at_the_same_path_is_not_the_kept_articles(crawled, tmp_path):
    """A network spider's key is the site and the path; CC-NEWS files (and any shared archive)
    hold the siblings' pages too, and they share paths. Only a page fetched from the article's
    own host is its copy: the sibling's is counted and skipped, never written into the store."""
    work, items = crawled
    sibling = MirrorSite(articles=40, site_key="arabstoday")
    with MirrorServer(sibling) as server:
        crawl(server.base_url, tmp_path / "sibling", spider="arabstoday")
    sibling_archives = sorted((tmp_path / "sibling" / "archive").rglob("*.warc.gz"))
    own_archives = sorted((work / "archive").rglob("*.warc.gz"))
    assert sibling_archives and own_archives
    result = reextract(work, "-o", "mixed.jsonl", "--update",
                       "--warc", ",".join(str(p) for p in [*sibling_archives, *own_archives]))
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((work / "mixed.jsonl.report.json").read_text("utf-8"))
    assert report["other_hosts"] >= 1, report
    assert report.get("changed", 0) == 0 and report["unchanged"] == len(items), report
    assert all("arabstoday" not in json.dumps(item, ensure_ascii=False).lower() for item in stored(work).values())


@pytest.mark.parametrize("args", [["-o", "afile/r.jsonl"], ["-o", "adir"], ["-o", "r.jsonl", "--report", "afile/r.json"]])
def test_an_output_that_cannot_be_written_is_one_line(crawled, args):
    work, _ = crawled
    (work / "afile").write_text("x")
    (work / "adir").mkdir(exist_ok=True)
    (work / ".r.jsonl.part-999999").write_text("left by a killed run")
    result = reextract(work, *args)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot write" in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    if args[1] == "r.jsonl":
        assert not (work / ".r.jsonl.part-999999").exists(), "a killed run's leftover is removed"


def test_stdout_is_refused_in_one_line(tmp_path):
    result = run_scrapy(["reextract", "almaghrib", "-o", "-"], cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not stdout: name the file with -o FILE.jsonl" in result.stderr
    assert not (tmp_path / "-").exists() and not (tmp_path / "-.report.json").exists()
