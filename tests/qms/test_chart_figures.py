"""Every chart's figures as a table under it (qms.charts): what a screen reader, a keyboard or a
phone reads instead of the drawing, from the same rows the chart draws, each number opening the
records its bar, point or cell opens. Checked on every chart page of the demo company."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, reverse

from qms import access
from qms.charts import bar_chart, heat_map, line_chart
from qms.models import Role, User
from suppliers.models import Supplier
from tests.helpers import charts_without_their_figures
from tests.qms.test_demo_pages import pages
from tests.qms.test_route_walker import iter_patterns


def _rows(html: str) -> list[list[str]]:
    """The table's rows under the chart as their cells' text, the heading row first."""
    table = html.split('<details class="chart-figures', 1)[1]
    return [
        [re.sub(r"<[^>]*>", "", cell) for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table)
    ]


def test_a_bar_charts_table_gives_each_bar_its_count_linked_and_the_total():
    html = str(
        bar_chart(
            [("Method", 2, "/capa/ncr/?cause=method"), ("Material", 3, "/capa/ncr/?cause=material")],
            title="NCRs by cause",
            pareto=True,
            columns=("Cause category", "NCRs"),
        )
    )
    assert "<summary" in html and "The figures as a table" in html
    assert _rows(html) == [
        ["Cause category", "NCRs", "Cumulative"],
        ["Material", "3", "60%"],  # the bars' order, largest first, with the red line's share
        ["Method", "2", "100%"],
        ["Total", "5"],
    ]
    assert '<td data-label="NCRs"><a href="/capa/ncr/?cause=material">3</a></td>' in html


def test_a_line_charts_table_has_a_column_per_line_a_dash_for_a_gap_and_the_target():
    html = str(
        line_chart(
            ["Oct 2026", "Nov 2026"],
            [("On time", [90.0, None]), ("Rejected", [2.5, 4.0])],
            title="Delivery",
            target=95,
            urls=["/a", "/b"],
            unit="%",
            over="Month",
        )
    )
    assert _rows(html) == [
        ["Month", "On time", "Rejected"],
        ["Oct 2026", "90%", "2.5%"],
        ["Nov 2026", "–", "4%"],
    ]
    assert "Target 95%" in html.split("<details", 1)[1]
    assert html.count('href="/b"') == 2  # the drawn point, and its number in the table


def test_a_heat_maps_table_names_each_rows_minimum_and_links_as_its_cells_do():
    html = str(
        heat_map(
            ["Mon 7", "Tue 8"],
            [("Heat treatment", [1, 3], 2, "/training/competences/4/")],
            title="Coverage",
            rows_name="Competence",
        )
    )
    assert _rows(html) == [
        ["Competence", "Mon 7", "Tue 8"],
        ["Heat treatment (minimum 2)", "1 (below minimum)", "3"],
    ]
    assert '<a href="/training/competences/4/">Heat treatment (minimum 2)</a>' in html
    # The short day is said in words and marked red in the table, not only coloured in the drawing.
    assert (
        '<td class="table-danger" data-label="Mon 7">1 <small class="cell-state">(below minimum)</small>'
        in html
    )
    assert charts_without_their_figures(html) == []


def test_a_grid_judged_by_its_own_rule_says_each_cells_zone_in_its_legends_words():
    zones = {(0, 0): "below", (0, 1): "at", (1, 0): "above", (1, 1): "at"}
    html = str(
        heat_map(
            ["Severity 1", "Severity 2"],
            [("Likelihood 2", [0, 3], 0), ("Likelihood 1", [1, 0], 0)],
            title="Risks",
            shade=lambda row, column, value: zones[(row, column)],
            legend=(("below", "score 4 or more"), ("at", "2 to 3"), ("above", "lower")),
            rows_name="Likelihood",
        )
    )
    assert _rows(html) == [
        ["Likelihood", "Severity 1", "Severity 2"],
        ["Likelihood 2", "0 (score 4 or more)", "3 (2 to 3)"],
        ["Likelihood 1", "1", "0 (2 to 3)"],
    ]
    assert charts_without_their_figures(html) == []


def test_a_chart_with_nothing_to_draw_has_no_empty_table():
    assert "<details" not in str(bar_chart([("Oct", 0)], title="NCRs"))
    assert "<details" not in str(line_chart([], [], title="Trend"))


def test_the_check_finds_a_chart_without_its_table_or_with_other_figures():
    html = str(bar_chart([("Oct", 3, "/a")], title="NCRs"))
    assert charts_without_their_figures(html) == []
    assert charts_without_their_figures(html.split("<details")[0]) == ["NCRs: no table of its figures"]
    assert charts_without_their_figures(html.replace('">3</a></td>', '">4</a></td>'))
    assert charts_without_their_figures(html.replace('href="/a">3', 'href="/b">3'))


def _chart_pages() -> list[str]:
    """Every page without a record in its address, every record's page of the demo company, and
    each supplier's scorecard."""
    urls = []
    for namespace, pattern, route in iter_patterns(get_resolver().url_patterns):
        if "<" in route or "(?P" in route or namespace.startswith(("admin", "api")):
            continue
        if access.policy_of(pattern.callback) in (None, access.PUBLIC) or "logout" in route:
            continue
        urls.append("/" + route)
    urls += pages()
    urls += [
        reverse("suppliers:scorecard", args=[pk]) for pk in Supplier.objects.values_list("pk", flat=True)[:3]
    ]
    return urls


@pytest.mark.django_db
@pytest.mark.timeout(600)
def test_every_chart_of_the_demo_company_has_its_figures_as_a_table_with_the_same_values():
    call_command("load_demo", "--if-empty")
    client = Client()
    client.force_login(User.objects.get(role=Role.QUALITY_MANAGER))
    problems, charts = [], 0
    for url in _chart_pages():
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        charts += html.count('<details class="chart-figures')
        problems += [f"{url}: {p}" for p in charts_without_their_figures(html)]
    assert charts >= 10  # the dashboards, the analysis, coverage, scorecards and trends of the demo
    assert not problems, "\n".join(problems)
