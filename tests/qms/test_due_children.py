"""A child row with an assignee and a due date is a due item of its own (``ChildDueProvider``):
in its assignee's My work until it is done or cancelled, and never once its record is closed."""

import pytest
from django.utils import timezone

from qms.due import registry
from qms.services import record_transition, transition
from tests.qms.conftest import days

pytestmark = pytest.mark.django_db


def parts_due_to(user):
    return [i for i in registry.for_user(user) if i.kind == "Widget part"]


def test_an_open_part_is_due_to_its_assignee_and_leads_to_its_page(staff, dept, part):
    (item,) = parts_due_to(staff)
    assert (item.reference, item.title, item.due_date, item.department_id) == (
        part.widget.reference,
        "Bore",
        days(10),
        dept.pk,
    )
    assert item.url == part.get_absolute_url() and item.key == f"kernelapp.widgetpart:{part.pk}"


def test_my_work_shows_the_part_to_its_assignee(client_for, staff, part):
    html = client_for(staff).get("/").content.decode()
    assert part.get_absolute_url() in html and "Bore" in html


@pytest.mark.parametrize("step, reason", [("finish", ""), ("cancel", "Not needed after all")])
def test_a_done_or_cancelled_part_is_no_longer_due(head, staff, part, step, reason):
    transition(obj=part, name=step, by=head, reason=reason)
    assert parts_due_to(staff) == []


def test_no_part_of_a_closed_widget_is_due(head, staff, widget, part):
    record_transition(record=widget, name="release", by=head)
    for row in widget.parts.exclude(pk=part.pk):
        transition(obj=row, name="finish", by=head)
    transition(obj=part, name="finish", by=staff)
    record_transition(record=widget, name="close", by=head)
    type(part).objects.filter(pk=part.pk).update(status="open")  # left open by a bug or an import
    assert parts_due_to(staff) == []


def test_an_overdue_part_counts_as_overdue(staff, part):
    type(part).objects.filter(pk=part.pk).update(due_date=days(-2))
    (item,) = parts_due_to(staff)
    assert item.days_overdue(timezone.localdate()) == 2
