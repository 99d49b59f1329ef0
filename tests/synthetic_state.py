"""A synthetic state store for the report's scale test and its screenshot: many articles and runs,
written with executemany in a few seconds (real schema: newscrawl.state and newscrawl.runs)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newscrawl.runs import JSON_COLUMNS, RunHistory
from newscrawl.state import CrawlState

SITES = ("almaghrib", "arabstoday", "egypt_today", "palestinetoday", "emiratesvoice")
HEADLINES = ("الأمم المتحدة تعتمد خطة دعم الصادرات في الرباط", "وزارة الفلاحة تقيّم مخطط تأهيل الملاعب",
             "مجلس المستشارين يكشف خطة دعم الصادرات", "الاتحاد الأوروبي يشيد بمشروع أنبوب الغاز")
SECTIONS = ("أخبار عاجلة", "أخبار عالمية", "الرياضة", "اقتصاد")


def make_state(state_dir: Path, *, articles: int = 100_000, runs: int = 1_000, sites=SITES,
               now: datetime | None = None, seed: int = 7) -> Path:
    """``state_dir/state.sqlite`` with *articles* articles and *runs* runs spread over *sites*:
    hourly runs up to *now*; every site's template changes for its last tenth of runs (author
    coverage falls to 0, body extraction moves from selectors to density), and one site is
    silent for its last two days."""
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    path = state_dir / "state.sqlite"
    CrawlState(path).close()  # the real schema
    per_site_runs = runs // len(sites)
    per_site_articles = articles // len(sites)
    with RunHistory(path) as history:
        db = history.db
        article_rows = []
        for s, site in enumerate(sites):
            silent_days = 2 if s == len(sites) - 1 else 0
            span = per_site_runs  # hours covered by the site's runs
            for i in range(per_site_articles):
                published = now - timedelta(hours=silent_days * 24 + rng.random() * (span + 24 * 30))
                item = {"url": f"https://{site}.example/{i}", "source": site, "headline": rng.choice(HEADLINES),
                        "section": rng.choice(SECTIONS), "date_published": published.isoformat(timespec="seconds")}
                article_rows.append((f"{site}/{i}", site, item["url"], item["section"], item["date_published"],
                                     now.isoformat(), json.dumps(item, ensure_ascii=False)))
        db.execute("BEGIN")
        db.executemany("INSERT INTO articles (key, source, url, section, date_published, kept_at, item) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", article_rows)
        db.execute("COMMIT")
        run_rows = []
        for s, site in enumerate(sites):
            silent_runs = 48 if s == len(sites) - 1 else 0
            for r in range(per_site_runs):
                started = now - timedelta(hours=per_site_runs - r)
                changed = r >= per_site_runs * 9 // 10
                new = 0 if r >= per_site_runs - silent_runs else rng.randint(5, 40)
                author = 0.0 if changed else round(rng.uniform(0.6, 0.8), 4)
                failed = ["Field coverage"] if changed else []
                row = {
                    "failures": {"fetch/http_500": rng.randint(0, 2), "fetch/timeout": rng.randint(0, 1),
                                 "dropped/missing_body": rng.randint(0, 1)},
                    "coverage": {"headline": 1.0, "body": 1.0, "date_published": round(rng.uniform(0.95, 1), 4),
                                 "author": author, "tags": 0.0 if changed else 1.0},
                    "extraction": {"body": {"density": new} if changed else {"selectors": new},
                                   "headline": {"selectors": new},
                                   "date_published": {"opengraph": new} if changed else {"selectors": new}},
                    "monitors": {"passed": not failed, "failed": failed, "results": [
                        {"name": "Items scraped", "status": "OK", "message": ""},
                        {"name": "Field coverage", "status": "FAIL" if changed else "OK",
                         "message": f"coverage below NEWSCRAWL_MONITOR_COVERAGE: author 0/{new} = 0.00 < 0.30"
                         if changed else ""}]},
                }
                run_rows.append((site, started.isoformat(timespec="seconds"),
                                 (started + timedelta(minutes=3)).isoformat(timespec="seconds"), "finished",
                                 new * 2 + 20, new, new, rng.randint(0, 5),
                                 *(json.dumps(row[c], ensure_ascii=False) for c in JSON_COLUMNS), len(failed)))
        db.execute("BEGIN")
        db.executemany("INSERT INTO run_history (spider, started_at, finished_at, finish_reason, pages, new_articles, "
                       "items, duplicates, failures, coverage, extraction, monitors, monitors_failed) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", run_rows)
        db.execute("COMMIT")
    return path
