"""``scrapy demo`` and ``scrapy mirror`` from outside the checkout, as an installed user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

from tests.conftest import run_scrapy


def test_demo_crawls_the_mirror_and_summarises(tmp_path):
    result = run_scrapy(["demo", "--articles", "40", "--output", "demo"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "newscrawl demo summary" in out
    counts = {line.split("  ")[1].strip(): line.split()[-1] for line in out.splitlines() if line.startswith("  ")}
    feeds = list((tmp_path / "demo" / "feeds" / "almaghrib").glob("*[0-9].jsonl"))
    assert len(feeds) == 1 and str(feeds[0].resolve()) in out
    items = [json.loads(line) for line in feeds[0].read_text("utf-8").splitlines()]
    assert int(counts["articles in feed"]) == len(items) > 30
    assert "\\u" not in feeds[0].read_text("utf-8")  # Arabic is written as UTF-8, not escaped
    assert "duplicates dropped" in out and "dates parsed" in out


def test_demo_twice_starts_fresh_each_time(tmp_path):
    first = run_scrapy(["demo", "--articles", "20"], cwd=tmp_path)
    second = run_scrapy(["demo", "--articles", "20"], cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    line = [l for l in second.stdout.splitlines() if "articles in feed" in l][0]
    assert int(line.split()[-1]) > 10
    assert not any(tmp_path.iterdir())  # without --output nothing is left where it ran


def test_mirror_command_serves_until_stopped(tmp_path):
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}
    process = subprocess.Popen([sys.executable, "-m", "scrapy", "mirror", "--port", "0", "--articles", "50"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert "Serving a mirror of almaghribtoday.net (50 articles) at" in first, first
        base = first.rsplit(" at ", 1)[1].strip().rstrip("/")
        with urllib.request.urlopen(base + "/rss", timeout=10) as response:
            assert response.status == 200 and b"<rss" in response.read()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_mirror_rejects_a_bad_size(tmp_path):
    result = run_scrapy(["mirror", "--articles", "0"], cwd=tmp_path)
    assert result.returncode != 0
    assert "--articles must be between" in result.stderr + result.stdout


def test_list_shows_the_spider_from_any_directory(tmp_path):
    result = run_scrapy(["list"], cwd=tmp_path)
    assert result.returncode == 0 and "almaghrib" in result.stdout.split()
