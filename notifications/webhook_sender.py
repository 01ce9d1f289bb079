"""Sending a webhook delivery: taken with a conditional UPDATE and a lease (two workers never both
send it, a delivered one is never taken again), POSTed once with a fresh signature, recorded as
delivered or as failed with a back-off (exponential, capped) until WEBHOOK_MAX_ATTEMPTS.

The window no system closes: the receiver took the POST and the worker died before recording it.
After the lease the delivery is taken over and sent once more, with the same ``X-QMS-Event-Id``,
so a receiver that drops repeats of an id sees it once. A crash is a take-over, not an attempt."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import urllib3
from django.db.models import Case, F, Min, PositiveSmallIntegerField, Q, When
from django.utils import timezone

from . import conf
from .models import WebhookDelivery
from .webhooks import EVENT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, address_refused, signature_header

log = logging.getLogger(__name__)
S = WebhookDelivery.Status
USER_AGENT = "QMS-Webhooks/1"
EXCERPT = 500  # characters of a refusing receiver's answer kept as the error

# One pool per process; never follow a redirect (a receiver could bounce the signed body
# anywhere), never retry inside the request (retries are the ledger's, with back-off).
_http = urllib3.PoolManager(retries=False, headers={"User-Agent": USER_AGENT})


def sendable(now: dt.datetime) -> Q:
    return (
        Q(status=S.PENDING)
        | Q(status=S.FAILED, next_attempt_at__lte=now)
        | Q(status=S.SENDING, lease_until__lt=now)
    )


def backoff(attempt: int) -> dt.timedelta:
    """Wait before attempt ``attempt + 1``: base, 4×base, 16×base …, never more than the cap
    (30 s, 2 min, 8 min, 32 min, ~2 h, then every 6 h)."""
    seconds = conf.webhook_retry_base_seconds() * 4 ** (attempt - 1)
    return dt.timedelta(seconds=min(seconds, conf.webhook_retry_max_seconds()))


@dataclass
class Outcome:
    delivered: bool
    retry_at: dt.datetime | None = None


def _take(pk: int) -> bool:
    now = timezone.now()
    lease = now + dt.timedelta(seconds=conf.webhook_lease_seconds())
    return bool(
        WebhookDelivery.objects.filter(sendable(now), pk=pk).update(
            status=S.SENDING,
            lease_until=lease,
            takeovers=Case(
                When(status=S.SENDING, then=F("takeovers") + 1),
                default=F("takeovers"),
                output_field=PositiveSmallIntegerField(),
            ),
        )
    )


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """(status code, what went wrong) of one POST; the code is None when nobody answered."""
    timeout = urllib3.Timeout(connect=conf.webhook_timeout_seconds(), read=conf.webhook_timeout_seconds())
    try:
        response = _http.request(
            "POST", url, body=body, headers=headers, redirect=False, timeout=timeout, preload_content=False
        )
    except urllib3.exceptions.HTTPError as exc:
        reason = getattr(exc, "reason", None) or exc
        return None, f"{type(exc).__name__}: {reason}"[:2000]
    try:
        answer = response.read(EXCERPT * 4, decode_content=True).decode(errors="replace")[:EXCERPT]
    except urllib3.exceptions.HTTPError:
        answer = ""
    finally:
        response.release_conn()
    code = response.status
    if 200 <= code < 300:
        return code, ""
    if 300 <= code < 400:
        where = response.headers.get("Location", "")
        return code, f"{code}: redirects are not followed (to {where or 'nowhere'}); give the final address."
    return code, f"{code} {response.reason or ''}".strip() + (f": {answer.strip()}" if answer.strip() else "")


def webhook_send(*, delivery_id: int) -> Outcome | None:
    """Send one delivery if it is due and free; None when another worker has it or it is done."""
    if not _take(delivery_id):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=S.SENDING).update(
            status=S.FAILED,
            error="The webhook was switched off before this was delivered.",
            lease_until=None,
            next_attempt_at=None,
        )
        return Outcome(delivered=False)
    body = delivery.body.encode()
    # Checked again at sending: a host name may have moved since the form accepted it.
    refused = address_refused(endpoint.url)
    if refused:
        code, error = None, refused
    else:
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: delivery.event,
            EVENT_ID_HEADER: str(delivery.event_id),
            SIGNATURE_HEADER: signature_header(endpoint.secret, body),
        }
        code, error = _post(endpoint.url, body, headers)
    attempt = delivery.attempts + 1
    if not error:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=S.SENDING).update(
            status=S.DELIVERED,
            attempts=attempt,
            response_code=code,
            error="",
            delivered_at=timezone.now(),
            lease_until=None,
            next_attempt_at=None,
        )
        return Outcome(delivered=True)
    retry_at = timezone.now() + backoff(attempt) if attempt < conf.webhook_max_attempts() else None
    log.warning(
        "Webhook %s (%s) to %s failed (attempt %s): %s%s",
        delivery.pk,
        delivery.event,
        endpoint.url,
        attempt,
        error,
        f"; retrying at {retry_at:%Y-%m-%d %H:%M:%S}" if retry_at else "; giving up",
    )
    WebhookDelivery.objects.filter(pk=delivery.pk, status=S.SENDING).update(
        status=S.FAILED,
        attempts=attempt,
        response_code=code,
        error=error[:2000],
        lease_until=None,
        next_attempt_at=retry_at,
    )
    return Outcome(delivered=False, retry_at=retry_at)


def due_ids(limit: int = 500) -> list[int]:
    due = WebhookDelivery.objects.filter(sendable(timezone.now())).order_by("id")
    return list(due.values_list("pk", flat=True)[:limit])


def next_wakeup() -> dt.datetime | None:
    """When the earliest unfinished delivery can next be tried (a retry, or a lease running out)."""
    found = WebhookDelivery.objects.filter(status__in=[S.FAILED, S.SENDING]).aggregate(
        retry=Min("next_attempt_at", filter=Q(status=S.FAILED)),
        lease=Min("lease_until", filter=Q(status=S.SENDING)),
    )
    times = [t for t in found.values() if t is not None]
    return min(times) if times else None


def webhook_retry_now(*, delivery: WebhookDelivery) -> bool:
    """A failed delivery due again now (the receiver was fixed); the attempts stay as evidence."""
    if not delivery.endpoint.active:
        return False
    return bool(
        WebhookDelivery.objects.filter(pk=delivery.pk, status=S.FAILED).update(next_attempt_at=timezone.now())
    )
