"""The metric code of benchmarks/eval_extraction.py, on synthetic pages (no real eval results)."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "eval_extraction.py"


@pytest.fixture(scope="module")
def ev():
    spec = importlib.util.spec_from_file_location("eval_extraction", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_extraction"] = module
    spec.loader.exec_module(module)
    return module


def test_tokens_fold_case_and_keep_tashkeel_inside_words(ev):
    assert ev.tokens("Hello, WORLD! ثمّن الإمارات.") == ["hello", "world", "ثمّن", "الإمارات"]


def test_prf_is_bag_of_words(ev):
    p, r, f = ev.prf("a b c x", "a b c d e f")
    assert (p, r) == (0.75, 0.5)
    assert f == pytest.approx(0.6)
    assert ev.prf(None, "a b") == (0.0, 0.0, 0.0)
    assert ev.prf("a a", "a") == (0.5, 1.0, pytest.approx(2 / 3))


def test_snippets_and_headlines_ignore_spacing_only(ev):
    assert ev.contains("Chirac le surnommait le Grand Con", "surnommaitle Grand")
    assert not ev.contains(None, "x")
    assert ev.headline_ok(" A\u00a0 title\n", "A title")
    assert not ev.headline_ok("A Title", "A title")


def test_dates(ev):
    plus3 = timezone(timedelta(hours=3))
    gold = ev.read_iso("2020-12-01T02:00+03:00")
    assert gold.has_time
    # same instant, another offset: right day and minute
    utc = ev.Moment(datetime(2020, 11, 30, 23, 0, tzinfo=timezone.utc), True)
    assert ev.compare_dates(utc, gold) == (True, True)
    # the clock read as UTC: right day, wrong minute
    assert ev.compare_dates(ev.Moment(datetime(2020, 12, 1, 2, 0, tzinfo=timezone.utc), True), gold) == (True, False)
    # a day without a time never scores the minute
    assert ev.compare_dates(ev.read_iso("2020-12-01"), gold) == (True, False)
    # htmldate's naive midnight means "no time found"
    assert not ev.read_iso("2020-12-01T00:00:00").has_time
    # naive gold: wall clocks compared as stated
    assert ev.compare_dates(ev.Moment(datetime(2020, 8, 24, 9, 23, 13, tzinfo=plus3), True),
                            ev.read_iso("2020-08-24T09:23")) == (True, True)
    # gold without a time: the day only
    assert ev.compare_dates(ev.read_iso("2020-06-02"), ev.read_iso("2020-06-03")) == (False, None)
    assert ev.compare_dates(None, gold) == (False, False)


FULL_PAGE = {
    "file": "pages/a.html", "lang": "en",
    "gold": {"title": "Full  page", "date": "2021-01-02T10:00:00+01:00", "body": "one two three four"},
    "gold_has": {"title": True, "date": True, "body_full": True, "body_snippets": False},
}
SNIPPET_PAGE = {
    "file": "pages/b.html", "lang": "ar",
    "gold": {"title": "عنوان", "date": None, "body": None,
             "body_must_contain": ["الفقرة الأولى", "غير موجود"], "body_must_not_contain": ["تعليق"]},
    "gold_has": {"title": True, "date": False, "body_full": False, "body_snippets": True},
}
ANNOTATION = {"file": "pages/b.html", "headline": "عنوان", "author": "كاتب", "date_iso": "2019-02-08",
              "body_first": "الفقرة الأولى", "body_last": "نهاية.", "must_not": ["تعليق", "حقوق"]}


def test_scores_and_summary_on_two_pages(ev):
    full = ev.score_manifest(FULL_PAGE, ev.Prediction(
        headline="Full page", date=ev.read_iso("2021-01-02"), body="one two five", ms=2.0))
    assert (full.headline, full.day, full.minute) == (True, True, False)
    assert full.body_prf[:2] == (pytest.approx(2 / 3), 0.5)
    snip_pred = ev.Prediction(headline="عنوان - الموقع", body="الفقرة   الأولى\n\nنهاية.", author="كاتب", ms=4.0)
    snip = ev.score_manifest(SNIPPET_PAGE, snip_pred)
    assert (snip.headline, snip.day, snip.must, snip.must_not) == (False, None, (1, 2), (1, 1))

    summary = ev.summarise([full, snip])
    assert summary["headline"] == "50% (1/2)"
    assert summary["date (day)"] == "100% (1/1)"
    assert summary["date (minute)"] == "0% (0/1)"
    assert summary["must-contain"] == "50% (1/2)"
    assert summary["body P / R / F1 (pages)"] == "0.67 / 0.50 / 0.57 (1)"
    assert summary["ms/page"] == "3.0 (3.0)"

    hand = ev.score_hand(ANNOTATION, snip_pred)
    assert (hand.headline, hand.author, hand.first, hand.last, hand.must_not) == (False, True, True, True, (2, 2))
    assert hand.day is False  # no date predicted

    dates_only = ev.score_manifest(FULL_PAGE, ev.Prediction(date=ev.read_iso("2021-01-02"), has=("date",)))
    assert dates_only.headline is None and dates_only.body_prf is None and dates_only.day


def _tiny_shared(tmp_path: Path) -> Path:
    """A shared folder with the two synthetic pages: a.html (tuned half), b.html (held-out half)."""
    pages = tmp_path / "eval" / "pages"
    pages.mkdir(parents=True)
    paragraph = "<p>" + "This sentence belongs to the article body. " * 6 + "</p>"
    (pages / "a.html").write_text(f"<html><head><title>Full page</title></head><body><h1>Full page</h1>"
                                  f"{paragraph * 3}</body></html>", "utf-8")
    (pages / "b.html").write_text(f"<html lang='ar'><body><h1>عنوان</h1><p>{'الفقرة الأولى من النص. ' * 12}</p>"
                                  f"<p>{'نص آخر في المقال. ' * 12}نهاية.</p></body></html>", "utf-8")
    manifest = [dict(r, url=f"https://example.com/{r['file']}", encoding_detected="utf-8")
                for r in (FULL_PAGE, SNIPPET_PAGE)]
    (tmp_path / "eval" / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in manifest), "utf-8")
    (tmp_path / "eval" / "arabic_annotations.jsonl").write_text(json.dumps(ANNOTATION), "utf-8")
    return tmp_path


def test_script_runs_on_a_tiny_shared_folder(ev, tmp_path, capsys):
    assert ev.main(["--shared", str(_tiny_shared(tmp_path)), "--detail"]) == 0
    out = capsys.readouterr().out
    for title in ("Arabic pages", "Arabic (hand-read)", "All pages", "Per page"):
        assert title in out
    for title in ("All pages (2 pages, manifest gold) [all]", "All pages (1 pages, manifest gold) [tuned]",
                  "All pages (1 pages, manifest gold) [held-out]"):
        assert title in out
    for tool in ("newscrawl", "trafilatura", "htmldate"):
        assert f"| {tool} |" in out
    assert out.count("| a.html | tuned |") == 3 and out.count("| b.html (hand) | held-out |") == 3


def test_held_out_split_is_the_path_hash_alone(ev):
    import hashlib

    files = [f"pages/site{i}/page{i}.html" for i in range(40)]
    records = [{"file": f} for f in files]
    halves = ev.split_records(records)
    assert halves["all"] == records
    held = [r["file"] for r in halves["held-out"]]
    assert held == [f for f in files if hashlib.sha256(f.encode("utf-8")).digest()[0] % 2 == 0]
    assert sorted(held + [r["file"] for r in halves["tuned"]]) == sorted(files)
    # Order and company do not move a page: the same file is in the same half in any list.
    assert ev.split_records(list(reversed(records)))["held-out"] == list(reversed(halves["held-out"]))
    assert ev.is_held_out("pages/b.html") and not ev.is_held_out("pages/a.html")
    assert "SHA-256" in ev.HELD_OUT_RULE


def test_both_halves_of_the_real_eval_set_are_non_empty(ev, shared):
    records, _, _ = ev.load(shared)
    halves = ev.split_records(records)
    assert len(halves["tuned"]) + len(halves["held-out"]) == len(records) == 80
    # Each half carries every kind of gold, so each reports every table.
    for name in ("tuned", "held-out"):
        half = halves[name]
        assert len(half) >= 20, name
        assert any(r.get("lang") == "ar" for r in half), name
        assert any(r["gold_has"].get("body_full") for r in half), name
        assert any(r["gold_has"].get("body_snippets") for r in half), name


def test_json_figures_per_split_table_and_tool(ev, tmp_path, capsys):
    shared = _tiny_shared(tmp_path)
    out_path = tmp_path / "figures.json"
    assert ev.main(["--shared", str(shared), "--json", str(out_path)]) == 0
    printed = capsys.readouterr().out
    for name in ("## Split: all (2 pages)", "## Split: tuned (1 pages)", "## Split: held-out (1 pages)",
                 "tuned: 1 pages; held-out: 1 pages", "SHA-256"):
        assert name in printed
    figures = json.loads(out_path.read_text("utf-8"))
    assert figures["held_out_rule"] == ev.HELD_OUT_RULE
    assert set(figures["splits"]) == {"all", "tuned", "held-out"}
    assert figures["splits"]["held-out"]["files"] == ["pages/b.html"]
    assert figures["splits"]["tuned"]["files"] == ["pages/a.html"]
    for split in figures["splits"].values():
        assert set(split["tables"]) == {"arabic", "arabic_hand", "all_pages"}
        for tables in split["tables"].values():
            assert set(tables) == {"newscrawl", "trafilatura", "htmldate"}
            for row in tables.values():
                assert {"pages", "headline", "date_day", "date_minute", "body", "must_contain", "must_not",
                        "ms_per_page"} <= set(row)
    whole = figures["splits"]["all"]["tables"]["all_pages"]
    newscrawl = whole["newscrawl"]
    assert newscrawl["pages"] == 2
    assert set(newscrawl["body"]) == {"precision", "recall", "f1", "pages"} and newscrawl["body"]["pages"] == 1
    assert set(newscrawl["ms_per_page"]) == {"mean", "median"} and newscrawl["ms_per_page"]["mean"] > 0
    assert newscrawl["headline"]["n"] == 2 and newscrawl["must_contain"]["n"] == 2
    assert whole["trafilatura"]["date_minute"] is None  # its date is a day without a time
    assert whole["htmldate"]["body"] is None and whole["htmldate"]["headline"] is None
    # The held-out half has only the snippet page: no full-text body score there.
    assert figures["splits"]["held-out"]["tables"]["all_pages"]["newscrawl"]["body"] is None


def test_json_path_in_a_missing_folder_is_refused_before_running(ev, tmp_path, capsys):
    shared = _tiny_shared(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        ev.main(["--shared", str(shared), "--json", str(tmp_path / "no" / "such" / "figures.json")])
    assert exit_info.value.code == 2
    assert "does not exist" in capsys.readouterr().err
