"""The overview: overdue and due this week by department and module."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import WidgetFactory


def due(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.mark.django_db
def test_the_quality_manager_sees_every_department(client_for, quality_manager, staff, other_staff):
    late = WidgetFactory(owner=staff, title="Late widget", due_date=due(-3))
    WidgetFactory(owner=staff, due_date=due(2))
    foreign = WidgetFactory(owner=other_staff, title="Foreign late widget", due_date=due(-9))
    WidgetFactory(owner=other_staff, due_date=due(30))  # not this week: not counted
    html = client_for(quality_manager).get("/overview/").content.decode()
    assert "the whole company" in html and "2 overdue" in html
    table = html[html.index('data-testid="overview"') :]
    assert "Quality Control" in table and "Production" in table
    # Most overdue first.
    assert html.index(foreign.reference) < html.index(late.reference)


@pytest.mark.django_db
def test_a_head_sees_only_their_department(client_for, head, staff, other_staff):
    mine = WidgetFactory(owner=staff, due_date=due(-1))
    foreign = WidgetFactory(owner=other_staff, due_date=due(-1))
    html = client_for(head).get("/overview/").content.decode()
    assert mine.reference in html and foreign.reference not in html
    assert "1 overdue" in html


@pytest.mark.django_db
def test_the_overview_runs_a_constant_number_of_queries(client_for, quality_manager, staff, other_staff):
    client = client_for(quality_manager)

    def count(n: int) -> int:
        for i in range(n):
            WidgetFactory(owner=staff if i % 2 else other_staff, due_date=due(i % 5 - 3))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/overview/").status_code == 200
        return len(ctx.captured_queries)

    assert count(4) == count(40)
