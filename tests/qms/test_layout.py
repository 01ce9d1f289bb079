"""The layout's menu and each module's tabs (``Module.tabs``): every tab leads to its page, which
shows the module's tabs with its own lit up; the menu lights up the module a page belongs to.
Both are rendered once per process for each entry that can be lit up (``qms.context_processors``)."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.autoreload import file_changed

from qms import context_processors, modules
from qms.models import Role

TABBED = [(i.app.label, i.module) for i in modules.installed() if i.module.tabs]


def tabs_of(html: str, app: str) -> list[tuple[str, str, bool]]:
    """The (label, address, lit up) of each tab of module ``app`` on a page."""
    nav = re.search(rf'<nav [^>]*data-testid="{app}-nav">(.*?)</nav>', html, re.S)
    assert nav, f"no {app} tabs on the page"
    link = r'<a class="nav-link( active" aria-current="page)?" href="([^"]+)">([^<]+)</a>'
    links = re.findall(link, nav[1])
    return [(unescape(label), url, bool(lit)) for lit, url, label in links]


def lit_in_menu(html: str) -> list[str]:
    """The addresses of the menu's entries lit up on a page."""
    menu = re.search(r'<ul class="navbar-nav me-auto">(.*?)</ul>', html, re.S)[1]
    return re.findall(r'class="nav-link active" href="([^"]+)"', menu)


def test_the_modules_declare_tabs():
    assert {app for app, _ in TABBED} >= {
        "capa",
        "training",
        "calibration",
        "suppliers",
        "inspection",
        "audits",
        "reviews",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "module"), TABBED, ids=[app for app, _ in TABBED])
def test_every_tab_shows_the_modules_tabs_with_its_own_lit_up(client_for, quality_manager, app, module):
    client = client_for(quality_manager)
    for label, url_name in module.tabs:
        response = client.get(reverse(url_name))
        assert response.status_code == 200, url_name
        html = response.content.decode()
        expected = [(other, reverse(name), name == url_name) for other, name in module.tabs]
        assert tabs_of(html, app) == expected, url_name
        # The module's entry in the menu is lit up; the kernel's Overview is not (audits:overview
        # shares its URL name).
        assert lit_in_menu(html) == [reverse(module.url_name)], url_name


@pytest.mark.django_db
def test_a_page_of_a_module_without_tabs_shows_none_and_the_kernels_pages_light_their_entry(
    client_for, quality_manager
):
    client = client_for(quality_manager)
    html = client.get(reverse("documents:document_list")).content.decode()
    assert 'class="nav nav-pills' not in html
    overview = client.get(reverse("overview")).content.decode()
    assert lit_in_menu(overview) == [reverse("overview")]


@pytest.mark.django_db
def test_a_page_of_a_module_with_tabs_that_is_not_a_tab_shows_them_none_lit(client_for, quality_manager):
    response = client_for(quality_manager).get(reverse("calibration:labels"))  # no instrument: refused
    assert response.status_code == 400
    from calibration.module import MODULE

    tabs = tabs_of(response.content.decode(), "calibration")
    assert [label for label, _, _ in tabs] == [label for label, _ in MODULE.tabs]
    assert len(tabs) > 1 and not any(lit for _, _, lit in tabs)


@pytest.mark.django_db
def test_the_fragments_are_rendered_once_and_dropped_when_a_template_is_edited(
    client_for, quality_manager, staff
):
    client_for(quality_manager).get(reverse("training:competence_list"))
    before = context_processors._tabs_html.cache_info()
    client_for(staff).get(reverse("training:competence_list"))
    after = context_processors._tabs_html.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses  # the same HTML for everyone
    file_changed.send(sender=None, file_path=Path("templates/qms/_tabs.html"))
    assert context_processors._tabs_html.cache_info().currsize == 0
    assert context_processors._menu_html.cache_info().currsize == 0
    assert context_processors._person_menu_html.cache_info().currsize == 0


def person_menu(html: str) -> tuple[str, list[str], str]:
    """The signed-in person's menu on a page: who it names, its entries' labels, and the CSRF
    token of its log-out form."""
    menu = re.search(r'data-testid="user-menu">(.*?)</ul>\s*</li>\s*</ul>', html, re.S)[1]
    named = " ".join(unescape(re.sub(r"<[^>]+>", " ", menu.split("</a>")[0])).split())
    entries = [unescape(e) for e in re.findall(r'class="dropdown-item"[^>]*>([^<]+)<', menu)]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', menu)[1]
    return named, entries, token


EVERYONE = ["Profile & email settings", "Change password", "Two-factor sign-in"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "entries"),
    [
        ("quality_manager", [*EVERYONE, "Access log", "Email log", "Webhooks"]),
        ("admin_user", [*EVERYONE, "Access log", "Email log", "Webhooks", "Administration"]),
        ("auditor", ["Profile", *EVERYONE[1:], "Access log"]),
        ("staff", EVERYONE),
    ],
)
def test_the_person_menu_offers_what_the_role_may_open(request, client_for, who, entries):
    user = request.getfixturevalue(who)
    html = client_for(user).get(reverse("my_work")).content.decode()
    named, shown, _ = person_menu(html)
    assert "{#" not in html and "#}" not in html  # no template comment printed in the navigation
    assert named == f"{user} {user.get_role_display()}"
    assert shown == [*entries, "Log out"]


@pytest.mark.django_db
def test_the_person_menu_follows_a_new_name_and_role_and_logs_out_with_the_pages_token(
    client, quality_manager, staff
):
    """Rendered once per name and role (``_person_menu_html``), it still names the person as
    they are now; its log-out form carries the page's own CSRF token, which logs out with CSRF
    checks on, and no one else's menu."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    first = browser.get(reverse("my_work")).content.decode()
    staff.first_name, staff.role = "Renamed", Role.DEPARTMENT_HEAD
    staff.save()
    html = browser.get(reverse("my_work")).content.decode()
    named, _, token = person_menu(html)
    assert named == f"{staff} Department head" and "Renamed" in named
    assert person_menu(first)[0] != named
    # The page's one token: the same in htmx's headers and in the log-out form, new on each page.
    assert re.search(r'"X-CSRFToken": "([^"]+)"', html)[1] == token != person_menu(first)[2]
    assert browser.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert browser.get(reverse("my_work")).status_code == 302  # signed out: to the sign-in page
    quality = Client()
    quality.force_login(quality_manager)
    assert person_menu(quality.get(reverse("my_work")).content.decode())[0].startswith(str(quality_manager))
