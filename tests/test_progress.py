"""Progress a person can see: the formatting, the timed log lines, the live line (TTY only), a real crawl."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import threading

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock

from newscrawl.progress import Progress, format_elapsed, format_progress, progress_counts
from tests.conftest import crawl

EXAMPLE_STATS = {
    "downloader/response_count": 1234,
    "item_scraped_count": 310,
    "newscrawl/dedupe/exact": 3,
    "newscrawl/dedupe/near": 1,
    "newscrawl/fetch/failed/http_404": 1,
    "newscrawl/fetch/failed/http_500": 1,
    "scheduler/enqueued": 100,
    "scheduler/dequeued": 43,
    "newscrawl/pages/not_article": 7,  # not an error, not a duplicate
    "start_time": object(),  # non-numeric values are ignored
}


# --- the pure formatting function -----------------------------------------------------------

def test_format_matches_the_documented_example():
    # 1,234 pages in 15:02 is 82.1/min; 310 items is 20.6/min
    assert format_progress(EXAMPLE_STATS, 902) == (
        "Progress: 1,234 pages (82/min), 310 items (21/min), 4 duplicates, 2 errors, 57 queued, "
        "00:15:02 elapsed")


def test_absent_stats_count_as_zero():
    assert format_progress({}, 0) == (
        "Progress: 0 pages (0/min), 0 items (0/min), 0 duplicates, 0 errors, 0 queued, 00:00:00 elapsed")
    assert progress_counts({"scheduler/dequeued": 5}) == {
        "pages": 0, "items": 0, "duplicates": 0, "errors": 0, "queued": 0, "skipped": 0}


def test_thousands_separators_explicit_rates_and_long_crawls():
    stats = {"downloader/response_count": 1234567, "item_scraped_count": 1000,
             "scheduler/enqueued": 2_000_000, "scheduler/dequeued": 1_000_001,
             "newscrawl/dedupe/near": 12345}
    line = format_progress(stats, 25 * 3600 + 61, page_rate=12345.6, item_rate=0.4)
    assert line == ("Progress: 1,234,567 pages (12,346/min), 1,000 items (0/min), 12,345 duplicates, "
                    "0 errors, 999,999 queued, 25:01:01 elapsed")


def test_average_rates_over_elapsed_time():
    stats = {"downloader/response_count": 600, "item_scraped_count": 90}
    assert "600 pages (120/min), 90 items (18/min)" in format_progress(stats, 300)  # five minutes
    assert "600 pages (36,000/min)" in format_progress(stats, 1)


def test_singular_words_and_known_skips():
    stats = {"downloader/response_count": 1, "item_scraped_count": 1, "newscrawl/dedupe/exact": 1,
             "newscrawl/fetch/failed/timeout": 1, "newscrawl/incremental/skipped_known": 4321}
    assert format_progress(stats, 60) == (
        "Progress: 1 page (1/min), 1 item (1/min), 1 duplicate, 1 error, 0 queued, "
        "4,321 skipped as known, 00:01:00 elapsed")
    assert format_progress(stats, 60, label="Progress (final, finished)").startswith(
        "Progress (final, finished): 1 page")


def test_format_elapsed():
    assert format_elapsed(0) == "00:00:00"
    assert format_elapsed(59.9) == "00:00:59"
    assert format_elapsed(3600 * 100 + 5) == "100:00:05"
    assert format_elapsed(-3) == "00:00:00"


# --- the extension, with a real crawler and a fake clock ------------------------------------

class FakeTTY(io.StringIO):
    """A stream that says it is a terminal (and has no file descriptor)."""

    def isatty(self) -> bool:
        return True


def start(settings: dict | None = None, stream=None):
    crawler = get_crawler(Spider, settings or {})
    clock = Clock()
    extension = Progress.from_crawler(crawler, stream=stream if stream is not None else io.StringIO(),
                                      clock=clock)
    spider = Spider("progress_test")
    crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    return crawler, extension, clock, spider


def close(crawler, spider, reason="finished"):
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason=reason)


def progress_records(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "newscrawl.progress"]


def test_logs_a_line_every_interval_with_measured_rates(caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    crawler, extension, clock, spider = start({"NEWSCRAWL_PROGRESS_INTERVAL": 30})
    assert not extension.bar  # a StringIO is no terminal
    stats = crawler.stats

    clock.advance(29)
    assert progress_records(caplog) == []
    stats.set_value("downloader/response_count", 60)
    stats.set_value("item_scraped_count", 15)
    stats.set_value("scheduler/enqueued", 80)
    stats.set_value("scheduler/dequeued", 61)
    clock.advance(1)
    assert progress_records(caplog) == [
        "Progress: 60 pages (120/min), 15 items (30/min), 0 duplicates, 0 errors, 19 queued, 00:00:30 elapsed"]

    stats.set_value("downloader/response_count", 90)  # 30 more pages in the next 30 s: 60/min
    stats.inc_value("newscrawl/fetch/failed/http_503", 2)
    stats.inc_value("newscrawl/dedupe/exact")
    clock.advance(30)
    assert progress_records(caplog)[-1] == (
        "Progress: 90 pages (60/min), 15 items (0/min), 1 duplicate, 2 errors, 19 queued, 00:01:00 elapsed")

    for _ in range(3):
        clock.advance(30)
    assert len(progress_records(caplog)) == 5

    close(crawler, spider)
    assert clock.getDelayedCalls() == []  # the loop is stopped
    final = progress_records(caplog)[-1]
    assert final == ("Progress (final, finished): 90 pages (36/min), 15 items (6/min), 1 duplicate, "
                     "2 errors, 19 queued, 00:02:30 elapsed")
    clock.advance(600)
    assert len(progress_records(caplog)) == 6


def test_interval_is_a_typed_setting(caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    crawler, extension, clock, spider = start({"NEWSCRAWL_PROGRESS_INTERVAL": "2.5"})  # as -s gives it
    for _ in range(4):
        clock.advance(2.5)
    assert len(progress_records(caplog)) == 4
    close(crawler, spider)


def test_default_interval_is_30_seconds(caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    crawler, extension, clock, spider = start()
    assert extension.interval == 30
    clock.advance(29.9)
    assert progress_records(caplog) == []
    clock.advance(0.1)
    assert len(progress_records(caplog)) == 1
    close(crawler, spider)


@pytest.mark.parametrize("bar", [False, "False", "0", "auto", True])
def test_not_configured_when_both_are_off(bar):
    # interval 0 and no terminal: nothing to do, whatever NEWSCRAWL_PROGRESS_BAR says
    crawler = get_crawler(Spider, {"NEWSCRAWL_PROGRESS_INTERVAL": 0, "NEWSCRAWL_PROGRESS_BAR": bar})
    with pytest.raises(NotConfigured):
        Progress.from_crawler(crawler, stream=io.StringIO(), clock=Clock())


def test_not_configured_when_bar_off_on_a_terminal():
    crawler = get_crawler(Spider, {"NEWSCRAWL_PROGRESS_INTERVAL": "0", "NEWSCRAWL_PROGRESS_BAR": "false"})
    with pytest.raises(NotConfigured):
        Progress.from_crawler(crawler, stream=FakeTTY(), clock=Clock())


# --- the live line: only on a terminal ------------------------------------------------------

@pytest.mark.parametrize("bar", [True, "auto", None])
def test_live_line_never_written_to_a_non_terminal(bar, caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    stream = io.StringIO()
    settings = {"NEWSCRAWL_PROGRESS_INTERVAL": 5}
    if bar is not None:
        settings["NEWSCRAWL_PROGRESS_BAR"] = bar
    crawler, extension, clock, spider = start(settings, stream=stream)
    crawler.stats.set_value("downloader/response_count", 10)
    clock.advance(5)
    clock.advance(7)
    close(crawler, spider)
    assert stream.getvalue() == ""
    assert len(progress_records(caplog)) == 3  # two ticks and the final summary
    assert not any("\r" in message for message in progress_records(caplog))


@pytest.mark.parametrize("bar", [True, "auto", None])
def test_live_line_on_a_terminal(bar, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    monkeypatch.setenv("COLUMNS", "200")
    tty = FakeTTY()
    settings = {"NEWSCRAWL_PROGRESS_INTERVAL": 0}  # the live line alone keeps the extension on
    if bar is not None:
        settings["NEWSCRAWL_PROGRESS_BAR"] = bar
    crawler, extension, clock, spider = start(settings, stream=tty)
    assert extension.bar
    first = tty.getvalue()
    assert first.startswith("\r") and "0 pages (0/min)" in first and "\n" not in first

    crawler.stats.set_value("downloader/response_count", 3)
    clock.advance(1)  # redrawn about once a second
    frames = tty.getvalue().split("\r")
    assert frames[-1].startswith("Progress: 3 pages (180/min)")
    assert len(frames[-1]) >= len(frames[-2])  # padded over the previous, longer or not
    for _ in range(9):
        clock.advance(1)
    assert tty.getvalue().count("\r") == 11
    assert progress_records(caplog) == []  # interval 0: no log lines until the end

    close(crawler, spider)
    assert clock.getDelayedCalls() == []
    out = tty.getvalue()
    assert out.endswith("\n")
    cleared, final = out[:-1].rsplit("\r", 1)
    assert cleared.rsplit("\r", 1)[-1].strip() == ""  # the live line was wiped first
    assert final == "Progress (final, finished): 3 pages (18/min), 0 items (0/min), 0 duplicates, " \
                    "0 errors, 0 queued, 00:00:10 elapsed"
    assert progress_records(caplog) == [final]  # logged too


def test_live_line_off_on_a_terminal_when_disabled(caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    tty = FakeTTY()
    crawler, extension, clock, spider = start(
        {"NEWSCRAWL_PROGRESS_INTERVAL": 30, "NEWSCRAWL_PROGRESS_BAR": False}, stream=tty)
    clock.advance(30)
    clock.advance(30)
    close(crawler, spider)
    assert tty.getvalue() == ""
    assert len(progress_records(caplog)) == 3


def test_live_line_fits_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    tty = FakeTTY()
    crawler, extension, clock, spider = start({"NEWSCRAWL_PROGRESS_INTERVAL": 0}, stream=tty)
    crawler.stats.set_value("downloader/response_count", 123456)
    for _ in range(3):
        clock.advance(1)
    frames = tty.getvalue().split("\r")[1:]
    assert frames and all(len(frame) <= 39 for frame in frames)
    close(crawler, spider)


def test_live_line_on_an_80_column_terminal_keeps_items_errors_and_elapsed_time(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    tty = FakeTTY()
    crawler, extension, clock, spider = start({"NEWSCRAWL_PROGRESS_INTERVAL": 0}, stream=tty)
    for key, value in (("downloader/response_count", 123456), ("item_scraped_count", 98765),
                       ("newscrawl/dedupe/exact", 4321), ("newscrawl/fetch/failed/http_500", 12)):
        crawler.stats.set_value(key, value)
    for _ in range(3):
        clock.advance(1)
    frames = [frame.rstrip() for frame in tty.getvalue().split("\r")[1:] if frame.strip()]
    assert frames and all(len(frame) <= 79 for frame in frames)
    frames = frames[1:]  # the first is drawn when the crawl opens, before these figures
    assert frames and all(frame.startswith("123,456 pages") and "98,765 items" in frame and "12 err" in frame
               and re.search(r"00:00:0\d$", frame) for frame in frames), frames
    close(crawler, spider)


def test_log_lines_on_the_terminal_wipe_the_live_line_and_are_not_repeated(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    monkeypatch.setenv("COLUMNS", "200")
    tty = FakeTTY()
    handler = logging.StreamHandler(tty)  # as Scrapy's root handler writes to stderr
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        crawler, extension, clock, spider = start({"NEWSCRAWL_PROGRESS_INTERVAL": 5}, stream=tty)
        clock.advance(5)  # a live redraw and a log line at the same second
        clock.advance(1)  # the live line is back...
        logging.getLogger("some.component").warning("something happened")  # ...and wiped again
        out = tty.getvalue()
        # each log record starts on a wiped line: "\r<spaces>\r" right before it
        for message in ("INFO: Progress: 0 pages", "WARNING: something happened"):
            before = out[: out.index(message)]
            assert before.endswith("\r"), repr(before[-80:])
            assert before[:-1].rsplit("\r", 1)[-1].strip() == ""
        close(crawler, spider)
        out = tty.getvalue()
        assert out.count("Progress (final, finished)") == 1  # logged, not printed a second time
        assert not handler.filters  # unhooked at close
    finally:
        root.removeHandler(handler)


def test_final_summary_printed_when_the_terminal_log_hides_info(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="newscrawl.progress")
    monkeypatch.setenv("COLUMNS", "200")
    tty = FakeTTY()
    handler = logging.StreamHandler(tty)
    handler.setLevel(logging.WARNING)  # LOG_LEVEL=WARNING: the INFO summary would not show
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        crawler, extension, clock, spider = start({"NEWSCRAWL_PROGRESS_INTERVAL": 5}, stream=tty)
        clock.advance(5)
        close(crawler, spider, reason="shutdown")
    finally:
        root.removeHandler(handler)
    out = tty.getvalue()
    assert out.count("Progress (final, shutdown): ") == 1 and out.endswith(" elapsed\n")
    assert "INFO" not in out


# --- a real crawl of the mirror -------------------------------------------------------------

def _extensions_with_progress() -> str:
    """EXTENSIONS on the command line replaces the project's dict: keep its entries."""
    from newscrawl import settings
    return json.dumps({**settings.EXTENSIONS, "newscrawl.progress.Progress": 900})


def test_real_crawl_logs_progress_lines_without_carriage_returns(mirror, tmp_path):
    items, stats, log = crawl(mirror.base_url, tmp_path / "run", "-s", "NEWSCRAWL_PROGRESS_INTERVAL=1",
                              "-s", f"EXTENSIONS={_extensions_with_progress()}")
    assert items
    lines = [line for line in log.splitlines() if "[newscrawl.progress] INFO: Progress" in line]
    assert any("Progress: " in line for line in lines), log[-3000:]
    assert "\r" not in log  # stderr was a pipe, not a terminal
    final = [line for line in lines if "Progress (final, finished): " in line]
    assert len(final) == 1
    assert f"{stats['downloader/response_count']:,} pages" in final[0]
    assert f"{stats['item_scraped_count']:,} items" in final[0]
    assert "0 queued" in final[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("log_level", ["INFO", "WARNING"])
def test_real_crawl_on_a_terminal_draws_the_live_line(mirror, tmp_path, log_level):
    """stderr is a real pty (with no window size): the live line is drawn there, the log file gets no \\r."""
    import pty

    workdir = tmp_path / "run"
    workdir.mkdir()
    master, slave = pty.openpty()
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "almaghrib", "-a", f"base_url={mirror.base_url}",
         "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "LOG_FILE=crawl.log", "-s", f"LOG_LEVEL={log_level}",
         "-s", "NEWSCRAWL_PROGRESS_INTERVAL=1", "-s", f"EXTENSIONS={_extensions_with_progress()}"],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    terminal = _read_terminal(proc, master, slave)
    assert re.search(r"\rProgress: [\d,]+ pages? \([\d,]+/min\), [\d,]+ items?", terminal), terminal[-2000:]
    assert terminal.count("Progress (final, finished): ") == 1  # printed once (the log is in a file)
    assert terminal.endswith("\n")
    log = (workdir / "crawl.log").read_text(encoding="utf-8")
    assert "\r" not in log
    if log_level == "INFO":
        assert "[newscrawl.progress] INFO: Progress: " in log
        assert "Progress (final, finished): " in log


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pseudo-terminal")
def test_real_crawl_logging_to_the_terminal(mirror, tmp_path):
    """The log and the live line share the pty: log lines start on a wiped line, one final summary."""
    import pty

    workdir = tmp_path / "run"
    workdir.mkdir()
    master, slave = pty.openpty()
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "almaghrib", "-a", f"base_url={mirror.base_url}",
         "-s", "NEWSCRAWL_STATE_DIR=state", "-s", "LOG_LEVEL=INFO",
         "-s", "NEWSCRAWL_PROGRESS_INTERVAL=1", "-s", f"EXTENSIONS={_extensions_with_progress()}"],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    terminal = _read_terminal(proc, master, slave)
    assert re.search(r"\rProgress: [\d,]+ pages? \(", terminal)
    assert terminal.count("Progress (final, finished): ") == 1  # logged; not printed a second time
    log_lines = 0
    for line in terminal.split("\n"):
        stamp = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", line)
        if stamp:  # every log line begins on a clean line or right after a wipe, never mid-bar
            log_lines += 1
            before = line[: stamp.start()]
            assert before == "" or (before.endswith("\r") and before[:-1].rsplit("\r", 1)[-1].strip() == ""), \
                repr(line[:160])
    assert log_lines > 10
    assert "[newscrawl.progress] INFO: Progress: " in terminal


def _read_terminal(proc, master: int, slave: int) -> str:
    os.close(slave)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert proc.wait(timeout=300) == 0
    finally:
        reader.join(timeout=10)
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")  # the pty adds \r to \n
