"""Site knowledge, one module per site; ``NETWORK_SITES`` maps each network spider name to its profile."""

from newscrawl.sites import (
                             almaghrib,
                             alsaudiatoday,
                             arabstoday,
                             egypt_today,
                             emiratesvoice,
                             omantoday,
                             palestinetoday,
)
from newscrawl.sites.base import SiteProfile

NETWORK_SITES: dict[str, SiteProfile] = {
    module.SITE.key: module.SITE
    for module in (almaghrib, arabstoday, egypt_today, palestinetoday, emiratesvoice, omantoday, alsaudiatoday)
}
