"""Extraction output pinned on the 80 pages of ``<shared>/eval/``: every field, every provenance
entry and ``not_article`` that ``extract_article(html, url)`` returns, compared with
``tests/data/eval_expected_outputs.json``. (The article fixtures are pinned the same way by
their own expected.json: tests/test_extraction_fixtures.py.)

The stored file was written from the code before the extraction speed work (issue 13), so any
difference is a change of output: either a bug fix, named in the commit and the README, with
the file rewritten for it, or a bug.

    python tests/test_extraction_outputs.py --write    # rewrite the file from the current code
    python tests/test_extraction_outputs.py --diff     # print what differs, write nothing
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO / "tests" / "data" / "eval_expected_outputs.json"


def shared_eval_dir(shared: Path | None = None) -> Path:
    if shared is None:
        shared = Path(os.environ.get("NEWSCRAWL_SHARED", REPO.parent / "shared"))
    return shared / "eval"


def eval_pages(eval_dir: Path) -> list[tuple[str, str, str]]:
    """(manifest file, decoded page, URL) of every eval page, decoded as
    benchmarks/eval_extraction.py decodes them (the downloader middleware's choice of codec)."""
    from newscrawl.encoding import better_encoding

    pages = []
    for line in (eval_dir / "manifest.jsonl").read_text("utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        body = (eval_dir / record["file"]).read_bytes()
        declared = record.get("encoding_detected")
        codec = better_encoding(body, declared) or declared or "utf-8"
        try:
            html = body.decode(codec, "replace")
        except LookupError:
            html = body.decode("utf-8", "replace")
        pages.append((record["file"], html, record.get("url") or ""))
    return pages


def output(html: str, url: str) -> dict[str, Any]:
    """What extract_article returns for a page of no known site, in a JSON shape (the body one
    entry per paragraph, so a difference names the paragraph)."""
    from newscrawl.extraction.article import extract_article

    result = extract_article(html, url, None)
    fields = {name: (value.split("\n\n") if name == "body" and isinstance(value, str)
                     else list(value) if isinstance(value, tuple) else value)
              for name, value in result.fields.items()}
    return {"fields": fields, "provenance": dict(result.provenance), "not_article": result.not_article}


def differences(file: str, got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    lines = []
    for section in ("fields", "provenance"):
        for name in sorted(set(got[section]) | set(want[section])):
            if got[section].get(name) != want[section].get(name):
                lines.append(f"{file} {section}.{name}: got {got[section].get(name)!r:.300}, "
                             f"expected {want[section].get(name)!r:.300}")
    if got["not_article"] != want["not_article"]:
        lines.append(f"{file} not_article: got {got['not_article']!r}, expected {want['not_article']!r}")
    return lines


@pytest.fixture(scope="module")
def pages(shared) -> dict[str, tuple[str, str]]:
    return {file: (html, url) for file, html, url in eval_pages(shared_eval_dir(shared))}


@pytest.fixture(scope="module")
def observed(pages) -> dict[str, dict[str, Any]]:
    """Every page's output, read in manifest order in this process."""
    return {file: output(html, url) for file, (html, url) in pages.items()}


def test_every_eval_page_is_pinned(observed):
    expected = json.loads(EXPECTED.read_text("utf-8"))
    assert len(observed) == 80
    assert set(observed) == set(expected)


def test_eval_outputs_are_unchanged(observed):
    expected = json.loads(EXPECTED.read_text("utf-8"))
    lines = [line for file in sorted(expected) if file in observed
             for line in differences(file, observed[file], expected[file])]
    assert not lines, f"{len(lines)} values changed:\n" + "\n".join(lines[:40])


# Pages whose body is trafilatura's (the generic last resort, favor_precision) or was reshaped by
# its second opinion: the calls whose result a process-wide cache (trafilatura's deduplicate)
# would make depend on the pages read before.
TRAFILATURA_BODIES = ("pages/trafilatura/theintercept.com-Gaza.html",
                      "pages/trafilatura/caymancompass.com-prison.html",
                      "pages/readability/medium-3.html", "pages/aeb/34a7328535ad4e60.html")


def test_a_page_reads_the_same_whatever_was_read_before(pages, observed):
    """A, B, A, A in one process: each reading of A equals the first (issue 13: with trafilatura's
    default deduplicate a page gave 142 characters on the first call and nothing on the second)."""
    a, b = TRAFILATURA_BODIES[0], TRAFILATURA_BODIES[1]
    first = output(*pages[a])
    assert first["provenance"]["body"] == "trafilatura" and first["fields"]["body"]
    other = output(*pages[b])
    assert output(*pages[a]) == first
    assert output(*pages[a]) == first
    assert output(*pages[b]) == other
    assert first == observed[a] and other == observed[b]


def test_the_order_of_a_batch_changes_no_result(pages, observed):
    """The pages read in reverse and in a shuffled order give what the manifest order gave."""
    import random

    batch = [*TRAFILATURA_BODIES, *list(pages)[:12]]
    shuffled = batch[:]
    random.Random(13).shuffle(shuffled)
    for order in (batch[::-1], shuffled):
        results = {file: output(*pages[file]) for file in order}
        changed = [file for file in batch if results[file] != observed[file]]
        assert not changed, f"results changed with the order of the batch: {changed}"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO))
    now = {file: output(html, url) for file, html, url in eval_pages(shared_eval_dir())}
    if "--write" in argv:
        EXPECTED.write_text(json.dumps(now, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
        print(f"wrote {len(now)} pages to {EXPECTED}")
        return 0
    expected = json.loads(EXPECTED.read_text("utf-8"))
    lines = [line for file in sorted(now) for line in differences(file, now[file], expected.get(file) or
                                                                   {"fields": {}, "provenance": {}, "not_article": None})]
    print("\n".join(lines) or "no differences")
    return 1 if lines else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
