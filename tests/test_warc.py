"""The raw archive and crawling from archives: real crawls of the mirror, real WARC files,
checked by a second WARC implementation (warcio), read back by ``scrapy crawl -a warc=``."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import MirrorServer
from newscrawl.warc import Exchange, WarcFileWriter
from tests.conftest import CRAWL_ENV, crawl, crawl_args, feed_items, run_scrapy

SITE = MirrorSite(articles=80)
# Fields an archived copy must reproduce exactly: all but when the item was made.
VOLATILE = {"scraped_at"}


def duplicate_pairs(*workdirs: Path) -> set[frozenset[str]]:
    """{kept URL, dropped URL} of every duplicate the runs in *workdirs* dropped (their audits)."""
    return {frozenset((row["url"], row["duplicate_of"]))
            for work in workdirs for path in (work / "feeds").rglob("*.duplicates.jsonl")
            for row in map(json.loads, path.read_text("utf-8").splitlines())}


def assert_same_stories(replayed: list[dict], items: list[dict], *workdirs: Path) -> None:
    """The same articles, field for field, except that of a story published twice either copy may
    be the one kept: the live crawl's order of arrival and the archive's order can differ."""
    mine, theirs = by_url(replayed), by_url(items)
    assert len(mine) == len(theirs)
    for url in mine.keys() & theirs.keys():
        assert mine[url] == theirs[url], url
    pairs = duplicate_pairs(*workdirs)
    swapped = {frozenset((a, b)) for a in mine.keys() - theirs.keys() for b in theirs.keys() - mine.keys()}
    assert all(any(pair in pairs for pair in swapped if url in pair) for url in mine.keys() ^ theirs.keys()), \
        (sorted(mine.keys() - theirs.keys()), sorted(theirs.keys() - mine.keys()))


def by_url(items: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for item in items:
        assert item["url"] not in found, f"{item['url']} twice"
        found[item["url"]] = {k: v for k, v in item.items() if k not in VOLATILE}
    return found


def warcio_records(path: Path) -> list[tuple[str, str, str]]:
    """(type, target URI, WARC-Date) of every record, with digests checked by warcio."""
    with open(path, "rb") as stream:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Date"))
                for r in ArchiveIterator(stream, check_digests="raise")]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A crawl of the mirror with default settings (archive on), files rotated small; the
    mirror is stopped afterwards, so any request a replay made would fail."""
    work = tmp_path_factory.mktemp("live")
    with MirrorServer(SITE) as server:
        items, stats, log = crawl(server.base_url, work, "-s", "NEWSCRAWL_ARCHIVE_MAX_SIZE=0.1")
        base_url = server.base_url
    return work, base_url, items, stats


def test_a_crawl_archives_every_article_page_as_valid_warc(live):
    work, base_url, items, stats = live
    files = sorted((work / "archive" / "almaghrib").glob("*.warc.gz"))
    assert len(files) > 1, "NEWSCRAWL_ARCHIVE_MAX_SIZE=0.1 MB rotates a 80-article archive"
    assert all(f.stat().st_size < 0.1 * 1024 ** 2 + 200_000 for f in files)
    records = [record for path in files for record in warcio_records(path)]
    responses = [uri for kind, uri, _ in records if kind == "response"]
    requests = [uri for kind, uri, _ in records if kind == "request"]
    assert sorted(responses) == sorted(requests), "every response has its request record"
    assert all(date and date.endswith("Z") for _, _, date in records)
    assert [kind for kind, _, _ in records].count("warcinfo") == len(files)
    archived = {unquote(urlsplit(uri).path) for uri in responses}
    assert all(uri.startswith(base_url) for uri in responses)
    missing = [i["url"] for i in items if unquote(urlsplit(i["url"]).path) not in archived]
    assert not missing, f"kept articles whose page is not archived: {missing[:3]}"
    assert len(responses) >= len(items)
    assert stats["newscrawl/archive/records_written"] == len(responses)
    # Article pages only, by default: no listing, feed or robots.txt
    assert not any(uri.endswith(("/robots.txt", "/rss", ".xml")) for uri in responses)
    # Each record is its own gzip member: a reader can start at any record's offset.
    first = files[0].read_bytes()
    assert first.count(b"\x1f\x8b\x08") >= 3


def test_reading_the_archive_back_gives_the_same_articles_without_a_request(live, tmp_path):
    work, base_url, items, _ = live
    result = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={base_url}",
                         "-a", f"warc={work / 'archive' / 'almaghrib'}/*.warc.gz",
                         "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    replayed = [json.loads(line) for path in (tmp_path / "feeds" / "almaghrib").glob("*[0-9].jsonl")
                for line in path.read_text("utf-8").splitlines()]
    assert_same_stories(replayed, items, tmp_path, work)
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats.get("downloader/request_count", 0) == 0  # the mirror is down: nothing was asked of it
    assert stats["finish_reason"] == "finished"
    assert stats["newscrawl/archive/files_finished"] > 1
    assert not (tmp_path / "archive").exists(), "archived pages are not archived again"
    # The same state store, the same files again: read to the end before, skipped now.
    again = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={base_url}",
                        "-a", f"warc={work / 'archive' / 'almaghrib'}/*.warc.gz",
                        "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats.get("item_scraped_count", 0) == 0
    files = len(list((work / "archive" / "almaghrib").glob("*.warc.gz")))
    assert stats["newscrawl/archive/files_skipped_finished"] == files
    assert "read to the end by an earlier run, skipped" in again.stderr


def test_the_generic_spider_reads_the_archive_too(live, tmp_path):
    work, base_url, items, _ = live
    result = run_scrapy(["crawl", "news", "-a", f"start={base_url}/",
                         "-a", f"warc={work / 'archive' / 'almaghrib'}/*.warc.gz",
                         "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    replayed = [json.loads(line) for path in (tmp_path / "feeds" / "news").glob("*[0-9].jsonl")
                for line in path.read_text("utf-8").splitlines()]
    assert sorted(i["headline"] for i in replayed) == sorted(i["headline"] for i in items)
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats.get("downloader/request_count", 0) == 0


def test_a_file_read_for_the_wrong_site_is_read_again_for_the_right_one(live, tmp_path):
    """Adversary round 14: a backfill started with the wrong -a base_url found none of the
    site's pages in a file, recorded it as read to the end, and the run with the right one
    skipped it: its articles never came back."""
    work, base_url, items, _ = live
    first = sorted((work / "archive" / "almaghrib").glob("*.warc.gz"))[0]

    def replay(base: str) -> tuple[subprocess.CompletedProcess, dict]:
        result = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={base}", "-a", f"warc={first}",
                             "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        return result, json.loads((tmp_path / "stats.json").read_text("utf-8"))

    wrong, stats = replay("http://127.0.0.1:9")
    assert stats.get("item_scraped_count", 0) == 0 and stats["newscrawl/archive/files_of_other_sites"] == 1
    assert "holds no page of this site" in wrong.stderr
    _, stats = replay(base_url)
    assert stats["item_scraped_count"] > 0 and stats["newscrawl/archive/files_finished"] == 1


def test_other_hosts_are_skipped_and_a_cut_record_is_skipped_with_a_warning(live, tmp_path):
    work, base_url, items, _ = live
    # A foreign WARC: other hosts' pages between three of the site's, the last one cut short.
    site_pages = sorted((work / "archive" / "almaghrib").glob("*.warc.gz"))[0]
    with open(site_pages, "rb") as stream:
        # Pages the live crawl kept: the archive's first records may be a page the crawl dropped
        # (the order they came in depends on the crawl's timing).
        kept = {item["url"] for item in items}
        pages = [(r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                 for r in ArchiveIterator(stream)
                 if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI") in kept][:3]
    assert len(pages) == 3
    writer = WarcFileWriter(str(tmp_path / "in" / "%(name)s-%(time)s.warc.gz"), "mixed")
    html = [(b"Content-Type", b"text/html; charset=utf-8")]
    writer.write(Exchange("https://example.org/news/1", "GET", [], 200, "OK", html, b"<html>other</html>"))
    for number, (url, body) in enumerate(pages):
        if number:
            writer.write(Exchange("http://www.bbc.co.uk/arabic/x", "GET", [], 200, "OK", html, b"<html>bbc</html>"))
        writer.write(Exchange(url, "GET", [], 200, "OK", html, body))
    writer.close()
    whole = writer.path.read_bytes()
    # Cut in the middle of the last site page's response record (its request record follows it).
    last_request = whole.rfind(b"\x1f\x8b\x08")
    last_response = whole.rfind(b"\x1f\x8b\x08", 0, last_request)
    writer.path.write_bytes(whole[:last_response + (last_request - last_response) // 2])
    result = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={base_url}", "-a", f"warc={writer.path}",
                         "-s", "NEWSCRAWL_STATS_FILE=stats.json", "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["newscrawl/archive/other_hosts"] == 3
    assert stats["newscrawl/archive/cut"] == 1
    assert "Skipped a record cut short" in result.stderr
    assert stats["item_scraped_count"] == 2
    assert stats.get("downloader/request_count", 0) == 0


def test_a_killed_crawl_leaves_readable_archives(tmp_path):
    with MirrorServer(MirrorSite(articles=300)) as server:
        process = subprocess.Popen(crawl_args(server.base_url), cwd=tmp_path, env=CRAWL_ENV,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        files: list[Path] = []
        while time.monotonic() < deadline:
            files = list((tmp_path / "archive" / "almaghrib").glob("*.warc.gz"))
            if files and files[0].stat().st_size > 300_000:
                break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert files, "the crawl archived nothing before the kill"
    records = warcio_records(files[0])
    assert sum(kind == "response" for kind, _, _ in records) > 20
    # Every byte belongs to a whole gzip member: nothing left half-written.
    assert gzip.decompress(files[0].read_bytes())


def test_bad_warc_option_is_one_line(tmp_path):
    result = run_scrapy(["crawl", "almaghrib", "-a", "warc=nowhere/*.warc.gz"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: no WARC file matches 'nowhere/*.warc.gz'"


def test_archive_off(tmp_path):
    with MirrorServer(MirrorSite(articles=20)) as server:
        crawl(server.base_url, tmp_path, "-s", "NEWSCRAWL_ARCHIVE=")
    assert not (tmp_path / "archive").exists()


def test_an_archive_that_cannot_be_written_names_its_path_and_the_crawl_goes_on(tmp_path):
    (tmp_path / "afile").write_text("a file where the archive's folder should be")
    site = MirrorSite(articles=12)
    with MirrorServer(site) as server:
        items, stats, log = crawl(server.base_url, tmp_path, "-s", "NEWSCRAWL_ARCHIVE=afile/%(name)s.warc.gz")
    assert items, "the feeds are what the crawl is for: it goes on"
    errors = [line for line in log.splitlines() if "Cannot write the archive" in line]
    assert len(errors) == 1, "said once"
    assert "afile" in errors[0] and "None" not in errors[0]
    assert "a file stands where its folder should be" in errors[0]


# --- damaged records: only what is damaged is lost --------------------------------------------
PAGES = 12


def _archive_of_pages(directory: Path) -> tuple[Path, list[int]]:
    """A .warc.gz of PAGES responses (each followed by its request record), and the offsets of
    the gzip members of the responses (one member per record)."""
    writer = WarcFileWriter(str(directory / "%(name)s-%(time)s.warc.gz"), "pages")
    html = [(b"Content-Type", b"text/html; charset=utf-8")]
    for n in range(PAGES):
        writer.write(Exchange(f"https://www.almaghribtoday.net/314/1200{n:02d}-x", "GET", [], 200, "OK", html,
                              f"<html><body><p>{'صفحة ' * 400}{n}</p></body></html>".encode()))
    writer.close()
    whole = writer.path.read_bytes()
    members, start = [], whole.find(b"\x1f\x8b\x08")
    while start >= 0:
        members.append(start)
        start = whole.find(b"\x1f\x8b\x08", start + 1)
    # members: warcinfo, then response/request pairs (the magic never shows up inside deflate
    # output here by chance: checked by the count)
    assert len(members) == 1 + 2 * PAGES
    return writer.path, [members[1 + 2 * n] for n in range(PAGES)] + [len(whole)]


def _damage(data: bytes, start: int, end: int, how: str) -> bytes:
    middle = start + (end - start) // 2
    if how == "flipped byte":
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
    if how == "junk member":
        return data[:start] + os.urandom(end - start) + data[end:]
    if how == "bad crc":
        return data[:middle] + b"\x00" * 16 + data[middle + 16:]
    if how == "broken header":
        bad = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 999999999\r\n\r\nshort")
        return data[:start] + bad + data[end:]
    raise ValueError(how)


@pytest.mark.parametrize("how", ["flipped byte", "junk member", "bad crc", "broken header"])
@pytest.mark.parametrize("over_http", [False, True], ids=["file", "http"])
def test_a_damaged_record_loses_that_page_only(tmp_path, how, over_http):
    import http.server
    import threading

    from newscrawl.warc import ReadStats, read_responses

    path, starts = _archive_of_pages(tmp_path)
    damaged_page = 5
    data = path.read_bytes()
    path.write_bytes(_damage(data, starts[damaged_page], starts[damaged_page + 1], how))
    source, server = str(path), None
    if over_http:
        handler = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: handler(*a, directory=str(tmp_path)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        source = f"http://127.0.0.1:{server.server_address[1]}/{path.name}"
    stats = ReadStats()
    try:
        urls = [page.url for page in read_responses(source, lambda url: True, stats)]
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    expected = [f"https://www.almaghribtoday.net/314/1200{n:02d}-x" for n in range(PAGES) if n != damaged_page]
    assert [u for u in urls if u in expected] == expected, f"{how}: every other page read, in order"
    assert stats.damaged + stats.cut >= 1


def test_a_damaged_record_and_a_stalled_transfer_cost_a_crawl_from_archives_only_what_they_hold(live, tmp_path):
    """One damaged record in one archive file, and a source whose transfer stalls: the crawl
    reads every other record of that file and every other source, and ends finished."""
    import http.server
    import threading

    work, base_url, items, _ = live
    files = sorted((work / "archive" / "almaghrib").glob("*.warc.gz"))
    assert len(files) >= 2
    first = files[0].read_bytes()
    members = [m for m in range(len(first)) if first.startswith(b"\x1f\x8b\x08", m)]
    middle = members[len(members) // 2]
    damaged = tmp_path / "damaged.warc.gz"
    damaged.write_bytes(first[:middle + 40] + bytes([first[middle + 40] ^ 0xFF]) + first[middle + 41:])

    class Stalling(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(first)))
            self.end_headers()
            self.wfile.write(first[: len(first) // 2])
            self.wfile.flush()
            time.sleep(20)  # then nothing: a stalled transfer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stalled = f"http://127.0.0.1:{server.server_address[1]}/stalled.warc.gz"
    sources = ",".join([str(damaged), stalled, *map(str, files[1:])])
    started = time.monotonic()
    try:
        result = run_scrapy(["crawl", "almaghrib", "-a", f"base_url={base_url}", "-a", f"warc={sources}",
                             "-s", "DOWNLOAD_TIMEOUT=3", "-s", "NEWSCRAWL_STATS_FILE=stats.json",
                             "-s", "NEWSCRAWL_STATE_DIR=state"], cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-3000:]
    assert time.monotonic() - started < 60
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    assert stats["finish_reason"] == "finished"
    assert stats["newscrawl/archive/files_failed"] == 1, "the stalled source, read again next run"
    assert "Traceback" not in result.stderr
    assert "Skipped a damaged stretch" in result.stderr
    # Every kept article is back but the one whose record was damaged (at most one or two pages).
    replayed = {i["url"] for i in feed_items(tmp_path)}
    assert len({i["url"] for i in items} - replayed) <= 2
