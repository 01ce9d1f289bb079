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


@pytest.mark.django_db
def test_the_no_department_row_opens_the_items_of_people_without_one(
    client_for, quality_manager, head, dept, staff
):
    """The quality manager's own items are counted under "No department": its numbers opened the
    whole company's list."""
    import re

    own = WidgetFactory(owner=quality_manager, department=dept, title="Quality's own", due_date=due(-2))
    theirs = WidgetFactory(owner=staff, title="Staff's", due_date=due(-2))
    client = client_for(quality_manager)
    html = client.get("/overview/").content.decode()
    row = re.search(r'<tr><th scope="row"><a href="([^"]+)">No department</a></th>(.*?)</tr>', html).groups()
    assert row[0] == "/due/?department=none&amp;state=overdue"
    overdue = re.search(r'href="([^"]+)" title="Overdue">1<', row[1]).group(1).replace("&amp;", "&")
    listed = client.get(overdue).content.decode()
    assert own.reference in listed and theirs.reference not in listed
    assert "· No department" in listed
    # A head's scope is their department: nobody's items without one.
    assert own.reference not in client_for(head).get("/due/?department=none").content.decode()
