"""The kernel's electronic signature: the signer's password, the meaning, the SHA-256 of what the
model declares signed; void once that changes; noted in the record's history."""

import pytest

from qms.models import Signature
from qms.services import content_hash, record_transition, record_update, signature_rows, signature_sign

pytestmark = pytest.mark.django_db

APPROVE = "/kernel/widgets/{}/approve/"


def test_the_owner_approves_with_their_password_and_the_page_shows_it_valid(
    client_for, head, password, widget
):
    client = client_for(head)
    assert 'data-testid="approve-form"' in client.get(widget.get_absolute_url()).content.decode()
    response = client.post(APPROVE.format(widget.pk), {"password": password}, follow=True)
    signature = Signature.objects.get()
    assert (signature.signer, signature.meaning, signature.printed_name) == (
        head,
        "Approved",
        head.get_full_name(),
    )
    assert signature.content_hash == content_hash(widget)
    html = response.content.decode()
    assert "Valid</span>" in html and "Void</span>" not in html
    assert widget.history.latest().history_change_reason == "Signed: Approved"


def test_a_wrong_password_is_refused_beside_the_field_and_nothing_is_signed(client_for, head, widget):
    response = client_for(head).post(APPROVE.format(widget.pk), {"password": "guess"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="password"' in html and "The password is not correct. Nothing was signed." in html
    assert widget.title in html  # the widget's page, again
    assert not Signature.objects.exists()


def test_a_signature_is_void_once_what_it_signed_changes(client_for, head, password, widget):
    signature_sign(obj=widget, by=head, password=password, meaning="Approved")
    record_transition(record=widget, name="release", by=head)
    widget.refresh_from_db()
    record_update(record=widget, by=head, reason="Customer's wording", description="Milled and anodised")
    [(signature, valid)] = signature_rows(widget)
    assert not valid and not signature.is_valid_for(content_hash(widget))
    html = client_for(head).get(widget.get_absolute_url()).content.decode()
    assert "Void</span>" in html


def test_title_and_description_are_what_an_approval_signs(head, widget):
    before = content_hash(widget)
    widget.due_date = None  # not signed: changing it voids nothing
    assert content_hash(widget) == before
    widget.title += "!"
    assert content_hash(widget) != before


def test_who_may_not_change_the_widget_may_not_approve_it(client_for, staff, auditor, password, widget):
    assert client_for(staff).post(APPROVE.format(widget.pk), {"password": password}).status_code == 403
    assert client_for(auditor).post(APPROVE.format(widget.pk), {"password": password}).status_code == 403
    assert (
        'data-testid="approve-form"' not in client_for(staff).get(widget.get_absolute_url()).content.decode()
    )
    assert not Signature.objects.exists()


def test_a_signature_is_named_in_the_companys_time_as_the_history_dates_everything_else(head, widget):
    """A review step's signature reads in its history as "Approved by … at 6 Dec 2026 00:43" (Berlin),
    beside rows dated in Berlin time, not in UTC an hour earlier and on another day."""
    import datetime as dt

    from django.contrib.contenttypes.models import ContentType

    signature = Signature.objects.create(
        content_type=ContentType.objects.get_for_model(widget),
        object_id=widget.pk,
        signer=head,
        printed_name="Eva Schneider",
        meaning="Approved",
        signed_at=dt.datetime(2026, 12, 5, 23, 43, tzinfo=dt.UTC),
        content_hash="0" * 64,
    )
    signature.refresh_from_db()
    assert str(signature) == "Approved by Eva Schneider at 6 Dec 2026 00:43"
