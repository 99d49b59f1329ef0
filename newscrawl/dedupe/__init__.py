"""Title deduplication: each story once, across spellings, sites and runs.

    from newscrawl.dedupe import title_key, TitleDeduper, SQLiteTitleStore, Verdict

    store = SQLiteTitleStore(state_dir / "titles.sqlite")
    deduper = TitleDeduper(store, window=timedelta(days=3))
    v = deduper.check_and_add(headline, url, published)   # published: aware datetime or None
    if v.kind != "new": ...                                # "exact" | "near", v.duplicate_of = URL
    store.close()

* ``keys.py``   -- ``title_key``: the exact-match key (NFKC, tashkeel, tatweel,
  letter and digit folds, network labels, punctuation, spaces).
* ``near.py``   -- content tokens, bottom-3 LSH bands, and the verification
  rule that keeps other entities, numbers and names apart.
* ``store.py``  -- ``TitleStore`` interface, ``SQLiteTitleStore`` (WAL, one
  transaction per title), ``MemoryTitleStore``.
* ``redis_store.py`` -- ``RedisTitleStore``, the store of a shared crawl
  (many workers, one Redis; lookup-then-add under a fenced lock).
* ``engine.py`` -- ``TitleDeduper`` and ``Verdict`` (time window, verdicts).

No Scrapy import here: the pipeline wraps this package.
"""

from .engine import DEFAULT_WINDOW, TitleDeduper, Verdict, parse_window
from .keys import NETWORK_LABELS, title_key
from .near import VerifyRule
from .redis_store import RedisTitleStore
from .store import MemoryTitleStore, SQLiteTitleStore, StoredTitle, TitleStore

__all__ = [
    "title_key",
    "NETWORK_LABELS",
    "TitleDeduper",
    "Verdict",
    "VerifyRule",
    "DEFAULT_WINDOW",
    "parse_window",
    "TitleStore",
    "StoredTitle",
    "SQLiteTitleStore",
    "MemoryTitleStore",
    "RedisTitleStore",
]
