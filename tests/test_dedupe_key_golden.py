"""The dedupe keys stay bit-identical: every labelled title, and a sample of the benchmark's.

``tests/data/dedupe_keys_golden.json`` holds, for every headline of the labelled pairs
(``tests/data/title_pairs.tsv``, both sides), every string literal of
``tests/test_dedupe_keys.py`` and the first titles ``benchmarks/bench_dedupe.py`` generates,
the exact key (``title_key``), the near-duplicate content codes and the LSH band keys,
as the code computed them before the Arabic folding moved to ``newscrawl.arabic``.
A stored state (titles.sqlite of an earlier run) holds these values, so any change to them
silently splits stories that were one.

The JSON is written by ``python tests/test_dedupe_key_golden.py --record``. Re-record only
when the key is meant to change, and then bump ``near.TOKEN_VERSION`` too.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from newscrawl.dedupe import title_key
from newscrawl.dedupe.keys import compose_rules
from newscrawl.dedupe.near import band_keys, content_codes

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "data" / "dedupe_keys_golden.json"
PAIRS = Path(__file__).parent / "data" / "title_pairs.tsv"
BENCH_TITLES = 300


def labelled_titles() -> list[tuple[str, str]]:
    """(source, headline) for both sides of every labelled pair."""
    out = []
    for number, line in enumerate(PAIRS.read_text("utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        _label, _tag, _subset, a, b = line.split("\t")
        out += [(f"title_pairs.tsv:{number}:a", a), (f"title_pairs.tsv:{number}:b", b)]
    return out


def key_test_literals() -> list[tuple[str, str]]:
    """Every string literal of the key unit tests: the edge cases someone thought of."""
    tree = ast.parse((ROOT / "tests" / "test_dedupe_keys.py").read_text("utf-8"))
    texts = dict.fromkeys(node.value for node in ast.walk(tree)
                          if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return [("test_dedupe_keys.py", text) for text in texts]


def bench_titles() -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_dedupe import generate
    finally:
        sys.path.pop(0)
    return [(f"bench_dedupe.generate:{i}", row[0]) for i, row in enumerate(generate(BENCH_TITLES, seed=7))]


def keys_of(text: str) -> dict:
    key = title_key(text)
    codes = content_codes(key)
    return {"key": key, "codes": codes, "bands": band_keys(codes, key)}


def record() -> None:
    rows = [{"source": source, "text": text, **keys_of(text)}
            for source, text in labelled_titles() + key_test_literals() + bench_titles()]
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)  # one title a line: readable diffs
    GOLDEN.write_text('{"titles": [\n' + lines + "\n]}\n", "utf-8")
    print(f"{len(rows)} titles recorded in {GOLDEN}")


def _golden_rows() -> list[dict]:
    return json.loads(GOLDEN.read_text("utf-8"))["titles"]


def test_golden_covers_every_labelled_pair():
    recorded = {(row["source"], row["text"]) for row in _golden_rows()}
    missing = [source for source, text in labelled_titles() if (source, text) not in recorded]
    assert not missing, f"title_pairs.tsv rows without a recorded key: {missing[:5]}"


def test_keys_codes_and_bands_unchanged():
    changed = []
    for row in _golden_rows():
        got = keys_of(row["text"])
        want = {"key": row["key"], "codes": row["codes"], "bands": row["bands"]}
        if got != want:
            changed.append((row["source"], row["text"], want["key"], got["key"]))
    assert not changed, f"{len(changed)} titles changed key, first: {changed[:3]}"


@pytest.mark.parametrize("source_filter", ["title_pairs.tsv", "bench_dedupe"])
def test_fused_key_still_equals_the_rule_composition(source_filter):
    rows = [row for row in _golden_rows() if row["source"].startswith(source_filter)]
    assert rows
    for row in rows:
        assert compose_rules(row["text"]) == row["key"], row["source"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/test_dedupe_key_golden.py --record")
    record()
