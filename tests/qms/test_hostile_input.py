"""Hostile input on every form of every module: whatever a user types or a client sends, the
answer is a page or a redirect, never a server error.

For each page the quality manager (who may change every record) can open, the fields of its
forms are read from the HTML and sent back filled with junk: very long text, numbers far out
of range, negative numbers, impossible dates, markup and quotes, a NUL byte. Forms that post are
posted; forms that get (search boxes, filters, the audit pack, the analysis period) are submitted
as the quality manager and as staff (whose lists are narrowed by another query), and every page
is asked for a search ``q`` and a ``page`` of junk too.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.helpers import unnamed_descriptions
from tests.qms.test_route_walker import (  # noqa: F401
    iter_patterns,
    request,
    targets,
    url_parts,
    url_targets,
    world,
)

FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.S | re.I)
ACTION = re.compile(r'<form\b[^>]*\baction="([^"]*)"', re.I)
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
JUNK = {
    "long text": "x" * 5000,
    "huge number": "99999999999999999999999",
    "negative": "-1",
    "impossible date": "2026-02-31",
    "markup": "<script>alert(1)</script>'\"; DROP TABLE x;--",
    "nul byte": "abc\x00def",
}
SKIP = ("/admin/", "logout", "/account/password/")
# Each walk runs as this many tests over parts of the URLs (tests/qms/test_route_walker.py
# url_parts), which pytest-xdist spreads over its processes.
PARTS = 3


def forms_on(html: str, page_url: str, method: str = "post") -> list[tuple[str, list[str]]]:
    """(action, field names) of the forms on a page that ``method`` (a form without a method gets)."""
    found = []
    for match in FORM.finditer(html):
        tag = html[match.start() : html.index(">", match.start())].lower()
        if ('method="post"' in tag) != (method == "post"):
            continue
        action = ACTION.search(tag)
        url = action.group(1) if action and action.group(1) else page_url
        names = sorted({n for n in FIELD.findall(match.group(1)) if n != "csrfmiddlewaretoken"})
        if names:
            found.append((url.replace("&amp;", "&"), names))
    return found


def test_the_parts_hold_every_url_once():
    entries = [entry for part in url_parts(PARTS) for entry in part]
    assert sorted(map(id, entries)) == sorted(map(id, get_resolver().url_patterns))


@pytest.mark.django_db
@pytest.mark.parametrize("part", range(PARTS))
def test_junk_in_every_form_never_gives_a_server_error(world, part):  # noqa: F811
    client = Client()
    client.force_login(world["roles"]["quality"])
    failures: list[str] = []
    posted = 0
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for namespace, pattern, route in iter_patterns(url_parts(PARTS)[part]):
        if namespace.startswith("admin"):
            continue
        for url, _scoped in targets(namespace, pattern, route, pattern.callback, world):
            if any(s in url for s in SKIP):
                continue
            page = request(client, "GET", url)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            for action, names in forms_on(page.content.decode(), url):
                if (action, tuple(names)) in seen or any(s in action for s in SKIP):
                    continue
                seen.add((action, tuple(names)))
                for label, value in JUNK.items():
                    response = client.post(action, {name: value for name in names})
                    posted += 1
                    if response.status_code >= 500:
                        failures.append(f"POST {action} with {label} in {names}: {response.status_code}")
                    elif "text/html" in response.get("Content-Type", "") and (
                        missing := unnamed_descriptions(response.content.decode())
                    ):  # the form again with its errors: each one read with its field
                        failures.append(f"POST {action} with {label}: aria-describedby names no {missing}")
    assert posted > 50
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_junk_in_every_list_filter_never_gives_a_server_error(world):  # noqa: F811
    from tests.qms.test_list_queries import list_pages

    client = Client()
    client.force_login(world["roles"]["quality"])
    failures: list[str] = []
    pages = list(list_pages())
    assert pages
    for url, _model in pages:
        html = client.get(url).content.decode()
        names = set(FIELD.findall(html[: html.find("</form>")])) | {"q", "page"}
        for label, value in JUNK.items():
            for extra in ({}, {"format": "csv"}):
                response = client.get(url, {**{name: value for name in names}, **extra})
                if response.status_code >= 500:
                    failures.append(f"GET {url} with {label} in {sorted(names)}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("role", ["quality", "staff"])
def test_junk_in_every_search_box_and_get_form_never_gives_a_server_error(world, role, part):  # noqa: F811
    client = Client()
    client.force_login(world["roles"][role])
    failures: list[str] = []
    sent = 0
    pages: set[str] = set()
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for target in url_targets(world, url_parts(PARTS)[part]):
        if target.key.startswith("admin:") or any(s in target.url for s in SKIP) or target.url in pages:
            continue
        pages.add(target.url)
        page = request(client, "GET", target.url)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        # Every page is asked for a search and a page of junk, whether it shows a search box or not.
        asked = [(target.url, ["q", "page"])]
        for action, names in forms_on(page.content.decode(), target.url, method="get"):
            if (action, tuple(names)) not in seen:
                seen.add((action, tuple(names)))
                asked.append((action, names))
        for action, names in asked:
            for label, value in JUNK.items():
                response = request(client, "GET", f"{action}?{urlencode(dict.fromkeys(names, value))}")
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"GET {action} with {label} in {names}: {response.status_code}")
                elif "text/html" in response.get("Content-Type", "") and (
                    missing := unnamed_descriptions(response.content.decode())
                ):  # a filter refused beside its field: its error read with the field
                    failures.append(f"GET {action} with {label}: aria-describedby names no {missing}")
    # The search box in the header, the registers' filters, the analysis forms (the audit pack's
    # form is a POST now: a request the worker renders; junk in every form covers it).
    # Each is asked in the part that holds its page.
    actions = {action.split("?")[0] for action, _ in seen}
    expected = {"/search/", "/capa/analysis/", "/documents/acknowledgments/"}
    if role == "quality":
        expected |= {"/notifications/deliveries/", "/access-log/"}
    assert expected & pages <= actions
    # Each part asks over 100 (over 300 in all; the walk in one piece asked for over 200): a part
    # may hold mostly the API's JSON URLs, which the API's schema fuzz covers instead.
    assert sent > 100
    assert not failures, "\n".join(failures)
