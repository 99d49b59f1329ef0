"""WARC files (pure; no Scrapy): writing exchanges a crawl received, reading archived responses.

FastWARC writes and reads (README "Archives and backfill": it reads about five times faster than
warcio, which matters when a backfill streams gigabytes of other sites' records past us).

Writing: every record is its own gzip member, and a request/response pair is handed to the
kernel in one ``write`` on a file opened for appending, so a crawl killed at any moment leaves
whole records and, at worst (a full disk), one cut record at the end. Reading skips a cut
record with a warning instead of handing on half a page.
"""

from __future__ import annotations

import glob
import http.client
import io
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType
from zlib_ng import zlib_ng

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 1024 ** 3  # bytes per file before the next one starts, as Common Crawl's ~1 GB files
# Hop-by-hop and framing headers describe the transfer, not the body kept: the body is stored
# de-chunked, so its length is restated.
_DROPPED_HEADERS = {b"transfer-encoding", b"content-length", b"connection", b"keep-alive"}


def _warc_date(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _gzip_record(record: WarcRecord) -> bytes:
    """*record* as one gzip member, at zlib's default level 6. Compressing is most of what
    archiving a page costs: zlib-ng does it in half zlib's time, the file ~1.5% larger
    (a 260 KB real page: 2.6 ms instead of 5.6; FastWARC's own GzipWriter is zlib, plus
    ~0.4 ms to set up for each record)."""
    buffer = io.BytesIO()
    record.write(buffer, checksum_data=True)
    compressor = zlib_ng.compressobj(6, zlib_ng.DEFLATED, 16 + zlib_ng.MAX_WBITS)  # 16 +: gzip header and trailer
    return compressor.compress(buffer.getvalue()) + compressor.flush()


def _http_block(start_line: str, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    lines = [start_line.encode("latin-1")]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _record(kind: WarcRecordType, label: str, url: str, date: str, block: bytes,
            concurrent_to: str | None = None) -> WarcRecord:
    """*date*: ``_warc_date`` of the exchange, formatted once for its two records."""
    record = WarcRecord()
    record.init_headers(kind)
    record.headers["WARC-Date"] = date
    record.headers["WARC-Target-URI"] = url
    record.headers["Content-Type"] = f"application/http; msgtype={label}"
    if concurrent_to:
        record.headers["WARC-Concurrent-To"] = concurrent_to
    record.set_bytes_content(block)
    return record


@dataclass
class Exchange:
    """One HTTP exchange as received: what was asked and what came back."""
    url: str
    method: str
    request_headers: list[tuple[bytes, bytes]]
    status: int
    reason: str
    response_headers: list[tuple[bytes, bytes]]
    body: bytes
    when: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


class WarcFileWriter:
    """Appends exchanges to ``template % {"name": ..., "time": ...}``, a new file once the
    current one reaches *max_size* bytes. Files are named by their UTC start time."""

    def __init__(self, template: str, name: str, *, max_size: int = DEFAULT_MAX_SIZE, software: str = "newscrawl"):
        self.template = template
        self.name = name
        self.max_size = max_size
        self.software = software
        self.path: Path | None = None
        self.paths: list[Path] = []
        self._fd: int | None = None
        self._size = 0

    def _open(self) -> None:
        stamp = datetime.now(timezone.utc)
        # Microseconds: files rotated within one second still sort by name in the order they
        # were written, which is the order a replay (-a warc=DIR/*.warc.gz) reads them in.
        path = Path(self.template % {"name": self.name, "time": stamp.strftime("%Y%m%dT%H%M%S.%fZ")})
        path.parent.mkdir(parents=True, exist_ok=True)
        base, counter = path, 1
        while path.exists():  # rotation within one second: another name, never an overwrite
            stem = base.name.removesuffix(".warc.gz")
            path = base.with_name(f"{stem}-{counter}.warc.gz")
            counter += 1
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        self.path, self._size = path, 0
        self.paths.append(path)
        info = WarcRecord()
        info.init_headers(WarcRecordType.warcinfo)
        info.headers["WARC-Date"] = _warc_date(stamp)
        info.headers["WARC-Filename"] = path.name
        info.headers["Content-Type"] = "application/warc-fields"
        info.set_bytes_content(f"software: {self.software}\r\nformat: WARC File Format 1.1\r\n"
                               f"isPartOf: {self.name}\r\n".encode())
        self._write(_gzip_record(info))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a regular file takes it all at once; a short write (full disk) raises next time
            written = os.write(self._fd, view)
            view = view[written:]
        self._size += len(data)

    def write(self, exchange: Exchange) -> int:
        """Write *exchange* as a response record and its request record; returns bytes written."""
        if self._fd is not None and self._size >= self.max_size:
            self.close()
        if self._fd is None:
            self._open()
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in _DROPPED_HEADERS]
        headers.append((b"Content-Length", str(len(exchange.body)).encode()))
        date = _warc_date(exchange.when)
        response = _record(WarcRecordType.response, "response", exchange.url, date,
                           _http_block(f"HTTP/1.1 {exchange.status} {exchange.reason}".rstrip(), headers, exchange.body))
        request_headers = exchange.request_headers
        if not any(k.lower() == b"host" for k, _ in request_headers):
            request_headers = [(b"Host", parts.netloc.encode("latin-1")), *request_headers]
        request = _record(WarcRecordType.request, "request", exchange.url, date,
                          _http_block(f"{exchange.method} {target} HTTP/1.1", request_headers, b""),
                          concurrent_to=response.headers["WARC-Record-ID"])
        data = _gzip_record(response) + _gzip_record(request)
        self._write(data)
        return len(data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


# --- reading -----------------------------------------------------------------------------------
class ArchiveError(Exception):
    """A WARC source that cannot be read (missing, unreachable, cut off in transfer): one sentence."""


@dataclass
class ArchivedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    archived_at: datetime
    source: str


@dataclass
class ReadStats:
    """What reading one source found."""
    records: int = 0  # every record, of any type
    responses: int = 0  # response records of accepted hosts, handed on
    other_hosts: int = 0  # response records of other hosts, skipped without parsing their HTTP
    not_ok: int = 0  # accepted hosts' responses that are no 200 (redirects, errors): not pages
    cut: int = 0  # records cut short (a killed writer, a truncated file): skipped
    damaged: int = 0  # damaged stretches (bad gzip data, a broken record header): skipped to the next record
    bytes_read: int = 0  # bytes of the source as stored (compressed)
    seconds: float = 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes_read / 1e6 / self.seconds if self.seconds else 0.0


class _CountingReader:
    """A forward-only stream as FastWARC wants one (``read`` and ``tell``; an HTTP body cannot
    seek), counting bytes for MB/s and for telling a whole transfer from a cut one. It keeps the
    last few MB it passed on, so that reading can start again after a damaged record (FastWARC
    has read ahead into its own buffer by then, and an HTTP body cannot be read twice)."""

    KEEP = 1 << 23  # 8 MB: FastWARC reads 1 MB ahead; a record that big is a page and a half

    def __init__(self, inner):
        self.inner = inner
        self.count = 0
        self.recent = bytearray()
        self.recent_start = 0  # stream offset of recent[0]

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.count += len(data)
        self.recent += data
        if len(self.recent) > 2 * self.KEEP:  # trimmed every KEEP bytes: linear overall
            cut = len(self.recent) - self.KEEP
            del self.recent[:cut]
            self.recent_start += cut
        return data

    def since(self, offset: int) -> bytes | None:
        """The bytes passed on from stream *offset*, or None if no longer kept."""
        if offset < self.recent_start:
            return None
        return bytes(self.recent[offset - self.recent_start:])

    def tell(self) -> int:
        return self.count

    def close(self) -> None:
        self.inner.close()


class _RestartedReader:
    """*head* (bytes already read, from a record's start on), then the rest of *tail*."""

    def __init__(self, head: bytes, tail: _CountingReader):
        self.head, self.tail, self.position = head, tail, 0

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0 or size >= len(self.head):
                data, self.head = self.head, b""
                more = self.tail.read(-1 if size < 0 else size - len(data))
                data += more
            else:
                data, self.head = self.head[:size], self.head[size:]
        else:
            data = self.tail.read(size)
        self.position += len(data)
        return data

    def tell(self) -> int:
        return self.position

    def close(self) -> None:
        self.tail.close()


GZIP_MAGIC = b"\x1f\x8b\x08"


def _next_record_start(counter: _CountingReader, after: int) -> int | None:
    """Stream offset of the first gzip member after offset *after* that inflates whole to a WARC
    record (each record of a .warc.gz is a member of its own): where reading starts again past
    a damaged record. None if none is found in what was kept and what is left of the stream."""
    data = counter.since(after + 1)
    if data is None:
        return None
    base = after + 1
    position = 0
    while True:
        found = data.find(GZIP_MAGIC, position)
        while found < 0 and len(data) - position < 64 * counter.KEEP:  # read on: the member may lie further
            more = counter.read(1 << 20)
            if not more:
                return None
            data += more
            found = data.find(GZIP_MAGIC, position)
        if found < 0:
            return None
        whole = _inflates_to_record(data[found:])
        while whole is None:  # the member goes on past what was read: read on
            more = counter.read(1 << 20)
            if not more:
                break
            data += more
            whole = _inflates_to_record(data[found:])
        if whole:
            return base + found
        position = found + 1


def _inflates_to_record(data: bytes) -> bool | None:
    """Does *data* start with a whole gzip member inflating to a WARC record? None: not known
    until more bytes come (the member goes on past *data*)."""
    inflater = zlib_ng.decompressobj(31)
    try:
        text = inflater.decompress(data)
    except zlib_ng.error:
        return False
    if not inflater.eof:
        return None if text.startswith(b"WARC/") or len(text) < 5 else False
    return text.startswith(b"WARC/")


# No archived page is this big (Scrapy warns at 32 MB): a larger Content-Length is a broken
# header, and honouring it would swallow every record after it as this one's content.
MAX_RECORD_BYTES = 1 << 26


class _ImplausibleRecord(Exception):
    pass


# A transfer that stalls or breaks: worth reading again later, unlike damaged bytes.
_TRANSFER_ERRORS = (TimeoutError, ConnectionError, urllib.error.URLError, http.client.HTTPException)


def _records(source: str, counter: _CountingReader, wanted, stats: ReadStats) -> Iterator[WarcRecord]:
    """The records of the stream *wanted* takes, reading on past damaged records of a .warc.gz
    (bad gzip data, a broken header): each damaged stretch is counted, logged and skipped. A
    transfer that stalls or breaks raises ArchiveError (the source is read again later)."""
    base = 0  # stream offset where the current iterator started
    last = -1  # stream offset of the last record seen
    stream = counter

    def seen(record: WarcRecord) -> bool:
        nonlocal last
        last = base + record.stream_pos
        if record.content_length > MAX_RECORD_BYTES:
            raise _ImplausibleRecord(f"a record announces {record.content_length} bytes")
        return wanted(record)

    while True:
        try:
            try:
                for record in ArchiveIterator(stream, parse_http=False, func_filter=seen, buffer_size=1 << 20):
                    yield record
                return
            except _TRANSFER_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - FastWARC raises plain OSError/ValueError on bad bytes
                damage = error
            start = max(last, base)
            restart = _next_record_start(counter, start)
        except _TRANSFER_ERRORS as error:
            raise ArchiveError(f"the transfer of {source} failed after {counter.count} bytes ({error})") from None
        stats.damaged += 1
        if restart is None:
            logger.warning("Skipped the damaged end of %s (from byte %d: %s)", source, start, damage)
            return
        logger.warning("Skipped a damaged stretch of %s (bytes %d to %d: %s)", source, start, restart, damage)
        stream, base, last = _RestartedReader(counter.since(restart), counter), restart, restart - 1


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def expand_sources(spec: str) -> list[str]:
    """``-a warc=`` as a list: comma-separated files, globs and http(s) URLs, in the order given
    (a glob's files sorted by name, which is their time order for newscrawl's archives)."""
    sources: list[str] = []
    for part in (p.strip() for p in spec.replace("\n", ",").split(",")):
        if not part:
            continue
        if is_url(part):
            sources.append(part)
        elif glob.has_magic(part):
            found = sorted(glob.glob(os.path.expanduser(part)))
            if not found:
                raise ArchiveError(f"no WARC file matches {part!r}")
            sources.extend(found)
        elif Path(part).expanduser().is_file():
            sources.append(str(Path(part).expanduser()))
        else:
            raise ArchiveError(f"WARC file {part!r} does not exist")
    if not sources:
        raise ArchiveError("-a warc= names no WARC file")
    return sources


def _open(source: str, timeout: float):
    """The source as a byte stream and its expected size (None: unknown)."""
    if not is_url(source):
        try:
            return open(source, "rb"), os.path.getsize(source)
        except OSError as error:
            raise ArchiveError(f"cannot read WARC file {source}: {error.strerror or error}") from None
    request = urllib.request.Request(source, headers={"User-Agent": "newscrawl (WARC reader)"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise ArchiveError(f"cannot fetch WARC file {source}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ArchiveError(f"cannot fetch WARC file {source}: {getattr(error, 'reason', error)}") from None
    length = response.headers.get("Content-Length")
    return response, int(length) if length and length.isdigit() else None


def read_responses(source: str, accept: Callable[[str], bool], stats: ReadStats | None = None, *,
                   timeout: float = 60.0) -> Iterator[ArchivedResponse]:
    """The 200 responses of hosts *accept* takes (by URL) in the WARC file or URL *source*,
    streamed: one record in memory at a time, whatever the file's size. Other records are
    counted in *stats* and skipped without parsing their HTTP. Raises ArchiveError when the
    source cannot be opened, or an HTTP transfer ends before its announced length (the file is
    then not finished: worth reading again later)."""
    stats = stats if stats is not None else ReadStats()
    stream, expected = _open(source, timeout)
    counter = _CountingReader(stream)
    started = time.monotonic()

    def wanted(record: WarcRecord) -> bool:
        stats.records += 1
        if record.record_type != WarcRecordType.response:
            return False
        url = record.headers.get("WARC-Target-URI") or ""
        if not url or not record.headers.get("WARC-Record-ID"):  # headers cut by a killed writer
            stats.cut += 1
            logger.warning("Skipped a record cut short in %s (its WARC headers end early)", source)
            return False
        if not accept(url):
            stats.other_hosts += 1
            return False
        return True

    try:
        for record in _records(source, counter, wanted, stats):
            url = record.headers.get("WARC-Target-URI") or ""
            block_length = record.content_length
            try:
                record.parse_http()
                body = record.reader.read()
            except Exception:  # headers cut mid-way by a killed writer
                body, block_length = b"", -1
            status = record.http_headers.status_code if record.is_http_parsed else None
            if block_length < 0 or status is None or len(body) < record.content_length:
                stats.cut += 1
                logger.warning("Skipped a record cut short in %s (%s): %d of %d bytes", source, url or "no URL",
                               len(body), max(record.content_length, 0))
                continue
            if status != 200:
                stats.not_ok += 1
                continue
            stats.responses += 1
            yield ArchivedResponse(url=url, status=status, headers=list(record.http_headers.items()), body=body,
                                   archived_at=record.record_date or datetime.now(timezone.utc), source=source)
        if expected is not None and counter.count < expected:
            # The iterator stops quietly where the bytes stop: a cut transfer must not pass for the end.
            if is_url(source):
                raise ArchiveError(f"the transfer of {source} ended after {counter.count} of {expected} bytes")
    finally:
        stats.bytes_read = counter.count
        stats.seconds = time.monotonic() - started
        stream.close()
