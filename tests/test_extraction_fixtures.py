"""Article pages in templates other than the mirror's (hand-written, see fixtures/articles/README.md).

They use only the signals known to be real (og:, <title>, h1, #balmon, h4.coring, the GMT
stamp, the URL grammar) and invent everything else, so they check that extraction does not
depend on the mirror's own class names.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from newscrawl.dates import parse_date
from newscrawl.encoding import better_encoding
from newscrawl.extraction.article import extract_article
from newscrawl.sites.almaghrib import SITE

CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "articles").iterdir() if p.is_dir())


def load(case: Path) -> tuple[str, str, dict]:
    raw = (case / "page.html").read_bytes()
    encoding = better_encoding(raw, "cp1252") or "utf-8"  # what the downloader middleware does
    meta = json.loads((case / "meta.json").read_text("utf-8"))
    expected = json.loads((case / "expected.json").read_text("utf-8"))
    return raw.decode(encoding), meta["url"], expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("field", ["headline", "subtitle", "location", "author", "section", "image"])
def test_field(case, field):
    html, url, expected = load(case)
    got = extract_article(html, url, SITE).fields.get(field)
    assert got == expected.get(field), f"{case.name}.{field}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_body(case):
    html, url, expected = load(case)
    body = extract_article(html, url, SITE).fields.get("body") or ""
    assert body.split("\n\n") == expected["body"]
    for line in expected.get("must_not_contain", []):
        assert line not in body, line


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_date(case):
    html, url, expected = load(case)
    raw = extract_article(html, url, SITE).fields.get("date_published_raw")
    if expected.get("date_published") is None:
        assert raw is None
        return
    got = parse_date(raw, tz=SITE.timezone)
    assert got == datetime.fromisoformat(expected["date_published"]), raw
