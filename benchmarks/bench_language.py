"""Language identification on the eval pages: accuracy and cost of candidate identifiers, and of
newscrawl's ``language`` field against the extraction it is part of.

    python benchmarks/bench_language.py [--shared PATH]

Each page is extracted once with ``extract_article(html, url)`` (no site: the generic page),
timed in CPU time. Pages whose extracted body has 50 words or more are scored: the language
the manifest names, except where :data:`LABEL_CORRECTIONS` documents that the manifest's label
contradicts the page's own gold text. Candidates not installed are listed as such (install them
with ``pip install py3langid langdetect lingua-language-detector`` to compare).

Every candidate reads the same text: the body's first ``SAMPLE_CHARS`` characters (the cost of
the whole body is printed too), timed in CPU time per call after one warm-up call; a model's
one-time load is printed apart.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newscrawl.language import SAMPLE_CHARS, decide, word_count  # noqa: E402

MIN_WORDS = 50  # the bar: every page with a body of this many words is told right

# The manifest labels a page's language from its <html lang> where a source gave none. Two
# German stories are served under <html lang="en">: their gold titles and body snippets (from
# trafilatura's test set, human-made) are German, so German is their right language.
LABEL_CORRECTIONS = {
    "pages/trafilatura/volksblatt.at-Alkoholkonsum.html":
        ("de", "gold title 'Österreich erneut im Spitzenfeld bei Alkoholkonsum', German snippets; html lang=en"),
    "pages/trafilatura/presse-ausburg.de-Tarifverbund.html":
        ("de", "gold title 'Augsburger Verkehrs- und Tarifverbund AVV erhöht die ÖPNV-Preise deutlich'; html lang=en"),
}


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_extraction", REPO / "benchmarks" / "eval_extraction.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_extraction", module)
    spec.loader.exec_module(module)
    return module


def extracted_pages(shared: Path) -> list[dict]:
    """Every eval page: its file, manifest language, right language, extracted body and
    extraction CPU time (seconds)."""
    from newscrawl.extraction.article import extract_article

    records, _, pages = _eval_module().load(shared)
    out = []
    for record in records:
        html = pages[record["file"]]
        started = time.process_time()
        extraction = extract_article(html, record["url"])
        spent = time.process_time() - started
        out.append({"file": record["file"], "manifest": record["lang"], "html_lang": record.get("html_lang"),
                    "right": LABEL_CORRECTIONS.get(record["file"], (record["lang"],))[0],
                    "body": extraction.fields.get("body") or "", "language": extraction.fields.get("language"),
                    "step": extraction.provenance.get("language"), "extraction_s": spent})
    return out


def _pycld2() -> Callable[[str], str | None]:
    import pycld2

    def identify(text: str) -> str | None:
        _, _, details = pycld2.detect(text, isPlainText=True)
        return details[0][1] if details[0][1] != "un" else None
    return identify


def _py3langid() -> Callable[[str], str | None]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: identifier.classify(text)[0]


def _langdetect() -> Callable[[str], str | None]:
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0  # langdetect is random otherwise
    return detect


def _lingua() -> Callable[[str], str | None]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def identify(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else None
    return identify


CANDIDATES = {"pycld2": _pycld2, "py3langid": _py3langid, "langdetect": _langdetect,
              "lingua-language-detector": _lingua}


def _cpu_us(function: Callable[[str], object], text: str) -> tuple[object, float]:
    started = time.process_time_ns()
    result = function(text)
    return result, (time.process_time_ns() - started) / 1000


def measure_candidate(make: Callable, pages: list[dict]) -> dict:
    started = time.process_time()
    identify = make()
    load_ms = (time.process_time() - started) * 1000
    identify("a warm-up sentence, so that no lazy start is counted against the first page")
    scored = [p for p in pages if word_count(p["body"]) >= MIN_WORDS]
    sample_us, whole_us, wrong = [], [], []
    for page in scored:
        got, spent = _cpu_us(identify, page["body"][:SAMPLE_CHARS])
        sample_us.append(spent)
        whole_us.append(_cpu_us(identify, page["body"])[1])
        if got != page["right"]:
            wrong.append(f"{Path(page['file']).name}: {got} for {page['right']}")
    return {"right": len(scored) - len(wrong), "pages": len(scored), "load_ms": load_ms,
            "mean_us": statistics.mean(sample_us), "median_us": statistics.median(sample_us),
            "whole_mean_us": statistics.mean(whole_us), "wrong": wrong}


def measure_field(pages: list[dict]) -> dict:
    """newscrawl's own decision (identifier plus declarations) as extracted, and its cost
    beside the extraction's."""
    scored = [p for p in pages if word_count(p["body"]) >= MIN_WORDS]
    right = [p for p in scored if p["language"] == p["right"]]
    as_labelled = [p for p in scored if p["language"] == p["manifest"]]
    costs = [_cpu_us(lambda text: decide(text, [("html_lang", None)]), p["body"])[1] for p in pages]
    extraction_us = [p["extraction_s"] * 1e6 for p in pages]
    return {"right": len(right), "as_labelled": len(as_labelled), "pages": len(scored),
            "wrong": [f"{Path(p['file']).name}: {p['language']} for {p['right']}" for p in scored if p not in right],
            "mean_us": statistics.mean(costs), "median_us": statistics.median(costs),
            "extraction_mean_us": statistics.mean(extraction_us),
            "extraction_median_us": statistics.median(extraction_us),
            "share": sum(costs) / sum(extraction_us)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=None, help="the shared folder holding eval/")
    args = parser.parse_args(argv)
    shared = args.shared or _eval_module().default_shared()
    if not (shared / "eval" / "manifest.jsonl").exists():
        print(f"Error: no eval pages at {shared / 'eval'}; pass --shared", file=sys.stderr)
        return 2
    pages = extracted_pages(shared)
    print(f"{len(pages)} eval pages; {sum(word_count(p['body']) >= MIN_WORDS for p in pages)} with a body of "
          f"{MIN_WORDS}+ words (scored)\n")
    print(f"{'identifier':26} {'right':>7} {'µs/article':>11} {'median':>8} {'whole body':>11} {'load ms':>8}")
    for name, make in CANDIDATES.items():
        try:
            result = measure_candidate(make, pages)
        except ImportError:
            print(f"{name:26} not installed")
            continue
        print(f"{name:26} {result['right']:>3}/{result['pages']:<3} {result['mean_us']:>11.0f} "
              f"{result['median_us']:>8.0f} {result['whole_mean_us']:>11.0f} {result['load_ms']:>8.0f}")
        for line in result["wrong"]:
            print(f"    wrong: {line}")
    field = measure_field(pages)
    print(f"\nnewscrawl language field: {field['right']}/{field['pages']} right "
          f"({field['as_labelled']}/{field['pages']} as the manifest labels them; corrections: "
          f"{', '.join(Path(f).name for f in LABEL_CORRECTIONS)})")
    for line in field["wrong"]:
        print(f"    wrong: {line}")
    print(f"cost: {field['mean_us']:.0f} µs/article mean ({field['median_us']:.0f} median); extraction "
          f"{field['extraction_mean_us'] / 1000:.1f} ms mean ({field['extraction_median_us'] / 1000:.1f} median); "
          f"language is {field['share']:.1%} of the extraction's CPU time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
