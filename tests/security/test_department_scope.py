"""A missing department is the narrowest scope (the user's own items), never the company."""

import datetime as dt

import pytest
from django.utils import timezone

from qms.admin import UserAdminCreationForm
from qms.models import Role
from tests.factories import UserFactory, WidgetFactory
from tests.kernelapp.forms import WidgetForm


def due(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STAFF, Role.DEPARTMENT_HEAD])
def test_a_user_without_department_sees_only_their_own_items_on_the_overview(
    client_for, staff, other_staff, role
):
    loner = UserFactory(role=role, department=None)
    foreign = WidgetFactory(owner=other_staff, title="Foreign late widget", due_date=due(-9))
    others = WidgetFactory(owner=staff, title="Colleague's late widget", due_date=due(-2))
    mine = WidgetFactory(owner=loner, department=staff.department, due_date=due(-1))
    html = client_for(loner).get("/overview/").content.decode()
    assert "the whole company" not in html
    assert "your own items" in html
    assert mine.reference in html
    assert foreign.reference not in html and others.reference not in html
    assert "1 overdue" in html


@pytest.mark.django_db
def test_a_user_without_department_is_offered_no_department_to_file_records_in(staff, other_staff):
    loner = UserFactory(role=Role.STAFF, department=None)
    form = WidgetForm(user=loner)
    assert list(form.fields["department"].queryset) == []
    # The own department (and the record's) for everyone else, never the company's list.
    assert list(WidgetForm(user=staff).fields["department"].queryset) == [staff.department]


def _admin_data(**extra):
    return {
        "username": "newbie",
        "first_name": "Nina",
        "last_name": "Neu",
        "email": "nina@example.com",
        "usable_password": "true",
        "password1": "a-Long-pass-phrase-77",
        "password2": "a-Long-pass-phrase-77",
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STAFF, Role.DEPARTMENT_HEAD, Role.TOP_MANAGEMENT])
def test_the_admin_form_requires_a_department_for_staff_heads_and_top_management(role):
    form = UserAdminCreationForm(data=_admin_data(role=role))
    assert not form.is_valid()
    assert "must belong to a department" in form.errors["department"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.QUALITY_MANAGER, Role.ADMINISTRATOR, Role.AUDITOR])
def test_the_admin_form_accepts_company_wide_roles_without_department(role):
    form = UserAdminCreationForm(data=_admin_data(role=role))
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_the_admin_change_page_refuses_removing_a_heads_department(client_for, admin_user, head):
    data = {
        "username": head.username,
        "first_name": head.first_name,
        "last_name": head.last_name,
        "email": head.email,
        "role": Role.DEPARTMENT_HEAD,
        "department": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "is_active": "on",
        "receive_alerts": "on",
    }
    response = client_for(admin_user).post(f"/admin/qms/user/{head.pk}/change/", data)
    assert response.status_code == 200
    assert "must belong to a department" in response.content.decode()
    head.refresh_from_db()
    assert head.department_id is not None


@pytest.mark.django_db
def test_a_name_with_a_line_break_is_refused_in_the_admin_form():
    form = UserAdminCreationForm(data=_admin_data(role=Role.QUALITY_MANAGER, first_name="Eva\n}body{"))
    assert not form.is_valid()
    assert "one line of plain text" in form.errors["first_name"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["Burr on\nbore", "Tab\there", "Bell\x07"])
def test_a_record_title_with_control_characters_is_refused_beside_the_field(staff, title):
    form = WidgetForm(
        data={"title": title, "owner": staff.pk, "department": staff.department_id, "description": ""},
        user=staff,
    )
    assert not form.is_valid()
    assert "one line of plain text" in form.errors["title"][0]


@pytest.mark.django_db
def test_a_profile_name_with_a_line_break_is_refused(client_for, staff):
    response = client_for(staff).post(
        "/account/profile/",
        {"first_name": "Eva\n}body{background:red}", "last_name": "X", "email": "eva@example.com"},
    )
    assert response.status_code == 200
    assert "one line of plain text" in response.content.decode()
    staff.refresh_from_db()
    assert "\n" not in staff.first_name
