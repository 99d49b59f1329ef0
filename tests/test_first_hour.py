"""What a newcomer runs first (``scrapy demo``, ``scrapy parse URL``) cannot hurt a production
directory, and does what it says: real commands in subprocesses, a real mirror, real crawls."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.sites import NETWORK_SITES
from tests.conftest import run_scrapy


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under *root*: its bytes and modification time (ns)."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def site_mirror():
    with MirrorServer(MirrorSite(articles=30)) as server:
        yield server


@pytest.fixture(scope="module")
def production(site_mirror, tmp_path_factory) -> Path:
    """A directory a scheduled crawl works in, with the project's default paths: rolling and
    per-run feeds, the monitor report, the state store."""
    work = tmp_path_factory.mktemp("production")
    result = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={site_mirror.base_url}"], cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    for path in ("feeds/almaghrib.json", "reports/almaghrib.json", ".newscrawl/state.sqlite",
                 ".newscrawl/titles.sqlite"):
        assert (work / path).is_file(), path
    assert list((work / "feeds" / "almaghrib").glob("*.jsonl"))
    return work


def kept_article_url(production: Path) -> str:
    items = json.loads((production / "feeds" / "almaghrib.json").read_text("utf-8"))["items"]
    return items[0]["url"]


def private_tmp(tmp_path: Path) -> tuple[Path, dict]:
    """A TMPDIR of the test's own, to see what a command leaves in it."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    return tmp, {"TMPDIR": str(tmp)}


def test_demo_and_parse_leave_a_production_directory_untouched(production, site_mirror, tmp_path):
    before = snapshot(production)
    tmp, env = private_tmp(tmp_path)

    demo = run_scrapy(["demo", "--articles", "20"], cwd=production, env=env)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "newscrawl demo summary" in demo.stdout

    url = kept_article_url(production)  # kept by the production crawl: parse prints it all the same
    parsed = tmp_path / "parsed.jsonl"
    parse = run_scrapy(["parse", "--spider", "almaghrib", "--nocolour", url, "-o", str(parsed)], cwd=production, env=env)
    assert parse.returncode == 0, parse.stderr[-3000:]
    headline = json.loads((production / "feeds" / "almaghrib.json").read_text("utf-8"))["items"][0]["title"]
    assert "'headline':" in parse.stdout
    assert [json.loads(line)["headline"] for line in parsed.read_text("utf-8").splitlines()] == [headline]

    after = snapshot(production)
    assert after.keys() == before.keys(), f"files added or removed: {after.keys() ^ before.keys()}"
    changed = [path for path in before if before[path] != after[path]]
    assert not changed, f"changed: {changed}"
    assert not list(tmp.iterdir()), f"left behind in TMPDIR: {list(tmp.iterdir())}"


def test_demo_leaves_the_absolute_paths_of_a_production_settings_module_untouched(tmp_path):
    """A settings module naming absolute feed, state, report and log paths (as a server's does):
    the demo, run from anywhere with that module, writes none of them."""
    prod = tmp_path / "srv"
    prod.mkdir()
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "prodsettings.py").write_text(
        "from newscrawl.settings import *\n"
        f"NEWSCRAWL_STATE_DIR = {str(prod / 'state')!r}\n"
        f"FEEDS = {{{str(prod / 'feeds/%(name)s/%(time)s.jsonl')!r}: {{'format': 'jsonlines'}}}}\n"
        f"NEWSCRAWL_ROLLING_FEED = {str(prod / 'feeds/%(name)s.json')!r}\n"
        f"NEWSCRAWL_DUPLICATES_FEED = {str(prod / 'feeds/%(name)s/%(time)s.duplicates.jsonl')!r}\n"
        f"NEWSCRAWL_MONITOR_REPORT = {str(prod / 'reports/%(name)s.json')!r}\n"
        f"NEWSCRAWL_STATS_FILE = {str(prod / 'stats/%(name)s.json')!r}\n"
        f"JOBDIR = {str(prod / 'job')!r}\n"
        f"LOG_FILE = {str(prod / 'crawl.log')!r}\n",
        encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tmp, env = private_tmp(tmp_path)
    env.update(SCRAPY_SETTINGS_MODULE="prodsettings", PYTHONPATH=str(package))
    result = run_scrapy(["demo", "--articles", "15"], cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "articles in feed" in result.stdout
    assert not any(prod.iterdir()), sorted(str(p) for p in prod.rglob("*"))
    assert not any(elsewhere.iterdir()) and not any(tmp.iterdir())


def test_demo_output_keeps_feeds_report_and_state_where_asked(tmp_path):
    result = run_scrapy(["demo", "--articles", "20", "--output", "out"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = (tmp_path / "out").resolve()
    runs = list((out / "feeds" / "almaghrib").glob("*[0-9].jsonl"))
    assert len(runs) == 1 and f"feed                 {runs[0]}" in result.stdout
    items = [json.loads(line) for line in runs[0].read_text("utf-8").splitlines()]
    shown = re.search(r"articles in feed\s+(\d+)", result.stdout)
    assert shown and int(shown[1]) == len(items) > 10
    report = out / "reports" / "almaghrib.json"
    assert json.loads(report.read_text("utf-8"))["passed"] is True and str(report) in result.stdout
    assert (out / "state" / "state.sqlite").is_file() and (out / "feeds" / "almaghrib.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_demo_output_refuses_a_directory_with_files(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "feed.json").write_text("{}", encoding="utf-8")
    result = run_scrapy(["demo", "--output", "out"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("Error: --output out must be a new or empty directory, so that nothing in it "
                                     "is overwritten")
    assert (tmp_path / "out" / "feed.json").read_text("utf-8") == "{}"


def test_demo_runs_outside_a_project(tmp_path):
    """No scrapy.cfg, no SCRAPY_SETTINGS_MODULE: the demo still knows its spiders."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-m", "scrapy", "demo", "--articles", "10"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "newscrawl demo summary" in result.stdout and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())


def test_demo_says_when_max_pages_cut_the_listings_short(tmp_path):
    limited = run_scrapy(["demo", "--articles", "300", "-a", "max_pages=1"], cwd=tmp_path)
    assert limited.returncode == 0, limited.stderr[-3000:]
    note = [line for line in limited.stdout.splitlines() if line.startswith("Note: max_pages=1")]
    assert len(note) == 1 and "-a max_pages=0" in note[0], limited.stdout
    found = int(re.search(r"articles in feed\s+(\d+)", limited.stdout)[1])
    assert f"{found} of the mirror's 300 articles" in note[0]

    unlimited = run_scrapy(["demo", "--articles", "300", "-a", "max_pages=0"], cwd=tmp_path)
    assert unlimited.returncode == 0, unlimited.stderr[-3000:]
    assert "max_pages" not in unlimited.stdout
    assert int(re.search(r"articles in feed\s+(\d+)", unlimited.stdout)[1]) > found


def _deliberate_failures(site_key: str, articles: int) -> set[str]:
    """Paths the mirror fails on purpose: a deleted story (404) and a server error (500)."""
    site = MirrorSite(articles=articles, site_key=site_key)
    return {article.path for article in site.iter_all() if article.flaw in ("dead_link", "server_error")}


def _demo(spider: str, tmp_path: Path):
    result = run_scrapy(["demo", "--spider", spider, "--articles", "30"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.parametrize("spider", [*sorted(NETWORK_SITES), "news"])
def test_every_demo_passes_its_own_monitors(spider, tmp_path):
    result = _demo(spider, tmp_path)
    assert re.search(r"monitors\s+6 passed, 0 failed", result.stdout), result.stdout + result.stderr[-3000:]
    assert int(re.search(r"articles in feed\s+(\d+)", result.stdout)[1]) > 20
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("spider", [*sorted(NETWORK_SITES), "news"])
def test_every_demo_fails_only_on_the_mirrors_deliberate_bad_input(spider, tmp_path):
    result = _demo(spider, tmp_path)
    failed = {unquote(urlsplit(m[1]).path) for m in re.finditer(r"WARNING: Failed (\S+): ", result.stderr)}
    site_key = spider if spider in NETWORK_SITES else "almaghrib"
    unexpected = failed - _deliberate_failures(site_key, 30)
    assert not unexpected, f"requests that failed though the mirror should serve them: {sorted(unexpected)}"


# --- scrapy parse --------------------------------------------------------------------------------

def _parsed(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "parsed.jsonl").read_text("utf-8").splitlines()]


def test_parse_prints_an_article_with_the_spiders_own_callback(site_mirror, tmp_path):
    site = site_mirror.site
    article = next(a for a in site.iter_all() if a.flaw is None and not a.is_opinion)
    work = tmp_path / "work"
    work.mkdir()
    result = run_scrapy(["parse", "--spider", "almaghrib", "--nocolour", site.url(site_mirror.base_url, article.path),
                         "-o", str(tmp_path / "parsed.jsonl")], cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'source': 'almaghrib'" in result.stdout
    assert [item["headline"] for item in _parsed(tmp_path)] == [article.headline]
    assert "Traceback" not in result.stderr and "Deprecat" not in result.stderr
    assert not any(work.iterdir())


def test_parse_follows_a_listing_like_the_crawl(site_mirror, tmp_path):
    site = site_mirror.site
    section = site.sections[0][0]
    url = site.url(site_mirror.base_url, site.listing_path(section))
    result = run_scrapy(["parse", "--spider", "almaghrib", "--nocolour", "--noitems", url], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    listed = [a for a in site.section_page(section, 1) if a.flaw is None][:3]
    assert listed and all(a.path in unquote(result.stdout) for a in listed), result.stdout[-2000:]


def test_parse_with_the_generic_spider(site_mirror, tmp_path):
    site = site_mirror.site
    article = next(a for a in site.iter_all() if a.flaw is None and not a.is_opinion)
    result = run_scrapy(["parse", "--spider", "news", "--nocolour", site.url(site_mirror.base_url, article.path),
                         "-o", str(tmp_path / "parsed.jsonl")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [(item["headline"], item["source"]) for item in _parsed(tmp_path)] == [(article.headline, "news")]


def test_parse_of_a_missing_page_says_so(site_mirror, tmp_path):
    result = run_scrapy(["parse", "--spider", "almaghrib", f"{site_mirror.base_url}/no/such-page"], cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: nothing parsed from {site_mirror.base_url}/no/such-page: it answered HTTP 404"]
    assert "Traceback" not in result.stderr


def test_parse_with_pipelines_prints_only_what_a_crawl_would_keep(site_mirror, tmp_path):
    site = site_mirror.site
    article = next(a for a in site.iter_all() if a.flaw is None and not a.is_opinion)
    url = site.url(site_mirror.base_url, article.path)
    kept = run_scrapy(["parse", "--spider", "almaghrib", "--nocolour", "--pipelines", url,
                       "-o", str(tmp_path / "parsed.jsonl")], cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr[-3000:]
    assert [item["headline"] for item in _parsed(tmp_path)] == [article.headline]
    (tmp_path / "parsed.jsonl").unlink()
    # Only English articles wanted: the language pipeline drops this Arabic one, as a crawl would.
    dropped = run_scrapy(["parse", "--spider", "almaghrib", "--nocolour", "--pipelines", url,
                          "-s", "NEWSCRAWL_LANGUAGES=en", "-o", str(tmp_path / "parsed.jsonl")], cwd=tmp_path)
    assert dropped.returncode == 0, dropped.stderr[-3000:]
    assert "# Dropped: OtherLanguage" in dropped.stdout
    assert article.headline not in dropped.stdout
    assert not (tmp_path / "parsed.jsonl").exists() or not _parsed(tmp_path)
    assert "Traceback" not in dropped.stderr and "never retrieved" not in dropped.stderr
