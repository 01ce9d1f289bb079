"""A leaver's open work handed over when the administrator switches their login off, and a
department's head someone who can act as one."""

import datetime as dt

import pytest
from django.utils import timezone

from capa.models import Action, Nonconformity
from capa.services import action_add
from qms.models import Department, Role
from tests.capa.factories import CapaFactory, NonconformityFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "department": user.department_id or "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "is_active": "on",
        "receive_alerts": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def leavers_work(head, staff, quality_manager):
    """The head who leaves: an open NCR, a closed one, an open CAPA action, their department."""
    ncr = NonconformityFactory(owner=head, title="Burr on flange")
    closed = NonconformityFactory(owner=head, title="Scratch, closed")
    Nonconformity.objects.filter(pk=closed.pk).update(status="closed")
    capa = CapaFactory(owner=quality_manager, department=head.department)
    action = action_add(
        capa=capa,
        by=quality_manager,
        kind=Action.Kind.CORRECTIVE,
        title="Deburr the flange",
        owner=head,
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    return ncr, closed, action


def test_switching_off_a_login_that_still_owns_work_asks_who_takes_it_over(
    client_for, admin_user, head, leavers_work
):
    url = f"/admin/qms/user/{head.pk}/change/"
    page = client_for(admin_user).post(url, _user_form(head, is_active=None))
    assert page.status_code == 200
    assert (
        f"{head.get_full_name()} still owns 1 nonconformity, 1 action and heads Quality Control: "
        "choose who takes them over." in page.content.decode()
    )
    head.refresh_from_db()
    assert head.is_active


def test_the_open_work_goes_to_the_successor_with_a_history_row_and_the_department_with_it(
    client_for, admin_user, head, quality_manager, leavers_work
):
    ncr, closed, action = leavers_work
    successor = UserFactory(username="successor", role=Role.DEPARTMENT_HEAD, department=head.department)
    url = f"/admin/qms/user/{head.pk}/change/"
    response = client_for(admin_user).post(url, _user_form(head, is_active=None, hand_over_to=successor.pk))
    assert response.status_code == 302
    head.refresh_from_db()
    ncr.refresh_from_db()
    action.refresh_from_db()
    closed.refresh_from_db()
    assert not head.is_active
    assert ncr.owner == successor and action.owner == successor
    assert closed.owner == head  # what was closed stays as it was
    assert Department.objects.get(pk=head.department_id).head == successor
    latest = ncr.history.latest()
    assert latest.history_user == admin_user
    assert latest.history_change_reason == f"Handed over from {head} (left) to {successor}"


def test_a_department_is_not_handed_to_someone_who_cannot_head_it(
    client_for, admin_user, head, staff, leavers_work
):
    url = f"/admin/qms/user/{head.pk}/change/"
    page = client_for(admin_user).post(url, _user_form(head, is_active=None, hand_over_to=staff.pk))
    assert "heads Quality Control: choose a department head, the quality manager" in page.content.decode()
    head.refresh_from_db()
    assert head.is_active and leavers_work[0].owner == head


def test_a_staff_member_without_open_work_leaves_without_a_question(client_for, admin_user, staff):
    response = client_for(admin_user).post(
        f"/admin/qms/user/{staff.pk}/change/", _user_form(staff, is_active=None)
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active


@pytest.mark.parametrize("who", ["auditor", "staff"])
def test_a_department_head_must_be_someone_who_can_act_as_one(
    client_for, admin_user, dept, auditor, staff, who
):
    chosen = {"auditor": auditor, "staff": staff}[who]
    page = client_for(admin_user).post(
        f"/admin/qms/department/{dept.pk}/change/", {"name": dept.name, "code": dept.code, "head": chosen.pk}
    )
    assert page.status_code == 200
    dept.refresh_from_db()
    assert dept.head_id != chosen.pk
    assert "Select a valid choice" in page.content.decode()  # not offered at all


def test_an_inactive_head_kept_on_a_department_is_named_and_refused(client_for, admin_user, dept, head):
    type(head).objects.filter(pk=head.pk).update(is_active=False)
    page = client_for(admin_user).post(
        f"/admin/qms/department/{dept.pk}/change/", {"name": "Quality", "code": dept.code, "head": head.pk}
    )
    assert (
        f"{head.get_full_name()} can no longer log in: choose an active department head"
        in page.content.decode()
    )
    dept.refresh_from_db()
    assert dept.name == "Quality Control"


def test_the_person_leaving_is_not_offered_as_their_own_successor(client_for, admin_user, head, staff):
    form = client_for(admin_user).get(f"/admin/qms/user/{head.pk}/change/").context["adminform"].form
    offered = set(form.fields["hand_over_to"].queryset.values_list("pk", flat=True))
    assert head.pk not in offered and staff.pk in offered


def test_the_modules_rules_on_who_owns_what_hold_in_a_hand_over(
    client_for, admin_user, head, staff, quality_manager, leavers_work
):
    """The hand-over wrote each row's new owner past its module's rules: an NCR given to someone
    who cannot decide its disposition, a CAPA given to the verifier of its own effectiveness check."""
    ncr, _, _ = leavers_work
    url = f"/admin/qms/user/{head.pk}/change/"
    page = client_for(admin_user).post(url, _user_form(head, is_active=None, hand_over_to=staff.pk))
    assert (
        f"{staff} cannot take over all of {head.get_full_name()}&#x27;s work: {ncr.reference}: {staff} "
        "cannot decide a disposition or close an NCR" in page.content.decode()
    )
    head.refresh_from_db()
    ncr.refresh_from_db()
    assert head.is_active and ncr.owner == head
