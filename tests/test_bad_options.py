"""A bad spider option is one line and exit status 2, before anything is fetched or written."""

from __future__ import annotations

import json

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
    ("almaghrib", "max_page=5", "almaghrib has no option max_page; its options are: base_url, max_pages,"),
    ("news", "start=http://127.0.0.1:9/ -a bogus=1", "news has no option bogus; its options are:"),
    ("almaghrib", "refresh=2", "refresh takes 1 or 0, got '2'"),
])
def test_bad_option_is_one_clear_line(tmp_path, spider, option, message):
    options = [part for chunk in option.split(" -a ") for part in ("-a", chunk)]
    result = run_scrapy(["crawl", spider, *options, "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "usage:" not in result.stderr.lower(), result.stderr[-2000:]  # no argparse usage block
    assert not (tmp_path / "state").exists() and not (tmp_path / "feeds").exists()


def _one_error_line(result, message: str) -> None:
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command, message", [
    (["crawl", "nosuch"], "no spider named 'nosuch'; the spiders are: almaghrib, "),
    (["demo", "--spider", "nosuch"], "no spider named 'nosuch'; the spiders are: almaghrib, "),
    (["demo", "-a", "max_pages=-1"], "max_pages must be 0 (no limit) or more"),
    (["demo", "-a", "max_pages=abc"], "max_pages must be an integer, got 'abc'"),
    (["demo", "--spider", "almaghrib", "--site", "arabstoday"], "--site arabstoday is not the site of spider"),
    (["demo", "--spider", "news", "-a", "start=notaurl"], "not an http(s) URL: 'notaurl'"),
    (["parse", "http://127.0.0.1:9/a-page"], "no spider is for 127.0.0.1; name one with --spider"),
    (["parse", "--spider", "nosuch", "http://127.0.0.1:9/a-page"], "no spider named 'nosuch'"),
    (["parse", "--spider", "almaghrib", "-a", "max_pages=abc", "http://127.0.0.1:9/a-page"],
     "max_pages must be an integer, got 'abc'"),
    # unknown options and stray arguments, and argparse's own complaints: one line, no usage block
    (["crawl"], "name the spider to run"),
    (["crawl", "almaghrib", "--bogus"], "unexpected argument(s): --bogus"),
    (["demo", "--bogus"], "unexpected argument(s): --bogus"),
    (["demo", "--articles", "abc"], "argument --articles: invalid int value: 'abc'"),
    (["mirror", "--port", "0", "--bogus"], "unexpected argument(s): --bogus"),
    (["export", "almaghrib", "-o", "-", "--bogus"], "unexpected argument(s): --bogus"),
    (["export", "almaghrib", "-o", "x.xml"], "cannot tell the format from 'x.xml'"),
    (["reextract", "almaghrib", "-o", "x.jsonl", "--since", "notaday"], "--since"),
    (["ccnews", "almaghrib", "--from", "2019-13", "--to", "2019-06"], "--from"),
])
def test_bad_invocation_of_any_command_is_one_clear_line(tmp_path, command, message):
    result = run_scrapy(command, cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    _one_error_line(result, message)
    assert not result.stdout.strip()  # nothing started: no mirror line, no summary
    assert not any(tmp_path.iterdir())


def test_a_crawl_that_did_not_start_leaves_a_report_that_says_so(tmp_path):
    """A scheduler (Scrapyd, cron) reads the report: the previous run's "passed" must not stand
    for a run that never started."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "almaghrib.json").write_text('{"spider": "almaghrib", "passed": true}', encoding="utf-8")
    result = run_scrapy(["crawl", "almaghrib", "-a", "max_pages=abc", "-s", "LOG_FILE=crawl.log"], cwd=tmp_path,
                        timeout=60)
    assert result.returncode == 2
    _one_error_line(result, "max_pages must be an integer, got 'abc'")
    report = json.loads((reports / "almaghrib.json").read_text("utf-8"))
    assert report["passed"] is False and report["finish_reason"] == "not_started"
    assert report["error"] == "max_pages must be an integer, got 'abc'"
    assert "ERROR: max_pages must be an integer, got 'abc'" in (tmp_path / "crawl.log").read_text("utf-8")


@pytest.mark.parametrize("setting, message", [
    ("NEWSCRAWL_FEED_SIZE=abc", "NEWSCRAWL_FEED_SIZE must be an integer, got 'abc'"),
    ("NEWSCRAWL_ARCHIVE_MAX_SIZE=abc", "NEWSCRAWL_ARCHIVE_MAX_SIZE must be a number, got 'abc'"),
    ("NEWSCRAWL_FEED_SIZE=-5", "NEWSCRAWL_FEED_SIZE must not be negative"),
    # (it wrote an empty rolling feed every run)
    ("NEWSCRAWL_FEED_SIZE=0", 'NEWSCRAWL_FEED_SIZE must be at least 1, got \'0\' (NEWSCRAWL_ROLLING_FEED="" turns the '
                              "rolling feed off)"),
    # (a traceback from the progress extension, adversary round 8)
    ("NEWSCRAWL_PROGRESS_BAR=maybe", "NEWSCRAWL_PROGRESS_BAR must be auto, on or off, got 'maybe'"),
    # (a KeyError in a signal handler, and no stats file: adversary round 13)
    ("NEWSCRAWL_STATS_FILE=stats/%(when)s.json", "NEWSCRAWL_STATS_FILE may hold %(name)s and %(time)s only"),
])
def test_a_numeric_setting_that_is_no_number_is_one_line_before_the_crawl_starts(tmp_path, setting, message):
    """They raised inside a component after start-up: a traceback, and no "not started" report."""
    result = run_scrapy(["crawl", "almaghrib", "-s", setting], cwd=tmp_path, timeout=60)
    assert result.returncode != 0
    _one_error_line(result, message)
    assert not (tmp_path / "feeds").exists() and not (tmp_path / "state").exists()
    report = json.loads((tmp_path / "reports" / "almaghrib.json").read_text("utf-8"))
    assert report["finish_reason"] == "not_started"


@pytest.mark.parametrize("value, wanted", [("off", False), ("OFF", False), ("no", False), ("0", False), ("False", False),
                                           ("on", True), ("auto", True), ("", True), ("1", True), (True, True),
                                           (False, False)])
def test_progress_bar_takes_the_usual_spellings(value, wanted):
    from newscrawl.progress import progress_bar_setting

    assert progress_bar_setting(value) is wanted


def test_the_stats_file_takes_the_runs_time_as_the_feeds_do(tmp_path):
    result = run_scrapy(["crawl", "almaghrib", "-a", "base_url=http://127.0.0.1:1", "-s",
                         "NEWSCRAWL_STATS_FILE=stats/%(name)s-%(time)s.json", "-s", "NEWSCRAWL_STATE_DIR=state"],
                        cwd=tmp_path, timeout=120)
    written = list((tmp_path / "stats").glob("almaghrib-*.json"))
    assert len(written) == 1, result.stderr[-2000:]
    assert json.loads(written[0].read_text("utf-8"))["finish_reason"]
    assert written[0].name[len("almaghrib-"):].startswith(str(__import__("datetime").date.today().year))
