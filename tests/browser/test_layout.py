"""Every page fits a 390 px phone without sideways scrolling, for every role that can open it.

The pages are the route walker's: every URL pattern, filled with the walker's records, requested
with GET by each role in a browser context of its own at 390 × 844; a page wider than the screen
fails with its width. Pages a role cannot open (403, 404, a redirect) are skipped for that role.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver
from playwright.sync_api import Error as PlaywrightError

from qms import access
from tests.qms.test_route_walker import iter_patterns, targets, world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390
ROLES = ("quality", "head", "staff", "auditor")
SKIP = (
    "/admin/",
    "logout",
    "/health/",
    "/files/",
    "download",
    ".pdf",
    "format=csv",
    "/people/",
    "/pick/",
)


# The tables (by their data-testid or first heading) whose stacked rows are titled by a bare number
# with no column name beside it.
UNTITLED_CARDS = """() => Array.from(document.querySelectorAll("table.table-stack")).filter((table) =>
  Array.from(table.querySelectorAll("tbody tr > td:first-child")).some((cell) =>
    /^\\s*[\\d.,]+\\s*$/.test(cell.textContent) && !cell.hasAttribute("data-label"))
).map((table) => table.dataset.testid || (table.querySelector("thead th") || {}).textContent || "a table")"""


def get_pages(world) -> list[str]:  # noqa: F811
    urls = []
    for namespace, pattern, route in iter_patterns(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is not None and "get" not in view_class.http_method_names:
            continue  # a form's target, not a page
        if namespace.startswith("admin") or access.policy_of(pattern.callback) == access.PUBLIC:
            continue
        for url, _ in targets(namespace, pattern, route, pattern.callback, world):
            if not any(s in url for s in SKIP) and url not in urls:
                urls.append(url)
    return urls


# One test per role (pytest-xdist spreads them over its processes); together they measured more
# than 40 pages when they were one test.
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone_for_every_role(browser, live_server, world, role):  # noqa: F811
    urls = get_pages(world)
    failures, measured, started = [], 0, time.monotonic()
    user = world["roles"][role]
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 844})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    for url in urls:
        try:
            response = page.goto(url)
        except PlaywrightError:  # a page with no body (405 …): nothing to lay out
            continue
        if response is None or response.status != 200 or page.url.rstrip("/").endswith("/login"):
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        measured += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            failures.append(f"{url} as {role}: {width} px wide")
        # A stacked row is a card titled by its first cell: a bare number there ("1") says nothing.
        untitled = page.evaluate(UNTITLED_CARDS)
        if untitled:
            failures.append(f"{url} as {role}: cards titled by a bare number in {untitled}")
    context.close()
    assert measured > 10, f"only {measured} pages measured"
    assert not failures, "\n".join(failures) + f"\n({measured} pages in {time.monotonic() - started:.0f} s)"


def test_a_long_unbroken_text_wraps_on_a_phone(browser, tmp_path):
    """A pasted URL or a run of part numbers in a title, a result, a note or a field's value wraps
    inside its card instead of pushing the page sideways (a containment result once made it
    4,748 px, a review action's title 5,779 px, a CAPA's why 113,972 px, a comment 3,315 px)."""
    static = Path(settings.BASE_DIR) / "qms" / "static"
    unbroken = "https://supplier.example/" + "x" * 400
    (tmp_path / "page.html").write_text(
        '<html><head><meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="file://{static}/vendor/bootstrap.min.css">'
        f'<link rel="stylesheet" href="file://{static}/qms/app.css"></head>'
        '<body><main class="container-fluid">'
        f"<h1>{unbroken}</h1>"
        '<table class="table table-stack table-sm"><thead><tr><th>Action</th><th>Result</th></tr></thead>'
        f'<tbody><tr><td>CA1</td><td data-label="Result">{unbroken}</td></tr></tbody></table>'
        f'<dl><dt>Note</dt><dd>{unbroken}</dd></dl><p class="pre-wrap">{unbroken}</p>'
        f"<ul><li>{unbroken}</li></ul>"
        # A why beside its Edit button: a flex row, its text as wide as its longest word.
        '<ol class="list-group"><li class="list-group-item d-flex align-items-start gap-2">'
        f'<span class="me-auto"><span class="small">Why?</span> {unbroken}</span>'
        '<a class="btn btn-sm btn-outline-primary" href="#">Edit</a></li></ol>'
        # A comment, and a fishbone cause beside its controls: text in plain divs.
        '<div class="border-start border-3 ps-2 mb-2"><div class="small text-muted">Eva</div>'
        f"{unbroken}</div>"
        f'<div class="d-flex gap-2"><div class="small">{unbroken}</div>'
        '<button class="btn btn-sm">Remove</button></div>'
        "</main></body></html>"
    )
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        phone.goto((tmp_path / "page.html").as_uri())
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.close()


def test_charts_stay_readable_on_a_phone_and_scroll_inside_their_own_region(browser, tmp_path):
    """Shrunk to 390 px a heat map of 28 days drew its numbers 4 px high, a trend's labels 6 px:
    on a phone a chart is drawn at its own width (640 px, a wide one up to 1,000) inside a region
    that scrolls sideways, and the page does not; on a desktop it is drawn whole."""
    from qms.charts import bar_chart, heat_map

    static = Path(settings.BASE_DIR) / "qms" / "static"
    days = [f"Mon {n}" for n in range(28)]
    wide = heat_map(days, [("Heat treatment: case-hardening furnace", [1] * 28, 2)], title="Coverage")
    bars = bar_chart([(f"Jan {n}", n) for n in range(12)], title="Requalifications")
    (tmp_path / "page.html").write_text(
        '<html><head><meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="file://{static}/vendor/bootstrap.min.css">'
        f'<link rel="stylesheet" href="file://{static}/qms/app.css"></head>'
        f'<body><main class="container-fluid">{wide}{bars}</main></body></html>'
    )
    for width, drawn in ((390, (980, 640)), (1280, (980, 640))):
        page = browser.new_page(viewport={"width": width, "height": 844})
        try:
            page.goto((tmp_path / "page.html").as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for name, least in zip(("Coverage", "Requalifications"), drawn, strict=True):
                region = page.get_by_role("region", name=name)
                assert region.locator("svg").bounding_box()["width"] >= least, name
                assert region.evaluate("r => r.scrollWidth > r.clientWidth") is (width == 390), name
        finally:
            page.close()


def test_a_charts_figures_opened_as_a_table_fit_a_phone_and_a_tablet(browser, tmp_path):
    """The table under a heat map of four weeks of days has 29 columns: opened on a phone its rows
    are cards, each number beside its day, and the page does not scroll sideways; on a tablet the
    table scrolls in its own box."""
    from qms.charts import bar_chart, heat_map

    static = Path(settings.BASE_DIR) / "qms" / "static"
    days = [f"Mon {n}" for n in range(28)]
    wide = heat_map(
        days,
        [("Heat treatment: case-hardening furnace", [1] * 28, 2, "/c")],
        title="Coverage",
        rows_name="Competence",
    )
    bars = bar_chart([(f"Jan {n}", n, f"/m/{n}") for n in range(12)], title="Requalifications", pareto=True)
    (tmp_path / "page.html").write_text(
        '<html><head><meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="file://{static}/vendor/bootstrap.min.css">'
        f'<link rel="stylesheet" href="file://{static}/qms/app.css"></head>'
        f'<body><main class="container-fluid">{wide}{bars}</main></body></html>'
    )
    for width in (390, 768):
        page = browser.new_page(viewport={"width": width, "height": 844})
        try:
            page.goto((tmp_path / "page.html").as_uri())
            for summary in page.get_by_text("The figures as a table").all():
                summary.click()
            table = page.get_by_role("table", name="Coverage")
            assert table.is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            cell = table.locator("td").nth(27)
            # Its state said beside its figure, not only in the drawing's colour.
            assert cell.is_visible() and cell.text_content() == "1 (below minimum)"
            if width == 390:  # a card per row: the day named beside its number
                label = cell.evaluate("c => getComputedStyle(c, '::before').content")
                assert label == '"Mon 27: "'
                bar = page.get_by_role("table", name="Requalifications").get_by_role("link", name="11")
                assert bar.bounding_box()["x"] + bar.bounding_box()["width"] <= width
        finally:
            page.close()
