"""A bad spider option is one line and exit status 2, before anything is fetched or written."""

from __future__ import annotations

import pytest

from tests.conftest import run_scrapy


@pytest.mark.parametrize("spider, option, message", [
    ("almaghrib", "max_pages=abc", "max_pages must be an integer, got 'abc'"),
    ("almaghrib", "max_pages=-1", "max_pages must be 0 (no limit) or more"),
    ("almaghrib", "urls_file=/nonexistent/urls.txt", "cannot read urls_file /nonexistent/urls.txt"),
    ("almaghrib", "base_url=notaurl", "base_url must be an http(s) URL"),
    ("almaghrib", "urls=notaurl", "not an http(s) URL: 'notaurl'"),
    ("news", "start=notaurl", "not an http(s) URL: 'notaurl'"),
    ("news", "start=http://127.0.0.1:9/ -a max_depth=x", "max_depth must be an integer"),
])
def test_bad_option_is_one_clear_line(tmp_path, spider, option, message):
    options = [part for chunk in option.split(" -a ") for part in ("-a", chunk)]
    result = run_scrapy(["crawl", spider, *options, "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "state").exists() and not (tmp_path / "feeds").exists()
