"""Signing lockout: after five wrong passwords on an e-signature the user cannot sign for 15
minutes, and the administrator and the quality manager are told at once (21 CFR 11.300(d))."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from qms.models import AccessEvent, Signature
from qms.services.signatures import signing_locked_until
from tests.factories import PASSWORD, WidgetFactory
from tests.kernelapp.services import widget_approve

# The refused signature's transaction is rolled back for real, so the count must survive it.
pytestmark = pytest.mark.django_db(transaction=True)


def sign(widget, user, password):
    try:
        widget_approve(widget=widget, by=user, password=password)
    except ValidationError as exc:
        return exc.message_dict["password"][0]
    return None


def test_five_wrong_passwords_lock_signing_and_tell_admin_and_quality_at_once(
    head, admin_user, quality_manager
):
    widget = WidgetFactory(owner=head)
    messages = [sign(widget, head, "wrong") for _ in range(4)]
    assert all("Nothing was signed" in m for m in messages)
    assert "1 more wrong password lock" in messages[-1]
    assert mail.outbox == []
    fifth = sign(widget, head, "wrong")
    assert "locked for 15 minutes" in fifth
    # Told at once, although the signing transaction was rolled back.
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {admin_user.email, quality_manager.email}
    assert "locked" in mail.outbox[0].subject and head.username in mail.outbox[0].body
    # The right password no longer signs.
    refused = sign(widget, head, PASSWORD)
    assert refused is not None and "Signing is locked until" in refused
    assert not Signature.objects.exists()
    kinds = list(AccessEvent.objects.filter(user_id=head.pk).values_list("kind", flat=True))
    assert kinds.count(AccessEvent.Kind.SIGNING_FAILED) == 5
    assert kinds.count(AccessEvent.Kind.SIGNING_LOCKED) == 1


def test_signing_works_again_after_fifteen_minutes(head):
    widget = WidgetFactory(owner=head)
    for _ in range(5):
        sign(widget, head, "wrong")
    assert signing_locked_until(head) is not None
    AccessEvent.objects.filter(user_id=head.pk).update(at=timezone.now() - dt.timedelta(minutes=16))
    assert signing_locked_until(head) is None
    assert sign(widget, head, PASSWORD) is None
    assert Signature.objects.filter(signer=head).count() == 1


def test_a_successful_signature_starts_the_count_again(head):
    widget = WidgetFactory(owner=head)
    for _ in range(4):
        sign(widget, head, "wrong")
    assert sign(widget, head, PASSWORD) is None
    for _ in range(4):
        assert "Nothing was signed" in sign(widget, head, "wrong")
    assert signing_locked_until(head) is None


def test_the_administrator_unlocks_signing(head, admin_user, client_for):
    widget = WidgetFactory(owner=head)
    for _ in range(5):
        sign(widget, head, "wrong")
    admin = client_for(admin_user)
    page = admin.get("/access-log/").content.decode()
    assert "E-signatures" in page
    admin.post("/access-log/unlock/", {"user": head.pk})
    assert signing_locked_until(head) is None
    assert sign(widget, head, PASSWORD) is None


def test_the_lock_shows_beside_the_password_field_and_never_a_server_error(head, client_for):
    widget = WidgetFactory(owner=head)
    client = client_for(head)
    url = reverse("kernelapp:widget_approve", args=[widget.pk])
    for _ in range(5):
        response = client.post(url, {"password": "wrong"})
        assert response.status_code == 400
    response = client.post(url, {"password": PASSWORD})
    assert response.status_code == 400
    assert "Signing is locked until" in response.content.decode()
