"""``scrapy report``: one self-contained HTML file that shows whether the crawls are healthy.

Per site: an overview line (runs, last outcome, articles stored, hours since a run kept a new
article), then charts of articles per day (by publication date, zero days drawn as gaps),
new articles per run, field coverage over runs, extraction steps over runs, failures by kind,
the latest monitor results and the newest headlines (Arabic, right to left).

Charts are Vega-Lite specifications built with Altair, drawn in the browser by Vega as SVG.
The Vega, Vega-Lite and Vega-Embed scripts are inlined (the bundle vl-convert ships, as
Altair's ``save(inline=True)`` does), so the file opens without a network. Everything is
aggregated in SQL: the file holds one data point per run and per day, never one per article,
so it stays a few MB for a store of any size. The script bundle (~0.9 MB) is cached in
``$XDG_CACHE_HOME/newscrawl`` (bundling it takes seconds).
"""

from __future__ import annotations

import html
import json
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from newscrawl.runs import RunHistory, RunRecord

DEFAULT_DAYS = 60
DEFAULT_RUNS = 500
HEADLINES = 5
# Fields whose coverage the charts draw: the monitored ones first (newscrawl.monitors' default).
KEY_FIELDS = ("headline", "body", "date_published", "author")


@dataclass
class SiteData:
    name: str
    label: str | None
    runs: list[RunRecord] = field(default_factory=list)
    articles: int = 0
    newest: str | None = None
    per_day: list[dict] = field(default_factory=list)
    window_note: str = ""
    headlines: list[dict] = field(default_factory=list)


def _label(name: str) -> str | None:
    from newscrawl.sites import SITES

    site = SITES.get(name) if isinstance(SITES, dict) else None
    return getattr(site, "label", None)


def collect(path: Path, *, sites: list[str] | None = None, days: int = DEFAULT_DAYS, runs: int = DEFAULT_RUNS,
            today: date | None = None) -> list[SiteData]:
    """What the report shows, per site, from the state file at *path* (aggregated in SQL)."""
    today = today or datetime.now(timezone.utc).date()
    with RunHistory(path, check=False) as history:  # the command checked it
        db = history.db
        stored = {source: (count, newest) for source, count, newest in db.execute(
            "SELECT source, COUNT(*), MAX(date_published) FROM articles GROUP BY source")} if _has_table(db, "articles") else {}
        names = sorted(set(stored) | {spider for spider, _ in history.spiders()})
        if sites:
            names = [n for n in names if n in sites]
        result = []
        for name in names:
            data = SiteData(name=name, label=_label(name), runs=history.runs(name, last=runs))
            data.articles, data.newest = stored.get(name, (0, None))
            if data.articles:
                _per_day(db, data, days, today)
                data.headlines = [
                    {"headline": h or "", "url": u, "date": (d or "")[:16].replace("T", " "), "section": s or ""}
                    for h, u, d, s in db.execute(
                        "SELECT json_extract(item, '$.headline'), url, date_published, section FROM articles "
                        "WHERE source = ? AND date_published <= ? ORDER BY date_published DESC LIMIT ?",
                        (name, (today + timedelta(days=2)).isoformat(), HEADLINES))]
            result.append(data)
    return result


def _has_table(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def _per_day(db: sqlite3.Connection, data: SiteData, days: int, today: date) -> None:
    """Articles per publication day over *days* days up to today, zero days included (the gaps);
    a site with nothing in that window gets the *days* days up to its newest article, said so."""
    end = today
    newest = _day(data.newest)
    if newest is not None and newest < today - timedelta(days=days - 1):
        end = newest
        data.window_note = (f"no article dated in the last {days} days: the chart shows the {days} days up to the "
                            f"newest, {newest.isoformat()}")
    start = end - timedelta(days=days - 1)
    counts = dict(db.execute(
        "SELECT substr(date_published, 1, 10), COUNT(*) FROM articles WHERE source = ? AND date_published >= ? "
        "AND date_published < ? GROUP BY 1", (data.name, start.isoformat(), (end + timedelta(days=1)).isoformat())))
    data.per_day = [{"day": (start + timedelta(days=i)).isoformat(),
                     "articles": counts.get((start + timedelta(days=i)).isoformat(), 0)} for i in range(days)]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# --- charts --------------------------------------------------------------------------------------

def _run_rows(site: SiteData) -> list[dict]:
    return [{"run": i, "id": r.id, "started": r.started_at[:19].replace("T", " "), "reason": r.finish_reason or "",
             "new": r.new_articles, "items": r.items, "duplicates": r.duplicates, "pages": r.pages,
             "monitors": "failed: " + ", ".join(r.monitors.get("failed") or []) if r.monitors.get("failed")
             else ("passed" if r.monitors else "not run")}
            for i, r in enumerate(site.runs, 1)]


def charts(site: SiteData) -> dict[str, dict]:
    """Vega-Lite specs (dicts) of one site's charts, keyed by chart name."""
    import altair as alt

    width = "container"
    runs = _run_rows(site)
    run_axis = alt.X("run:O", title="run (oldest → newest)", axis=alt.Axis(labelOverlap=True, labelAngle=0))
    specs: dict[str, Any] = {}

    if site.per_day:
        specs["articles_per_day"] = alt.Chart(alt.Data(values=site.per_day), title="Articles per day (publication date)",
                                              width=width, height=160).mark_bar(color="#4c78a8").encode(
            x=alt.X("day:T", title=None, timeUnit="yearmonthdate", axis=alt.Axis(format="%d %b")),
            y=alt.Y("articles:Q", title="articles"),
            tooltip=[alt.Tooltip("day:T", title="day"), alt.Tooltip("articles:Q")])

    if runs:
        specs["articles_per_run"] = alt.Chart(alt.Data(values=runs), title="New articles per run",
                                              width=width, height=160).mark_bar().encode(
            x=run_axis, y=alt.Y("new:Q", title="new articles"),
            color=alt.condition("datum.monitors == 'passed'", alt.value("#4c78a8"), alt.value("#e45756")),
            tooltip=["run:O", "started:N", "reason:N", "new:Q", "items:Q", "duplicates:Q", "pages:Q", "monitors:N"])

    # Fields no run ever filled (date_modified on a site that never shows one) would only add lines at 0.
    filled = set(KEY_FIELDS) | {name for r in site.runs for name, share in r.coverage.items() if share > 0}
    coverage = [{"run": i, "field": name, "share": share}
                for i, r in enumerate(site.runs, 1) for name, share in r.coverage.items() if name in filled]
    if coverage:
        ordered = list(KEY_FIELDS) + sorted({c["field"] for c in coverage} - set(KEY_FIELDS))
        specs["coverage"] = alt.Chart(alt.Data(values=coverage), title="Field coverage over runs (share of items)",
                                      width=width, height=200).mark_line(point=True).encode(
            x=run_axis, y=alt.Y("share:Q", title="share of items", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("field:N", sort=ordered, title="field", scale=alt.Scale(scheme="category20")),
            tooltip=["run:O", "field:N", alt.Tooltip("share:Q", format=".2f")])

    steps: list[dict] = []
    for i, r in enumerate(site.runs, 1):
        totals: dict[str, int] = {}
        for name, by_step in r.extraction.items():
            if name in ("parser", "url"):  # the parser version and the canonical URL are no content fields
                continue
            for step, count in by_step.items():
                totals[step] = totals.get(step, 0) + count
        steps += [{"run": i, "step": step, "fields": count} for step, count in totals.items()]
    if steps:
        specs["extraction_steps"] = alt.Chart(alt.Data(values=steps), title="Extraction steps over runs "
                                              "(share of field values filled by each step)",
                                              width=width, height=200).mark_bar().encode(
            x=run_axis, y=alt.Y("fields:Q", stack="normalize", title="share of field values"),
            color=alt.Color("step:N", title="step"), tooltip=["run:O", "step:N", "fields:Q"])

    failures = [{"run": i, "kind": kind, "count": count}
                for i, r in enumerate(site.runs, 1) for kind, count in r.failures.items() if count]
    if failures:
        specs["failures"] = alt.Chart(alt.Data(values=failures), title="Failures by kind per run",
                                      width=width, height=160).mark_bar().encode(
            x=run_axis, y=alt.Y("count:Q", title="pages"), color=alt.Color("kind:N", title="kind"),
            tooltip=["run:O", "kind:N", "count:Q"])
    return {name: chart.to_dict(validate=False) for name, chart in specs.items()}


# --- the page ------------------------------------------------------------------------------------

def _bundle() -> str:
    """The Vega + Vega-Lite + Vega-Embed script, as vl-convert builds it (cached per version)."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    version = vl_version_for_vl_convert()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newscrawl"
    target = cache / f"vega-bundle-{vlc.__version__}-{version}.js"
    try:
        return target.read_text(encoding="utf-8")
    except OSError:
        pass
    script = vlc.javascript_bundle(vl_version=version)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_text(script, encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # no writable cache: bundled again next time
    return script


def _script_json(value: Any) -> str:
    """JSON safe inside <script>: no "</" that would end it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _hours_since(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    when = datetime.fromisoformat(iso)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return (now - when).total_seconds() / 3600


def _ar(text: str) -> str:
    return f'<span lang="ar" dir="rtl">{html.escape(text)}</span>'


def render(sites: list[SiteData], *, generated: datetime | None = None, state_path: str = "") -> str:
    now = generated or datetime.now(timezone.utc)
    e = html.escape
    parts = [f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newscrawl report {e(now.strftime('%Y-%m-%d %H:%M'))} UTC</title>
<style>
body {{ font-family: system-ui, "Noto Sans", "Noto Naskh Arabic", "DejaVu Sans", sans-serif; margin: 1.5em auto;
       max-width: 72em; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.5em; }} h2 {{ margin-top: 2em; border-bottom: 1px solid #ccc; }}
table {{ border-collapse: collapse; margin: .5em 0; }} td, th {{ border: 1px solid #ddd; padding: .25em .6em; }}
th {{ background: #f4f4f4; text-align: start; }} td.n {{ text-align: end; }}
.ok {{ color: #1a7f37; font-weight: bold; }} .fail {{ color: #c62828; font-weight: bold; }} .skip {{ color: #777; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(28em, 1fr)); gap: 1em; }}
.chart {{ width: 100%; min-height: 12em; }}
.note {{ color: #666; font-size: .9em; }}
[dir=rtl] {{ font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", sans-serif; }}
ul.headlines {{ padding-inline-start: 1.5em; }}
</style>
<script>{_bundle()}</script>
</head><body>
<h1>newscrawl: crawl health</h1>
<p class="note">Generated {e(now.strftime('%Y-%m-%d %H:%M'))} UTC from {e(state_path)}. Runs: <code>scrapy runs</code>.</p>
"""]
    if not sites:
        parts.append("<p>No runs and no articles in this state store yet.</p>")
    else:
        parts.append("<table><tr><th>site</th><th>runs</th><th>last run</th><th>finish</th><th>monitors</th>"
                     "<th>articles stored</th><th>newest article</th><th>hours since a new article</th></tr>")
        for site in sites:
            last = site.runs[-1] if site.runs else None
            newest_run = max((r.finished_at for r in site.runs if r.new_articles), default=None)
            silent = _hours_since(newest_run, now)
            parts.append(
                f"<tr><td><a href='#site-{e(site.name)}'>{e(site.name)}</a>"
                f"{' ' + _ar(site.label) if site.label else ''}</td><td class=n>{len(site.runs)}</td>"
                f"<td>{e(last.started_at[:16].replace('T', ' ')) if last else '-'}</td>"
                f"<td>{e(last.finish_reason or '-') if last else '-'}</td><td>{_monitor_badge(last)}</td>"
                f"<td class=n>{site.articles}</td><td>{e((site.newest or '-')[:10])}</td>"
                f"<td class=n>{f'{silent:.1f}' if silent is not None else '-'}</td></tr>")
        parts.append("</table>")
    for site in sites:
        parts.append(_site_section(site))
    parts.append("""<script>
for (const holder of document.querySelectorAll("script.chart-spec")) {
  const target = document.getElementById(holder.dataset.target);
  vegaEmbed(target, JSON.parse(holder.textContent), {renderer: "svg", actions: false})
    .catch(error => { target.textContent = "chart failed: " + error; console.error(error); });
}
</script>
</body></html>
""")
    return "".join(parts)


def _monitor_badge(run: RunRecord | None) -> str:
    if run is None or not run.monitors:
        return "<span class=skip>-</span>"
    if run.monitors.get("failed"):
        return f"<span class=fail>FAILED: {html.escape(', '.join(run.monitors['failed']))}</span>"
    return "<span class=ok>passed</span>"


def _site_section(site: SiteData) -> str:
    e = html.escape
    out = [f"<section id='site-{e(site.name)}' data-site='{e(site.name)}'>",
           f"<h2>{e(site.name)}{' — ' + _ar(site.label) if site.label else ''}</h2>"]
    specs = charts(site)
    if site.window_note:
        out.append(f"<p class=note>Articles per day: {e(site.window_note)}.</p>")
    out.append("<div class=charts>")
    for name, spec in specs.items():
        target = f"chart-{site.name}-{name}"
        out.append(f"<div class=chart id='{e(target)}' data-chart='{e(name)}'></div>"
                   f"<script type='application/json' class='chart-spec' data-target='{e(target)}' "
                   f"data-chart='{e(name)}'>{_script_json(spec)}</script>")
    out.append("</div>")
    last = site.runs[-1] if site.runs else None
    if last is not None and last.monitors.get("results"):
        out.append(f"<h3>Latest monitor results (run of {e(last.started_at[:16].replace('T', ' '))})</h3>"
                   "<table class=monitors><tr><th>monitor</th><th>status</th><th>message</th></tr>")
        for result in last.monitors["results"]:
            status = result.get("status") or ""
            css = "ok" if status == "OK" else "fail" if status in ("FAIL", "ERROR") else "skip"
            out.append(f"<tr><td>{e(result.get('name') or '')}</td><td class={css}>{e(status)}</td>"
                       f"<td>{e(result.get('message') or '')}</td></tr>")
        out.append("</table>")
    if site.headlines:
        out.append("<h3>Newest articles</h3><ul class=headlines lang='ar' dir='rtl'>")
        for h in site.headlines:
            # Only web links: a stored javascript: or data: URL must never become clickable code.
            href = h['url'] if str(h['url']).lower().startswith(("http://", "https://")) else "#"
            out.append(f"<li><a href='{e(href)}'>{e(h['headline'])}</a> <bdi class=note>{e(h['section'])}</bdi> "
                       f"<bdi class=note dir=ltr>{e(h['date'])}</bdi></li>")
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def write_report(state_path: Path, target: Path, **options) -> tuple[int, int]:
    """Write the report of *state_path* to *target* atomically; returns (sites, bytes)."""
    sites = collect(state_path, **options)
    page = render(sites, state_path=str(state_path.resolve()))
    data = page.encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(sites), len(data)
