"""Personal tokens (created and revoked on the profile, shown once, stored hashed, expiring) and
service accounts (made by the administrator, never signing in to the browser)."""

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiToken, ServiceAccount
from api.tokens import token_create
from qms.models import Role, User

pytestmark = pytest.mark.django_db


def created_token(page: str) -> str:
    return re.search(r'data-testid="token-value">([^<]+)<', page).group(1)


def test_a_user_creates_a_token_on_their_profile_and_sees_it_once(client_for, staff):
    client = client_for(staff)
    assert 'data-testid="api-tokens-link"' in client.get("/account/profile/").content.decode()
    response = client.post("/account/api-tokens/", {"name": "My scripts", "days": "30"})
    assert response.status_code == 200
    token = created_token(response.content.decode())
    row = ApiToken.objects.get(user=staff)
    assert row.digest == hashlib.sha256(token.encode()).hexdigest() and token not in (row.digest, row.prefix)
    assert token.startswith(f"qms_{row.prefix}_")
    assert dt.timedelta(days=29) < row.expires_at - timezone.now() <= dt.timedelta(days=30)
    again = client.get("/account/api-tokens/").content.decode()
    assert token not in again and f"qms_{row.prefix}_…" in again and "never" in again
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/me/").json()["username"] == "staff"
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_token_without_a_name_is_refused_beside_the_field(client_for, staff):
    response = client_for(staff).post("/account/api-tokens/", {"name": " ", "days": "30"})
    assert response.status_code == 400
    assert 'data-field="name"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working_at_once(client_for, staff):
    row, token = token_create(user=staff, by=staff, name="ERP")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/me/").status_code == 200
    client_for(staff).post("/account/api-tokens/revoke/", {"token": row.pk})
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_nobody_revokes_anothers_token(client_for, staff, other_staff):
    row, _ = token_create(user=other_staff, by=other_staff, name="theirs")
    response = client_for(staff).post("/account/api-tokens/revoke/", {"token": row.pk}, follow=True)
    assert "No such token of yours." in response.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is None


def test_an_expired_token_is_refused(staff):
    row, token = token_create(user=staff, by=staff, name="old")
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer qms_x_y",
        "Bearer a b",
        "Bearer qms_12345678_wrong",
        "Bearer \u00e9\u00e9",
        "Basic abc",
    ],
)
def test_bad_credentials_are_401s_in_the_error_shape(header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/goods-receipts/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_deactivated_users_token_no_longer_works(staff):
    _, token = token_create(user=staff, by=staff, name="x")
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me/").status_code == 401


def test_an_auditor_whose_access_expired_is_refused(auditor):
    _, token = token_create(user=auditor, by=auditor, name="audit")
    User.objects.filter(pk=auditor.pk).update(access_expires_on=timezone.localdate() - dt.timedelta(days=1))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me/").status_code == 401


def test_an_auditor_creates_a_read_only_token(client_for, auditor):
    response = client_for(auditor).post("/account/api-tokens/", {"name": "Audit 2026", "days": "30"})
    assert response.status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Bearer {created_token(response.content.decode())}")
    assert api.get("/api/v1/me/").json()["read_only"] is True
    assert api.post("/api/v1/ncrs/", {}, content_type="application/json").status_code == 403


def test_the_administrator_creates_a_service_account_that_cannot_sign_in(
    client_for, admin_user, dept, password
):
    client = client_for(admin_user)
    response = client.post(
        "/admin/api/serviceaccount/add/",
        {
            "username": "erp",
            "role": Role.DEPARTMENT_HEAD,
            "department": dept.pk,
            "purpose": "ERP goods receipts",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ServiceAccount.objects.get()
    assert account.user.username == "erp" and account.user.department == dept
    assert not account.user.has_usable_password()
    issued = client.post(
        "/admin/api/serviceaccount/", {"action": "issue_token", "_selected_action": [account.pk]}
    )
    token = re.search(r"<code>(qms_[^<]+)</code>", issued.content.decode()).group(1)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/me/").json() | {"id": 0} == {
        "id": 0,
        "username": "erp",
        "role": "head",
        "department": dept.pk,
        "read_only": False,
        "service_account": True,
    }
    # Even with a password set by hand, it never signs in to the browser.
    account.user.set_password(password)
    account.user.save()
    browser = Client()
    login = browser.post("/account/login/", {"username": "erp", "password": password})
    assert login.status_code == 200 and "_auth_user_id" not in browser.session
    assert browser.get("/").status_code == 302


def test_only_the_administrator_reaches_service_accounts(client_for, quality_manager):
    assert client_for(quality_manager).get("/admin/api/serviceaccount/").status_code == 403


def test_an_auditors_token_ends_with_their_access(db):
    """Asked for a year, an auditor's token whose access ends in 60 days works no longer than that
    day: it never outlives the login it stands for. A token of an account without an end runs
    its year."""
    from tests.factories import UserFactory

    ends = timezone.localdate() + dt.timedelta(days=60)
    auditor = UserFactory(role=Role.AUDITOR, department=None, access_expires_on=ends)
    row, _ = token_create(user=auditor, by=auditor, name="Certification body", days=365)
    assert timezone.localtime(row.expires_at) == timezone.make_aware(
        dt.datetime.combine(ends + dt.timedelta(days=1), dt.time())
    )
    staff = UserFactory(role=Role.STAFF)
    staff_row, _ = token_create(user=staff, by=staff, name="My scripts", days=365)
    assert (staff_row.expires_at - timezone.now()).days >= 364
