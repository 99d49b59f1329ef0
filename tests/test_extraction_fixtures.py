"""Article pages in templates other than the mirror's (hand-written, see fixtures/articles/README.md).

They use only the signals known to be real (og:, <title>, h1, #balmon, h4.coring, the GMT
stamp, the URL grammar) and invent everything else, so they check that extraction does not
depend on the mirror's own class names.

Each fixture's expected.json lists every field extraction returns (null where it returns none),
the provenance of each, ``not_article`` and the parsed dates; one test is generated per
(fixture, value). A value in ``hand_corrected`` is one the code gets wrong today: its test is a
strict expected failure naming the bug, so fixing the bug turns it into a failure that asks for
the mark to go. ``python tests/fixtures/regen.py`` rewrites the other values from the current
output, for review.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REGEN_SCRIPT = Path(__file__).resolve().parent / "fixtures" / "regen.py"
_spec = importlib.util.spec_from_file_location("fixture_regen", REGEN_SCRIPT)
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)

CASES = regen.cases()


def _value_params():
    for case in CASES:
        expected = regen.load_expected(case)
        corrected = expected.get("hand_corrected", {})
        keys = [f"{section}.{name}" for section in ("fields", "provenance", "parsed_dates")
                for name in expected.get(section, {})] + ["not_article"]
        for key in keys:
            marks = [pytest.mark.xfail(strict=True, reason=corrected[key])] if key in corrected else []
            yield pytest.param(case, key, id=f"{case.name}:{key}", marks=marks)


def _lookup(document: dict, key: str):
    section, _, name = key.partition(".")
    return document[section].get(name) if name else document[section]


# The thirteen independent fixtures (README.md); more may be added, none may go.
ORIGINAL_CASES = {"amp_page", "breaking_short", "gulf_dates_cp1256_declared_wrong", "hamza_tatweel_title",
                  "inline_related_links_in_body", "jsonld_article", "lead_outside_balmon", "no_balmon_divs",
                  "opinion_bare_writer", "opinion_page", "seed_alt_template", "unsigned_slash_dateline",
                  "windows1256_no_charset"}


def test_the_thirteen_fixtures_are_all_here():
    assert ORIGINAL_CASES <= {c.name for c in CASES}


@pytest.mark.parametrize("case, key", list(_value_params()))
def test_value(case, key):
    expected = _lookup(regen.load_expected(case), key)
    got = _lookup(regen.observed(case), key)
    assert regen.same(key, got, expected), f"{case.name} {key}: got {got!r}, expected {expected!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_unexpected_field(case):
    """A field (or provenance entry) extraction returns that expected.json does not list fails:
    a new field must be reviewed and written down on every fixture (regen.py --all)."""
    expected, got = regen.load_expected(case), regen.observed(case)
    for section in ("fields", "provenance"):
        unexpected = sorted(set(got[section]) - set(expected[section]))
        assert not unexpected, f"{case.name}: {section} not in expected.json: {unexpected}"


def test_every_fixture_lists_every_field():
    """Each fixture lists the same field names (null where the page has none), so a field that
    goes missing on one page is caught as surely as one that changes."""
    names = {case.name: sorted(regen.load_expected(case)["fields"]) for case in CASES}
    assert len({tuple(v) for v in names.values()}) == 1, names
    assert {"headline", "body", "url", "tags", "description", "date_modified_raw"} <= set(names[CASES[0].name])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hand_corrections_name_listed_values_and_a_reason(case):
    expected = regen.load_expected(case)
    for key, reason in expected.get("hand_corrected", {}).items():
        section, _, name = key.partition(".")
        assert section in expected and (not name or name in expected[section]), f"{case.name}: stale mark {key}"
        assert len(reason.split()) >= 4, f"{case.name}: {key} needs a reason naming the bug"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_body_has_no_boilerplate(case):
    expected = regen.load_expected(case)
    body = "\n\n".join(regen.observed(case)["fields"].get("body") or [])
    assert expected["must_not_contain"], case.name
    for line in expected["must_not_contain"]:
        assert line not in body, line


# The regeneration script, run as a user runs it, on a copy of one fixture.


def _regen(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Run regen.py from a copy of the script whose articles/ folder is *folder*."""
    return subprocess.run([sys.executable, str(folder.parent / "regen.py"), *args], capture_output=True,
                          text=True, timeout=120, cwd=folder.parent.parent)


@pytest.fixture
def fixture_copy(tmp_path):
    """A checkout-shaped copy: <tmp>/tests/fixtures/{regen.py, articles/opinion_page}."""
    fixtures = tmp_path / "tests" / "fixtures"
    (fixtures / "articles").mkdir(parents=True)
    shutil.copy(REGEN_SCRIPT, fixtures / "regen.py")
    case = fixtures / "articles" / "opinion_page"
    shutil.copytree(REGEN_SCRIPT.parent / "articles" / "opinion_page", case)
    return case


def test_regen_rewrites_drifted_values_and_keeps_hand_corrections(fixture_copy):
    path = fixture_copy / "expected.json"
    original = json.loads(path.read_text("utf-8"))
    drifted = json.loads(path.read_text("utf-8"))
    drifted["fields"]["section"] = "stale value"
    drifted["fields"]["author"] = "كاتب آخر"  # a person's correction: must survive
    drifted["hand_corrected"] = {"fields.author": "a deliberate wrong mark for this test"}
    drifted["must_not_contain"] = ["hand-written line"]
    path.write_text(json.dumps(drifted, ensure_ascii=False), "utf-8")

    check = _regen(fixture_copy.parent, "--check", "opinion_page")
    assert check.returncode == 1, check.stderr
    assert "would change" in check.stdout
    assert json.loads(path.read_text("utf-8")) == drifted  # --check writes nothing

    done = _regen(fixture_copy.parent, "opinion_page")
    assert done.returncode == 0, done.stderr
    assert 'fields.section: "stale value" -> "آراء وتحليلات"' in done.stdout
    assert "kept hand-corrected" in done.stdout
    written = json.loads(path.read_text("utf-8"))
    assert written["fields"]["section"] == original["fields"]["section"]
    assert written["fields"]["author"] == "كاتب آخر"
    assert written["hand_corrected"] == {"fields.author": "a deliberate wrong mark for this test"}
    assert written["must_not_contain"] == ["hand-written line"]
    assert written["provenance"] == original["provenance"]
    assert _regen(fixture_copy.parent, "--check", "opinion_page").returncode == 0


def test_regen_reports_a_fixed_value_and_drops_its_mark_only_when_asked(fixture_copy):
    path = fixture_copy / "expected.json"
    marked = json.loads(path.read_text("utf-8"))
    marked["hand_corrected"] = {"provenance.body": "pretend bug: the body was once read by density"}
    path.write_text(json.dumps(marked, ensure_ascii=False), "utf-8")

    kept = _regen(fixture_copy.parent, "opinion_page")
    assert "provenance.body: FIXED" in kept.stdout
    assert "hand_corrected" in json.loads(path.read_text("utf-8"))

    dropped = _regen(fixture_copy.parent, "--accept-fixed", "opinion_page")
    assert dropped.returncode == 0, dropped.stderr
    assert "hand_corrected" not in json.loads(path.read_text("utf-8"))


def test_regen_writes_expected_json_for_a_new_fixture(fixture_copy):
    new_case = fixture_copy.parent / "new_page"
    new_case.mkdir()
    for name in ("page.html", "meta.json"):
        shutil.copy(fixture_copy / name, new_case / name)
    result = _regen(fixture_copy.parent, "--all")
    assert result.returncode == 0, result.stderr
    assert "new_page: written" in result.stdout
    written = json.loads((new_case / "expected.json").read_text("utf-8"))
    original = json.loads((fixture_copy / "expected.json").read_text("utf-8"))
    assert written["must_not_contain"] == []  # to be written by hand
    for section in ("fields", "provenance", "parsed_dates", "not_article"):
        assert written[section] == original[section], section


def test_regen_refuses_an_unknown_fixture_in_one_sentence(fixture_copy):
    result = _regen(fixture_copy.parent, "no_such_page")
    assert result.returncode == 2
    assert "no fixture named no_such_page" in result.stderr
    assert "Traceback" not in result.stderr
