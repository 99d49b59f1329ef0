"""`python -m benchmarks --quick` keeps working: it runs every benchmark (real crawls of a real
mirror, in their own processes) and writes one table and results.json of the documented shape.
No timing is asserted: CI machines are shared and the quick sizes are too small to mean much."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, shared_dir


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", str(out),
                             "--shared", str(shared_dir())], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_quick_run_prints_one_table_matching_the_json(quick_run):
    stdout, results = quick_run
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    assert lines[0] == "| section | figure | value | ratio |"
    rows = lines[2:]
    assert len(rows) == len(results["table"]) > 20
    for line, row in zip(rows, results["table"]):
        assert line == f"| {row['section']} | {row['figure']} | {row['value']} | {row['ratio']} |"
    assert results["quick"] is True
    assert {"cpu", "cores", "python", "scrapy"} <= set(results["machine"])


def test_per_page_steps_are_ratios_to_the_lxml_floor(quick_run):
    _, results = quick_run
    mirror = results["per_page"]["mirror"]
    steps = {"lxml parse", "decoding", "extraction", "spider callback", "pipelines", "bytes → item",
             "trafilatura.extract"}
    assert set(mirror["ms_per_page"]) == set(mirror["x_lxml"]) == steps
    assert mirror["x_lxml"]["lxml parse"] == 1.0
    assert all(value > 0 for value in mirror["ms_per_page"].values())
    eval_pages = results["per_page"]["eval"]
    assert "skipped" in eval_pages or set(eval_pages["x_lxml"]) == steps


def test_crawls_fetch_the_mirror_and_report_cpu_per_page(quick_run):
    _, results = quick_run
    crawl = results["crawl"]
    ours, bare, bench = crawl["newscrawl"], crawl["bare"], crawl["scrapy_bench"]
    # newscrawl kept the mirror's articles; the bare fetch fetched at least as many pages.
    assert ours["items"] >= crawl["articles"] * 0.9
    assert bare["pages"] >= ours["pages"] * 0.9 and bench["pages"] > 0
    for run in (ours, bare, bench):
        assert run["steady_cpu_ms_per_page"] > 0 and 0 < run["server_cpu_share"] < 1
    memory = results["memory"]
    first_small, first_large = memory["first_crawls"]["runs"]
    assert first_small["articles"] < first_large["articles"] and first_large["items"] > first_small["items"]
    for run in memory["reruns"]["runs"]:
        # Every article kept before: every listing page (ten stories each) fetched, no article, no item.
        assert run["kept_before"] and run["items"] == 0 and run["pages"] > run["articles"] / 20
        assert run["max_rss_mb"] > 0
    assert memory["large_mirror_cpu_ms_per_page"] > 0


def test_mirror_dates_and_dedupe_figures_are_present(quick_run):
    _, results = quick_run
    mirror = results["mirror"]
    assert mirror["large"] == 100_000
    assert set(mirror["x_small"]) == {"home", "listing, first page", "listing, deepest page", "article, oldest",
                                      "article, newest"}
    assert results["dates"]["right"]["newscrawl"] >= results["dates"]["right"]["dateparser"]
    assert results["dedupe"]["copies_caught"] > 0.5


def test_readme_performance_table_is_the_committed_results():
    """The README's figures are those of benchmarks/results.json (the last full run), row for row."""
    results = json.loads((REPO / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert results["quick"] is False, "results.json must hold a full run, not --quick"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Performance\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| ") and line.count("|") == 5]
    expected = [f"| {row['section']} | {row['figure']} | {row['value']} | {row['ratio']} |" for row in results["table"]]
    assert table[1:] == expected  # table[0] is the header
    assert results["started"][:16] in section, "the README names the run it shows"
