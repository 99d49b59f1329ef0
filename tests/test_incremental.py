"""Scheduled crawls that fetch only what is new, and resume after SIGKILL without loss or repeats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.state import CrawlState
from tests.conftest import crawl, story_counts

SIZE = dict(articles=60, per_page=4)


def feed_items(workdir: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((workdir / "feeds" / "almaghrib").glob("*[0-9].jsonl"))
            for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_second_crawl_fetches_no_article_and_then_only_the_new_ones(tmp_path):
    work = tmp_path / "work"
    site = MirrorSite(**SIZE)
    with MirrorServer(site) as server:
        first, stats1, _ = crawl(server.base_url, work)
        assert stats1["newscrawl/requests/article"] >= len(site.expected_stories())
        (work / "feeds" / "almaghrib").rename(work / "feeds" / "run1")
        _, stats2, log2 = crawl(server.base_url, work)
    # An unchanged site: no article page requested but the few the first run could not settle
    # (the mirror's story that always answers 500, its empty page); the feeds answered 304.
    # (and its soft 404, a story URL serving a section front, read once more before it is settled;
    # and its deleted story: one 404 is no proof, it is asked again until it answered so three times).
    assert stats2.get("newscrawl/requests/article", 0) == stats2.get("newscrawl/resume/open_pages", 0) <= 4
    assert stats2.get("item_scraped_count", 0) == 0
    assert stats2["newscrawl/incremental/skipped_known"] > 0
    assert stats2["newscrawl/incremental/listing_stop"] >= 1  # older listing pages not even fetched
    assert stats2["newscrawl/incremental/feed_not_modified"] >= 2
    assert stats2["newscrawl/incremental/requests_saved"] == (
        stats2["newscrawl/incremental/skipped_known"] + stats2["newscrawl/incremental/listing_stop"]
        + stats2["newscrawl/incremental/feed_not_modified"])
    assert stats2["downloader/request_count"] < stats1["downloader/request_count"] / 2
    assert stats2["newscrawl/monitors/failed"] == 0  # nothing new is no alarm: all was known

    # nothing new, no per-run files: no empty .jsonl, no empty JSON Feed; the rolling feed stays
    assert not (work / "feeds" / "almaghrib").exists()
    assert "Stored jsonlines feed" not in log2 and "Stored jsonfeed feed" not in log2
    assert json.loads((work / "feeds" / "almaghrib.json").read_text("utf-8"))["items"]
    grown = MirrorSite(**SIZE, new_articles=3)  # the same site, three stories later
    new = set(grown.expected_stories()) - set(site.expected_stories())
    assert len(new) == 3
    with MirrorServer(grown) as server:
        third, stats3, _ = crawl(server.base_url, work)
    assert stats3["newscrawl/requests/article"] == 3
    assert {i["headline"] for i in third} == new
    assert stats3["newscrawl/incremental/listing_stop"] >= 1  # "more" pages not followed once all known


def test_refresh_fetches_kept_pages_again(tmp_path):
    site = MirrorSite(articles=20)
    with MirrorServer(site) as server:
        crawl(server.base_url, tmp_path / "w")
        _, stats, _ = crawl(server.base_url, tmp_path / "w", "-a", "refresh=1")
    assert stats["newscrawl/requests/article"] >= len(site.expected_stories())


def test_rolling_feed_holds_the_newest_of_both_runs(tmp_path):
    work = tmp_path / "work"
    with MirrorServer(MirrorSite(**SIZE)) as server:
        crawl(server.base_url, work, "-s", "NEWSCRAWL_FEED_SIZE=5")
    with MirrorServer(MirrorSite(**SIZE, new_articles=3)) as server:
        crawl(server.base_url, work, "-s", "NEWSCRAWL_FEED_SIZE=5")
    rolling = json.loads((work / "feeds" / "almaghrib.json").read_text("utf-8"))
    assert rolling["version"] == "https://jsonfeed.org/version/1.1"
    dates = [i["date_published"] for i in rolling["items"]]
    assert len(dates) == 5 and dates == sorted(dates, reverse=True)
    newest = {a.headline for a in MirrorSite(**SIZE, new_articles=3).latest(3)} - {a.headline for a in MirrorSite(**SIZE).latest(0)}
    assert {i["title"] for i in rolling["items"]} & newest  # the second run's stories are on top
    first_run = {a.headline for a in MirrorSite(**SIZE).latest(8)}
    assert {i["title"] for i in rolling["items"]} & first_run  # and the first run's newest follow


def test_sigkill_and_resume_with_jobdir_loses_nothing_and_repeats_nothing(tmp_path):
    site = MirrorSite(articles=300)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}
    with MirrorServer(site) as server:
        args = [sys.executable, "-m", "scrapy", "crawl", "almaghrib", "-a", f"base_url={server.base_url}",
                "-s", "JOBDIR=job", "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "CONCURRENT_REQUESTS=4",
                "-s", "DOWNLOAD_DELAY=0.02", "-s", "NEWSCRAWL_STATS_FILE=stats.json"]
        process = subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:  # wait until a good share of the articles is out, then kill
            written = sum(p.read_bytes().count(b"\n") for p in (work / "feeds" / "almaghrib").glob("*[0-9].jsonl"))
            if written >= 60:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = feed_items(work)  # complete lines: an unbuffered write is all or nothing
        assert 60 <= len(killed) < len(site.expected_stories()), "the kill must land mid-crawl"
        resumed = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        (work / "resumed.log").write_text(resumed.stderr, encoding="utf-8")
    items = feed_items(work)
    counts = story_counts(items, site)
    assert not [s for s, n in counts.items() if n > 1], "an article was written twice across the two runs"
    assert counts == {story: 1 for story in site.expected_stories()}, "an article was lost"
    state = CrawlState(work / "state" / "state.sqlite")
    assert state.count_articles("almaghrib") == len(items)
    state.close()


def test_two_spiders_share_one_state_directory_at_the_same_time(tmp_path):
    """Cron lines or Scrapyd jobs for two sites may overlap; they share the state files."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}
    with MirrorServer(MirrorSite(articles=150)) as one, \
            MirrorServer(MirrorSite(articles=150, site_key="arabstoday")) as two:
        runs = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"base_url={server.base_url}",
                                  "-s", f"NEWSCRAWL_STATE_DIR={tmp_path / 'state'}", "-s", "DOWNLOAD_DELAY=0.01",
                                  "-s", f"NEWSCRAWL_STATS_FILE={tmp_path / spider}.json"],
                                 cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                 stderr=(tmp_path / f"{spider}.log").open("w"))
                for spider, server in (("almaghrib", one), ("arabstoday", two))]
        codes = [run.wait(timeout=300) for run in runs]
        logs = {s: (tmp_path / f"{s}.log").read_text("utf-8")[-3000:] for s in ("almaghrib", "arabstoday")}
        assert codes == [0, 0], logs
    for spider in ("almaghrib", "arabstoday"):
        stats = json.loads((tmp_path / f"{spider}.json").read_text("utf-8"))
        assert stats["finish_reason"] == "finished"
        assert stats["newscrawl/monitors/failed"] == 0, spider  # no "database is locked" errors
        assert stats["item_scraped_count"] > 100
