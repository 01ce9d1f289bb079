"""Access per kind of record: who may create one (``create_roles``), the departments that look
after it in every department (the ``STEWARDS`` setting, by department code), top management, and
how a person stands to a row assigned to them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from qms import access
from qms.models import Role
from qms.services import record_create
from tests.factories import UserFactory, WidgetFactory
from tests.kernelapp.models import Widget

pytestmark = pytest.mark.django_db

QC_STEWARDS = override_settings(STEWARDS={"kernelapp.widget": ["QC"]})


def new_widget(department, **overrides):
    return {
        "title": "Gauge housing",
        "owner": overrides.pop("owner").pk,
        "department": department.pk,
        **overrides,
    }


def test_staff_may_not_create_a_widget_and_are_not_offered_to(client_for, staff, dept):
    client = client_for(staff)
    assert 'href="/kernel/widgets/new/"' not in client.get("/kernel/widgets/").content.decode()
    assert client.get("/kernel/widgets/new/").status_code == 403
    assert client.post("/kernel/widgets/new/", new_widget(dept, owner=staff)).status_code == 403
    assert not Widget.objects.exists()


def test_heads_and_the_quality_manager_create_widgets(client_for, head, quality_manager, dept):
    for user in (head, quality_manager):
        response = client_for(user).post("/kernel/widgets/new/", new_widget(dept, owner=head))
        assert response.status_code == 302, user
    assert Widget.objects.count() == 2


@QC_STEWARDS
def test_a_member_of_the_steward_department_creates_widgets(client_for, staff, dept):
    assert access.can_create(staff, Widget)
    response = client_for(staff).post("/kernel/widgets/new/", new_widget(dept, owner=staff))
    assert response.status_code == 302
    assert Widget.objects.get().created_by == staff


@QC_STEWARDS
def test_the_steward_department_sees_every_departments_widgets(client_for, staff, other_staff):
    foreign = WidgetFactory(owner=other_staff, title="Production's widget")
    client = client_for(staff)
    assert client.get(foreign.get_absolute_url()).status_code == 200
    assert foreign.reference in client.get("/kernel/widgets/").content.decode()
    assert not access.can_change(staff, foreign)  # members see them; the head changes them


@QC_STEWARDS
def test_the_steward_head_changes_every_departments_widgets_and_others_do_not(head, other_head, other_staff):
    foreign = WidgetFactory(owner=other_staff)
    assert "steward" in access.relations(head, foreign)
    assert access.can_change(head, foreign)
    mine = WidgetFactory(owner=head)
    assert not access.can_change(other_head, mine)
    assert list(access.restrict(Widget.objects.all(), other_head)) == [foreign]


def test_without_the_setting_no_department_is_steward(client_for, head, other_staff):
    foreign = WidgetFactory(owner=other_staff)
    assert "steward" not in access.relations(head, foreign)
    assert client_for(head).get(foreign.get_absolute_url()).status_code == 404


def test_top_management_sees_everything_changes_only_its_own_and_creates_no_widget(head, other_staff, dept):
    director = UserFactory(role=Role.TOP_MANAGEMENT, department=dept)
    foreign = WidgetFactory(owner=other_staff)
    own = WidgetFactory(owner=director)
    assert set(access.restrict(Widget.objects.all(), director)) == {foreign, own}
    assert access.relations(director, own) == {"top", "owner"}
    assert not access.can_change(director, foreign) and access.can_change(director, own)
    with pytest.raises(PermissionDenied):
        record_create(model=Widget, by=director, title="x", owner=director, department=dept)


def test_the_person_a_part_is_assigned_to_stands_to_it_as_assignee(head, staff, part):
    assert access.relations(staff, part) == {"assignee"}
    assert access.relations(staff, part.widget) == set()
    assert {"owner", "head"} <= access.relations(head, part)
    assert "assignee" not in access.relations(head, part)


def test_a_part_assigned_to_someone_of_another_department_shows_them_its_widget(
    client_for, head, other_staff, widget
):
    from qms.services import child_add
    from tests.kernelapp.models import WidgetPart
    from tests.qms.conftest import days, part_url

    part = child_add(
        model=WidgetPart, by=head, widget=widget, name="Coat", owner=other_staff, due_date=days(4)
    )
    client = client_for(other_staff)
    assert client.get(widget.get_absolute_url()).status_code == 200
    assert widget.reference in client.get("/kernel/widgets/").content.decode()
    response = client.post(part_url(part, "step"), {"transition": "finish"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.status == "done"
    assert not access.can_change(other_staff, widget)
    assert client.post(f"/kernel/widgets/{widget.pk}/edit/", {"title": "Mine"}).status_code == 403


def test_the_records_of_many_assigned_rows_are_read_with_their_ids_as_one_parameter(head, other_staff, dept):
    """Someone assigned rows across many records of another department sees exactly those
    records; the ids go to the database as one array of their own type (bigint, so PostgreSQL
    looks each row up in it by hash), not a placeholder each."""
    from qms.services import child_add
    from tests.kernelapp.models import WidgetPart
    from tests.qms.conftest import days

    widgets = [WidgetFactory(owner=head, department=dept) for _ in range(14)]
    for widget in widgets[:12]:
        child_add(model=WidgetPart, by=head, widget=widget, name="Coat", owner=other_staff, due_date=days(4))
    seen = access.restrict(Widget.objects.all(), other_staff)
    assert set(seen) == set(widgets[:12])
    sql, params = seen.query.sql_with_params()
    assert '"kernelapp_widget"."id" = ANY(%s::bigint[])' in sql
    arrays = [p for p in params if isinstance(p, str) and p.startswith("{")]
    assert arrays == ["{" + ",".join(str(w.pk) for w in sorted(widgets[:12], key=lambda w: w.pk)) + "}"]


def test_any_of_finds_what_in_finds(head, dept):
    widgets = [WidgetFactory(owner=head, department=dept) for _ in range(3)]
    ids = [widgets[0].pk, widgets[2].pk, 10**9]
    assert (
        set(Widget.objects.filter(pk__any=ids))
        == set(Widget.objects.filter(pk__in=ids))
        == {
            widgets[0],
            widgets[2],
        }
    )
    assert not Widget.objects.filter(pk__any=[]).exists()
    assert Widget.objects.exclude(pk__any=ids).get() == widgets[1]


def test_a_request_that_changes_nothing_works_out_a_relation_once_and_a_write_every_time(staff, part):
    """Inside a GET (``read_only_request``) a relation is worked out once per user and row; a
    request that writes (no such scope) reads the row as it is on every call."""
    with access.read_only_request():
        assert access.relations(staff, part) == {"assignee"}
        part.owner = None
        assert access.relations(staff, part) == {"assignee"}  # as the page's first question found it
    assert access.relations(staff, part) == set()
    part.owner = staff
    assert access.relations(staff, part) == {"assignee"}


def test_a_request_that_changes_nothing_asks_once_whether_a_record_may_be_seen(staff, other_staff, widget):
    """A page asks whether its reader may see the record for each form it may offer: one query
    inside a GET, whoever asks; outside one, every time."""
    with access.read_only_request(), CaptureQueriesContext(connection) as once:
        assert access.can_view(staff, widget) and not access.can_view(other_staff, widget)
    with access.read_only_request(), CaptureQueriesContext(connection) as thrice:
        assert all(access.can_view(staff, widget) for _ in range(3))
        assert not any(access.can_view(other_staff, widget) for _ in range(3))
    assert len(thrice) == len(once) > 0
    with CaptureQueriesContext(connection) as outside:
        assert all(access.can_view(staff, widget) for _ in range(3))
    assert len(outside) == 3 * len(once) / 2


def test_a_child_row_stands_as_its_record_did_when_first_asked(head, staff, other_dept, widget, part):
    """Inside a GET a row's relations are its record's as first worked out (its CAPA's checks and
    actions are not asked again for each of its rows) and the row's own: the page's answers about
    a record and its rows agree."""
    with access.read_only_request():
        assert access.relations(head, widget) == {"owner", "head"}
        # What the record's relations were worked out from is not read again for its row.
        widget.owner, widget.department = None, other_dept
        assert access.relations(head, part) == {"owner", "head"}
        assert access.relations(staff, part) == {"assignee"}
    assert access.relations(head, part) == set()  # outside a GET: the record as it is now
