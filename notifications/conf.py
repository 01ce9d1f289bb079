"""The settings this app reads, each with a default, so the app works with the settings it is
given (the schedule itself lives in CELERY_BEAT_SCHEDULE, built in qms/schedule.py)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


def lead_days() -> list[int]:
    """Days before the due date an owner is alerted (0 = on the due day), largest first."""
    return sorted({int(d) for d in getattr(settings, "ALERT_LEAD_DAYS", [14, 7, 1, 0]) if int(d) >= 0})[::-1]


def escalate_to_head_after() -> int:
    return int(getattr(settings, "ESCALATE_TO_HEAD_AFTER_DAYS", 3))


def escalate_to_quality_after() -> int:
    return int(getattr(settings, "ESCALATE_TO_QUALITY_AFTER_DAYS", 7))


def digest_horizon() -> int:
    return int(getattr(settings, "DIGEST_HORIZON_DAYS", 14))


def base_url() -> str:
    return getattr(settings, "BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def message_id_domain() -> str:
    return urlsplit(base_url()).hostname or "qms.localhost"


def lease_seconds() -> int:
    """How long a sender holds a row. Must exceed the longest single SMTP conversation
    (EMAIL_TIMEOUT per command), or a slow send could be taken over and sent twice."""
    return _int("NOTIFICATION_LEASE_SECONDS", 300)


def max_attempts() -> int:
    return _int("NOTIFICATION_MAX_ATTEMPTS", 5)


def retry_base_seconds() -> int:
    """First back-off after a refusal; each further attempt waits five times longer."""
    return _int("NOTIFICATION_RETRY_BASE_SECONDS", 60)


def batch_size() -> int:
    """People per digest batch: the queries per batch stay constant, memory stays bounded."""
    return _int("NOTIFICATION_BATCH_SIZE", 500)


def item_batch_size() -> int:
    """Due items per batch of the daily alerts and escalations (a few queries per batch). The
    items are in memory already (the registry's list); a batch bounds the size of each query, and
    each batch reads the claimed keys once, so fewer, larger batches are faster."""
    return _int("NOTIFICATION_ITEM_BATCH_SIZE", 50000)


def send_wait_seconds() -> int:
    """How long a send waits for the one that is running (one sender at a time) before it leaves
    its emails to it and comes back later."""
    return _int("NOTIFICATION_SEND_WAIT_SECONDS", 120)


# --- outgoing webhooks ------------------------------------------------------------------------


def webhook_timeout_seconds() -> int:
    """How long a webhook's receiver has to connect and to answer, each."""
    return _int("WEBHOOK_TIMEOUT_SECONDS", 10)


def webhook_lease_seconds() -> int:
    """How long a sender holds a delivery: longer than connecting and answering together, or a
    slow receiver's delivery could be taken over and sent twice."""
    return max(_int("WEBHOOK_LEASE_SECONDS", 60), 2 * webhook_timeout_seconds() + 5)


def webhook_max_attempts() -> int:
    return _int("WEBHOOK_MAX_ATTEMPTS", 10)


def webhook_retry_base_seconds() -> int:
    """First pause after a failed attempt; each further one four times longer, up to the cap."""
    return _int("WEBHOOK_RETRY_BASE_SECONDS", 30)


def webhook_retry_max_seconds() -> int:
    return _int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)


def webhook_allow_private() -> bool:
    """Webhooks to the company's own network (10.x, 192.168.x, a loopback address): on by default,
    since an on-premises ERP lives there. Link-local addresses (a cloud's metadata service) are
    refused whatever this says."""
    value = getattr(settings, "WEBHOOK_ALLOW_PRIVATE", None)
    if value is None:
        value = os.environ.get("WEBHOOK_ALLOW_PRIVATE", "true")
    return str(value).lower() in ("1", "true", "yes", "on")
