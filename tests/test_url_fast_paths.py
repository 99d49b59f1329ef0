"""The spider's shortcuts around w3lib/urllib give exactly what the library calls give: page
keys, url keys and link URLs are what a crawl's state and dedupe are keyed by, so a state
directory written before them must read the same after."""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st
from w3lib.url import canonicalize_url, safe_url_string

from newscrawl.encoding import _BAD_CHARACTERS, _bad_characters, looks_like_garbage
from newscrawl.extraction.document import _PLAIN_ABSOLUTE, absolute_url
from newscrawl.sites.network import path_of
from newscrawl.spiders.common import _join_base, _joined_link
from newscrawl.spiders.network import _ALREADY_CANONICAL, _canonical_url


def pieces(items: list[str], **kwargs) -> st.SearchStrategy[str]:
    """Strings made of *items*: the fragments URLs are made of, and those that trip parsers."""
    return st.lists(st.sampled_from(items), **kwargs).map("".join)


ARABIC_URL = ("http://127.0.0.1:8080/314/232752-المجلس-الاقتصادي-والاجتماعي-يطالب-بتسريع"
              "-استراتيجية-الصيد-البحري-في-الصويرة")


def outcome(function, *args):
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 (the same failure is part of the same result)
        return type(error)


@settings(max_examples=2000, deadline=None)
@given(scheme=st.sampled_from(["http", "https", "HTTP", "ftp"]),
       host=st.sampled_from(["127.0.0.1", "www.almaghribtoday.net", "a-b.c", "Example.com", "a..b", ".a",
                             "xn--mgbh0fb.com", "a_b.com", "a-.b", "[::1]"]),
       port=st.one_of(st.none(), st.integers(0, 99999).map(str), st.sampled_from(["08080", "", "x"])),
       rest=pieces(list("abcAZ09-._~/%;?#=&|:@ \t") + ["%D8", "%A7", "%d8", "%41", "%2F", "%3F", "%8", "%FF",
                                                     "ب", "/.", "/..", "?page=2", "?a=1&b=2", "?page=x", "%7E"],
                   max_size=30))
def test_canonical_url_is_canonicalize_url(scheme, host, port, rest):
    url = f"{scheme}://{host}" + (f":{port}" if port is not None else "") + rest
    assert outcome(_canonical_url.__wrapped__, url) == outcome(canonicalize_url, url)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ابتـ-_.~0123456789aZ/ ?é%", max_size=40), st.sampled_from(["", "?page=3", "?start=20"]))
def test_article_request_urls_take_the_shortcut_and_stay_canonical(slug, query):
    """The fetch URLs the spider builds (safe_url_string of a decoded path) are the ones the
    shortcut is for, and it returns them as canonicalize_url does."""
    url = safe_url_string(f"http://127.0.0.1:8080/314/101010-{slug}") + query
    assert _canonical_url.__wrapped__(url) == canonicalize_url(url)
    if "%" not in slug and "." not in slug and "?" not in slug and " " not in slug:
        assert _ALREADY_CANONICAL.fullmatch(url)
    assert _canonical_url.__wrapped__(safe_url_string(ARABIC_URL)) == safe_url_string(ARABIC_URL)


def test_path_of_decodes_percent_encoded_and_raw_arabic_alike():
    assert path_of(safe_url_string(ARABIC_URL)) == path_of(ARABIC_URL) == unquote(urlsplit(ARABIC_URL).path)
    assert path_of("http://h/a%zz%D8%A3") == "/a%zzأ"  # a "%" beginning no escape is kept


@settings(max_examples=2500, deadline=None)
@given(base=st.sampled_from(["http://127.0.0.1:8080/314-x/?page=2", "https://www.a.net/", "", "http://[bad/",
                             "ftp://h/x", "HTTP://A/b", "//h/x", "http:/x", "x", "https://h:99999/"]),
       href=pieces(["http://", "https://", "HTTP://", "//", "/", "?", "#", "\t", "\n", "\r", " ", "h", "ب", "[", "]",
                    ":", "8080", "99999", "a", ".", "..", "%41", "\\", "@", "javascript:"], max_size=12))
def test_joined_link_is_urljoin(base, href):
    """Links of every page share cache entries, yet each joins as urljoin joins it to its own
    page (None where urljoin or the port check fails)."""
    def joined(base: str, href: str) -> str | None:
        try:
            url = urljoin(base, href)
            urlsplit(url).port  # noqa: B018
        except ValueError:
            return None
        return url

    assert _joined_link.__wrapped__(_join_base(base, href), href) == joined(base, href)


@settings(max_examples=3000, deadline=None)
@given(st.text() | st.text(alphabet="\ufffd\x00\x0b\x0c\t\n\r\x1f ب<\ud800\udfff"))
def test_bad_characters_counts_what_the_pattern_finds(text):
    assert _bad_characters(text) == len(_BAD_CHARACTERS.findall(text))


def test_garbage_verdicts():
    page = "<html><body>" + "نص عربي " * 600 + "</body></html>"
    assert not looks_like_garbage(page.encode(), page)
    assert looks_like_garbage(b"", "\x00\x01\x02<" * 100)
    assert looks_like_garbage(b"", "\ufffd" * 30 + "<p>" + "a" * 500)
    assert not looks_like_garbage(b"", "\ufffd" * 20 + "<p>" + "a" * 500)  # under 5%
    assert _bad_characters("\x0b\ufffd\x0c\t") == 2


@settings(max_examples=3000, deadline=None)
@given(base=st.sampled_from(["http://127.0.0.1:8080/314/x", "https://www.a.net/a/b?c=1", "", "http://[bad/",
                             "ftp://h/x", "HTTP://A/b", "x", "https://h:99999/"]),
       href=pieces(["http://", "https://", "HTTP://", "//", "/", "?", "#", ";", "\t", "\n", " ", "\x00", "h", "ب",
                    "[", "]", ":", "8080", "a", ".", "..", "%41", "%D8", "\\", "@", "\"", "<", "~", "&=", "xn--",
                    "\u00a0", "\u3000", "\ud800", "\x7f", "\r", "\x1f", "ﬁ", "℀"],
                   max_size=12))
def test_absolute_url_is_urljoin(base, href):
    """Canonical, image and writer links: the shortcut for plain absolute URLs gives what
    urljoin gives (None where urljoin or urlsplit refuses)."""
    def joined(base: str, href: str) -> str | None:
        try:
            url = urljoin(base, href)
            urlsplit(url)
        except ValueError:
            return None
        return url

    assert absolute_url(base, href) == joined(base, href)
    assert absolute_url(base, "http://" + href) == joined(base, "http://" + href)


def test_plain_absolute_urls_take_the_shortcut():
    assert _PLAIN_ABSOLUTE.fullmatch(safe_url_string(ARABIC_URL))
    assert _PLAIN_ABSOLUTE.fullmatch("https://www.almaghribtoday.net/img/upload/x.jpg")
    assert _PLAIN_ABSOLUTE.fullmatch(ARABIC_URL)  # the network's hrefs are raw Arabic
    assert not _PLAIN_ABSOLUTE.fullmatch("https://h/a?")  # urljoin drops an empty query
