"""The delivery row's steps while it is sent: taken (with a lease), recorded as sent, or recorded
as refused with a back-off. Every step is one conditional UPDATE, so two senders never both own a
row, and a sent row is never taken again."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import smtplib

from django.db import DatabaseError
from django.db import connection as db
from django.db.models import F, Q
from django.utils import timezone
from psycopg import pq

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
# only the mail server's answers count as attempts. ``$1`` sets synchronous_commit for this
# statement's own transaction (see sender.py for why most commit asynchronously).
_TAKE_SQL = f"""
    WITH durability AS (SELECT set_config('synchronous_commit', $1::text, true) AS setting),
    recorded AS (
        UPDATE {_TABLE}
           SET status = 'sent', sent_at = $2::timestamptz, lease_until = NULL, next_attempt_at = NULL,
               error = '', attempts = attempts + 1
         WHERE id = $3::bigint AND status = 'sending'
    )
    UPDATE {_TABLE}
       SET status = 'sending', lease_until = $4::timestamptz,
           takeovers = takeovers + CASE WHEN status = 'sending' THEN 1 ELSE 0 END
     WHERE id = $5::bigint
       AND (status = 'pending'
            OR (status = 'failed' AND next_attempt_at <= $2::timestamptz)
            OR (status = 'sending' AND lease_until < $2::timestamptz))
       AND (SELECT setting FROM durability) IS NOT NULL
 RETURNING attempts
"""  # noqa: S608 - the table name is ours; values are parameters


class Taker:
    """Takes rows on the database connection of the sender, one statement at a time, without
    waiting for the answer: ``send`` puts the statement on the wire and returns, the SMTP
    conversation of the email runs meanwhile, ``answer`` reads the result. The database works
    while the mail server does, in one thread (a second thread and connection cost more in waiting
    for the interpreter than they saved).

    It speaks libpq directly on Django's connection (psycopg's ``pgconn``), which must be idle
    between statements: one statement in flight at a time, always answered (``drain``). Django's
    query log and execute wrappers see each statement as they see any other."""

    def __init__(self) -> None:
        db.ensure_connection()
        self.pgconn = db.connection.pgconn
        self.in_flight = False
        # Prepared once per database session (parsed and planned once, not per email).
        found = self.pgconn.exec_(b"SELECT 1 FROM pg_prepared_statements WHERE name = '" + _TAKE_NAME + b"'")
        if found.status != pq.ExecStatus.TUPLES_OK:
            raise DatabaseError(found.error_message.decode(errors="replace"))
        if not found.ntuples:
            prepared = self.pgconn.prepare(_TAKE_NAME, _TAKE_SQL_BYTES)
            if prepared.status != pq.ExecStatus.COMMAND_OK:
                raise DatabaseError(prepared.error_message.decode(errors="replace"))

    def send(self, pk: int, *, record_sent: int | None, durable: bool) -> None:
        now = timezone.now()
        lease = now + dt.timedelta(seconds=conf.lease_seconds())
        params = [
            b"on" if durable else b"off",
            now.isoformat().encode(),
            None if record_sent is None else str(record_sent).encode(),
            lease.isoformat().encode(),
            str(pk).encode(),
        ]
        _seen_by_django(_TAKE_SQL, params)
        self.pgconn.send_query_prepared(_TAKE_NAME, params)
        self.in_flight = True

    def answer(self) -> int | None:
        """How many attempts the mail server has answered so far, or None when another sender
        has the row or it is done."""
        self.in_flight = False
        result, error = None, None
        while (res := self.pgconn.get_result()) is not None:
            if res.status == pq.ExecStatus.TUPLES_OK:
                result = res
            else:
                error = error or res.error_message.decode(errors="replace")
        if error:
            raise DatabaseError(f"taking a delivery for sending failed: {error}")
        return int(result.get_value(0, 0)) if result is not None and result.ntuples else None

    def drain(self) -> None:
        """Read a statement's answer nobody will use (the loop stopped mid-email)."""
        if self.in_flight:
            with contextlib.suppress(DatabaseError):
                self.answer()


_TAKE_SQL_BYTES = _TAKE_SQL.encode()
_TAKE_NAME = b"qms_delivery_take"


def _seen_by_django(sql: str, params: list) -> None:
    # Query counts in tests and benchmarks come from Django's query log and execute wrappers.
    def logged(sql, params, many, context):
        if db.queries_logged:
            db.queries_log.append({"sql": sql, "time": "0.000"})

    execute = logged
    for wrapper in reversed(db.execute_wrappers):
        execute = functools.partial(wrapper, execute)
    execute(sql, params, False, {"connection": db, "cursor": None})


def take(pk: int, *, record_sent: int | None = None, durable: bool = True) -> int | None:
    """Take the row for sending and wait for the answer (see ``Taker``)."""
    taker = Taker()
    taker.send(pk, record_sent=record_sent, durable=durable)
    return taker.answer()


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
