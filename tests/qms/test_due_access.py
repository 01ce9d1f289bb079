"""A due item lands in its owner's department: on the head's My work, Overview and digest, and its
escalation goes to that head. So a head reads what their people own or have an open row in,
wherever the record's department (and changes none of it); a list of others' items shows an item the reader
may not open (a colleague's personal record) without its link."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms import access
from qms.services import child_add, transition
from tests.factories import UserFactory, WidgetFactory
from tests.kernelapp.models import Widget, WidgetPart
from tests.qms.conftest import days

pytestmark = pytest.mark.django_db


def opens(client, widget) -> int:
    return client.get(widget.get_absolute_url()).status_code


def test_a_head_reads_the_record_their_person_is_assigned_a_row_in(
    client_for, head, staff, other_head, other_dept
):
    theirs = WidgetFactory(owner=other_head, department=other_dept, title="Fixture F-7")
    part = child_add(
        model=WidgetPart, by=other_head, widget=theirs, name="Drill", owner=staff, due_date=days(-2)
    )
    colleague = UserFactory(department=staff.department)
    assert opens(client_for(head), theirs) == 200
    # The head sees it in their register too, and may not change it: it is not their department's.
    assert theirs.reference in client_for(head).get(reverse("kernelapp:widget_list")).content.decode()
    assert not access.can_change(head, theirs)
    assert client_for(head).get(reverse("kernelapp:widget_update", args=[theirs.pk])).status_code == 403
    # A colleague of the assignee has nothing to do with it.
    assert opens(client_for(colleague), theirs) == 404
    # Once the row is done it is no longer the head's people's work: the record is its
    # department's again (the assignee still reads it).
    transition(obj=part, name="finish", by=staff)
    assert opens(client_for(head), theirs) == 404
    assert opens(client_for(staff), theirs) == 200


def test_a_head_reads_a_record_their_person_owns_in_another_department(
    client_for, head, staff, other_dept, other_staff
):
    elsewhere = WidgetFactory(owner=staff, department=other_dept, title="Jig J-3")
    assert opens(client_for(head), elsewhere) == 200
    # The other department's head reads it as theirs; a head of a third department does not.
    third = UserFactory(role=head.role, department=UserFactory().department)
    assert opens(client_for(third), elsewhere) == 404


def test_the_overdue_item_a_head_is_shown_opens(client_for, head, staff, other_head, other_dept):
    theirs = WidgetFactory(owner=other_head, department=other_dept)
    part = child_add(
        model=WidgetPart, by=other_head, widget=theirs, name="Ream", owner=staff, due_date=days(-4)
    )
    client = client_for(head)
    html = client.get("/").content.decode()
    assert f'href="{part.get_absolute_url()}"' in html
    assert client.get(part.get_absolute_url()).status_code == 200


@pytest.fixture
def personal(monkeypatch):
    monkeypatch.setattr(Widget, "personal", True)


def test_a_colleagues_personal_item_is_listed_without_its_link(personal, client_for, head, staff, dept):
    colleague = UserFactory(department=dept)
    private = WidgetFactory(owner=colleague, department=dept, due_date=days(-3), title="Requalify welding")
    for url in ("/overview/", f"/due/?department={dept.pk}&state=overdue"):
        html = client_for(staff).get(url).content.decode()
        # Listed (the department's count includes it) with its owner, but not as a link, nor
        # with its title: what a colleague's personal record says is theirs to read.
        assert "Requalify welding" not in html and private.reference in html
        assert f'href="{private.get_absolute_url()}"' not in html
        assert f'<span title="Not yours to open">{private.reference}</span>' in html
        # The empty title says why it is empty (the Overview's blank cell read as a fault).
        assert '<td class="my-work-title"><span class="text-muted">outside your view</span></td>' in html
        # Their head opens it.
        assert f'href="{private.get_absolute_url()}"' in client_for(head).get(url).content.decode()
    assert opens(client_for(staff), private) == 404


def test_the_due_list_asks_a_constant_number_of_queries_for_staff(personal, client_for, staff, dept):
    client = client_for(staff)

    def count(n: int) -> int:
        for _ in range(n):
            WidgetFactory(owner=UserFactory(department=dept), department=dept, due_date=days(-2))
            WidgetFactory(owner=staff, department=dept, due_date=days(-1))
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(f"/due/?department={dept.pk}&state=overdue").content.decode()
        assert html.count("Not yours to open") == Widget.objects.exclude(owner=staff).count()
        return len(ctx.captured_queries)

    assert count(2) == count(12)
