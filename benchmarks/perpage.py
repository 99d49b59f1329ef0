"""Per-page CPU cost of newscrawl, step by step, against the lxml parse floor and trafilatura.

Each page goes through, in this one process, on the same bytes:

- ``lxml parse``: ``lxml.html.fromstring`` of the decoded text (the floor: no extractor can
  read a page for less);
- ``decoding``: ``ArabicEncodingMiddleware.process_response`` and the response's text;
- ``extraction``: ``extract_article`` (the site's page object on mirror pages, the generic
  one on the eval pages);
- ``spider callback``: the whole ``parse_article`` (mirror, the almaghrib spider) or
  ``parse_page`` (eval, the generic news spider): checks, extraction, item;
- ``pipelines``: the project's item pipelines (required fields, language, dates, title dedupe
  into a SQLite store), on the callback's item;
- ``bytes → item``: decoding + callback + pipelines, i.e. all of newscrawl on a page;
- ``trafilatura.extract``: with its defaults, on the decoded text.

Figures are CPU seconds (``time.process_time``) over all pages, the median of several rounds
(tools alternate within a round, so a busy machine slows them alike), given as a ratio to the
lxml parse of the same pages in the same run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

MIRROR_BASE = "http://127.0.0.1:8080"  # the mirror's pages are read as a crawl of a mirror there reads them
STEPS = ("lxml parse", "decoding", "extraction", "spider callback", "pipelines", "bytes → item", "trafilatura.extract")


def mirror_pages(count: int) -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of the first *count* article pages of a mirror, as served."""
    from newscrawl.mirror.content import MirrorSite
    from newscrawl.mirror.server import route

    site = MirrorSite(articles=max(count, 300))
    base = MIRROR_BASE
    found = []
    for article in site.iter_all():
        status, content_type, body = route(site, base, article.path)
        if status == 200:
            found.append((site.url(base, article.path), body, content_type))
        if len(found) == count:
            break
    return found


def eval_pages(shared: Path, count: int | None = None) -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of the pages of ``<shared>/eval`` (manifest order)."""
    import json

    eval_dir = shared / "eval"
    records = [json.loads(line) for line in (eval_dir / "manifest.jsonl").read_text("utf-8").splitlines() if line.strip()]
    pages = []
    for record in records[:count]:
        declared = record.get("encoding_detected")
        content_type = f"text/html; charset={declared}" if declared else "text/html"
        pages.append((record.get("url") or "https://example.org/", (eval_dir / record["file"]).read_bytes(), content_type))
    return pages


class Harness:
    """A real crawler (project settings, a temporary state directory), its spider, the
    encoding middleware and the item pipelines, driven page by page."""

    def __init__(self, spider_name: str, state_dir: Path):
        from scrapy.utils.misc import build_from_crawler
        from scrapy.utils.project import get_project_settings
        from scrapy.spiderloader import SpiderLoader

        import os
        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
        settings = get_project_settings().copy_to_dict()
        settings.update({"NEWSCRAWL_STATE_DIR": str(state_dir), "NEWSCRAWL_DUPLICATES_FEED": "", "LOG_ENABLED": False})
        spidercls = SpiderLoader.from_settings(get_project_settings()).load(spider_name)
        from scrapy.utils.reactor import install_reactor, is_reactor_installed

        if not is_reactor_installed():
            install_reactor(settings["TWISTED_REACTOR"] or "twisted.internet.asyncioreactor.AsyncioSelectorReactor")
        self.crawler = get_crawler(spidercls, settings)
        kwargs = {"start": "https://example.org/"} if spider_name == "news" else {"base_url": MIRROR_BASE}
        self.spider = self.crawler._create_spider(**kwargs)
        self.crawler.spider = self.spider
        from newscrawl.middlewares import ArabicEncodingMiddleware
        from newscrawl.pipelines import DatePipeline, LanguagePipeline, RequiredFieldsPipeline, TitleDedupePipeline

        self.middleware = build_from_crawler(ArabicEncodingMiddleware, self.crawler)
        self.pipelines = [build_from_crawler(cls, self.crawler) for cls in
                          (RequiredFieldsPipeline, LanguagePipeline, DatePipeline, TitleDedupePipeline)]
        self.callback = self.spider.parse_article if spider_name != "news" else self.spider.parse_page

    def close(self) -> None:
        self.pipelines[-1].store.close()

    def response(self, url: str, body: bytes, content_type: str):
        request = Request(url, meta={"article": True, "feed": {}}, dont_filter=True)
        return HtmlResponse(url, body=body, headers={"Content-Type": content_type}, request=request)

    def decode(self, response):
        response = self.middleware.process_response(response.request, response)
        response.text  # noqa: B018 (decoding happens here)
        return response

    def items(self, response) -> list:
        return [out for out in self.callback(response) if not isinstance(out, Request)]

    def pipe(self, item):
        from scrapy.exceptions import DropItem

        try:
            for pipeline in self.pipelines:
                item = pipeline.process_item(item)
        except DropItem:
            return None
        return item


def _cpu(function: Callable[[], object]) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def measure(pages: list[tuple[str, bytes, str]], spider_name: str, rounds: int) -> dict:
    """CPU seconds per step over *pages*: the median of *rounds* rounds, and the ratios."""
    import lxml.html
    import trafilatura

    from newscrawl.extraction.article import extract_article
    from newscrawl.sites import site_for_url

    import logging

    logging.disable(logging.CRITICAL)  # the crawl logs to a file; here no handler should cost time
    totals: dict[str, list[float]] = {step: [] for step in STEPS}
    with tempfile.TemporaryDirectory(prefix="newscrawl-perpage-") as tmp:
        for number in range(rounds + 1):  # round 0 warms every tool up (imports, caches) and is not counted
            harness = Harness(spider_name, Path(tmp) / f"state{number}")
            spent = dict.fromkeys(STEPS, 0.0)
            for url, body, content_type in pages:
                response = harness.response(url, body, content_type)
                spent["decoding"] += _cpu(lambda: harness.decode(response))
                text = harness.decode(harness.response(url, body, content_type)).text
                spent["lxml parse"] += _cpu(lambda: lxml.html.fromstring(text))
                site = harness.spider.site if spider_name != "news" else site_for_url(url)
                spent["extraction"] += _cpu(lambda: extract_article(text, url, site, feed={}))
                items: list = []
                spent["spider callback"] += _cpu(lambda: items.extend(harness.items(harness.decode(
                    harness.response(url, body, content_type)))))
                spent["pipelines"] += _cpu(lambda: [harness.pipe(item) for item in items])
                spent["trafilatura.extract"] += _cpu(lambda: trafilatura.extract(text, url=url))
            harness.close()
            # The whole path on its own, with a fresh state, so its dedupe verdicts match the steps'.
            whole = Harness(spider_name, Path(tmp) / f"whole{number}")
            for url, body, content_type in pages:
                response = whole.response(url, body, content_type)
                spent["bytes → item"] += _cpu(lambda: [whole.pipe(item) for item in whole.items(whole.decode(response))])
            whole.close()
            if number:
                for step, seconds in spent.items():
                    totals[step].append(seconds)
    logging.disable(logging.NOTSET)
    median = {step: statistics.median(values) for step, values in totals.items()}
    floor = median["lxml parse"] or 1e-9
    return {"pages": len(pages), "rounds": rounds,
            "ms_per_page": {step: 1000 * seconds / len(pages) for step, seconds in median.items()},
            "x_lxml": {step: seconds / floor for step, seconds in median.items()}}


if __name__ == "__main__":  # ad-hoc: python -m benchmarks.perpage
    import json

    print(json.dumps(measure(mirror_pages(int(sys.argv[1]) if len(sys.argv) > 1 else 30), "almaghrib", 1), indent=1))
