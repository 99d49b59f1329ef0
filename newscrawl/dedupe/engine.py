"""The deduper: exact key, near-duplicate check, time window, one store."""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Literal, Optional

from .keys import title_key
from .near import (
    DEFAULT_RULE,
    TOKEN_VERSION,
    VerifyRule,
    band_keys,
    content_codes,
    decode_codes,
    encode_codes,
    verify,
)
from .store import TitleStore, exact_among

__all__ = ["Verdict", "TitleDeduper", "DEFAULT_WINDOW", "parse_window"]

log = logging.getLogger(__name__)

#: NEWSCRAWL_DEDUPE_WINDOW default: a story seen again within 3 days of its
#: first kept copy's publication is a duplicate; later, it is a new story.
DEFAULT_WINDOW = timedelta(days=3)

Kind = Literal["new", "exact", "near"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What ``TitleDeduper.check_and_add`` decided.

    kind          "new" (kept and stored), "exact" (same title key as a kept
                  title in the window) or "near" (same story, other wording).
    key           the title key of the headline checked.
    duplicate_of  URL of the kept copy it duplicates (None when new).
    """

    kind: Kind
    key: str
    duplicate_of: Optional[str] = None

    @property
    def is_duplicate(self) -> bool:
        return self.kind != "new"


def _key_hash(key: str) -> int:
    """Signed 32-bit hash of a title key (fits SQLite's 4-byte integers)."""
    h = zlib.crc32(key.encode("utf-8"))
    return h - (1 << 32) if h >= (1 << 31) else h


# Kept titles read and verified as near duplicates of one new title, at most: the oldest first
# (past them an exact copy is looked up by its key, TitleStore.exact). Real titles share a sketch
# band with a few others; thousands of titles alike but for one word made each check read and
# verify them all: quadratic (4,800 such titles cost 107 s more than unrelated ones, adversary
# round 8; capping only the verifications left 2,400 of them at 32.9 s, reading only these rows
# 4.0 s, and 4,800 at 8.0 s: /work/exp-style measure in tests/test_dedupe_engine.py).
MAX_CANDIDATES = 200


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class TitleDeduper:
    """Keeps each story once.

    ``check_and_add(headline, url, published)`` returns a ``Verdict``:

    * the headline's ``title_key`` is computed; an empty key (blank headline,
      or punctuation only) is never judged: it is "new" and not stored;
    * kept titles published within ``window`` of ``published`` (either side:
      crawls do not arrive in order) that share an LSH band are the
      candidates; one with the same key is an **exact** duplicate, one that
      passes ``rule`` (see ``near.VerifyRule``) a **near** duplicate;
    * if there are several, exact wins over near, then the first kept;
      ``duplicate_of`` is that copy's URL;
    * otherwise the title is **new**: it is stored, and becomes the reference
      for later copies -- also when an older copy exists outside the window,
      which is how the weekly ticker ("... الاربعاء") is kept every week.

    ``published``: an aware datetime; a naive one is taken as UTC; ``None``
    means "unknown" and the time of the check (``clock()``, UTC now) is used.
    Duplicates are not stored.  The lookup and the insert run in one store
    transaction, so the verdict is durable when the call returns.

    Parameters (defaults in brackets):
      window   [3 days] NEWSCRAWL_DEDUPE_WINDOW
      rule     [VerifyRule(): max_extra=1, min_shared_for_extra=4,
                max_broken=2, min_order=0.5]
      near     [True] set False for exact keys only
      clock    [UTC now] for tests
    """

    def __init__(
        self,
        store: TitleStore,
        window: timedelta = DEFAULT_WINDOW,
        *,
        rule: VerifyRule = DEFAULT_RULE,
        near: bool = True,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if window < timedelta(0):
            raise ValueError("window must not be negative")
        self.store = store
        self.window = window
        self.rule = rule
        self.near = near
        self.clock = clock
        self._window_s = int(window.total_seconds())
        get_meta = getattr(store, "get_meta", None)
        if get_meta is not None:
            version = get_meta("token_version")
            if version is None:
                store.set_meta("token_version", str(TOKEN_VERSION))  # type: ignore[attr-defined]
            elif int(version) != TOKEN_VERSION:
                log.warning(
                    "title store %r was written with token version %s, this is %s: "
                    "near-duplicates of older titles may be missed",
                    store, version, TOKEN_VERSION,
                )

    def _timestamp(self, published: Optional[datetime]) -> int:
        if published is None:
            published = self.clock()
        elif published.tzinfo is None:
            published = published.replace(tzinfo=timezone.utc)
        return int(published.timestamp())

    def check(self, headline: str, published: Optional[datetime] = None) -> Verdict:
        """Like ``check_and_add`` but never stores anything."""
        return self._run(headline, None, published)

    def check_and_add(self, headline: str, url: str, published: Optional[datetime] = None) -> Verdict:
        """Judge a headline and keep it if it is a new story (see the class docstring)."""
        return self._run(headline, url, published)

    def add(self, headline: str, url: str, published: Optional[datetime] = None) -> None:
        """Keep *headline* as a story of its own, whatever kept titles it resembles (a title
        verdict the caller overruled on other evidence): later copies of it then find it."""
        key = title_key(headline)
        if not key:
            return
        codes = content_codes(key)
        with self.store.atomic():
            self.store.add(self._timestamp(published), _key_hash(key), encode_codes(codes), url, band_keys(codes, key))

    def _run(self, headline: str, url: Optional[str], published: Optional[datetime]) -> Verdict:
        key = title_key(headline)
        if not key:
            return Verdict("new", key, None)
        ts = self._timestamp(published)
        codes = content_codes(key)
        bands = band_keys(codes, key)
        khash = _key_hash(key)
        blob = encode_codes(codes)
        w = self._window_s
        store = self.store
        with store.atomic():
            found = store.candidates(bands, ts - w, ts + w, limit=MAX_CANDIDATES)  # oldest kept first
            # An exact copy wins over a near one, whichever was kept first; past the first
            # candidates it is looked for by its key alone.
            same = exact_among(found, khash, blob)
            if same is None and len(found) >= MAX_CANDIDATES:
                same = store.exact(bands, khash, blob, ts - w, ts + w)
            if same is not None:
                return Verdict("exact", key, same.url)
            if self.near:
                for cand in found[:MAX_CANDIDATES]:
                    if verify(codes, decode_codes(cand.codes), self.rule):
                        return Verdict("near", key, cand.url)
            if url is not None:
                store.add(ts, khash, blob, url, bands)
        return Verdict("new", key, None)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.I)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_window(value: object) -> timedelta:
    """NEWSCRAWL_DEDUPE_WINDOW -> timedelta: a timedelta, seconds, or "3d" / "72h" / "90m" / "1w"."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)):
        return timedelta(seconds=float(value))
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 3d, 72h, 259200)")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])
