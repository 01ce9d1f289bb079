"""Webhook delivery guarantees with real Celery workers on the local Redis and a real HTTP
receiver: a 500 is retried by the worker after its back-off and then delivered, and the same
delivery handed to several workers at once reaches the receiver once."""

import json

import pytest

from capa.models import Nonconformity
from notifications.models import WebhookDelivery
from notifications.webhooks import verify, webhook_create
from qms.services import record_create

from .conftest import Workers, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.timeout(120)]
SEND = "notifications.tasks.send_webhook"


@pytest.fixture
def webhook_workers(transactional_db, tmp_path):
    w = Workers(0, tmp_path)
    w.env["WEBHOOK_RETRY_BASE_SECONDS"] = "1"
    yield w
    w.stop()


def raised(admin_user, head, dept, receiver, monkeypatch):
    """An NCR raised and committed, its webhook delivery claimed; the send the claim queues goes to
    the test's workers (whose broker and queue are their own) instead of this process's broker."""
    from notifications import tasks

    queued = []
    monkeypatch.setattr(tasks.send_webhook, "delay", queued.append)
    endpoint = webhook_create(
        by=admin_user, name="ERP", url=receiver.url, events=["capa.ncr_raised"], run_as=admin_user
    )
    ncr = record_create(
        model=Nonconformity,
        by=head,
        title="Bore oversize",
        description="12.03 mm",
        owner=head,
        department=dept,
        source="internal",
        severity="major",
    )
    row = WebhookDelivery.objects.get()
    assert queued == [row.pk]
    return endpoint, ncr, row


def test_a_500_is_retried_by_the_worker_and_then_delivered(
    webhook_workers, admin_user, head, dept, receiver, monkeypatch
):
    receiver.answers = [500, 200]
    endpoint, ncr, row = raised(admin_user, head, dept, receiver, monkeypatch)
    webhook_workers.start()
    webhook_workers.send(SEND, row.pk)
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=row.pk, status="delivered").exists(),
        message="the retried delivery",
        logs=webhook_workers.logs,
    )
    row.refresh_from_db()
    assert (row.attempts, row.response_code, row.error) == (2, 200, "")
    first, second = receiver.requests
    assert first.body == second.body and json.loads(first.body)["data"] == {"nonconformity_id": ncr.pk}
    assert first.headers["X-QMS-Event-Id"] == second.headers["X-QMS-Event-Id"] == str(row.event_id)
    assert all(verify(endpoint.secret, r.headers["X-QMS-Signature"], r.body) for r in (first, second))


def test_one_delivery_sent_by_several_workers_at_once_reaches_the_receiver_once(
    webhook_workers, admin_user, head, dept, receiver, monkeypatch
):
    receiver.delay = 0.5  # a slow receiver, so the sends overlap
    _, _, row = raised(admin_user, head, dept, receiver, monkeypatch)
    webhook_workers.start(concurrency=2)
    webhook_workers.start()
    for _ in range(4):
        webhook_workers.send(SEND, row.pk)
    wait_for(
        lambda: webhook_workers.logs().count(" succeeded in ") >= 4,
        message="all four sends",
        logs=webhook_workers.logs,
    )
    assert len(receiver.requests) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 1)
