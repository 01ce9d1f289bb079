"""What the base layout needs on every page: the module navigation, the current module's tabs,
the signed-in person's menu and the layout's own links.

The menu, the tabs and their addresses are the same for every request of a process (the modules
are discovered at start, the URL configuration does not change while it runs): the addresses are
worked out once per script prefix, not with a ``{% url %}`` per link per page, and the menu's and
the tabs' HTML is rendered once for each entry that can be active (``qms/_menu.html``,
``qms/_tabs.html``), not on every page. Which entry is active is the only thing a request decides.
So is the person's menu (``qms/_person_menu.html``) for each name and role it shows, with the
request's own CSRF field put into its log-out form: a fifth of a register page's template was
that menu's conditions read from the user on every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.autoreload import file_changed
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .models import Role
from .modules import installed, menu

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
# The kernel's pages with an entry of their own in the menu (lit up when shown).
MENU_PAGES = frozenset({"my_work", "overview", "audit_pack", "process_list"})


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A menu entry or a tab with its address; ``active`` on the page (or the module) it leads to."""

    url_name: str
    url: str
    label: str
    clause: str
    active: bool = False


@dataclass(frozen=True, slots=True)
class _Tabs:
    label: str  # the module's, for the tabs' accessible name
    entries: tuple[NavEntry, ...]


@cache
def _layout(prefix: str, urlconf) -> tuple[dict[str, str], tuple[NavEntry, ...], dict[str, _Tabs]]:
    links = {key: reverse(name, urlconf) for key, name in LAYOUT_LINKS.items()}
    entries = tuple(NavEntry(m.url_name, reverse(m.url_name, urlconf), m.label, m.clause) for m in menu())
    tabs = {
        i.app.label: _Tabs(
            i.module.label or str(i.app.verbose_name),
            tuple(NavEntry(name, reverse(name, urlconf), label, "") for label, name in i.module.tabs),
        )
        for i in installed()
        if i.module.tabs
    }
    return links, entries, tabs


@lru_cache(maxsize=256)
def _menu_html(prefix: str, urlconf, app: str, page: str | None) -> SafeString:
    """The menu with the entry of ``page`` (a kernel page) or of module ``app`` lit up."""
    links, entries, _ = _layout(prefix, urlconf)
    if app:
        # A module's pages light up its entry (the same three letters: "cal" for calibration).
        entries = tuple(
            NavEntry(e.url_name, e.url, e.label, e.clause, True) if e.url_name[:3] == app[:3] else e
            for e in entries
        )
    return render_to_string("qms/_menu.html", {"nav": links, "nav_modules": entries, "nav_active": page})


@lru_cache(maxsize=256)
def _tabs_html(prefix: str, urlconf, app: str, page: str | None) -> SafeString | str:
    """Module ``app``'s tabs with the one of ``page`` (its URL name) lit up; "" for a module
    without tabs."""
    tabs = _layout(prefix, urlconf)[2].get(app)
    if tabs is None:
        return ""
    entries = [NavEntry(t.url_name, t.url, t.label, "", t.url_name == f"{app}:{page}") for t in tabs.entries]
    return render_to_string("qms/_tabs.html", {"app": app, "label": tabs.label, "tabs": entries})


# Where the person's menu takes the request's CSRF field: a text no name or role can contain.
_CSRF_FIELD = "\x00csrf\x00"


@lru_cache(maxsize=1024)
def _person_menu_html(prefix: str, urlconf, name: str, role: str) -> SafeString:
    """The menu of a person called ``name`` holding ``role``, with ``_CSRF_FIELD`` where the
    log-out form's CSRF field goes: everything it shows follows from these two."""
    links = _layout(prefix, urlconf)[0]
    person = {
        "name": name,
        "role": role,
        "role_label": Role(role).label if role in Role.values else role,
        "is_auditor": role == Role.AUDITOR,
        "is_quality_manager": role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR),
    }
    return render_to_string(
        "qms/_person_menu.html", {"nav": links, "person": person, "csrf_input": SafeString(_CSRF_FIELD)}
    )


class _PersonMenu:
    """The person's menu as the page shows it, the page's CSRF token in its log-out form: written
    when a template shows it (a fragment for htmx shows none, and makes no token)."""

    __slots__ = ("_html", "_token")

    def __init__(self, html: str, token) -> None:
        self._html, self._token = html, token

    def __html__(self) -> SafeString:
        field = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', self._token)
        return SafeString(self._html.replace(_CSRF_FIELD, field))

    __str__ = __html__


def _person_menu(request, prefix: str, urlconf) -> dict:
    """The signed-in person's menu, and the page's CSRF token: made here rather than by Django's
    own context processor (made when first shown, as Django's), so that the menu's log-out form,
    the page's other forms and htmx's header carry one token, masked once."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_person": ""}
    token = SimpleLazyObject(lambda: get_token(request))
    html = _person_menu_html(prefix, urlconf, str(user), user.role)
    return {"nav_person": _PersonMenu(html, token), "csrf_token": token}


def _forget_fragments(sender, file_path, **kwargs) -> None:
    """Under ``runserver``, an edited template shows on the next page (Django reloads its
    templates without restarting, so the rendered fragments are dropped with them)."""
    if file_path.suffix == ".html":
        _menu_html.cache_clear()
        _tabs_html.cache_clear()
        _person_menu_html.cache_clear()


file_changed.connect(_forget_fragments, dispatch_uid="qms_layout_fragments")


def shell(request):
    prefix, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    links, entries, tabs = _layout(prefix, urlconf)
    match = getattr(request, "resolver_match", None)
    app = (match.app_name or "") if match is not None else ""
    url_name = match.url_name if match is not None else None
    module_tabs = tabs.get(app)
    # The page's URL name keys the fragments only where it lights an entry up: a few per module.
    here = f"{app}:{url_name}"
    tab_page = url_name if module_tabs and any(t.url_name == here for t in module_tabs.entries) else None
    menu_page = url_name if not app and url_name in MENU_PAGES else None
    return {
        "nav_modules": entries,
        "nav": links,
        "nav_active": url_name,
        "nav_menu": _menu_html(prefix, urlconf, app, menu_page),
        "module_tabs": _tabs_html(prefix, urlconf, app, tab_page) if module_tabs else "",
        "BASE_URL": settings.BASE_URL,
        **_person_menu(request, prefix, urlconf),
    }
