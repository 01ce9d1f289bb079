"""The registry asks every provider in one statement, and each provider's SQL is compiled once per
shape: the numbers must still be each department's own, whatever was asked before."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qms.due import registry
from qms.due_sql import StatementCache, fetch
from tests.factories import WidgetFactory
from tests.kernelapp.models import Widget


def due(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def overdue_by_department(**scope) -> dict:
    today = timezone.localdate()
    found: dict = {}
    for c in registry.counts(until=due(7), today=today, **scope):
        found[c.department_id] = found.get(c.department_id, 0) + c.overdue
    return found


@pytest.mark.django_db
def test_counts_are_each_departments_own_and_someone_without_a_department_counts_apart(
    quality_manager, staff, other_staff
):
    for _ in range(3):
        WidgetFactory(owner=staff, due_date=due(-2))
    WidgetFactory(owner=other_staff, due_date=due(-5))
    # The quality manager has no department: their item counts under none, whichever record it is.
    WidgetFactory(owner=quality_manager, department=staff.department, due_date=due(-1))
    WidgetFactory(owner=staff, due_date=due(3))  # due, not overdue
    everyone = overdue_by_department()
    assert everyone == {staff.department_id: 3, other_staff.department_id: 1, None: 1}
    # The same statement, asked again with another department, answers for that one only.
    assert overdue_by_department(department_ids=[staff.department_id]) == {staff.department_id: 3}
    assert overdue_by_department(department_ids=[other_staff.department_id]) == {other_staff.department_id: 1}
    assert overdue_by_department(department_ids=[]) == {}


@pytest.mark.django_db
def test_items_asked_again_with_other_values_answer_for_them(staff, other_staff):
    mine = WidgetFactory(owner=staff, due_date=due(-2))
    theirs = WidgetFactory(owner=other_staff, due_date=due(-4))
    later = WidgetFactory(owner=staff, due_date=due(5))

    def refs(**kwargs) -> list[str]:
        return [i.reference for i in registry.items(limit=15, **kwargs) if i.module == "Widgets"]

    assert refs(until=due(-1), owner_ids=[staff.pk]) == [mine.reference]
    assert refs(until=due(-1), owner_ids=[other_staff.pk]) == [theirs.reference]
    assert refs(until=due(7), owner_ids=[staff.pk]) == [mine.reference, later.reference]
    assert refs(until=due(7), since=due(0), owner_ids=[staff.pk]) == [later.reference]
    assert refs(until=due(7), department_ids=[staff.department_id], others_than=staff.pk) == []
    assert refs(until=due(-1), owner_ids=[], department_ids=[other_staff.department_id]) == [theirs.reference]
    assert refs(until=due(-1)) == [theirs.reference, mine.reference]


@pytest.mark.django_db
def test_every_provider_is_asked_in_one_statement(staff, other_staff):
    for i in range(5):
        WidgetFactory(owner=staff if i % 2 else other_staff, due_date=due(i - 3))
    assert len(registry.providers) > 1
    with CaptureQueriesContext(connection) as ctx:
        registry.counts(until=due(7), today=timezone.localdate())
        registry.items(until=due(-1), department_ids=[staff.department_id], limit=15)
    assert len(ctx.captured_queries) == 2


@pytest.mark.django_db
def test_a_queryset_that_reads_the_clock_is_compiled_on_every_call():
    cache = StatementCache()

    def build(*, until):
        return Widget.objects.filter(due_date__lte=until, created_at__lte=timezone.now())

    first = cache.statement("items", build, {"until": due(0)})
    second = cache.statement("items", build, {"until": due(0)})
    assert first.params != second.params  # each call its own moment, never a remembered one

    def stable(*, until):
        return Widget.objects.filter(due_date__lte=until, status="open")

    assert due(3) in cache.statement("items", stable, {"until": due(3)}).params
    assert due(9) in cache.statement("items", stable, {"until": due(9)}).params


@pytest.mark.django_db
def test_constants_written_into_the_text_select_what_the_queryset_selects(staff):
    hit = WidgetFactory(owner=staff, title="Scrap 50% of lot 7", due_date=due(-1))
    WidgetFactory(owner=staff, title="Scrap 50 of lot 7", due_date=due(-1))
    WidgetFactory(owner=staff, title="Scrap 50% of lot 8", due_date=due(4))

    def build(*, until):
        found = Widget.objects.filter(due_date__lte=until, title__contains="50%", status="draft")
        return found.values_list("pk")

    cache = StatementCache()
    statement = cache.statement("items", build, {"until": due(0)})
    assert statement.constant and statement.params == (due(0),)  # only the argument is a parameter
    assert [row[0] for row in fetch(statement)] == [pk for (pk,) in build(until=due(0))] == [hit.pk]


@pytest.mark.django_db
def test_the_union_is_prepared_once_and_answers_each_call_with_its_own_values(staff, other_staff):
    WidgetFactory(owner=staff, due_date=due(-2))
    WidgetFactory(owner=other_staff, due_date=due(-4))
    WidgetFactory(owner=other_staff, due_date=due(-6))
    for _ in range(4):  # prepared the second time; PostgreSQL may plan it once for all after five
        mine, theirs = staff.department_id, other_staff.department_id
        assert overdue_by_department(department_ids=[mine]) == {mine: 1}
        assert overdue_by_department(department_ids=[theirs]) == {theirs: 2}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%UNION ALL%"])
        assert cursor.fetchone()[0] >= 1


@pytest.mark.django_db
def test_the_most_urgent_few_are_those_of_the_whole_list_whatever_the_ties(staff, other_staff):
    """Each provider brings its most urgent ``limit`` and the statement keeps the most urgent
    ``limit`` of them all, with every item due the same day as the last: the registry's own order
    (date, module, reference, key) then chooses among items due on the same day, as it does for
    the whole list."""
    from qms.services import child_add
    from tests.kernelapp.models import WidgetPart

    for n in range(4):
        widget = WidgetFactory(owner=staff if n % 2 else other_staff, due_date=due(-3 if n else -6))
        part = {"name": "Bore", "owner": other_staff, "due_date": due(-3)}
        child_add(model=WidgetPart, by=widget.owner, widget=widget, **part)
    everything = registry.items(until=due(-1))
    assert len(everything) == 8 and len({i.due_date for i in everything}) == 2
    for limit in range(1, 9):
        assert registry.items(until=due(-1), limit=limit) == everything[:limit]
    assert (
        registry.items(until=due(-1), limit=3, others_than=staff.pk)
        == [i for i in everything if i.owner_id != staff.pk][:3]
    )


@pytest.mark.django_db
def test_the_overdue_total_is_the_counts_summed_in_one_statement(quality_manager, staff, other_staff):
    for _ in range(3):
        WidgetFactory(owner=staff, due_date=due(-2))
    WidgetFactory(owner=other_staff, due_date=due(-5))
    WidgetFactory(owner=quality_manager, department=staff.department, due_date=due(-1))
    WidgetFactory(owner=staff, due_date=due(0))  # due today: not overdue
    today = timezone.localdate()
    for scope in (
        {},
        {"department_ids": [staff.department_id]},
        {"department_ids": [other_staff.department_id]},
    ):
        with CaptureQueriesContext(connection) as ctx:
            total = registry.overdue_total(today=today, **scope)
        assert len(ctx.captured_queries) == 1
        assert total == sum(overdue_by_department(**scope).values())
    assert registry.overdue_total(today=today) == 5
    assert registry.overdue_total(today=today, department_ids=[staff.department_id]) == 3
    assert registry.overdue_total(today=today, department_ids=[]) == 0
