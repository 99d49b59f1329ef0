"""Checks the crawling commands (crawl, demo, parse) run before Scrapy starts: a missing spider or
a bad ``-a`` option is one ``Error:`` line and exit status 2, not a traceback after start-up."""

from __future__ import annotations

import inspect
import sys

from scrapy.spiderloader import get_spider_loader


class StartError(Exception):
    """Why a command cannot start, as one sentence; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def load_spider(settings, name: str) -> type:
    loader = get_spider_loader(settings)
    try:
        return loader.load(name)
    except KeyError:
        known = ", ".join(sorted(loader.list())) or "none (is SCRAPY_SETTINGS_MODULE=newscrawl.settings set?)"
        raise StartError(f"no spider named {name!r}; the spiders are: {known}") from None


def spider_options(spidercls: type) -> set[str]:
    """The ``-a`` names a spider's ``__init__`` (and its bases') take by keyword."""
    names: set[str] = set()
    for cls in spidercls.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for param in inspect.signature(init).parameters.values():
            if param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD) and param.name != "self":
                names.add(param.name)
    return names - {"name"}


def check_spider_options(spidercls: type, spargs: dict) -> None:
    """A typo'd option (``-a max_page=5``) would be ignored without a word: refused. Names that
    start with ``_`` pass (Scrapyd gives every job ``_job``). The spiders validate the values in
    ``__init__``: build one, throw it away."""
    known = spider_options(spidercls)
    unknown = sorted(k for k in spargs if k not in known and not k.startswith("_"))
    if unknown:
        raise StartError(f"{spidercls.name} has no option {', '.join(unknown)}; "
                         f"its options are: {', '.join(sorted(known))}")
    try:
        spidercls(**spargs)
    except (ValueError, OSError) as error:
        raise StartError(str(error)) from None


def check_settings(settings) -> None:
    """newscrawl settings whose bad value would otherwise stop the crawl after start-up."""
    from newscrawl.alerts import check_alert_settings
    from newscrawl.extensions import check_stats_file_path
    from newscrawl.language import parse_language_list
    from newscrawl.progress import progress_bar_setting

    try:
        parse_language_list(settings.get("NEWSCRAWL_LANGUAGES"))
        check_alert_settings(settings)
        progress_bar_setting(settings.get("NEWSCRAWL_PROGRESS_BAR", "auto"))
        check_stats_file_path(settings.get("NEWSCRAWL_STATS_FILE"))
    except ValueError as error:
        raise StartError(str(error)) from None
    for name, kind in NUMBER_SETTINGS.items():
        value = settings.get(name)
        if value is None or value == "":
            continue
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise StartError(f"{name} must be a{'n integer' if kind is int else ' number'}, got {value!r}") from None
        if number < 0 and name not in SIGNED_SETTINGS:
            raise StartError(f"{name} must not be negative, got {value!r}")
        if number == 0 and name in NONZERO_SETTINGS:
            raise StartError(f"{name} must be at least 1, got {value!r} ({NONZERO_SETTINGS[name]})")


# The newscrawl settings read as numbers: a bad value would raise inside a component after start-up.
NUMBER_SETTINGS = {
    "NEWSCRAWL_FEED_SIZE": int, "NEWSCRAWL_MONITOR_EXIT_STATUS": int, "NEWSCRAWL_MONITOR_MAX_ERRORS": int,
    "NEWSCRAWL_MONITOR_MIN_ITEMS": int, "NEWSCRAWL_ALERT_TIMEOUT": float, "NEWSCRAWL_ARCHIVE_MAX_SIZE": float,
    "NEWSCRAWL_DEDUPE_WINDOW": float, "NEWSCRAWL_PROGRESS_INTERVAL": float, "NEWSCRAWL_REDIS_IDLE_SECONDS": float,
    "NEWSCRAWL_REDIS_WORKER_TIMEOUT": float, "NEWSCRAWL_RETRY_AFTER_MAX": float,
    "NEWSCRAWL_RETRY_BACKOFF_BASE": float, "NEWSCRAWL_RETRY_BACKOFF_MAX": float,
    "NEWSCRAWL_RETRY_FAILED_AFTER": float, "NEWSCRAWL_SILENT_HOURS": float, "NEWSCRAWL_TITLES_RETENTION": float,
}
SIGNED_SETTINGS: set[str] = set()
# Those where 0 would quietly do nothing useful, and what does what 0 seems to ask for.
NONZERO_SETTINGS = {"NEWSCRAWL_FEED_SIZE": "NEWSCRAWL_ROLLING_FEED=\"\" turns the rolling feed off"}


def print_error(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr, flush=True)


def one_line_errors(parser) -> None:
    """Make *parser* report a bad invocation as one ``Error:`` line and exit status 2. argparse
    prints its usage block before the message, and Scrapy hands every ``UsageError`` of a
    command to ``parser.error`` too; both end here."""
    def error(message: str):
        print_error(message)
        raise SystemExit(2)

    parser.error = error


def refuse_extra_arguments(args: list[str], expected: int) -> None:
    """Arguments past the *expected* ones (an unknown ``--option`` lands here) are refused."""
    from scrapy.exceptions import UsageError

    if len(args) > expected:
        raise UsageError(f"unexpected argument(s): {' '.join(args[expected:])} (see --help)", print_help=False)


def remove_stale_parts(target) -> None:
    """Remove ``.<name>.part-<pid>`` files beside *target* that a killed export or reextract left
    (their process is gone): each run writes its own, and they would pile up."""
    import os
    from pathlib import Path

    target = Path(target)
    for part in target.parent.glob(f".{target.name}.part-*"):
        pid = part.name.rsplit("-", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            part.unlink(missing_ok=True)
        except OSError:
            pass  # alive (another user's): left alone
