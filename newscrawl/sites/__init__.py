"""Site knowledge, one module per site. ``NETWORK_SITES`` maps each network spider name to its
profile; ``OTHER_SITES`` holds profiles of sites of other CMSs (their page objects are used by
the generic ``news`` spider on their domain); ``SITES`` is both."""

from urllib.parse import urlsplit

from newscrawl.sites import (almaghrib, alsaudiatoday, arabstoday, egypt_today, emiratesvoice, omantoday,
                             palestinetoday)
from newscrawl.sites.base import SiteProfile

NETWORK_SITES: dict[str, SiteProfile] = {
    module.SITE.key: module.SITE
    for module in (almaghrib, arabstoday, egypt_today, palestinetoday, emiratesvoice, omantoday, alsaudiatoday)
}

# Sites of other CMSs: a module with a SiteProfile whose parser is its page object (README,
# "Adding a site"), listed here.
OTHER_SITES: dict[str, SiteProfile] = {}

SITES: dict[str, SiteProfile] = {**NETWORK_SITES, **OTHER_SITES}


def site_for_url(url: str) -> SiteProfile | None:
    """The profile of the site *url* belongs to (its domain or a subdomain), else None."""
    host = (urlsplit(url).hostname or "").lower()
    for site in SITES.values():
        if host == site.domain or host.endswith("." + site.domain):
            return site
    return None
