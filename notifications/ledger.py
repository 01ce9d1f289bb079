"""The delivery row's steps while it is sent: taken (with a lease), recorded as sent, or recorded
as refused with a back-off. Every step is one conditional UPDATE, so two senders never both own a
row, and a sent row is never taken again."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.db import connection as db
from django.db.models import F, Q
from django.utils import timezone

from . import conf
from .models import Delivery

log = logging.getLogger("notifications.delivery")

S = Delivery.Status
_TABLE = Delivery._meta.db_table


def sendable(now: dt.datetime) -> Q:
    """Rows owed and free to be sent now: pending, refused and due for a retry, or left
    "sending" by a sender whose lease ran out (it died)."""
    return (
        Q(status=S.PENDING)
        | Q(status=S.FAILED, next_attempt_at__lte=now)
        | Q(status=S.SENDING, lease_until__lt=now)
    )


# Take one row for sending. The same statement records the sender's previous message as sent (the
# mail server accepted it a moment ago): one round trip per email, and the record is written before
# the next message goes out. A row still "sending" whose lease ran out is a take-over: its sender
# died, perhaps after the server had accepted the message. Take-overs are counted on their own;
# only the mail server's answers count as attempts. ``durability`` sets synchronous_commit for this
# statement's own transaction (see sender.py for why most commit asynchronously).
_TAKE_SQL = f"""
    WITH durability AS (SELECT set_config('synchronous_commit', %(commit)s, true) AS setting),
    recorded AS (
        UPDATE {_TABLE}
           SET status = 'sent', sent_at = %(now)s, lease_until = NULL, next_attempt_at = NULL,
               error = '', attempts = attempts + 1
         WHERE id = %(sent)s AND status = 'sending'
    )
    UPDATE {_TABLE}
       SET status = 'sending', lease_until = %(lease)s,
           takeovers = takeovers + CASE WHEN status = 'sending' THEN 1 ELSE 0 END
     WHERE id = %(id)s
       AND (status = 'pending'
            OR (status = 'failed' AND next_attempt_at <= %(now)s)
            OR (status = 'sending' AND lease_until < %(now)s))
       AND (SELECT setting FROM durability) IS NOT NULL
 RETURNING attempts
"""  # noqa: S608 - the table name is ours; values are parameters


def take(pk: int, *, record_sent: int | None = None, durable: bool = True) -> int | None:
    """Take the row for sending: how many attempts the mail server has answered so far, or None
    when another sender has it or it is done. ``record_sent``: the row this sender sent last.
    ``durable=False`` commits without waiting for the disk: the record is visible at once and
    survives the worker, not a crash of the database server."""
    now = timezone.now()
    lease = now + dt.timedelta(seconds=conf.lease_seconds())
    params = {"id": pk, "sent": record_sent, "now": now, "lease": lease, "commit": "on" if durable else "off"}
    with db.cursor() as cursor:
        cursor.execute(_TAKE_SQL, params)
        row = cursor.fetchone()
    return row[0] if row else None


def record_sent(pk: int) -> None:
    Delivery.objects.filter(pk=pk, status=S.SENDING).update(
        status=S.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        next_attempt_at=None,
        error="",
        attempts=F("attempts") + 1,
    )


def backoff(attempt: int) -> dt.timedelta:
    """Wait before attempt ``attempt + 1``: base, 5×base, 25×base … (1 min, 5 min, 25 min, ~2 h)."""
    return dt.timedelta(seconds=conf.retry_base_seconds() * 5 ** (attempt - 1))


def describe(exc: Exception) -> str:
    """What went wrong, as the Email log shows it: the mail server's own words when it answered."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {msg}"
    return f"{type(exc).__name__}: {exc}"


def record_failure(pk: int, key: str, to_email: str, answered_before: int, exc: Exception) -> None:
    """A refusal (or an unreachable server) is an attempt; retry with back-off until
    NOTIFICATION_MAX_ATTEMPTS attempts were refused, then give up (the row says why)."""
    attempt = answered_before + 1
    error = describe(exc)
    retry_at = timezone.now() + backoff(attempt) if attempt < conf.max_attempts() else None
    log.warning(
        "Delivery %s to %s refused (attempt %s): %s%s",
        key,
        to_email,
        attempt,
        error,
        f"; retrying at {retry_at:%Y-%m-%d %H:%M:%S}" if retry_at else "; giving up",
    )
    Delivery.objects.filter(pk=pk, status=S.SENDING).update(
        status=S.FAILED, attempts=attempt, error=error[:2000], lease_until=None, next_attempt_at=retry_at
    )
