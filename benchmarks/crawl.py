"""Crawl-level figures: newscrawl's crawl of a mirror against a bare Scrapy fetch of the same
URLs and against ``scrapy bench``; peak memory of crawls of growing sites.

Every crawler runs in its own process, started through ``benchmarks.measure`` (its CPU and peak
RSS alone); the mirror runs in another process, whose CPU is read from /proc before and after.
Rates are pages per CPU second of the crawler process, so a shared machine slows the figures
less than wall time would; the mirror's share of the CPU is reported beside them.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from newscrawl.mirror.content import SECTION_FEEDS, MirrorSite

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TICKS = os.sysconf("SC_CLK_TCK")


def _env(project: bool, root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    if project:
        env["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
    return env


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Mirror:
    """``scrapy mirror`` in its own process, on a free port."""

    def __init__(self, articles: int, workdir: Path):
        self.articles = articles
        workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "mirror", "--articles", str(articles), "--port", "0"],
            cwd=workdir, env=_env(project=True), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if " at http" not in line:
            self.process.kill()
            raise RuntimeError(f"the mirror did not start: {line}{self.process.stderr.read()}")
        self.base_url = line.split(" at ", 1)[1].strip().rstrip("/")

    def cpu(self) -> float:
        return process_cpu(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def mirror(articles: int, workdir: Path):
    server = Mirror(articles, workdir)
    try:
        yield server
    finally:
        server.stop()


def measured(command: list[str], cwd: Path, *, project: bool, timeout: float, root: Path = ROOT) -> dict:
    """Run *command* under ``benchmarks.measure``: its CPU, wall time and peak RSS. *root*: the
    checkout newscrawl is imported from."""
    result = subprocess.run([sys.executable, "-m", "benchmarks.measure", "--", *command], cwd=cwd,
                            env=_env(project, root), capture_output=True, text=True, timeout=timeout)
    lines = result.stderr.strip().splitlines()
    usage = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
    if usage is None or usage["returncode"] != 0:
        raise RuntimeError(f"{' '.join(command[:4])} … failed:\n" + "\n".join(lines[-15:]))
    return usage


def mirror_urls(articles: int, base: str) -> list[str]:
    """Every page a discovery crawl of the mirror fetches: home, feeds, listing pages, opinion
    indexes, articles (originals, republished copies, the seed)."""
    site = MirrorSite(articles=articles)
    paths = ["/robots.txt", "/", "/rss", "/home/rss.xml"] + [f"/{key}/rss.xml" for key in SECTION_FEEDS.values()]
    for section, _, _ in site.sections:
        listing = site.listing_path(section)
        paths += [listing] + [f"{listing}/?page={n}" for n in range(2, site.section_pages(section) + 1)]
    paths.append("/2013-09-13-14-42-41")
    paths += [article.path for article in site.iter_all()]
    return [site.url(base, path) for path in paths]


def crawl_newscrawl(base_url: str, workdir: Path, *, timeout: float, extra: tuple[str, ...] = (),
                    root: Path = ROOT) -> dict:
    """newscrawl's own crawl, as a user runs it (project settings: state store, dedupe, feeds,
    WARC archive, monitors), of every listing page of the mirror (``max_pages=0``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    from newscrawl.settings import EXTENSIONS

    extensions = json.dumps({**EXTENSIONS, "benchmarks.cpu_meter.CpuMeter": 0})
    usage = measured(["scrapy", "crawl", "almaghrib", "-a", f"base_url={base_url}", "-a", "max_pages=0",
                      "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "LOG_FILE=crawl.log", "-s", f"EXTENSIONS={extensions}",
                      *extra], workdir, project=True, timeout=timeout, root=root)
    stats = json.loads((workdir / "stats.json").read_text(encoding="utf-8"))
    return {**usage, **_steady(workdir), "pages": stats.get("response_received_count", 0),
            "items": stats.get("item_scraped_count", 0)}


def _steady(workdir: Path) -> dict:
    """CPU per page between the first and the last response (``benchmarks.cpu_meter``)."""
    meter = json.loads((workdir / "cpu.json").read_text(encoding="utf-8"))
    steady = meter["last_response_cpu"] - meter["first_response_cpu"]
    return {"steady_cpu": steady, "steady_cpu_ms_per_page": 1000 * steady / max(1, meter["responses"] - 1),
            "startup_cpu": meter["first_response_cpu"], "closing_cpu": meter["closed_cpu"] - meter["last_response_cpu"]}


def crawl_bare(urls: list[str], workdir: Path, *, timeout: float) -> dict:
    """The bare fetch: Scrapy's defaults (no project), the crawl's concurrency, no parsing."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    usage = measured(["scrapy", "runspider", str(HERE / "bare_spider.py"), "-a", "urls_file=urls.txt",
                      "-a", "stats_file=stats.json", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                      "-s", "LOG_FILE=crawl.log", "-s", "LOG_LEVEL=INFO"], workdir, project=False, timeout=timeout)
    stats = json.loads((workdir / "stats.json").read_text(encoding="utf-8"))
    return {**usage, **_steady(workdir), "pages": stats.get("response_received_count", 0)}


def crawl_scrapy_bench(workdir: Path, seconds: int) -> dict:
    """`scrapy bench`: its server in one process, its spider (same settings) in another."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen([sys.executable, "-u", "-m", "scrapy.utils.benchserver"], cwd=workdir,
                              env=_env(project=False), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        server.stdout.readline()  # "Bench server at ..."
        cpu_before = process_cpu(server.pid)
        usage = measured(["scrapy", "runspider", str(HERE / "bench_spider.py"), "-a", "stats_file=stats.json",
                          "-s", "LOG_LEVEL=INFO", "-s", "LOGSTATS_INTERVAL=1", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                          "-s", "LOG_FILE=crawl.log"], workdir, project=False, timeout=seconds + 120)
        server_cpu = process_cpu(server.pid) - cpu_before
    finally:
        server.kill()
        server.wait()
    stats = json.loads((workdir / "stats.json").read_text(encoding="utf-8"))
    return {**usage, **_steady(workdir), "pages": stats.get("response_received_count", 0), "server_cpu": server_cpu}


def crawl_comparison(articles: int, workdir: Path, *, bench_seconds: int, timeout: float) -> dict:
    """newscrawl's crawl, the bare fetch of the same URLs and `scrapy bench`, as CPU per page.

    newscrawl's crawl and the bare fetch run at the same time, each against a mirror of its own:
    one after the other, a change in the machine's load between them moved their ratio by a
    third (0.59x and 0.42x in two runs of the same code); side by side, both crawl under the
    same load."""
    result: dict = {"articles": articles}
    with mirror(articles, workdir / "mirror-newscrawl") as ours, mirror(articles, workdir / "mirror-bare") as theirs, \
            concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        def measured_with_mirror(server: Mirror, crawl) -> dict:
            before = server.cpu()
            figures = crawl()
            figures["mirror_cpu"] = server.cpu() - before
            return figures

        newscrawl_run = pool.submit(measured_with_mirror, ours, lambda: crawl_newscrawl(
            ours.base_url, workdir / "newscrawl", timeout=timeout))
        bare_run = pool.submit(measured_with_mirror, theirs, lambda: crawl_bare(
            mirror_urls(articles, theirs.base_url), workdir / "bare", timeout=timeout))
        result["newscrawl"], result["bare"] = newscrawl_run.result(), bare_run.result()
    result["scrapy_bench"] = crawl_scrapy_bench(workdir / "bench", bench_seconds)
    for run in ("newscrawl", "bare", "scrapy_bench"):
        figures = result[run]
        figures["cpu_ms_per_page"] = 1000 * figures["cpu"] / max(1, figures["pages"])
        figures["pages_per_cpu_second"] = figures["pages"] / max(1e-9, figures["cpu"])
        server_cpu = figures.get("mirror_cpu", figures.get("server_cpu", 0.0))
        figures["server_cpu_share"] = server_cpu / max(1e-9, server_cpu + figures["cpu"])
        figures["server_cpu_ms_per_page"] = 1000 * server_cpu / max(1, figures["pages"])
    return result


def memory_run(articles: int, workdir: Path, *, timeout: float, kept_before: bool = False) -> dict:
    """Peak RSS of newscrawl's crawl of a whole *articles*-article mirror (every listing page).

    *kept_before*: the state store first holds every article as kept by an earlier run
    (``prepare_kept_state``), so the crawl discovers every article URL, checks each against
    the store and fetches none: the per-URL run state at full size, at a fraction of a first
    crawl's cost (a first crawl of 100,000 articles takes longer than the whole benchmark may)."""
    with mirror(articles, workdir) as server:
        if kept_before:
            prepare_kept_state(articles, server.base_url, workdir / "crawl")
        before = server.cpu()
        run = crawl_newscrawl(server.base_url, workdir / "crawl", timeout=timeout)
        run["mirror_cpu"] = server.cpu() - before
    run["articles"] = articles
    run["kept_before"] = kept_before
    return run


def prepare_kept_state(articles: int, base_url: str, workdir: Path) -> None:
    """The state store an earlier run leaves after keeping every article of the mirror: written
    through ``CrawlState.keep`` under the keys the spider computes (``url_key``)."""
    from newscrawl.spiders.almaghrib import AlmaghribSpider
    from newscrawl.state import CrawlState

    spider = AlmaghribSpider(base_url=base_url)
    state = CrawlState(workdir / ".newscrawl" / "state.sqlite")
    site = MirrorSite(articles=articles)
    try:
        for article in site.iter_all():
            url = spider.article_request_url(site.url(base_url, article.path))
            state.keep(spider.url_key(url), {
                "url": url, "source": spider.name, "headline": article.headline, "body": "\n".join(article.paragraphs),
                "date_published": article.published.isoformat(), "section": article.section_name})
    finally:
        state.close()


def mirror_page_costs(large: int, small: int = 300, repeat: int = 20) -> dict:
    """The mirror's CPU per page, in this process through its request router, on a *small* and
    a *large* site: the same kinds of page (home, first and deepest listing page, the newest and
    the oldest article) should cost about the same whatever the site's size.
    (An article is found by its URL's time of day: among articles/1440 candidates, checked by
    arithmetic, so the oldest of 100,000 costs a little more.)"""
    from newscrawl.mirror.server import route

    figures: dict[str, dict] = {}
    for which, articles in (("small", small), ("large", large)):
        site = MirrorSite(articles=articles)
        section = site.sections[0][0]
        listing = site.listing_path(section)
        deep = site.section_pages(section)
        pages = {"home": "/", "listing, first page": listing, "listing, deepest page": f"{listing}/?page={deep}",
                 "article, oldest": site.original(articles - 2).path, "article, newest": site.original(0).path}
        for name, path in pages.items():
            route(site, "http://127.0.0.1:8080", path)  # first call builds the site's small tables
            start = time.process_time()
            for _ in range(repeat):
                status, _, _ = route(site, "http://127.0.0.1:8080", path)
            assert status == 200, (name, path, status)
            figures.setdefault(name, {})[which] = 1000 * (time.process_time() - start) / repeat
    return {"small": small, "large": large,
            "ms_per_page": figures,
            "x_small": {name: costs["large"] / max(costs["small"], 1e-9) for name, costs in figures.items()}}


if __name__ == "__main__":  # ad-hoc: python -m benchmarks.crawl ARTICLES
    with tempfile.TemporaryDirectory(prefix="newscrawl-crawl-") as tmp:
        print(json.dumps(crawl_comparison(int(sys.argv[1]), Path(tmp), bench_seconds=5, timeout=3600), indent=1))

