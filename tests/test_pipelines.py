"""The item pipelines, each on a real crawler's settings and stats."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.items import Article
from newscrawl.pipelines import DatePipeline, RequiredFieldsPipeline, TitleDedupePipeline
from newscrawl.spiders.almaghrib import AlmaghribSpider


@pytest.fixture
def crawler(tmp_path):
    crawler = get_crawler(AlmaghribSpider, {"NEWSCRAWL_STATE_DIR": str(tmp_path / "state")})
    crawler.spider = AlmaghribSpider.from_crawler(crawler)
    return crawler


def article(**fields) -> Article:
    base = {"url": "https://www.almaghribtoday.net/42/134512-x", "headline": "خبر", "body": "نص الخبر."}
    return Article(**{**base, **fields})


@pytest.mark.parametrize("missing", ["url", "headline", "body"])
def test_items_missing_a_required_field_are_dropped_and_counted(crawler, missing):
    pipeline = RequiredFieldsPipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=f"missing {missing}"):
        pipeline.process_item(article(**{missing: "" if missing == "url" else None}))
    assert crawler.stats.get_value(f"newscrawl/items/dropped/missing_{missing}") == 1
    assert pipeline.process_item(article()).headline == "خبر"


def test_stamp_is_normalised_and_raw_kept(crawler):
    pipeline = DatePipeline.from_crawler(crawler)
    item = pipeline.process_item(article(date_published_raw="GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر"))
    assert item.date_published == "2017-12-28T12:05:00+00:00"
    assert item.date_published_raw == "GMT 12:05 2017 الخميس ,28 كانون الأول / ديسمبر"
    assert crawler.stats.get_value("newscrawl/dates/parsed") == 1


def test_unparsed_dates_are_counted_and_logged_once(crawler, caplog):
    pipeline = DatePipeline.from_crawler(crawler)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            item = pipeline.process_item(article(date_published_raw="آخر تحديث GMT 13:52:25"))
    assert item.date_published is None
    assert crawler.stats.get_value("newscrawl/dates/unparsed") == 3
    assert sum("Unparsed date_published" in r.message for r in caplog.records) == 1


def test_implausible_dates_are_refused(crawler):
    pipeline = DatePipeline.from_crawler(crawler)
    item = pipeline.process_item(article(date_published_raw="GMT 12:05 1990 الجمعة ,28 كانون الأول / ديسمبر"))
    assert item.date_published is None
    future = datetime.now(timezone.utc) + timedelta(days=30)
    item = pipeline.process_item(article(date_published_raw=future.isoformat()))
    assert item.date_published is None
    assert crawler.stats.get_value("newscrawl/dates/implausible") == 2


def test_weekday_mismatch_is_counted(crawler):
    pipeline = DatePipeline.from_crawler(crawler)
    pipeline.process_item(article(date_published_raw="GMT 12:05 2017 الجمعة ,28 كانون الأول / ديسمبر"))
    assert crawler.stats.get_value("newscrawl/dates/weekday_mismatch") == 1


def test_site_timezone_applies_to_zone_less_dates(crawler):
    pipeline = DatePipeline.from_crawler(crawler)
    item = pipeline.process_item(article(date_published_raw="2019-03-18T10:00:00"))
    assert item.date_published == "2019-03-18T10:00:00+01:00"  # Africa/Casablanca in March 2019


def test_duplicate_titles_are_dropped_across_label_and_spelling(crawler):
    pipeline = TitleDedupePipeline.from_crawler(crawler)
    first = article(url="https://www.almaghribtoday.net/42/134512-a", headline="وزارة الدفاع الروسية تنفي أخبار قصفها",
                    date_published="2015-10-06T13:45:00+00:00")
    again = article(url="https://www.almaghribtoday.net/36/140101-b", headline="المغرب اليوم - وزارة الدفاع الروسيه تنفي اخبار قصفها",
                    date_published="2015-10-06T14:01:00+00:00")
    assert pipeline.process_item(first) is first
    with pytest.raises(DropItem, match="duplicate title of https://www.almaghribtoday.net/42/134512-a"):
        pipeline.process_item(again)
    assert crawler.stats.get_value("newscrawl/dedupe/exact") == 1
    pipeline.close_spider()


def test_dedupe_state_survives_a_new_crawl(crawler, tmp_path):
    pipeline = TitleDedupePipeline.from_crawler(crawler)
    pipeline.process_item(article(headline="عنوان أول", date_published="2024-01-01T10:00:00+00:00"))
    pipeline.close_spider()
    second = get_crawler(AlmaghribSpider, {"NEWSCRAWL_STATE_DIR": str(tmp_path / "state")})
    second.spider = AlmaghribSpider.from_crawler(second)
    again = TitleDedupePipeline.from_crawler(second)
    with pytest.raises(DropItem):
        again.process_item(article(url="https://www.almaghribtoday.net/36/1-b", headline="عنوان أول",
                                   date_published="2024-01-01T12:00:00+00:00"))
    again.close_spider()


def test_month_pair_mismatch_is_counted_and_not_guessed(crawler):
    pipeline = DatePipeline.from_crawler(crawler)
    item = pipeline.process_item(article(date_published_raw="GMT 12:05 2017 الخميس ,28 كانون الأول / نوفمبر"))
    assert item.date_published is None
    assert crawler.stats.get_value("newscrawl/dates/month_pair_mismatch") == 1
    assert crawler.stats.get_value("newscrawl/dates/unparsed") == 1
