"""My work: everything I own that is overdue or due within 30 days, most overdue first."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from qms.services import record_transition
from tests.factories import WidgetFactory


@pytest.mark.django_db
def test_my_work_lists_my_items_most_overdue_first(client_for, head, staff):
    today = timezone.localdate()
    due_soon = WidgetFactory(owner=head, title="Due soon", due_date=today + dt.timedelta(days=10))
    very_late = WidgetFactory(owner=head, title="Very late", due_date=today - dt.timedelta(days=20))
    late = WidgetFactory(owner=head, title="Late", due_date=today - dt.timedelta(days=2))
    far = WidgetFactory(owner=head, title="Far away", due_date=today + dt.timedelta(days=45))
    someone_elses = WidgetFactory(owner=staff, title="Not mine", due_date=today)
    closed = WidgetFactory(owner=head, title="Closed one", due_date=today - dt.timedelta(days=5))
    record_transition(record=closed, name="release", by=head)
    record_transition(record=closed, name="close", by=head)

    html = client_for(head).get("/").content.decode()
    positions = [html.index(r.reference) for r in (very_late, late, due_soon)]
    assert positions == sorted(positions)
    assert "20 days overdue" in html and "due in 10 days" in html
    for absent in (far, someone_elses, closed):
        assert absent.reference not in html
    assert "2 overdue" in html


@pytest.mark.django_db
def test_the_overdue_count_of_a_capped_list_says_it_is_a_floor_and_links_to_them_all(
    client_for, head, monkeypatch
):
    from qms.views import due

    today = timezone.localdate()
    for days in (9, 6, 3):
        WidgetFactory(owner=head, due_date=today - dt.timedelta(days=days))
    soon = WidgetFactory(owner=head, due_date=today + dt.timedelta(days=4))
    client = client_for(head)

    monkeypatch.setattr(due, "OWN_LIMIT", 2)  # the two most overdue listed: more may be overdue
    html = client.get("/").content.decode()
    assert "At least 2 overdue" in html and soon.reference not in html
    link = re.search(r'href="([^"]+)" data-testid="own-overdue"', html).group(1).replace("&amp;", "&")
    behind = client.get(link).content.decode()
    assert behind.count("days overdue") == 3 and soon.reference not in behind

    monkeypatch.setattr(due, "OWN_LIMIT", 4)  # all listed, the last one not overdue: exact
    html = client.get("/").content.decode()
    assert "3 overdue" in html and "At least" not in html and soon.reference in html


@pytest.mark.django_db
def test_my_work_says_so_when_nothing_is_due(client_for, staff):
    assert "Nothing overdue or due in the next 30 days" in client_for(staff).get("/").content.decode()


@pytest.mark.django_db
def test_my_work_runs_a_constant_number_of_queries(client_for, head):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    today = timezone.localdate()

    def count(n):
        for i in range(n):
            WidgetFactory(owner=head, department=head.department, due_date=today + dt.timedelta(days=i % 20))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    assert count(3) == count(30)


@pytest.mark.django_db
def test_a_head_also_sees_the_departments_overdue_items_of_others(client_for, head, staff, other_staff):
    today = timezone.localdate()
    late = WidgetFactory(owner=staff, title="Staff's late item", due_date=today - dt.timedelta(days=4))
    foreign = WidgetFactory(owner=other_staff, title="Other dept", due_date=today - dt.timedelta(days=4))
    not_yet = WidgetFactory(owner=staff, title="Not late yet", due_date=today + dt.timedelta(days=2))
    html = client_for(head).get("/").content.decode()
    team = html[html.index('data-testid="team-work"') :]
    assert late.reference in team and str(staff) in team
    assert foreign.reference not in html and not_yet.reference not in team
    assert 'data-testid="team-work"' not in client_for(staff).get("/").content.decode()


@pytest.mark.django_db
def test_the_link_to_every_overdue_item_counts_each_one_in_the_readers_scope(
    client_for, quality_manager, head, staff, other_staff
):
    """The quality manager's figure is the company's, a head's their department's, each item
    once whatever its module (a child row's too), one's own included as on the list it opens."""
    today = timezone.localdate()
    late = today - dt.timedelta(days=3)
    WidgetFactory(owner=quality_manager, department=staff.department, due_date=late)
    for owner in (staff, staff, other_staff, head):
        WidgetFactory(owner=owner, due_date=late)
    WidgetFactory(owner=staff, due_date=today)  # due today: not overdue
    closed = WidgetFactory(owner=staff, due_date=late)
    record_transition(record=closed, name="release", by=head)
    record_transition(record=closed, name="close", by=head)

    def figure(user) -> str:
        html = client_for(user).get("/").content.decode()
        return html[html.index('data-testid="team-more"') :].split("</a>")[0]

    assert "All 5 overdue items" in figure(quality_manager)  # the team list shows the 4 of others
    # The head's department: staff's two and the head's own; the quality manager has no department.
    assert "All 3 overdue items" in figure(head)


@pytest.mark.django_db
def test_a_heads_my_work_sends_its_three_reads_together_and_runs_each_once(client_for, head, staff):
    """The head's own items, their department's overdue items of others and the department's
    overdue total do not wait for one another: all three leave in pipeline mode before the page
    reads any of them, each runs once, and the page shows what each gives."""
    from django.db import connection

    today = timezone.localdate()
    mine = WidgetFactory(owner=head, title="Mine to do", due_date=today + dt.timedelta(days=3))
    late = WidgetFactory(owner=staff, title="Staff's late item", due_date=today - dt.timedelta(days=4))
    WidgetFactory(owner=staff, title="Another late one", due_date=today - dt.timedelta(days=2))
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, connection.connection._pipeline is not None))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = client_for(head).get("/")
    html = page.content.decode()
    registry_reads = [(sql, on) for sql, on in sent if "UNION ALL" in sql]
    assert len(registry_reads) == 3 and all(on for _, on in registry_reads)
    first = sent.index(registry_reads[0])
    assert sent[first : first + 3] == registry_reads  # nothing read in between
    team = html[html.index('data-testid="team-work"') :]
    assert mine.reference in html[: html.index('data-testid="team-work"')]
    assert late.reference in team
    assert page.context["team_total"] == 2  # (the link to them all shows when more than listed)


@pytest.mark.django_db
def test_with_pipelined_reads_off_my_work_reads_one_statement_at_a_time(client_for, head, staff, settings):
    """For a connection pooler that does not pass pipelined statements through: the same page."""
    from django.db import connection

    settings.DB_PIPELINED_READS = False
    today = timezone.localdate()
    mine = WidgetFactory(owner=head, title="Mine to do", due_date=today + dt.timedelta(days=3))
    late = WidgetFactory(owner=staff, title="Staff's late item", due_date=today - dt.timedelta(days=4))
    pipelined = []

    def record(execute, sql, params, many, context):
        pipelined.append(connection.connection._pipeline is not None)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = client_for(head).get("/")
    html = page.content.decode()
    assert mine.reference in html and late.reference in html and page.context["team_total"] == 1
    assert pipelined and not any(pipelined)
