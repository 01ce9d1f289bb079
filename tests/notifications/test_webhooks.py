"""Outgoing webhooks against a real HTTP receiver: an event is POSTed signed, once, only when the
webhook's user may see its record and with only what they may see; a refusal is retried with a
back-off; a redirect is never followed."""

import datetime as dt
import json
import time
import uuid

import pytest
from django.utils import timezone

from capa.models import Nonconformity
from notifications import webhook_sender
from notifications.models import WebhookDelivery
from notifications.webhooks import payload_for, verify, webhook_create
from qms.events import Occurrence
from qms.services import record_create

pytestmark = pytest.mark.django_db


def hook(admin_user, url, run_as, events=("capa.ncr_raised",), **kw):
    return webhook_create(by=admin_user, name="ERP", url=url, events=list(events), run_as=run_as, **kw)


def raise_ncr(by, department, capture, title="Burr on the chamfer"):
    with capture(execute=True):
        return record_create(
            model=Nonconformity,
            by=by,
            title=title,
            description="3 of 50 parts",
            owner=by,
            department=department,
            source="internal",
            severity="minor",
        )


def test_an_ncr_raised_is_posted_once_signed_with_the_webhooks_secret(
    admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    endpoint = hook(admin_user, receiver.url, quality_manager)
    ncr = raise_ncr(head, dept, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-QMS-Event"] == "capa.ncr_raised"
    assert verify(endpoint.secret, request.headers["X-QMS-Signature"], request.body)
    body = json.loads(request.body)
    assert body["id"] == request.headers["X-QMS-Event-Id"]
    assert body["data"] == {"nonconformity_id": ncr.pk}
    record = body["records"]["nonconformity_id"]
    assert (record["reference"], record["status"], record["department"]) == (ncr.reference, "open", "QC")
    assert record["url"] == f"http://testserver/capa/ncr/{ncr.pk}/"
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.response_code) == ("delivered", 1, 200)
    assert row.body.encode() == request.body
    # Sent and recorded: sending it again sends nothing.
    assert webhook_sender.webhook_send(delivery_id=row.pk) is None
    assert len(receiver.requests) == 1


def test_a_signature_fails_with_another_secret_a_changed_body_or_an_old_timestamp():
    from notifications.webhooks import signature_header

    body = b'{"event":"capa.ncr_raised"}'
    header = signature_header("whsec_right", body)
    assert verify("whsec_right", header, body)
    assert not verify("whsec_wrong", header, body)
    assert not verify("whsec_right", header, body + b" ")
    old = signature_header("whsec_right", body, timestamp=int(time.time()) - 600)
    assert not verify("whsec_right", old, body)
    assert not verify("whsec_right", "v1=abc", body)


def test_an_event_about_a_record_outside_the_webhooks_user_scope_is_not_delivered(
    admin_user, staff, other_staff, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    hook(admin_user, receiver.url, other_staff)  # production: may not see quality control's NCRs
    ours = hook(admin_user, receiver.url, staff)  # quality control: may
    raise_ncr(head, dept, django_capture_on_commit_callbacks)
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [ours.pk]
    assert len(receiver.requests) == 1


def test_a_payload_leaves_out_what_the_webhooks_user_may_not_see(head, other_head, other_dept, staff, dept):
    from tests.calibration.factories import instrument

    gauge = instrument(dept, by=head)
    theirs = record_create(
        model=Nonconformity,
        by=other_head,
        title="Scratch",
        description="On the face",
        owner=other_head,
        department=other_dept,
        source="internal",
        severity="minor",
    )
    occurrence = Occurrence(
        uuid.uuid4(),
        "calibration.instrument_quarantined",
        timezone.now(),
        {"instrument_id": gauge.pk, "reason": f"Dropped, see {theirs.reference}"},
    )
    body = payload_for(occurrence, staff)
    assert body["data"]["instrument_id"] == gauge.pk
    assert theirs.reference not in json.dumps(body)
    assert "1 record outside your view" in body["data"]["reason"]
    # Production's head reads the gauge too (every department does) and the NCR, which is theirs.
    assert payload_for(occurrence, other_head)["data"]["reason"] == f"Dropped, see {theirs.reference}"


def test_a_refusal_is_retried_after_its_back_off_and_then_delivered(
    admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 200]
    hook(admin_user, receiver.url, quality_manager)
    raise_ncr(head, dept, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.response_code) == ("failed", 1, 500)
    assert "500" in row.error and "receiver says no" in row.error
    assert dt.timedelta(seconds=25) < row.next_attempt_at - timezone.now() <= dt.timedelta(seconds=30)
    assert webhook_sender.webhook_send(delivery_id=row.pk) is None  # not due yet
    WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert webhook_sender.webhook_send(delivery_id=row.pk).delivered
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code, row.error) == ("delivered", 2, 200, "")
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-QMS-Event-Id"] == second.headers["X-QMS-Event-Id"]


def test_the_back_off_grows_four_times_and_stops_at_its_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 30, 6 * 3600
    pauses = [webhook_sender.backoff(n).total_seconds() for n in range(1, 8)]
    assert pauses == [30, 120, 480, 1920, 7680, 21600, 21600]


def test_after_the_last_attempt_it_gives_up_saying_why(
    settings, admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.answers = [503]
    hook(admin_user, receiver.url, quality_manager)
    raise_ncr(head, dept, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    assert row.gave_up and row.error.startswith("503")


def test_a_redirect_is_not_followed(
    admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    receiver.answers = [302]
    receiver.location = receiver.url + "/elsewhere"
    hook(admin_user, receiver.url, quality_manager)
    raise_ncr(head, dept, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    assert row.status == "failed" and "redirects are not followed" in row.error
    assert [r.path for r in receiver.requests] == ["/qms-events"]


def test_a_switched_off_webhook_is_told_nothing(
    admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    hook(admin_user, receiver.url, quality_manager, active=False)
    raise_ncr(head, dept, django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists() and not receiver.requests


def test_a_webhook_hears_only_the_events_it_chose(
    admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    hook(admin_user, receiver.url, quality_manager, events=["inspection.lot_released"])
    raise_ncr(head, dept, django_capture_on_commit_callbacks)
    assert not receiver.requests


def test_an_instrument_quarantined_by_hand_is_an_event(
    admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    from qms.services import transition
    from tests.calibration.factories import instrument

    gauge = instrument(dept, by=head)
    hook(admin_user, receiver.url, quality_manager, events=["calibration.instrument_quarantined"])
    with django_capture_on_commit_callbacks(execute=True):
        transition(obj=gauge, name="quarantine", by=head, reason="Dropped on the floor")
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["data"] == {"instrument_id": gauge.pk, "reason": "Dropped on the floor"}
    assert body["records"]["instrument_id"]["status"] == "quarantined"


def test_the_readmes_verify_snippet_accepts_a_real_signature_and_refuses_a_forged_one():
    import re
    from pathlib import Path

    from notifications.webhooks import signature_header

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the README's own snippet, as a receiver would paste it
    body = b'{"event":"capa.ncr_raised"}'
    header = signature_header("whsec_readme", body)
    assert scope["verify"]("whsec_readme", header, body)
    assert not scope["verify"]("whsec_other", header, body)
    assert not scope["verify"]("whsec_readme", header, body.replace(b"ncr", b"capa"))
