"""``scrapy ccnews`` against a local Common Crawl stand-in: MB/s and peak memory.

    python benchmarks/bench_backfill.py [--mb 100] [--files 2] [--share 0.02]

Builds ``--files`` WARC files of about ``--mb`` MB each (compressed) in one month, with a
``--share`` of the records from almaghribtoday.net (mirror pages) and the rest from other hosts
(mirror pages of a sibling site), serves them over HTTP on 127.0.0.1, runs the real command
and reports the rate the files were streamed at and the command's peak resident memory.
"""

from __future__ import annotations

import argparse
import gzip
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from newscrawl.mirror.content import MirrorSite  # noqa: E402
from newscrawl.mirror.server import route  # noqa: E402
from newscrawl.warc import Exchange, WarcFileWriter  # noqa: E402


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def pages(site: MirrorSite, base: str):
    for article in site.iter_all():
        url = site.url(base, article.path)
        status, content_type, body = route(site, base, url.removeprefix(base))
        if status == 200:
            yield url, content_type, body


def build(root: Path, megabytes: float, files: int, share: float) -> list[str]:
    ours = list(pages(MirrorSite(articles=3000), "https://www.almaghribtoday.net"))
    others = list(pages(MirrorSite(articles=3000, site_key="arabstoday"), "https://www.arabstoday.net"))
    month = root / "crawl-data" / "CC-NEWS" / "2019" / "01"
    listed, used = [], 0
    for number in range(files):
        relative = f"crawl-data/CC-NEWS/2019/01/CC-NEWS-bench-{number:05d}.warc.gz"
        writer = WarcFileWriter(str(root / relative), "bench")
        count = 0
        while (writer.path is None or writer.path.stat().st_size < megabytes * 1e6):
            if count % round(1 / share) == 0 and used < len(ours):
                url, content_type, body = ours[used]
                used += 1
            else:
                url, content_type, body = others[count % len(others)]
                url = f"{url}?copy={count}"  # distinct records, as distinct stories of other sites
            writer.write(Exchange(url, "GET", [], 200, "OK", [(b"Content-Type", content_type.encode())], body))
            count += 1
        writer.close()
        listed.append(relative)
    month.mkdir(parents=True, exist_ok=True)
    (month / "warc.paths.gz").write_bytes(gzip.compress("\n".join(listed).encode()))
    return listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--files", type=int, default=2)
    parser.add_argument("--share", type=float, default=0.02)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cc"
        listed = build(root, args.mb, args.files, args.share)
        size = sum((root / p).stat().st_size for p in listed) / 1e6
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        work = Path(tmp) / "work"
        work.mkdir()
        start = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "scrapy", "ccnews", "almaghrib", "--from", "2019-01",
                                 "-s", f"NEWSCRAWL_CCNEWS_BASE=http://127.0.0.1:{server.server_address[1]}/",
                                 "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=work, capture_output=True, text=True,
                                env={**__import__("os").environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"})
        seconds = time.monotonic() - start
        server.shutdown()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if result.returncode:
            sys.exit(result.stderr[-2000:])
        articles = re.findall(r"(\d+) articles;", result.stderr)
        rates = re.findall(r"at ([\d.]+) MB/s", result.stderr)
        print(f"{len(listed)} files, {size:.0f} MB compressed, {args.share:.0%} of the records the site's")
        print(f"whole command: {seconds:.1f} s, {size / seconds:.1f} MB/s; per file (as logged): "
              f"{', '.join(rates)} MB/s; articles kept per file: {', '.join(articles)}; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
