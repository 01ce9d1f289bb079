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
