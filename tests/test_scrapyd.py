"""Deploy to a real Scrapyd and run ``almaghrib`` through it against the mirror.

The whole path a user takes: ``scrapyd-deploy`` (scrapyd-client) builds an egg from the project
and uploads it with ``addversion.json``; ``schedule.json`` queues the spider with a spider
argument and a setting; Scrapyd starts the crawl in its own process; ``listjobs.json`` reports it
finished; the feed and the job log are on disk.

Nothing is written into the checkout: ``scrapyd-deploy`` writes ``setup.py`` (when there is none),
``build/`` and ``*.egg-info/`` into the project folder it builds, so it runs on a copy of the
checkout's sources in a temporary folder; Scrapyd runs from a temporary working directory with a
temporary config and temporary eggs, logs and dbs dirs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from tests.conftest import REPO

PROJECT = "newscrawl"
SPIDER = "almaghrib"
JOB_TIMEOUT = 120  # seconds for the scheduled crawl to finish (it takes a few)
START_TIMEOUT = 30  # seconds for Scrapyd to answer daemonstatus.json

# What `scrapyd-deploy` needs from the checkout to build the egg (everything else is left out).
# Build outputs and run outputs are skipped so a dirty checkout builds like a clean one.
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".*")
_SOURCES = ("scrapy.cfg", "pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md",
            "LICENSE", "LICENSE.txt", "requirements.txt", PROJECT)


def _bin(name: str) -> str:
    """A console script of this interpreter's environment (the venv need not be on PATH)."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found next to {sys.executable} or on PATH: pip install -e '.[test]'")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that would steer Scrapy or Scrapyd away from the egg and
    the temporary config (a settings module, a project, Scrapyd's address overrides)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SCRAPY_", "SCRAPYD_")) and k != "XDG_CONFIG_HOME"}
    env.update(extra)
    return env


@dataclass
class Scrapyd:
    url: str
    root: Path  # all of this Scrapyd's files
    workdir: Path  # its working directory: where a crawl's relative paths (feeds/...) land
    logs_dir: Path
    log: Path  # Scrapyd's own log

    def get(self, endpoint: str, **params: str) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{endpoint}{query}", timeout=30) as response:
            return json.load(response)

    def post(self, endpoint: str, data: list[tuple[str, str]]) -> dict:
        body = urllib.parse.urlencode(data).encode()
        with urllib.request.urlopen(f"{self.url}{endpoint}", data=body, timeout=60) as response:
            return json.load(response)

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def _start_scrapyd(root: Path) -> tuple[subprocess.Popen, Scrapyd]:
    port = _free_port()
    workdir = root / "run"
    workdir.mkdir(parents=True)
    # Scrapyd reads scrapyd.conf from its working directory (after /etc/scrapyd/ and before
    # ~/.scrapyd.conf; HOME is pointed at the temporary folder so a user's file can't interfere).
    (workdir / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        "poll_interval = 0.2\n"
        "max_proc = 1\n"
        f"eggs_dir = {root / 'eggs'}\n"
        f"logs_dir = {root / 'logs'}\n"
        f"dbs_dir = {root / 'dbs'}\n"
        "items_dir =\n"  # keep the project's own FEEDS (items_dir would replace them)
        "jobs_to_keep = 5\n",
        encoding="utf-8",
    )
    log = root / "scrapyd.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [_bin("scrapyd"), "--pidfile="],  # twistd would write twistd.pid into the cwd
            cwd=workdir, env=_clean_env(HOME=str(root)), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: teardown ends Scrapyd and its crawls
        )
    server = Scrapyd(f"http://127.0.0.1:{port}/", root, workdir, root / "logs", log)
    return process, server


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_up(process: subprocess.Popen, server: Scrapyd) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if server.get("daemonstatus.json")["status"] == "ok":
                return True
        except OSError:  # not listening yet (URLError and ConnectionError are OSErrors)
            pass
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """A real Scrapyd on a free loopback port; ended (with any crawl it runs) at teardown."""
    for attempt in range(3):  # the free port may be taken between choosing it and binding it
        process, server = _start_scrapyd(tmp_path_factory.mktemp("scrapyd"))
        try:
            if _wait_until_up(process, server):
                yield server
                return
            if process.poll() is not None and "Address already in use" in server.tail() and attempt < 2:
                continue
            pytest.fail(f"scrapyd did not come up (exit status {process.poll()}):\n{server.tail()}")
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def mirror_site():
    with MirrorServer(MirrorSite(articles=40)) as server:
        yield server


@pytest.fixture(scope="module")
def deployed(scrapyd, tmp_path_factory):
    """``scrapyd-deploy`` run on a copy of the checkout, against a target named in a user-level
    config (``$XDG_CONFIG_HOME/scrapy.cfg``), so the project's scrapy.cfg is used unchanged: its
    ``[deploy]`` section supplies the project name."""
    source = tmp_path_factory.mktemp("source")
    for name in _SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=_SKIP)
        elif path.is_file():
            shutil.copy2(path, source / name)
    config_home = tmp_path_factory.mktemp("xdg")
    (config_home / "scrapy.cfg").write_text(f"[deploy:scrapyd-test]\nurl = {scrapyd.url}\n", encoding="utf-8")
    env = _clean_env(XDG_CONFIG_HOME=str(config_home), HOME=str(config_home))

    targets = subprocess.run([_bin("scrapyd-client"), "targets"], cwd=source, env=env,
                             capture_output=True, text=True, timeout=60)
    assert targets.returncode == 0, targets.stderr

    started = time.monotonic()
    deploy = subprocess.run([_bin("scrapyd-deploy"), "scrapyd-test", "--version", "r1"], cwd=source, env=env,
                            capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    # scrapyd-deploy exits 0 whenever the upload got an HTTP 200, even when Scrapyd answered
    # {"status": "error"}: the answer (its stdout) is what says whether the egg works.
    assert deploy.returncode == 0, f"scrapyd-deploy failed:\n{deploy.stderr[-3000:]}"
    try:
        answer = json.loads(deploy.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"scrapyd-deploy printed no Scrapyd answer:\n{deploy.stdout}\n{deploy.stderr[-3000:]}")
    if answer.get("status") != "ok" and "module_name" in answer.get("message", ""):
        pytest.fail(
            "the egg has no `scrapy: settings` entry point, which Scrapyd needs to load the project "
            "(scrapyd-deploy's generated setup.py declares one, but setuptools ignores it because "
            "pyproject.toml declares [project.entry-points]); add to pyproject.toml:\n"
            '    [project.entry-points.scrapy]\n    settings = "newscrawl.settings"\n'
            f"Scrapyd said: {answer['message'][-1500:]}"
        )
    assert answer.get("status") == "ok", answer
    return {"targets": targets.stdout, "answer": answer, "stderr": deploy.stderr, "seconds": elapsed,
            "source": source}


@pytest.fixture(scope="module")
def job(scrapyd, deployed, mirror_site, tmp_path_factory):
    """Schedule almaghrib against the mirror with schedule.json and wait for listjobs.json to
    report it finished."""
    state = tmp_path_factory.mktemp("state")
    scheduled = scrapyd.post("schedule.json", [
        ("project", PROJECT), ("spider", SPIDER),
        ("base_url", mirror_site.base_url),  # a spider argument (-a base_url=...)
        ("setting", f"NEWSCRAWL_STATE_DIR={state}"),  # a setting (-s NEWSCRAWL_STATE_DIR=...)
    ])
    assert scheduled["status"] == "ok", scheduled
    job_id = scheduled["jobid"]
    started = time.monotonic()
    deadline = started + JOB_TIMEOUT
    while True:
        jobs = scrapyd.get("listjobs.json", project=PROJECT)
        finished = [j for j in jobs["finished"] if j["id"] == job_id]
        if finished:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} not finished after {JOB_TIMEOUT} s: {jobs}\n{scrapyd.tail()}")
        time.sleep(0.25)
    return {"id": job_id, "listing": finished[0], "state": state, "seconds": time.monotonic() - started}


def _feed_items(scrapyd: Scrapyd) -> tuple[list[Path], list[dict]]:
    files = sorted((scrapyd.workdir / "feeds" / SPIDER).glob("*[0-9].jsonl"))
    items = [json.loads(line) for path in files
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return files, items


def test_deploy_builds_an_egg_scrapyd_accepts(scrapyd, deployed):
    assert "local" in deployed["targets"] and "http://localhost:6800/" in deployed["targets"]
    assert deployed["answer"]["project"] == PROJECT and deployed["answer"]["version"] == "r1"
    assert scrapyd.get("listversions.json", project=PROJECT)["versions"] == ["r1"]
    assert SPIDER in scrapyd.get("listspiders.json", project=PROJECT)["spiders"]
    assert list((scrapyd.root / "eggs" / PROJECT).glob("r1*.egg"))


def test_scheduled_job_finishes_and_keeps_its_log(scrapyd, job):
    listing = job["listing"]
    assert listing["spider"] == SPIDER and listing["project"] == PROJECT
    log_path = scrapyd.logs_dir / PROJECT / SPIDER / f"{job['id']}.log"
    assert log_path.is_file(), f"no job log at {log_path}"
    log = log_path.read_text(encoding="utf-8")
    assert listing["log_url"] == f"/logs/{PROJECT}/{SPIDER}/{job['id']}.log"
    with urllib.request.urlopen(urllib.parse.urljoin(scrapyd.url, listing["log_url"]), timeout=30) as response:
        assert response.read().decode("utf-8") == log  # Scrapyd serves the same file
    assert "Spider closed (finished)" in log, log[-3000:]
    # The schedule.json setting= parameter reached the crawl: the state store is where it said.
    assert any(job["state"].iterdir()), f"nothing written to NEWSCRAWL_STATE_DIR={job['state']}"


def test_feed_lands_in_scrapyds_working_directory_with_every_story_once(scrapyd, job, mirror_site):
    files, items = _feed_items(scrapyd)
    assert len(files) == 1, f"expected one feed file under {scrapyd.workdir / 'feeds' / SPIDER}, found {files}"
    expected = mirror_site.site.expected_stories()
    by_headline: dict[str, list[dict]] = {}
    for item in items:
        assert item["headline"] and item["body"] and item["date_published"], item.get("url")
        by_headline.setdefault(item["headline"], []).append(item)
    missing = set(expected) - set(by_headline)
    assert not missing, f"{len(missing)} stories missing, e.g. {sorted(missing)[:3]}"
    repeated = {h: [i["url"] for i in v] for h, v in by_headline.items() if len(v) > 1}
    assert not repeated, repeated
    assert set(by_headline) == set(expected)
    for headline, (item,) in by_headline.items():
        assert unquote(urlsplit(item["url"]).path) in expected[headline]
        assert item["source"] == SPIDER
    # Arabic stays readable (the project's FEED_EXPORT_ENCODING), as with `scrapy crawl`.
    assert "المغرب" in files[0].read_text(encoding="utf-8")


def test_a_job_with_a_bad_option_does_not_look_passed(scrapyd, job):
    """Scrapyd lists every ended job as "finished": the job log and the report say it did not start."""
    report_file = scrapyd.workdir / "reports" / f"{SPIDER}.json"
    assert json.loads(report_file.read_text("utf-8"))["passed"] is True  # the good job's report
    scheduled = scrapyd.post("schedule.json", [("project", PROJECT), ("spider", SPIDER), ("max_pages", "abc")])
    assert scheduled["status"] == "ok", scheduled
    deadline = time.monotonic() + JOB_TIMEOUT
    while not [j for j in scrapyd.get("listjobs.json", project=PROJECT)["finished"] if j["id"] == scheduled["jobid"]]:
        if time.monotonic() > deadline:
            pytest.fail(f"job {scheduled['jobid']} not finished after {JOB_TIMEOUT} s\n{scrapyd.tail()}")
        time.sleep(0.25)
    report = json.loads(report_file.read_text("utf-8"))
    assert report["passed"] is False and report["finish_reason"] == "not_started", report
    assert report["error"] == "max_pages must be an integer, got 'abc'"
    log = (scrapyd.logs_dir / PROJECT / SPIDER / f"{scheduled['jobid']}.log").read_text("utf-8")
    assert "ERROR: max_pages must be an integer, got 'abc'" in log and "Traceback" not in log
