"""A story kept once comes back under a new URL and a new title: it stays in the feeds once.

A newsroom retitles a story after it went out, and the CMS gives it a new slug (and, when an
editor moves it, another section): the old URL redirects to the new one and every listing and
feed links the new one. The title dedupe cannot tell (the titles differ), the URL state cannot
either (the URL is new). What stays the story's own is its publication time and its text: an
article published at the same moment as a kept one, with that one's text, is that story
(``TitleDedupePipeline._moved_from``). The network's paths print the publication time to the
second, so two posts of one minute with a shared template (the automated currency posts) are
still two stories. The generic spider makes no such check (no time in its URLs: a time and a
text also fit two template stories of a batch; tests/test_adversary_round7.py's site of eight
pages with one text and one time keeps all eight).
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote, urlsplit

import pytest

from newscrawl.mirror.content import MirrorSite
from newscrawl.mirror.server import route
from tests.conftest import QuietHandler, crawl, http_server

NEW_HEADLINE = "الحكومة تكشف تفاصيل جديدة بشأن القرار بعد اجتماع طارئ"
TEMPLATE_HEADLINE = "نشرة آلية ثانية تصدر في الدقيقة نفسها بالنص ذاته تقريبا"


def _spellings(path: str) -> list[str]:
    """How pages print a path: raw Arabic (listings) and percent-encoded (feeds, canonical)."""
    return [quote(path, safe="/"), path]


def _site_where(site: MirrorSite, story, changes: dict):
    """A handler serving *site*; once ``changes["moved_to"]`` is set, *story* lives there under
    NEW_HEADLINE (its old path answers 301 to it, every page links the new path), and once
    ``changes["same_minute"]`` is set, a second post of the story's very minute with its text
    is linked from the home page."""
    old_path = story.path

    def rewrite(body: bytes, path_to: str | None, headline: str | None) -> bytes:
        text = body.decode("utf-8")
        if path_to:
            for old, new in zip(_spellings(old_path), _spellings(path_to)):
                text = text.replace(old, new)
        if headline:
            text = text.replace(story.headline, headline)
        return text.encode("utf-8")

    class Handler(QuietHandler):
        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            base = f"http://{self.headers['Host']}"
            moved_to, same_minute = changes.get("moved_to"), changes.get("same_minute")
            if moved_to and path == old_path:
                self.redirect(base + quote(moved_to, safe="/"), 301)
                return
            if moved_to and path == moved_to:
                status, kind, body = route(site, base, old_path)
                body = rewrite(body, moved_to, NEW_HEADLINE)
            elif same_minute and path == same_minute:
                status, kind, body = route(site, base, old_path)
                text = rewrite(body, None, None).decode("utf-8")
                for old, new in zip(_spellings(old_path), _spellings(same_minute)):
                    text = text.replace(old, new)
                body = text.replace(story.headline, TEMPLATE_HEADLINE).encode("utf-8")
            else:
                status, kind, body = route(site, base, self.path)
                if moved_to:
                    body = rewrite(body, moved_to, NEW_HEADLINE)
                if same_minute and path == "/":
                    link = f'<p><a href="{same_minute}">{TEMPLATE_HEADLINE}</a></p></body>'
                    body = body.decode("utf-8").replace("</body>", link, 1).encode("utf-8")
            self.answer(status, kind, body)

    return Handler


def _story(site: MirrorSite):
    """A news story of the site's front (not an opinion column), with a body long enough to compare."""
    return next(a for a in site.latest(10) if not a.is_opinion and a.flaw is None
                and sum(len(p.split()) for p in a.paragraphs) >= 40)


def _urls(items: list[dict]) -> list[str]:
    return [unquote(urlsplit(item["url"]).path) for item in items]


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_retitled_and_moved_story_stays_in_the_feeds_once(tmp_path, backend, request):
    site = MirrorSite(articles=12)
    story = _story(site)
    hhmmss = story.path.rsplit("/", 1)[1].split("-", 1)[0]
    moved_to = f"/42/{hhmmss}-الحكومة-تكشف-تفاصيل-جديدة-بشأن-القرار"
    extra = ("-s", f"NEWSCRAWL_REDIS_URL={request.getfixturevalue('redis_db')}") if backend == "redis" else ()
    changes: dict = {}
    with http_server(_site_where(site, story, changes)) as base:
        first, _, _ = crawl(base, tmp_path, *extra)
        assert _urls(first).count(story.path) == 1
        changes["moved_to"] = moved_to
        items, stats, log = crawl(base, tmp_path, *extra)
        again, _, _ = crawl(base, tmp_path, *extra)
    assert len(items) == len(first), "the second run's feed holds the first run's articles and nothing more"
    assert moved_to not in _urls(items), "the story came out again under its new URL"
    assert stats["newscrawl/dedupe/moved"] == 1
    assert "same publication time and text" in log and moved_to in log
    audit = [json.loads(line) for path in (tmp_path / "feeds").rglob("*duplicates*") for line in
             path.read_text("utf-8").splitlines() if line.strip()]
    moved = [row for row in audit if row["kind"] == "moved"]
    assert [(unquote(urlsplit(r["url"]).path), unquote(urlsplit(r["duplicate_of"]).path)) for r in moved] == \
        [(moved_to, story.path)]
    assert len(again) == len(first), "a third run emits nothing new: the new URL is settled"


def test_two_posts_of_one_minute_with_one_text_are_two_stories(tmp_path):
    """The automated currency posts share their text and their minute, not their second: the
    path's time tells them apart, and both are kept."""
    site = MirrorSite(articles=12)
    story = _story(site)
    section, rest = story.path.strip("/").split("/", 1)
    hhmmss = rest.split("-", 1)[0]
    other_second = f"{hhmmss[:4]}{(int(hhmmss[4:]) + 30) % 60:02d}"
    same_minute = f"/{section}/{other_second}-نشرة-آلية-ثانية"
    changes: dict = {}
    with http_server(_site_where(site, story, changes)) as base:
        crawl(base, tmp_path)
        changes["same_minute"] = same_minute
        items, stats, _ = crawl(base, tmp_path)
    paths = _urls(items)
    assert same_minute in paths, "a post of the same minute and text, but another second, was dropped"
    assert "newscrawl/dedupe/moved" not in stats
    kept = [item for item in items if unquote(urlsplit(item["url"]).path) in (same_minute, story.path)]
    assert len({item["date_published"] for item in kept}) == 1, "the two posts must share their publication time"
