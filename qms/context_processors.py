"""What the base layout needs on every page: the module navigation and the layout's own links.

The menu and its addresses are the same for every request of a process (the modules are
discovered at start, the URL configuration does not change while it runs), so they are worked
out once per script prefix, not with a ``{% url %}`` per link per page; which entry is active is
the only thing a request decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from .modules import menu

# The layout's links (base.html), by the name the template reads them under.
LAYOUT_LINKS = {
    "my_work": "my_work",
    "overview": "overview",
    "audit_pack": "audit_pack",
    "process_list": "process_list",
    "search": "search",
    "profile": "profile",
    "password_change": "password_change",
    "two_factor": "two_factor",
    "access_log": "access_log",
    "delivery_list": "notifications:delivery_list",
    "webhook_list": "notifications:webhook_list",
    "admin": "admin:index",
    "logout": "logout",
}


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A module's menu entry with its address; ``active`` on the pages of that module."""

    url_name: str
    url: str
    label: str
    clause: str
    active: bool = False


@cache
def _layout(prefix: str, urlconf) -> tuple[dict[str, str], tuple[NavEntry, ...]]:
    links = {key: reverse(name, urlconf) for key, name in LAYOUT_LINKS.items()}
    entries = tuple(NavEntry(m.url_name, reverse(m.url_name, urlconf), m.label, m.clause) for m in menu())
    return links, entries


def shell(request):
    links, entries = _layout(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    match = getattr(request, "resolver_match", None)
    app = (match.app_name or "")[:3] if match is not None else ""
    url_name = match.url_name if match is not None else None
    if app:
        # A module's pages light up its entry (the same three letters: "cal" for calibration).
        entries = [
            NavEntry(e.url_name, e.url, e.label, e.clause, True) if e.url_name[:3] == app else e
            for e in entries
        ]
    return {"nav_modules": entries, "nav": links, "nav_active": url_name, "BASE_URL": settings.BASE_URL}
