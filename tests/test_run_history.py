"""Run history, `scrapy runs`, `scrapy report` and alerts: three real crawls of the mirror with one
state directory (the third a refresh against `scrapy mirror --variant changed`), a real SMTP server
(aiosmtpd) and a real HTTP server that records webhook posts; the report opened in Chromium."""

from __future__ import annotations

import email
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from lxml import html as lxml_html
from scrapy.settings import Settings

from conftest import CRAWL_ENV, run_scrapy
from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.monitors import CrawlMonitorSuite, QuietMonitorRunner
from newscrawl.runs import RunHistory, RunRecord, record_from_stats
from synthetic_state import make_state

ARTICLES = 30
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# --- the local servers alerts go to ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message received."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class WebhookRecorder(ThreadingHTTPServer):
    def __init__(self, status: int = 200):
        self.posts: list[tuple[str, str, bytes]] = []
        self.status = status
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.posts.append((self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(recorder.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/newscrawl-secret"


@pytest.fixture(scope="module")
def smtp_inbox():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def webhook():
    server = WebhookRecorder()
    yield server
    server.shutdown()
    server.server_close()


# --- the acceptance scenario ------------------------------------------------------------------------

def start_mirror_command(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "scrapy", "mirror", "--port", "0", *args],
                               env=CRAWL_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline()
    assert " at http://" in first, first + process.stderr.read()
    return process, first.rsplit(" at ", 1)[1].strip().rstrip("/")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, smtp_inbox, webhook):
    """Three crawls with one state directory: the mirror, the mirror again (nothing new), then a
    refresh against `scrapy mirror --variant changed` (a template change: author and the
    selectors gone). Alerts configured throughout; what each crawl sent is recorded."""
    inbox, smtp_port = smtp_inbox
    work = tmp_path_factory.mktemp("history")
    alert_settings = ["-s", "SPIDERMON_EMAIL_TO=ops@example.org, oncall@example.org",
                      "-s", "SPIDERMON_SMTP_HOST=127.0.0.1", "-s", f"SPIDERMON_SMTP_PORT={smtp_port}",
                      "-s", "SPIDERMON_EMAIL_SENDER=newscrawl@example.org",
                      "-s", f"NEWSCRAWL_ALERT_WEBHOOK={webhook.url}"]

    def crawl(base_url: str, *extra: str) -> subprocess.CompletedProcess:
        result = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={base_url}", "-s", "NEWSCRAWL_STATE_DIR=state",
                             *alert_settings, *extra], cwd=work)
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    sent = []
    logs = []
    with MirrorServer(MirrorSite(articles=ARTICLES)) as server:
        for _ in range(2):
            logs.append(crawl(server.base_url).stderr)
            sent.append((len(inbox.messages), len(webhook.posts)))
    process, changed_url = start_mirror_command("--variant", "changed", "--articles", str(ARTICLES))
    try:
        logs.append(crawl(changed_url, "-a", "refresh=1").stderr)
        sent.append((len(inbox.messages), len(webhook.posts)))
    finally:
        process.terminate()
        process.wait(timeout=10)
    runs = run_scrapy(["runs", "almaghrib", "--json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=work)
    assert runs.returncode == 0, runs.stderr
    report = run_scrapy(["report", "-o", "out/report.html", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=work)
    assert report.returncode == 0, report.stderr
    return SimpleNamespace(work=work, sent=sent, logs=logs, inbox=inbox, webhook=webhook,
                           runs=json.loads(runs.stdout), report=work / "out" / "report.html",
                           report_stderr=report.stderr)


def test_history_has_the_three_runs(scenario):
    runs = scenario.runs
    assert [r["spider"] for r in runs] == ["almaghrib"] * 3
    assert [r["finish_reason"] for r in runs] == ["finished"] * 3
    first, second, third = runs
    assert first["started_at"] < second["started_at"] < third["started_at"]
    # new articles: the first run keeps the mirror's stories, the second finds nothing new, the
    # refresh stores kept pages again (not new)
    assert first["new_articles"] >= ARTICLES - 5 and first["items"] == first["new_articles"]
    assert second["new_articles"] == 0 and third["new_articles"] <= 1
    assert first["pages"] > 30 and third["pages"] > 30
    assert first["failures"]["fetch/http_500"] == 1  # the mirror's page that keeps answering 500
    # the monitors: passed, passed, then the coverage failed
    assert first["monitors"]["passed"] and second["monitors"]["passed"]
    assert third["monitors"]["failed"] == ["Field coverage"]
    assert {m["name"]: m["status"] for m in first["monitors"]["results"]}["New articles"] == "OK"
    # coverage and extraction steps show the template change
    assert first["coverage"]["author"] >= 0.3 and third["coverage"]["author"] == 0.0
    assert first["extraction"]["body"] == {"selectors": first["extraction"]["body"]["selectors"]}
    assert "selectors" not in third["extraction"]["body"] and third["extraction"]["body"]["density"] > 20


def test_runs_table(scenario):
    result = run_scrapy(["runs", "almaghrib", "--last", "2", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=scenario.work)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:6] == ["id", "spider", "started", "(UTC)", "took", "finish"]
    assert len(lines) == 3  # header and the newest two runs
    assert lines[1].split()[0] == "2" and lines[1].rstrip().endswith("passed")
    assert lines[2].split()[0] == "3" and lines[2].rstrip().endswith("FAILED: Field coverage")
    assert " density " in lines[2] and " 0.00 " in lines[2]  # body step, author coverage
    # a site's domain names it too; all runs with --last 0
    by_domain = run_scrapy(["runs", "almaghribtoday.net", "--last", "0", "--json", "-s", "NEWSCRAWL_STATE_DIR=state"],
                           cwd=scenario.work)
    assert [r["id"] for r in json.loads(by_domain.stdout)] == [1, 2, 3]


def test_alerts_sent_for_the_third_run_only(scenario):
    assert scenario.sent == [(0, 0), (0, 0), (1, 1)]
    sender, recipients, message = scenario.inbox.messages[0]
    assert sender == "newscrawl@example.org"
    assert sorted(recipients) == ["oncall@example.org", "ops@example.org"]
    assert message["Subject"] == "[newscrawl] almaghrib: Field coverage failed"
    assert message["From"] == "newscrawl@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "crawl monitors FAILED for almaghrib (1 of 6: Field coverage)" in text
    assert "expected: author in ≥ 0.30 of the items (NEWSCRAWL_MONITOR_COVERAGE)" in text
    assert re.search(r"found: +author in 0 of \d+ = 0\.00", text)
    assert "(finished)" in text and "scrapy runs almaghrib" in text

    path, content_type, body = scenario.webhook.posts[0]
    assert path == "/hooks/newscrawl-secret" and content_type.startswith("application/json")
    payload = json.loads(body)
    assert payload["text"] == payload["content"] == text.rstrip("\n")
    # delivered alerts leave no error behind; Spidermon's scrapy.mail warning is not shown
    third_log = scenario.logs[2]
    assert "Monitor action" not in third_log and "scrapy.mail" not in third_log
    assert "Crawl monitors FAILED for almaghrib (1 of 6: Field coverage)" in third_log


# --- the report --------------------------------------------------------------------------------------

def chart_data(page, chart: str, site: str = "almaghrib") -> list[dict]:
    holder = page.xpath(f"//section[@data-site='{site}']//script[@class='chart-spec'][@data-chart='{chart}']")
    assert len(holder) == 1, chart
    spec = json.loads(holder[0].text)
    datasets = spec.get("datasets") or {}
    name = spec["data"].get("name")
    return datasets[name] if name else spec["data"]["values"]


def test_report_shows_the_drop_on_the_third_run(scenario):
    raw = scenario.report.read_bytes()
    assert len(raw) < 3_000_000
    assert "Report of 1 site written to" in scenario.report_stderr
    page = lxml_html.fromstring(raw)
    # self-contained: no script, style or image fetched from anywhere
    assert not page.xpath("//script[@src] | //link[@href] | //img[@src]")
    assert b"vegaEmbed" in raw and b"cdn.jsdelivr" not in raw
    coverage = {(row["run"], row["field"]): row["share"] for row in chart_data(page, "coverage")}
    assert coverage[(1, "author")] >= 0.3 and coverage[(3, "author")] == 0.0
    assert (2, "author") not in coverage  # nothing scraped: no coverage, not a zero
    steps = chart_data(page, "extraction_steps")

    def share(run: int, step: str) -> float:
        total = sum(row["fields"] for row in steps if row["run"] == run)
        return sum(row["fields"] for row in steps if row["run"] == run and row["step"] == step) / total

    assert share(1, "selectors") > 0.5 and share(3, "selectors") < 0.25 and share(3, "density") > 0.1
    per_run = chart_data(page, "articles_per_run")
    assert [row["monitors"] for row in per_run] == ["passed", "passed", "failed: Field coverage"]
    per_day = chart_data(page, "articles_per_day")
    assert len(per_day) == 60 and sum(row["articles"] for row in per_day) > 0
    assert any(row["articles"] == 0 for row in per_day)  # gaps are days with 0, drawn as such
    failures = {row["kind"] for row in chart_data(page, "failures")}
    assert "fetch/http_500" in failures
    statuses = page.xpath("//section[@data-site='almaghrib']//table[@class='monitors']//tr/td[2]/text()")
    assert statuses == ["OK", "FAIL", "OK", "OK", "OK", "OK"]
    # Arabic text is marked as such and right to left
    assert page.xpath("//h2/span[@lang='ar'][@dir='rtl']/text()") == ["المغرب اليوم"]
    headlines = page.xpath("//ul[@class='headlines'][@lang='ar'][@dir='rtl']/li/a/text()")
    assert len(headlines) == 5 and all(re.search("[\u0600-\u06ff]", h) for h in headlines)


def open_in_chromium(path: Path, screenshot: Path | None = None) -> dict:
    """Open *path* in Debian's Chromium (headless, offline) through Playwright; wait until every
    chart holder has its SVG; return what the page drew and what went wrong."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors, requests = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(path.resolve().as_uri())
            page.wait_for_function("[...document.querySelectorAll('.chart')].every(c => c.querySelector('svg'))",
                                   timeout=30_000)
            drawn = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.chart')].map(c =>
                [c.closest('section').dataset.site + '/' + c.dataset.chart,
                 c.querySelectorAll('svg .mark-rect path, svg .mark-line path, svg .mark-symbol path').length]))""")
            rtl = page.evaluate("""() => [...document.querySelectorAll('[lang=ar]')].map(e =>
                getComputedStyle(e).direction)""")
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True, clip={"x": 0, "y": 0, "width": 1200, "height": 1250})
        finally:
            browser.close()
    return {"drawn": drawn, "errors": errors, "offsite": [u for u in requests if not u.startswith("file:")], "rtl": rtl}


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium package is not installed")
def test_report_draws_in_chromium(scenario, tmp_path):
    seen = open_in_chromium(scenario.report, screenshot=tmp_path / "report.png")
    assert set(seen["drawn"]) == {f"almaghrib/{name}" for name in
                                  ("articles_per_day", "articles_per_run", "coverage", "extraction_steps", "failures")}
    assert all(count > 0 for count in seen["drawn"].values()), seen["drawn"]
    assert seen["drawn"]["almaghrib/articles_per_run"] == 3  # one bar per run
    assert seen["errors"] == [] and seen["offsite"] == []
    assert seen["rtl"] and set(seen["rtl"]) == {"rtl"}
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- scale ---------------------------------------------------------------------------------------------

def test_report_of_100000_articles_and_1000_runs_takes_seconds(tmp_path):
    from newscrawl.report import write_report

    state = make_state(tmp_path / "state", articles=100_000, runs=1_000)
    started = time.monotonic()
    sites, size = write_report(state, tmp_path / "report.html")
    took = time.monotonic() - started
    assert sites == 5
    assert size < 4_000_000, size
    assert took < 10, f"{took:.1f} s"  # about 1.5 s here; generous for busy CI cores
    page = lxml_html.fromstring((tmp_path / "report.html").read_bytes())
    assert len(page.xpath("//script[@class='chart-spec']")) == 25
    per_run = chart_data(page, "articles_per_run")
    assert len(per_run) == 200  # the site's runs, one point each
    assert sum(row["articles"] for row in chart_data(page, "articles_per_day", "emiratesvoice")[-2:]) == 0  # silent
    assert [row["monitors"] for row in per_run[-21:-19]] == ["passed", "failed: Field coverage"]


# --- the "New articles" monitor (site silent) and alert failures, on made-up stats -----------------------

FINISHED = {"finish_reason": "finished", "item_scraped_count": 0, "log_count/ERROR": 0,
            "newscrawl/incremental/skipped_known": 12, "newscrawl/incremental/skipped_kept": 12}


def run_suite(stats: dict, state_dir: Path, **settings):
    """CrawlMonitorSuite as Spidermon runs it at spider close (newscrawl's runner); returns the
    crawler (with the monitors' report) and what the spider logged."""
    records: list[str] = []
    logger = logging.getLogger("test-spider")
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger.addHandler(handler)
    crawler = SimpleNamespace(
        settings=Settings({"NEWSCRAWL_MONITOR_REPORT": "", "NEWSCRAWL_STATE_DIR": str(state_dir),
                           "SPIDERMON_ADD_FIELD_COVERAGE": True, "SPIDERMON_FIELD_COVERAGE_SKIP_NONE": True, **settings}),
        stats=SimpleNamespace(set_value=lambda *a: None))
    spider = SimpleNamespace(name="almaghrib", logger=logger, crawler=crawler)
    try:
        QuietMonitorRunner(spider=spider).run(CrawlMonitorSuite(crawler=crawler), stats=stats, crawler=crawler,
                                              spider=spider)
    finally:
        logger.removeHandler(handler)
    return crawler, records


def add_run(state_dir: Path, finished: datetime, new_articles: int) -> None:
    with RunHistory(state_dir / "state.sqlite") as history:
        iso = finished.isoformat(timespec="seconds")
        history.add(RunRecord(spider="almaghrib", started_at=iso, finished_at=iso, finish_reason="finished",
                              new_articles=new_articles))


def monitor(crawler, name: str) -> dict:
    return next(m for m in crawler.newscrawl_monitor_report["monitors"] if m["name"] == name)


def test_site_silent_for_longer_than_the_setting_fails(tmp_path):
    now = datetime.now(timezone.utc)
    add_run(tmp_path, now - timedelta(hours=60), new_articles=12)
    add_run(tmp_path, now - timedelta(hours=30), new_articles=0)
    crawler, _ = run_suite(FINISHED, tmp_path)
    silent = monitor(crawler, "New articles")
    assert silent["status"] == "FAIL"
    assert silent["expected"] == "a new article within 48 hours (NEWSCRAWL_SILENT_HOURS)"
    assert re.fullmatch(r"none for 60\.\d hours: the last run that kept a new article finished .+", silent["found"])
    assert crawler.newscrawl_monitor_report["failed"] == ["New articles"]

    # within the window, off, a run that kept something, or a crawl that did not finish: no failure
    assert monitor(run_suite(FINISHED, tmp_path, NEWSCRAWL_SILENT_HOURS=72)[0], "New articles")["status"] == "OK"
    assert monitor(run_suite(FINISHED, tmp_path, NEWSCRAWL_SILENT_HOURS=0)[0], "New articles")["status"] == "SKIPPED"
    kept = {**FINISHED, "newscrawl/articles/new": 1, "item_scraped_count": 1}
    assert monitor(run_suite(kept, tmp_path)[0], "New articles")["status"] == "OK"
    stopped = {**FINISHED, "finish_reason": "shutdown"}
    assert monitor(run_suite(stopped, tmp_path)[0], "New articles")["status"] == "SKIPPED"


def test_site_that_never_kept_anything_is_silent_since_its_first_run(tmp_path):
    add_run(tmp_path, datetime.now(timezone.utc) - timedelta(hours=50), new_articles=0)
    silent = monitor(run_suite(FINISHED, tmp_path)[0], "New articles")
    assert silent["status"] == "FAIL" and silent["found"].startswith("none in any run since the history began")
    # no history at all: nothing to judge, and no state file created by the monitor
    empty = tmp_path / "empty"
    assert monitor(run_suite(FINISHED, empty)[0], "New articles")["status"] == "SKIPPED"
    assert not empty.exists()


def test_undeliverable_alerts_are_one_line_each(tmp_path):
    add_run(tmp_path, datetime.now(timezone.utc) - timedelta(hours=60), new_articles=3)
    refusing = WebhookRecorder(status=500)
    try:
        crawler, logged = run_suite(FINISHED, tmp_path, SPIDERMON_EMAIL_TO="ops@example.org",
                                    SPIDERMON_SMTP_HOST="127.0.0.1", SPIDERMON_SMTP_PORT=free_port(),
                                    SPIDERMON_EMAIL_SENDER="newscrawl@example.org", NEWSCRAWL_ALERT_WEBHOOK=refusing.url,
                                    NEWSCRAWL_ALERT_TIMEOUT=5)
    finally:
        refusing.shutdown()
        refusing.server_close()
    assert crawler.newscrawl_monitor_report["failed"] == ["New articles"]
    assert len(refusing.posts) == 1  # it was tried
    port = crawler.settings.getint("SPIDERMON_SMTP_PORT")
    errors = [line for line in logged if line.startswith("Monitor action")]
    assert errors == [
        f"Monitor action SendSmtpEmail failed: newscrawl.alerts.AlertError: cannot send the alert e-mail through "
        f"127.0.0.1:{port}: [Errno 111] Connection refused (-L DEBUG shows where)",
        "Monitor action SendWebhook failed: newscrawl.alerts.AlertError: the alert webhook http://127.0.0.1:"
        f"{refusing.server_address[1]}/… answered HTTP 500 (-L DEBUG shows where)",
    ]


class DripServer:
    """Accepts and then sends one line every 0.2 s for ever: each read is quick, the delivery never ends."""

    def __init__(self, greeting: bytes, line: bytes):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.greeting, self.line = greeting, line
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.5)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        with conn:
            try:
                conn.sendall(self.greeting)
                while not self.stop.wait(0.2):
                    conn.sendall(self.line)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.sock.close()


def test_alert_servers_that_answer_for_ever_cost_the_timeout_not_the_crawl(tmp_path):
    """A socket timeout bounds each read; the delivery as a whole must be bounded too."""
    add_run(tmp_path, datetime.now(timezone.utc) - timedelta(hours=60), new_articles=3)
    web = DripServer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n", b"x")
    smtp = DripServer(b"220-slow.example ESMTP\r\n", b"220-still here\r\n")
    started = time.monotonic()
    try:
        crawler, logged = run_suite(FINISHED, tmp_path, SPIDERMON_EMAIL_TO="ops@example.org",
                                    SPIDERMON_SMTP_HOST="127.0.0.1", SPIDERMON_SMTP_PORT=smtp.port,
                                    SPIDERMON_EMAIL_SENDER="newscrawl@example.org",
                                    NEWSCRAWL_ALERT_WEBHOOK=f"http://127.0.0.1:{web.port}/hook",
                                    NEWSCRAWL_ALERT_TIMEOUT=1.5)
    finally:
        web.close()
        smtp.close()
    assert time.monotonic() - started < 15
    assert crawler.newscrawl_monitor_report["failed"] == ["New articles"]
    errors = [line for line in logged if line.startswith("Monitor action")]
    assert len(errors) == 2 and all("no answer within NEWSCRAWL_ALERT_TIMEOUT (1.5 s)" in e for e in errors), errors


def test_pages_dropped_for_good_are_not_articles_already_known(tmp_path):
    """A later run that skips only pages earlier runs dropped (other language, not an article) has
    no article: the "Items scraped" monitor fails instead of passing on those skips."""
    dropped_only = {**FINISHED, "newscrawl/incremental/skipped_kept": 0}
    crawler, _ = run_suite(dropped_only, tmp_path / "a")
    assert "Items scraped" in crawler.newscrawl_monitor_report["failed"]
    crawler, _ = run_suite(FINISHED, tmp_path / "b")
    assert "Items scraped" not in crawler.newscrawl_monitor_report["failed"]


def test_record_from_stats_counts_each_kind():
    stats = {"start_time": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "finish_reason": "finished",
             "response_received_count": 40, "item_scraped_count": 4, "newscrawl/articles/new": 3,
             "newscrawl/dedupe/exact": 2, "newscrawl/dedupe/near": 1, "newscrawl/fetch/failed/http_500": 2,
             "newscrawl/items/dropped/missing_body": 1, "newscrawl/pages/not_article/gallery": 5,
             "spidermon_item_scraped_count": 4, "spidermon_item_scraped_count/Article/author": 1,
             "spidermon_item_scraped_count/Article/headline": 4, "newscrawl/extract/body/selectors": 3,
             "newscrawl/extract/body/density": 2, "newscrawl/extract/canonical_offsite": 1}
    run = record_from_stats("almaghrib", stats, content_fields=["headline", "author", "body"])
    assert (run.started_at, run.pages, run.items, run.new_articles, run.duplicates) == (
        "2026-01-02T03:04:05+00:00", 40, 4, 3, 3)
    assert run.failures == {"dropped/missing_body": 1, "fetch/http_500": 2, "not_article/gallery": 5}
    assert run.coverage == {"headline": 1.0, "author": 0.25, "body": 0.0}
    assert run.extraction == {"body": {"density": 2, "selectors": 3}}


# --- bad invocations and settings ---------------------------------------------------------------------

@pytest.mark.parametrize("args, message, status", [
    (["runs", "--last", "-1"], "Error: --last takes a number of runs, 0 or more (0 = all)", 2),
    (["report", "--days", "0"], "Error: --days takes a number of days, 1 or more", 2),
    (["report", "-o", "."], "Error: -o . is a directory: name the HTML file to write", 2),
    (["runs"], "Error: no state store found at", 1),
    (["report"], "Error: no state store found at", 1),
])
def test_bad_invocations_are_one_line(tmp_path, args, message, status):
    result = run_scrapy(args, cwd=tmp_path)
    assert result.returncode == status, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr


def test_unknown_site_names_the_sites_with_runs(tmp_path):
    add_run(tmp_path / "state", datetime.now(timezone.utc), 1)
    result = run_scrapy(["runs", "nosuchsite", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("Error: unknown site 'nosuchsite': not a spider name or a site's domain. "
                                     "Sites in the run history: almaghrib")


@pytest.mark.parametrize("setting, message", [
    ("NEWSCRAWL_ALERT_TIMEOUT=abc", "Error: NEWSCRAWL_ALERT_TIMEOUT must be a number of seconds above 0, got 'abc'"),
    ("NEWSCRAWL_ALERT_TIMEOUT=0", "Error: NEWSCRAWL_ALERT_TIMEOUT must be a number of seconds above 0, got '0'"),
    ("NEWSCRAWL_RUN_HISTORY=maybe", "Error: NEWSCRAWL_RUN_HISTORY must be True or False, got 'maybe'"),
    ("SPIDERMON_SMTP_PORT=70000", "Error: SPIDERMON_SMTP_PORT must be a port number (1-65535), got '70000'"),
    ("SPIDERMON_EMAIL_TO=,", "Error: SPIDERMON_EMAIL_TO must list e-mail addresses, got ','"),
    ("NEWSCRAWL_ALERT_WEBHOOK=http://exa mple.com/x", "Error: NEWSCRAWL_ALERT_WEBHOOK must be an http:// or https:// URL"),
])
def test_alert_settings_that_cannot_work_stop_the_crawl_before_it_starts(tmp_path, setting, message):
    email = ["-s", "SPIDERMON_SMTP_HOST=127.0.0.1", "-s", "SPIDERMON_EMAIL_SENDER=n@example.org"]
    if not setting.startswith("SPIDERMON_EMAIL_TO"):
        email += ["-s", "SPIDERMON_EMAIL_TO=ops@example.org"]
    result = run_scrapy(["crawl", "almaghrib", "-a", "base_url=http://127.0.0.1:9", "-s", setting, *email], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr


def test_incomplete_email_settings_stop_the_crawl_before_it_starts(tmp_path):
    result = run_scrapy(["crawl", "almaghrib", "-a", "base_url=http://127.0.0.1:9", "-s",
                         "SPIDERMON_EMAIL_TO=ops@example.org", "-s", "SPIDERMON_EMAIL_SENDER=n@example.org"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: SPIDERMON_EMAIL_TO is set but SPIDERMON_SMTP_HOST is not: name the SMTP server that sends the alerts"]


def test_report_links_only_to_web_addresses(tmp_path):
    """A URL in the store that is not http(s) (javascript:, data:) never becomes a clickable link."""
    import sqlite3

    from newscrawl.report import write_report

    path = make_state(tmp_path, articles=40, runs=4)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE articles SET url = 'javascript:window.pwned=1' WHERE rowid IN "
                   "(SELECT rowid FROM articles ORDER BY date_published DESC LIMIT 3)")
    target = tmp_path / "report.html"
    write_report(path, target)
    page = target.read_text(encoding="utf-8")
    assert "javascript:window.pwned" not in page
    assert "href='#'" in page and "href='https://" in page


def test_a_run_killed_with_sigkill_is_in_the_history_as_killed_once_the_next_run_starts(tmp_path):
    """SIGKILL leaves no chance to add a row: the next run adds it, from what the state store
    saw (pages settled, articles kept) and what it recovered from the killed run's feed."""
    from conftest import crawl_args, feed_items, written_lines

    with MirrorServer(MirrorSite(articles=ARTICLES)) as server:
        process = subprocess.Popen(crawl_args(server.base_url, "-s", "CONCURRENT_REQUESTS=2"), cwd=tmp_path,
                                   env=CRAWL_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.time()
        # Killed once it has settled a duplicate in the state store
        while (written_lines(tmp_path) < 8 or not _settled_duplicates(tmp_path)) and process.poll() is None:
            assert time.time() - started < 120, "the crawl wrote too little to be killed halfway"
            time.sleep(0.02)
        process.kill()
        process.wait()
        killed_items = len(feed_items(tmp_path))
        result = subprocess.run(crawl_args(server.base_url), cwd=tmp_path, env=CRAWL_ENV, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
    runs = run_scrapy(["runs", "almaghrib", "--json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert runs.returncode == 0, runs.stderr
    killed, finished = json.loads(runs.stdout)
    assert (killed["finish_reason"], finished["finish_reason"]) == ("killed", "finished")
    assert killed["started_at"] <= killed["finished_at"] <= finished["started_at"]
    assert killed["new_articles"] >= killed_items >= 8, "what the killed run's feed holds, at least"
    assert killed["pages"] >= killed_items
    assert killed["new_articles"] + finished["new_articles"] == len(feed_items(tmp_path))
    # The mirror republishes stories under a second URL: each such copy is dropped by one of the
    # two runs (the killed run's count is what its pages settled as; it once read 0).
    assert killed["duplicates"] >= 1
    assert killed["duplicates"] + finished["duplicates"] == len(_audited_urls(tmp_path))


def _settled_duplicates(root) -> int:
    import sqlite3

    path = root / "state" / "state.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM pages WHERE status = 'duplicate'").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _audited_urls(root) -> set[str]:
    """The URLs of the duplicates the runs dropped, from their audit files (whole lines only)."""
    return {json.loads(line)["url"] for path in (root / "feeds").rglob("*.duplicates.jsonl")
            for line in path.read_text("utf-8").split("\n")[:-1]}


def test_a_run_killed_while_closing_is_never_missing_from_the_history(tmp_path):
    """SIGKILL while closing, after the run marked itself finished in the state store and before
    it added its history row: that row is missing (the state left is made here, by deleting the
    row, since the window lasts milliseconds). The next run adds it, with the articles it kept."""
    import sqlite3

    from conftest import crawl_args, feed_items

    with MirrorServer(MirrorSite(articles=12)) as server:
        for _ in range(2):
            result = subprocess.run(crawl_args(server.base_url), cwd=tmp_path, env=CRAWL_ENV, capture_output=True,
                                    text=True, timeout=300)
            assert result.returncode == 0, result.stderr[-3000:]
            if _ == 0:
                first_items = len(feed_items(tmp_path))
                db = sqlite3.connect(tmp_path / "state" / "state.sqlite")
                with db:
                    assert db.execute("SELECT reason FROM runs").fetchall() == [("finished",)]
                    db.execute("DELETE FROM run_history")
                db.close()
    runs = run_scrapy(["runs", "almaghrib", "--json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    history = json.loads(runs.stdout)
    assert [r["finish_reason"] for r in history] == ["killed", "finished"]
    assert history[0]["new_articles"] == first_items > 0, "the run that kept the articles is credited with them"
    assert history[0]["started_at"] < history[1]["started_at"]
