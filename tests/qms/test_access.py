"""The access matrix (README) as behaviour: who sees and who changes which record."""

import datetime as dt

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from qms import access
from qms.access import AccessMiddleware
from tests.factories import WidgetFactory
from tests.kernelapp.models import Widget


def edit_data(ncr, **overrides):
    data = {
        "title": ncr.title,
        "description": ncr.description,
        "owner": ncr.owner_id,
        "department": ncr.department_id,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_login_is_required_everywhere_but_login_reset_and_health(client):
    assert client.get("/").status_code == 302
    assert client.get("/kernel/widgets/").status_code == 302
    assert client.get("/account/login/").status_code == 200
    assert client.get("/account/password/reset/").status_code == 200
    assert client.get("/health/").json() == {"status": "ok"}


@pytest.mark.django_db
def test_staff_see_their_department_and_their_own_records_only(client_for, staff, other_staff):
    mine = WidgetFactory(owner=staff, title="Mine")
    colleague = WidgetFactory(owner=staff.manager, department=staff.department, title="Colleague's")
    foreign = WidgetFactory(owner=other_staff, title="Other department")
    client = client_for(staff)
    html = client.get("/kernel/widgets/").content.decode()
    assert mine.reference in html and colleague.reference in html
    assert foreign.reference not in html
    assert client.get(foreign.get_absolute_url()).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, expected",
    [("owner", 302), ("head", 302), ("quality_manager", 302), ("colleague", 403), ("auditor", 403)],
)
def test_who_may_change_a_record(client_for, staff, head, quality_manager, auditor, dept, who, expected):
    ncr = WidgetFactory(owner=staff, department=dept)
    from tests.factories import UserFactory

    users = {
        "owner": staff,
        "head": head,
        "quality_manager": quality_manager,
        "colleague": UserFactory(department=dept),
        "auditor": auditor,
    }
    response = client_for(users[who]).post(f"/kernel/widgets/{ncr.pk}/edit/", edit_data(ncr, title="Changed"))
    assert response.status_code == expected
    ncr.refresh_from_db()
    assert (ncr.title == "Changed") == (expected == 302)


@pytest.mark.django_db
def test_a_head_cannot_file_a_record_for_another_department(client_for, head, other_dept):
    response = client_for(head).post(
        "/kernel/widgets/new/",
        {
            "title": "Wrong department",
            "description": "x",
            "owner": head.pk,
            "department": other_dept.pk,
        },
    )
    assert response.status_code == 400
    assert 'data-field="department"' in response.content.decode()
    assert not Widget.objects.exists()


@pytest.mark.django_db
def test_quality_manager_and_auditor_see_every_department(client_for, quality_manager, auditor, other_staff):
    ncr = WidgetFactory(owner=other_staff)
    for user in (quality_manager, auditor):
        assert client_for(user).get(ncr.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_an_auditor_cannot_write_even_through_a_view_that_forgot_to_check():
    """The middleware refuses an auditor's write before any view runs."""

    def careless_view(request):
        return HttpResponse("written")

    careless_view.access = access.LOGIN
    from tests.factories import UserFactory

    auditor = UserFactory(role="auditor")
    request = RequestFactory().post("/anything/")
    request.user = auditor
    response = AccessMiddleware(lambda r: HttpResponse())(request)
    assert response.status_code == 200  # the middleware call itself passes through
    refused = AccessMiddleware(lambda r: HttpResponse()).process_view(request, careless_view, (), {})
    assert refused is not None and refused.status_code == 403


@pytest.mark.django_db
def test_an_undeclared_view_is_refused(staff):
    def undeclared(request):
        return HttpResponse("should not run")

    request = RequestFactory().get("/x/")
    request.user = staff
    response = AccessMiddleware(lambda r: HttpResponse()).process_view(request, undeclared, (), {})
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_expired_auditor_cannot_log_in_and_is_told_why(client, auditor, password):
    auditor.access_expires_on = timezone.localdate() - dt.timedelta(days=1)
    auditor.save()
    response = client.post("/account/login/", {"username": auditor.username, "password": password})
    assert response.status_code == 200
    assert "This account expired on" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_auditor_whose_access_expires_during_a_session_is_logged_out(client, auditor, password):
    auditor.access_expires_on = timezone.localdate()
    auditor.save()
    assert (
        client.post("/account/login/", {"username": auditor.username, "password": password}).status_code
        == 302
    )
    assert client.get("/").status_code == 200  # still valid today
    auditor.access_expires_on = timezone.localdate() - dt.timedelta(days=1)
    auditor.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].endswith("/account/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_system_account_cannot_log_in(client):
    from qms.services import get_system_user

    system = get_system_user()
    system.is_active = True
    system.set_password("whatever-123")
    system.save()
    response = client.post("/account/login/", {"username": "system", "password": "whatever-123"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_only_administrators_reach_the_django_admin(client_for, admin_user, quality_manager):
    assert client_for(quality_manager).get("/admin/").status_code == 403
    assert client_for(admin_user).get("/admin/").status_code == 200
