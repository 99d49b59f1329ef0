"""The state store's rules, one at a time, on a real SQLite file."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest

from newscrawl.dedupe.store import SQLiteTitleStore
from newscrawl.pipelines import DuplicateTitle, MissingField
from newscrawl.sqlite import DamagedStateError, check_state_file
from newscrawl.state import CrawlState


@pytest.fixture
def state(tmp_path):
    store = CrawlState(tmp_path / "state.sqlite")
    yield store
    store.close()


def test_a_discovered_page_stays_open_until_settled_whatever_happens_to_the_run(state):
    state.discover("k1", "almaghrib", "http://x/1")
    state.discover("k2", "almaghrib", "http://x/2")
    assert state.known("k1") is None  # pending is not known: it must be requested
    assert state.open_pages("almaghrib") == ["http://x/1", "http://x/2"]
    state.keep("k1", {"url": "http://x/1", "source": "almaghrib"})
    state.record("k2", "almaghrib", "http://x/2", "duplicate")
    assert state.open_pages("almaghrib") == []
    assert state.known("k1") == "kept" and state.known("k2") == "duplicate"
    state.discover("k1", "almaghrib", "http://x/1")  # rediscovery never reopens a settled page
    assert state.known("k1") == "kept"


def test_failed_pages_are_due_on_the_next_run_then_back_off(tmp_path):
    state = CrawlState(tmp_path / "s.sqlite", retry_failed_after=timedelta(hours=6))
    state.discover("k", "almaghrib", "http://x/k")
    state.record("k", "almaghrib", "http://x/k", "failed")
    assert state.open_pages("almaghrib") == ["http://x/k"]  # first failure: due at once
    state.record("k", "almaghrib", "http://x/k", "failed")
    assert state.open_pages("almaghrib") == []  # second: waits (5 minutes)
    assert state.known("k") == "failed"
    assert state.count_open("almaghrib") == 1  # still open, not forgotten
    state.close()
    no_wait = CrawlState(tmp_path / "s.sqlite", retry_failed_after=timedelta(0))
    no_wait.record("k", "almaghrib", "http://x/k", "failed")
    assert no_wait.open_pages("almaghrib") == ["http://x/k"]
    no_wait.close()


def test_a_run_that_never_closed_is_reported_as_interrupted(state):
    first, previous = state.start_run("almaghrib")
    assert previous is None
    second, previous = state.start_run("almaghrib")  # the first was killed: never ended
    assert previous is not None and previous.id == first.id and previous.reason is None
    state.end_run(second, "shutdown")  # Ctrl-C: ended, but not finished
    third, previous = state.start_run("almaghrib")
    assert previous.reason == "shutdown"
    state.end_run(third, "finished")
    _, previous = state.start_run("almaghrib")
    assert previous is None
    _, other = state.start_run("arabstoday")  # runs are per site
    assert other is None


def test_listing_chain_evidence_only_grows(state):
    assert state.chain("almaghrib:/42-x") is None
    state.walked_chain("almaghrib:/42-x", 9, complete=True)
    walked = state.chain("almaghrib:/42-x")
    assert (walked.depth, walked.complete) == (9, True)
    state.walked_chain("almaghrib:/42-x", 2, complete=False)  # a later run that stopped early
    again = state.chain("almaghrib:/42-x")
    assert (again.depth, again.complete) == (9, True) and again.walked_at >= walked.walked_at


def test_discovery_time_decides_what_a_finished_walk_vouches_for(state):
    state.discover("old", "almaghrib", "http://x/old")
    state.walked_chain("c", 3, complete=True)
    walked_at = state.chain("c").walked_at
    time.sleep(0.01)
    state.discover("new", "almaghrib", "http://x/new")
    assert state.discovered_before("old", walked_at)
    assert not state.discovered_before("new", walked_at)
    assert not state.discovered_before("never", walked_at)


def test_older_state_files_gain_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE pages (key TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT NOT NULL, "
               "status TEXT NOT NULL, seen_at TEXT NOT NULL)")
    db.execute("INSERT INTO pages VALUES ('k', 'almaghrib', 'http://x/k', 'failed', '2020-01-01T00:00:00+00:00')")
    db.commit()
    db.close()
    state = CrawlState(path)
    assert state.open_pages("almaghrib") == ["http://x/k"]  # an old failure is due
    assert state.discovered_before("k", "2021-01-01")
    state.close()


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00" + b"\x00" * 50, b"hello" * 1000])
def test_damaged_files_are_refused_not_reset(tmp_path, content):
    import os

    path = tmp_path / "state.sqlite"
    path.write_bytes(content)
    os.utime(path, (time.time() - 600, time.time() - 600))
    with pytest.raises(DamagedStateError) as raised:
        CrawlState(path)
    assert str(path.resolve()) in str(raised.value) and "mv " in str(raised.value)
    assert path.read_bytes() == content


def test_a_just_created_empty_file_is_another_crawl_setting_up(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"")
    check_state_file(path)  # no error: a concurrent crawl may be about to write its schema
    CrawlState(path).close()


def test_drop_reasons_are_types_not_message_text():
    # A URL containing "duplicate" in an item dropped for a missing body is still "missing".
    assert MissingField("missing body: http://x/duplicate-story").state_status == "missing"
    assert DuplicateTitle("exact duplicate title of ...").state_status == "duplicate"


def test_title_store_forgets_titles_added_long_ago_whatever_their_publication_date(tmp_path):
    store = SQLiteTitleStore(tmp_path / "titles.sqlite")
    day = 86400
    now = 1_800_000_000
    store.add(1_500_000_000, 1, b"\x00\x00\x00\x01", "http://x/2017-story", [7, 8])  # a 2017 story, added "now"
    assert store.prune_added_before(90, now=now) == 0  # marks today; nothing is old yet
    assert store.prune_added_before(90, now=now + 30 * day) == 0
    store.add(1_500_000_100, 2, b"\x00\x00\x00\x02", "http://x/other", [9])  # added 30 days later
    assert store.prune_added_before(90, now=now + 91 * day) == 1  # only the title added 91 days ago
    assert len(store) == 1
    assert store.prune_added_before(90, now=now + 200 * day) == 1
    assert len(store) == 0
    store.close()


def test_a_sound_file_in_a_folder_with_a_percent_sign_is_not_called_damaged(tmp_path):
    folder = tmp_path / "state 100% p%20q"
    state = CrawlState(folder / "state.sqlite")
    state.discover("k", "almaghrib", "http://x/k")
    state.close()
    check_state_file(folder / "state.sqlite")
    assert CrawlState(folder / "state.sqlite").open_pages("almaghrib") == ["http://x/k"]


def test_an_alias_never_leaves_its_article_unaccounted_for(state):
    """The spiders make the canonical URL pending before they settle the asked URL as an alias:
    killed in between or before the item is kept, the canonical page is still due."""
    state.discover("asked", "almaghrib", "http://x/amp/1")
    state.discover("canonical", "almaghrib", "http://x/1")
    state.record("asked", "almaghrib", "http://x/amp/1", "alias")
    assert state.open_pages("almaghrib") == ["http://x/1"]
