"""Writing and reading WARC files of mirror article pages: warcio against FastWARC.

    python benchmarks/bench_warc.py [--pages 2000]

Writes the same article pages (request + response record each, gzip per record) with each
library and reads the response payloads back with each, reporting MB/s of uncompressed HTTP
payload. newscrawl writes and reads with warcio (see README "Archives and backfill" for why).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from fastwarc.stream_io import GzipWriter
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecord, WarcRecordType
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from newscrawl.mirror.content import MirrorSite  # noqa: E402
from newscrawl.mirror.server import route  # noqa: E402

BASE = "https://www.almaghribtoday.net"


def mirror_pages(count: int) -> list[tuple[str, bytes]]:
    site = MirrorSite(articles=count)
    found = []
    for article in site.iter_all():
        status, _, body = route(site, BASE, site.url(BASE, article.path).removeprefix(BASE))
        if status == 200:
            found.append((site.url(BASE, article.path), body))
        if len(found) == count:
            break
    return found


def write_warcio(path: Path, pages) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                                http_headers=StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True))
            writer.write_request_response_pair(request, response)


def write_fastwarc(path: Path, pages) -> None:
    now = datetime.now(timezone.utc)
    with open(path, "wb") as raw:
        for url, body in pages:
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
            for kind, label, block in ((WarcRecordType.request, "request", b"GET / HTTP/1.1\r\n\r\n"),
                                      (WarcRecordType.response, "response", http)):
                record = WarcRecord()
                record.init_headers(kind)
                record.headers["WARC-Target-URI"] = url
                record.headers["WARC-Date"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
                record.headers["Content-Type"] = f"application/http; msgtype={label}"
                record.set_bytes_content(block)
                gz = GzipWriter(raw, compression_level=6)  # one gzip member per record, zlib's default level like warcio
                record.write(gz, checksum_data=True)
                gz.close()


def read_warcio(path: Path) -> int:
    total = 0
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                total += len(record.content_stream().read())
    return total


def read_fastwarc(path: Path) -> int:
    total = 0
    with open(path, "rb") as stream:
        for record in FastIterator(stream, record_types=WarcRecordType.response):
            total += len(record.reader.read())
    return total


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    pages = mirror_pages(args.pages)
    megabytes = sum(len(body) for _, body in pages) / 1e6
    print(f"{len(pages)} mirror article pages, {megabytes:.1f} MB of HTML")
    with tempfile.TemporaryDirectory() as tmp:
        files = {"warcio": Path(tmp) / "warcio.warc.gz", "fastwarc": Path(tmp) / "fastwarc.warc.gz"}
        for name, writer in (("warcio", write_warcio), ("fastwarc", write_fastwarc)):
            seconds = timed(writer, files[name], pages)
            print(f"write {name:9} {megabytes / seconds:7.1f} MB/s  ({files[name].stat().st_size / 1e6:.1f} MB on disk)")
        for written in files:
            for name, reader in (("warcio", read_warcio), ("fastwarc", read_fastwarc)):
                assert reader(files[written]) > megabytes * 1e6 * 0.99, (name, written)
                seconds = timed(reader, files[written])
                print(f"read  {name:9} {megabytes / seconds:7.1f} MB/s  (file written by {written})")


if __name__ == "__main__":
    main()
