"""Exactly-once email delivery (the Healthchecks pattern).

1. *Claim*: every email the product owes is first written as a ``Delivery`` row with a unique key
   (``INSERT … ON CONFLICT DO NOTHING``). Two runs of the same job claim the same keys; only one
   row exists per key.
2. *Take*: a sender takes one row with a conditional UPDATE (pending → sending, with a lease).
   Exactly one sender wins; the other moves on. A row left "sending" by a killed worker may be
   taken again once its lease has run out.
3. *Send, then record*: the message goes out with a Message-ID derived from the key, and the row
   is marked sent straight after, one row at a time.

The one window no system closes: the mail server has accepted the message and the process dies
before step 3 is recorded. After the lease the row is sent once more, with the same Message-ID,
so mail clients and servers that deduplicate on Message-ID show it once. At most one resend per
such crash; nothing is ever lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import smtplib
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db
from django.db.models import Min, Q
from django.utils import timezone

from . import conf
from .models import Delivery

log = logging.getLogger(__name__)

S = Delivery.Status


@dataclass(frozen=True, slots=True)
class Draft:
    """An email we owe someone, rendered, not yet claimed."""

    kind: str
    key: str
    topic: str
    recipient_id: int
    to_email: str
    subject: str
    body_text: str
    body_html: str


@dataclass
class RunReport:
    """What a run did; ``next_wakeup`` is when unfinished rows (refused or held by a dead
    worker) can next be tried, so the task can come back for them."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    held_elsewhere: int = 0
    next_wakeup: dt.datetime | None = None
    details: dict = field(default_factory=dict)

    def add(self, other: RunReport) -> RunReport:
        self.claimed += other.claimed
        self.sent += other.sent
        self.failed += other.failed
        self.held_elsewhere += other.held_elsewhere
        return self

    def as_dict(self) -> dict:
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "failed": self.failed,
            "held_elsewhere": self.held_elsewhere,
            "next_wakeup": self.next_wakeup.isoformat() if self.next_wakeup else None,
            **self.details,
        }


def message_id_for(key: str) -> str:
    """The same key always gives the same Message-ID, so a resend is recognisably the same mail."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.qms@{conf.message_id_domain()}>"


def existing_keys(keys: Collection[str]) -> set[str]:
    """Keys already claimed (one query), so a second run does not even render them again."""
    if not keys:
        return set()
    return set(Delivery.objects.filter(key__in=list(keys)).values_list("key", flat=True))


def deliveries_claim(*, drafts: Iterable[Draft]) -> int:
    """Write the rows for ``drafts``; a key already claimed (by this or any other run) is left as it
    is. One INSERT … ON CONFLICT DO NOTHING per call. Returns how many drafts were offered."""
    rows = [
        Delivery(
            kind=d.kind,
            key=d.key,
            topic=d.topic[:200],
            recipient_id=d.recipient_id,
            to_email=d.to_email,
            subject=d.subject[:300],
            body_text=d.body_text,
            body_html=d.body_html,
            message_id=message_id_for(d.key),
        )
        for d in drafts
    ]
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def _sendable(now: dt.datetime) -> Q:
    return (
        Q(status=S.PENDING)
        | Q(status=S.FAILED, next_attempt_at__lte=now)
        | Q(status=S.SENDING, lease_until__lt=now)
    )


_TABLE = Delivery._meta.db_table
# Take one row for sending. The same statement records the previous message of this sender as
# sent (it was accepted by the mail server a moment ago): one round trip and one commit per
# email instead of two, and the record is still written the moment the next take runs.
_TAKE_SQL = f"""
    WITH recorded AS (
        UPDATE {_TABLE}
           SET status = 'sent', sent_at = %(now)s, lease_until = NULL, next_attempt_at = NULL, error = ''
         WHERE id = %(sent)s AND status = 'sending'
    )
    UPDATE {_TABLE}
       SET status = 'sending', lease_until = %(lease)s, attempts = attempts + 1
     WHERE id = %(id)s
       AND (status = 'pending'
            OR (status = 'failed' AND next_attempt_at <= %(now)s)
            OR (status = 'sending' AND lease_until < %(now)s))
 RETURNING attempts
"""  # noqa: S608 - the table name is ours; values are parameters


def _take(pk: int, *, record_sent: int | None = None) -> int | None:
    """Take the row for sending; None when another sender has it or it is already done.
    Returns the attempt number this send is. ``record_sent``: a row this sender has just sent."""
    now = timezone.now()
    lease = now + dt.timedelta(seconds=conf.lease_seconds())
    with db.cursor() as cursor:
        cursor.execute(_TAKE_SQL, {"id": pk, "sent": record_sent, "now": now, "lease": lease})
        row = cursor.fetchone()
    return row[0] if row else None


def _record_sent(pk: int) -> None:
    Delivery.objects.filter(pk=pk, status=S.SENDING).update(
        status=S.SENT, sent_at=timezone.now(), lease_until=None, next_attempt_at=None, error=""
    )


def backoff(attempt: int) -> dt.timedelta:
    """Wait before attempt ``attempt + 1``: base, 5×base, 25×base … (1 min, 5 min, 25 min, ~2 h)."""
    return dt.timedelta(seconds=conf.retry_base_seconds() * 5 ** (attempt - 1))


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {msg}"
    return f"{type(exc).__name__}: {exc}"


def build_message(row: dict, connection) -> EmailMultiAlternatives:
    """A plain-text and HTML email with the delivery's stable Message-ID."""
    message = EmailMultiAlternatives(
        subject=row["subject"],
        body=row["body_text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row["to_email"]],
        connection=connection,
        headers={
            "Message-ID": row["message_id"],
            "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies, please
            "X-Auto-Response-Suppress": "All",
            "X-QMS-Delivery": row["key"],
        },
    )
    message.attach_alternative(row["body_html"], "text/html")
    return message


_FIELDS = ("id", "key", "to_email", "subject", "body_text", "body_html", "message_id")


def deliveries_send(*, keys: Collection[str] | None = None, connection=None) -> RunReport:
    """Send every row that is due to be sent (pending, refused and due for a retry, or left
    "sending" by a dead worker past its lease), narrowed to ``keys`` when given.

    Queries: one to read the rows, then one per message (take it, and record the previous one as
    sent), and one to record the last. Each message is recorded as soon as the server accepted
    it, which keeps the unclosable window to a single message.

    With many rows, a few threads send side by side, each with its own SMTP and database
    connection: the time goes into waiting for the mail server and for commits, and the
    conditional take already makes concurrent senders safe."""
    qs = Delivery.objects.filter(_sendable(timezone.now()))
    if keys is not None:
        if not keys:
            return RunReport()
        qs = qs.filter(key__in=list(keys))
    rows = list(qs.order_by("id").values(*_FIELDS))
    threads = conf.send_threads()
    if connection is not None or threads <= 1 or len(rows) < threads * MIN_ROWS_PER_THREAD:
        return _send_rows(rows, connection)
    report = RunReport()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="qms-mail") as pool:
        for part in pool.map(_send_rows_in_thread, [rows[i::threads] for i in range(threads)]):
            report.add(part)
    return report


# Below this many rows per thread, one sender is as fast and simpler to follow in a log.
MIN_ROWS_PER_THREAD = 25


def _send_rows_in_thread(rows: list[dict]) -> RunReport:
    try:
        return _send_rows(rows, None)
    finally:
        db.close()  # the thread's own database connection


def _send_rows(rows: list[dict], connection) -> RunReport:
    report = RunReport()
    if not rows:
        return report
    mail = connection or get_connection(fail_silently=False)
    just_sent: int | None = None  # accepted by the server, recorded by the next take
    try:
        for row in rows:
            attempt = _take(row["id"], record_sent=just_sent)
            just_sent = None
            if attempt is None:
                report.held_elsewhere += 1
                continue
            try:
                build_message(row, mail).send()
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, record it and back off
                _record_failure(row, attempt, exc)
                report.failed += 1
                # The conversation may be broken (a refusal mid-DATA, a dropped connection): start
                # afresh for the next message.
                _close_quietly(mail)
            else:
                just_sent = row["id"]
                report.sent += 1
    finally:
        if just_sent is not None:
            _record_sent(just_sent)
        if connection is None:
            _close_quietly(mail)
    return report


def _record_failure(row: dict, attempt: int, exc: Exception) -> None:
    error = _describe(exc)
    retry_at = timezone.now() + backoff(attempt) if attempt < conf.max_attempts() else None
    log.warning(
        "Delivery %s to %s refused (attempt %s): %s%s",
        row["key"],
        row["to_email"],
        attempt,
        error,
        f"; retrying at {retry_at:%Y-%m-%d %H:%M:%S}" if retry_at else "; giving up",
    )
    Delivery.objects.filter(pk=row["id"], status=S.SENDING).update(
        status=S.FAILED, error=error[:2000], lease_until=None, next_attempt_at=retry_at
    )


def _close_quietly(mail) -> None:
    # Closing a broken connection may fail as well; there is nothing more to do about it.
    with contextlib.suppress(Exception):
        mail.close()


def next_wakeup() -> dt.datetime | None:
    """When the earliest unfinished row can next be tried: a refused row's retry time or the end
    of a lease held by a sender that may have died. None when nothing is unfinished."""
    found = Delivery.objects.filter(status__in=[S.FAILED, S.SENDING]).aggregate(
        retry=Min("next_attempt_at", filter=Q(status=S.FAILED)),
        lease=Min("lease_until", filter=Q(status=S.SENDING)),
    )
    times = [t for t in found.values() if t is not None]
    return min(times) if times else None


def deliveries_flush() -> RunReport:
    """Send whatever is due to be sent, of any kind; tell when to come back."""
    report = deliveries_send()
    report.next_wakeup = next_wakeup()
    return report


def delivery_retry_now(*, delivery: Delivery) -> bool:
    """Make a refused delivery due again now (an administrator fixed the mail server). Only failed
    rows move, so a sent one never goes out again; the attempt count is kept as evidence, and a
    row that had given up gets one more attempt."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=S.FAILED).update(next_attempt_at=timezone.now())
    )
