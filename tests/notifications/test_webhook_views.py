"""The webhook pages: the administrator registers one (the URL checked beside its field, the
secret shown once), the quality office reads the log, auditors write nothing."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.webhooks import webhook_create

pytestmark = pytest.mark.django_db


def form(url, run_as, **extra):
    return {
        "name": "ERP",
        "url": url,
        "events": ["capa.ncr_raised"],
        "run_as": run_as.pk,
        "active": "on",
        **extra,
    }


def test_the_administrator_registers_a_webhook_and_sees_its_secret_once(
    client_for, admin_user, staff, receiver
):
    client = client_for(admin_user)
    response = client.post("/notifications/webhooks/new/", form(receiver.url, staff))
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notifications/webhooks/{endpoint.pk}/"
    assert (endpoint.events, endpoint.run_as, endpoint.created_by) == (["capa.ncr_raised"], staff, admin_user)
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in page
    again = client.get(response["Location"]).content.decode()
    assert endpoint.secret not in again and endpoint.secret_hint in again
    assert endpoint.history.get().history_change_reason == "Webhook added"


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://erp.example.com/in", "Only http:// and https:// addresses can receive webhooks."),
        ("file:///etc/passwd", "Only http:// and https:// addresses can receive webhooks."),
        ("javascript:alert(1)", "Only http:// and https:// addresses can receive webhooks."),
        ("http://169.254.169.254/latest/meta-data", "an address webhooks are never sent to"),
        ("http://[::ffff:169.254.169.254]/latest", "an address webhooks are never sent to"),
        ("http://0.0.0.0:8000/", "an address webhooks are never sent to"),
        ("https://user:pw@127.0.0.1/in", "Leave user name and password out of the address"),
        ("https://127.0.0.1:99999/in", "The port is not a number"),
        ("not a url", "Only http:// and https://"),
    ],
)
def test_a_url_that_cannot_receive_webhooks_is_refused_beside_its_field(
    client_for, admin_user, staff, url, message
):
    response = client_for(admin_user).post("/notifications/webhooks/new/", form(url, staff))
    assert response.status_code == 400
    assert response.context["form"].errors["url"] and message in response.context["form"].errors["url"][0]
    assert 'data-field="url"' in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_private_addresses_are_refused_when_the_setting_says_so(settings, client_for, admin_user, staff):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = client_for(admin_user).post("/notifications/webhooks/new/", form("http://10.1.2.3/in", staff))
    assert response.status_code == 400
    assert "WEBHOOK_ALLOW_PRIVATE is off" in response.context["form"].errors["url"][0]


def test_no_event_chosen_is_refused_beside_the_events(client_for, admin_user, staff, receiver):
    response = client_for(admin_user).post(
        "/notifications/webhooks/new/", form(receiver.url, staff, events=[])
    )
    assert response.status_code == 400
    assert response.context["form"].errors["events"] == ["Choose at least one event."]


def test_every_declared_event_with_records_can_be_chosen(client_for, admin_user):
    page = client_for(admin_user).get("/notifications/webhooks/new/").content.decode()
    for name in (
        "capa.ncr_raised",
        "inspection.lot_held",
        "inspection.lot_released",
        "documents.revision_effective",
        "calibration.instrument_quarantined",
        "record.transition",
    ):
        assert f'value="{name}"' in page


def test_a_new_secret_replaces_the_old_one_and_is_shown_once(client_for, admin_user, staff, receiver):
    endpoint = webhook_create(
        by=admin_user, name="ERP", url=receiver.url, events=["capa.ncr_raised"], run_as=staff
    )
    old = endpoint.secret
    client = client_for(admin_user)
    response = client.post(f"/notifications/webhooks/{endpoint.pk}/secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in client.get(response["Location"]).content.decode()


def test_the_quality_manager_reads_webhooks_but_does_not_keep_them(
    client_for, quality_manager, admin_user, staff, receiver
):
    endpoint = webhook_create(
        by=admin_user, name="ERP", url=receiver.url, events=["capa.ncr_raised"], run_as=staff
    )
    client = client_for(quality_manager)
    assert client.get("/notifications/webhooks/").status_code == 200
    assert endpoint.secret not in client.get(f"/notifications/webhooks/{endpoint.pk}/").content.decode()
    assert client.post("/notifications/webhooks/new/", form(receiver.url, staff)).status_code == 403
    assert client.post(f"/notifications/webhooks/{endpoint.pk}/secret/").status_code == 403
    assert WebhookEndpoint.objects.count() == 1


def test_auditors_cannot_write_webhooks_nor_read_the_log(client_for, auditor, admin_user, staff, receiver):
    endpoint = webhook_create(
        by=admin_user, name="ERP", url=receiver.url, events=["capa.ncr_raised"], run_as=staff
    )
    client = client_for(auditor)
    assert client.post("/notifications/webhooks/new/", form(receiver.url, staff)).status_code == 403
    assert (
        client.post(f"/notifications/webhooks/{endpoint.pk}/edit/", form(receiver.url, auditor)).status_code
        == 403
    )
    assert client.post(f"/notifications/webhooks/{endpoint.pk}/secret/").status_code == 403
    assert client.get("/notifications/webhooks/log/").status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.run_as == staff


def _deliveries(endpoint, n):
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event_id=uuid.uuid4(), event="capa.ncr_raised", body="{}", status=s
        )
        for s in (["delivered", "failed", "pending"] * n)[:n]
    )


def test_the_delivery_log_runs_the_same_queries_for_3_and_25_deliveries(
    client_for, admin_user, staff, receiver
):
    endpoint = webhook_create(
        by=admin_user, name="ERP", url=receiver.url, events=["capa.ncr_raised"], run_as=staff
    )
    client = client_for(admin_user)
    counts = []
    for n in (3, 22):
        _deliveries(endpoint, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notifications/webhooks/log/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_failed_delivery_is_sent_again_from_the_log(
    client_for, quality_manager, admin_user, staff, receiver
):
    endpoint = webhook_create(
        by=admin_user, name="ERP", url=receiver.url, events=["capa.ncr_raised"], run_as=staff
    )
    row = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event="capa.ncr_raised",
        body="{}",
        status="failed",
        attempts=10,
    )
    client = client_for(quality_manager)
    page = client.get(f"/notifications/webhooks/log/{row.pk}/").content.decode()
    assert "Send again now" in page
    client.post(f"/notifications/webhooks/log/{row.pk}/retry/")
    row.refresh_from_db()
    assert row.next_attempt_at is not None and row.attempts == 10
