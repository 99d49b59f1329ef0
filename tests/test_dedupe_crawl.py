"""Title dedupe in real crawls of the mirror: copies dropped and audited, weekly tickers kept,
and a second crawl of the same site over the same state keeps nothing again."""

from __future__ import annotations

import json

from newscrawl.mirror.content import TICKER_TITLES, MirrorSite
from newscrawl.mirror.server import MirrorServer
from tests.conftest import crawl, story_counts


def test_copies_dropped_tickers_kept_and_a_second_crawl_keeps_nothing(tmp_path):
    site = MirrorSite(articles=300, weekly_ticker=3)
    work = tmp_path / "work"
    with MirrorServer(site) as server:
        items, stats, log = crawl(server.base_url, work)
        # Each story once, though 5 were republished under a second URL with a retyped title.
        stories = story_counts([i for i in items if i["headline"] not in dict(TICKER_TITLES)], site)
        assert stories == {story: 1 for story in site.expected_stories()}
        # The automated ticker: the same two titles every Wednesday, a minute apart, 3 weeks: all kept.
        tickers = [i for i in items if i["headline"] in dict(TICKER_TITLES)]
        assert len(tickers) == 6
        assert len({i["date_published"][:10] for i in tickers}) == 3
        # Every drop is in the audit feed, pointing at the copy that was kept.
        audit = [json.loads(line) for path in (work / "feeds" / "almaghrib").glob("*.duplicates.jsonl")
                 for line in path.read_text("utf-8").splitlines()]
        assert len(audit) == stats["newscrawl/dedupe/exact"] + stats["newscrawl/dedupe/near"] == 5
        kept_urls = {i["url"] for i in items}
        assert all(row["duplicate_of"] in kept_urls and row["url"] not in kept_urls for row in audit)
        assert {row["kind"] for row in audit} == {"exact", "near"}
        # One run, one time stamp: the duplicates audit is named like the run's feed files.
        names = sorted(path.name for path in (work / "feeds" / "almaghrib").iterdir())
        stamp = names[0].split(".", 1)[0]
        assert names == [f"{stamp}.duplicates.jsonl", f"{stamp}.json", f"{stamp}.jsonl"], names
        assert stamp.endswith("+00-00") and stamp in log

        # Second crawl, same state, incremental skipping off: every page is fetched again and
        # every title is recognised as kept.
        (work / "feeds" / "almaghrib").rename(work / "feeds" / "first")
        again, stats2, _ = crawl(server.base_url, work, "-s", "NEWSCRAWL_INCREMENTAL=False")
    assert stats2["newscrawl/requests/article"] >= len(items)
    assert again == []
    # Its own title under its own URL is no duplicate: counted apart, kept out of the audit.
    assert stats2["newscrawl/dedupe/already_kept"] == len(items)
    assert stats2.get("newscrawl/dedupe/exact", 0) + stats2.get("newscrawl/dedupe/near", 0) == 5
    audit2 = [json.loads(line) for path in (work / "feeds" / "almaghrib").glob("*.duplicates.jsonl")
              for line in path.read_text("utf-8").splitlines()]
    assert len(audit2) == 5 and all(row["duplicate_of"] != row["url"] for row in audit2)
