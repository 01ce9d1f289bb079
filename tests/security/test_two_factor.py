"""Two-factor sign-in: a TOTP app or a recovery code; required for some roles by a setting."""

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from qms.models import AccessEvent, RecoveryCode
from tests.factories import PASSWORD


def code_for(user) -> str:
    device = TOTPDevice.objects.filter(user=user).latest("pk")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def next_window(user) -> None:
    """A code is accepted once, and a wrong one makes the next wait a little: the test moves on
    as if the next 30 seconds had come."""
    TOTPDevice.objects.filter(user=user).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )


def enrol(client, user) -> list[str]:
    page = client.get("/account/two-factor/").content.decode()
    assert "data:image/svg+xml;base64," in page and 'data-testid="mfa-secret"' in page
    response = client.post("/account/two-factor/", {"action": "enable", "code": code_for(user)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", response.content.decode())
    assert len(codes) == 10
    return codes


def sign_in(client, user, ip="10.1.1.1"):
    return client.post("/account/login/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_with_two_factor_on_a_password_alone_does_not_sign_in(staff, client_for):
    enrol(client_for(staff), staff)
    client = Client()
    response = sign_in(client, staff)
    assert response.status_code == 302 and response["Location"] == "/account/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still signed out
    assert 'name="code"' in client.get("/account/login/code/").content.decode()  # the code's page
    bad = client.post("/account/login/code/", {"code": "000000"})
    assert bad.status_code == 400 and "not correct" in bad.content.decode()
    assert "_auth_user_id" not in client.session
    next_window(staff)
    good = client.post("/account/login/code/", {"code": code_for(staff)})
    assert good.status_code == 302
    assert client.get("/").status_code == 200
    kinds = set(AccessEvent.objects.filter(user=staff).values_list("kind", flat=True))
    assert {AccessEvent.Kind.MFA_ENABLED, AccessEvent.Kind.MFA_FAILED, AccessEvent.Kind.LOGIN} <= kinds


@pytest.mark.django_db
def test_a_recovery_code_works_once_and_codes_are_stored_hashed(staff, client_for):
    codes = enrol(client_for(staff), staff)
    stored = list(RecoveryCode.objects.filter(user=staff).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    client = Client()
    sign_in(client, staff)
    assert client.post("/account/login/code/", {"code": codes[3]}).status_code == 302
    client.post("/account/logout/")
    again = Client()
    sign_in(again, staff)
    assert again.post("/account/login/code/", {"code": codes[3]}).status_code == 400
    assert AccessEvent.objects.filter(user=staff, kind=AccessEvent.Kind.RECOVERY_USED).count() == 1


@pytest.mark.django_db
def test_a_recovery_code_of_digits_only_is_not_taken_for_the_apps_code(staff, client_for):
    """token_hex gives one such code in a hundred; the app's codes are six digits."""
    from django.contrib.auth.hashers import make_password

    enrol(client_for(staff), staff)
    RecoveryCode.objects.filter(user=staff).update(code_hash=make_password("3804170351"))
    client = Client()
    sign_in(client, staff)
    assert client.post("/account/login/code/", {"code": "38041-70351"}).status_code == 302


@pytest.mark.django_db
def test_wrong_codes_lock_sign_in_like_wrong_passwords(staff, client_for):
    enrol(client_for(staff), staff)
    client = Client()
    sign_in(client, staff)
    codes = [
        client.post("/account/login/code/", {"code": "123456"}, REMOTE_ADDR="10.1.1.1").status_code
        for _ in range(5)
    ]
    assert codes[-1] == 429
    assert sign_in(Client(), staff).status_code == 429


@pytest.mark.django_db
def test_turning_it_off_needs_the_password(staff, client_for):
    client = client_for(staff)
    enrol(client, staff)
    refused = client.post("/account/two-factor/", {"action": "disable", "password": "nope"})
    assert refused.status_code == 400 and TOTPDevice.objects.filter(user=staff).exists()
    client.post("/account/two-factor/", {"action": "disable", "password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not RecoveryCode.objects.filter(user=staff).exists()


@pytest.mark.django_db
def test_a_required_role_must_set_it_up_before_anything_else(settings, quality_manager):
    settings.REQUIRE_MFA_FOR_ROLES = ["quality", "admin"]
    client = Client()
    assert sign_in(client, quality_manager).status_code == 302
    response = client.get("/overview/")
    assert response.status_code == 302 and response["Location"] == "/account/two-factor/"
    enrol(client, quality_manager)
    assert client.get("/overview/").status_code == 200
    # It cannot be turned off while the role requires it.
    client.post("/account/two-factor/", {"action": "disable", "password": PASSWORD})
    assert TOTPDevice.objects.filter(user=quality_manager, confirmed=True).exists()
    # Next time the code is asked for at sign-in.
    client.post("/account/logout/")
    fresh = Client()
    assert sign_in(fresh, quality_manager)["Location"] == "/account/login/code/"


@pytest.mark.django_db
def test_a_required_role_is_not_asked_when_the_setting_is_off(client_for, quality_manager):
    assert client_for(quality_manager).get("/overview/").status_code == 200


@pytest.mark.django_db
def test_an_auditor_may_turn_it_on(auditor, client_for):
    enrol(client_for(auditor), auditor)
    assert TOTPDevice.objects.filter(user=auditor, confirmed=True).exists()


@pytest.mark.django_db
def test_a_right_code_does_not_sign_in_once_the_account_is_locked(staff, client_for):
    enrol(client_for(staff), staff)
    client = Client()
    sign_in(client, staff)
    # Meanwhile someone elsewhere locks the account with wrong passwords.
    for _ in range(5):
        Client().post(
            "/account/login/", {"username": staff.username, "password": "x"}, REMOTE_ADDR="10.7.7.7"
        )
    next_window(staff)
    response = client.post("/account/login/code/", {"code": code_for(staff)})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
