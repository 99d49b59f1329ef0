"""Checks the crawling commands (crawl, demo, parse) run before Scrapy starts: a missing spider or
a bad ``-a`` option is one ``Error:`` line and exit status 2, not a traceback after start-up."""

from __future__ import annotations

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


def check_spider_options(spidercls: type, spargs: dict) -> None:
    """The spiders validate their options in ``__init__``: build one, throw it away."""
    try:
        spidercls(**spargs)
    except (ValueError, OSError) as error:
        raise StartError(str(error)) from None


def check_settings(settings) -> None:
    """newscrawl settings whose bad value would otherwise stop the crawl after start-up."""
    from newscrawl.language import parse_language_list

    try:
        parse_language_list(settings.get("NEWSCRAWL_LANGUAGES"))
    except ValueError as error:
        raise StartError(str(error)) from None


def print_error(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr, flush=True)
