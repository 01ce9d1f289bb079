"""Celery tasks: thin, safe to run twice. The schedule is CELERY_BEAT_SCHEDULE, built in qms/schedule.py
(in the company's time zone); every task claims before it sends, so a duplicate beat, a rerun or a
redelivered message after a worker died sends nothing twice. Webhook deliveries likewise: taken
with a conditional UPDATE before the POST."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import services
from .delivery import RunReport


def _when(now: str | None) -> dt.datetime | None:
    """An ISO timestamp lets an operator replay a missed run ("the digest for Monday 7:00");
    without an offset it is read in the company's time zone."""
    if not now:
        return None
    when = dt.datetime.fromisoformat(now)
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def _come_back(task, report: RunReport) -> dict:
    """When rows are left (refused and waiting for their back-off, or held by a worker that may have
    died until its lease ends), queue a flush for that moment on the queue this task came from, so
    an interrupted run finishes and a refused message is retried without waiting for tomorrow."""
    if report.next_wakeup is not None and not task.request.is_eager:
        delay = max(1.0, (report.next_wakeup - timezone.now()).total_seconds() + 0.5)
        queue = (task.request.delivery_info or {}).get("routing_key")
        flush_deliveries.apply_async(countdown=delay, **({"queue": queue} if queue else {}))
    return report.as_dict()


@shared_task(bind=True)
def send_due_alerts(self, now: str | None = None) -> dict:
    return _come_back(self, services.alerts_send_due(now=_when(now)))


@shared_task(bind=True)
def send_escalations(self, now: str | None = None) -> dict:
    return _come_back(self, services.escalations_send(now=_when(now)))


@shared_task(bind=True)
def send_weekly_digest(self, now: str | None = None) -> dict:
    return _come_back(self, services.digest_send_weekly(now=_when(now)))


@shared_task(bind=True)
def flush_deliveries(self) -> dict:
    """The sweep (every ten minutes, and when a task comes back): finishes a weekly digest whose
    worker died, then sends whatever is owed."""
    return _come_back(self, services.deliveries_sweep())


def _queue_of(task) -> dict:
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


@shared_task(bind=True)
def send_webhook(self, delivery_id: int) -> str:
    """Send one webhook delivery; after a failure, come back when its retry is due."""
    from .webhook_sender import webhook_send

    outcome = webhook_send(delivery_id=delivery_id)
    if outcome is None:
        return "taken elsewhere or done"
    if outcome.retry_at is not None and not self.request.is_eager:
        delay = max(1.0, (outcome.retry_at - timezone.now()).total_seconds() + 0.5)
        send_webhook.apply_async((delivery_id,), countdown=delay, **_queue_of(self))
    return "delivered" if outcome.delivered else "failed"


@shared_task
def flush_webhooks() -> int:
    """The sweep (every five minutes, CELERY_BEAT_SCHEDULE): sends what is due and was left owed by
    a lost message or a dead worker (once its lease ran out). Retries are queued by the sends
    themselves; the sweep queues nothing, so sweeps never pile up."""
    from .webhook_sender import due_ids, webhook_send

    sent = 0
    for pk in due_ids():
        outcome = webhook_send(delivery_id=pk)
        sent += bool(outcome and outcome.delivered)
    return sent
