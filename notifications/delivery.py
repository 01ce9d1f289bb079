"""Exactly-once email delivery (the Healthchecks pattern).

1. *Claim*: every email the product owes is first written as a ``Delivery`` row with a unique key
   (``INSERT … ON CONFLICT DO NOTHING``). Two runs of the same job claim the same keys; only one
   row exists per key. The message bytes are built here, once, for the rows this claim wrote.
2. *Take*: the sender takes one row with a conditional UPDATE (pending → sending, with a lease).
   A row left "sending" by a killed worker may be taken again once its lease has run out.
3. *Send, then record*: the message goes out with a Message-ID derived from the key, and the row
   is recorded as sent before the next message can be accepted (see ``sender.py``).

One sender at a time, in the whole installation: a send holds a PostgreSQL advisory lock, which
dies with its connection when the worker dies. With one sender and one message between acceptance
and record, the window no system closes (the server accepted the message, the worker died before
recording it) holds one message: at most one resend per crash of a worker, with the same
Message-ID, so mail clients that deduplicate on it show it once (a crash of the database server
itself: at most ``sender.DURABLE_EVERY``, see ``sender.py``). Nothing is ever lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db import DatabaseError
from django.db import connection as db
from django.db.models import Min, Q
from django.utils import timezone

from . import conf, ledger
from .ledger import S, backoff, sendable
from .mime import envelope_for
from .models import Delivery
from .sender import Outgoing, send_rows

log = logging.getLogger(__name__)

# Kept under their old names: tests and callers take a row and compute back-offs with them.
_take = ledger.take
__all__ = [
    "backoff",
    "deliveries_claim",
    "deliveries_flush",
    "deliveries_queue",
    "deliveries_send",
    "next_wakeup",
]


@dataclass(frozen=True, slots=True)
class Draft:
    """An email we owe someone, rendered, not yet claimed."""

    kind: str
    key: str
    topic: str
    recipient_id: int | None
    to_email: str
    subject: str
    body_text: str
    body_html: str
    reply_to: str = ""  # who reads the answers (the sender is a no-reply address)


@dataclass
class RunReport:
    """What a run did; ``next_wakeup`` is when unfinished rows (refused or held by a dead
    worker) can next be tried, so the task can come back for them."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    held_elsewhere: int = 0
    next_wakeup: dt.datetime | None = None
    # Another send was still running when this one gave up waiting for its turn.
    turn_missed: bool = False
    details: dict = field(default_factory=dict)

    def add(self, other: RunReport) -> RunReport:
        self.claimed += other.claimed
        self.sent += other.sent
        self.failed += other.failed
        self.held_elsewhere += other.held_elsewhere
        self.turn_missed |= other.turn_missed
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


# The keys travel as one newline-separated text (keys hold no line breaks): quoting tens of thousands
# of array elements one by one cost more than the query.
_UNCLAIMED_SQL = f"""
    SELECT wanted.key FROM unnest(string_to_array(%s, E'\\n')) AS wanted(key)
     WHERE NOT EXISTS (SELECT 1 FROM {Delivery._meta.db_table} d WHERE d.key = wanted.key)
"""  # noqa: S608 - the table name is ours; values are parameters


def unclaimed_keys(keys: Collection[str]) -> set[str]:
    """Of ``keys``, those not claimed yet (one query): the database answers with what is new, so
    a day on which little changed reads back little, whatever the number of keys asked about."""
    if not keys:
        return set()
    with db.cursor() as cursor:
        cursor.execute(_UNCLAIMED_SQL, ["\n".join(keys)])
        return {key for (key,) in cursor.fetchall()}


def _outgoing(row: dict, *, taken_over: bool = False) -> Outgoing:
    return Outgoing(
        id=row["id"],
        key=row["key"],
        to_email=row["to_email"],
        subject=row["subject"],
        body_text=row["body_text"],
        body_html=row["body_html"],
        message_id=row["message_id"],
        reply_to=row["reply_to"],
        envelope=envelope_for(
            key=row["key"],
            to_email=row["to_email"],
            reply_to=row["reply_to"],
            subject=row["subject"],
            body_text=row["body_text"],
            body_html=row["body_html"],
            message_id=row["message_id"],
        ),
        taken_over=taken_over,
    )


_TABLE = Delivery._meta.db_table
_COLUMNS = (
    "kind",
    "key",
    "topic",
    "recipient_id",
    "to_email",
    "reply_to",
    "subject",
    "body_text",
    "body_html",
    "message_id",
)
_CLAIM_SQL = f"""
    INSERT INTO {_TABLE} ({", ".join(_COLUMNS)}, created_at, status, error, attempts, takeovers)
    VALUES {{rows}}
    ON CONFLICT (key) DO NOTHING
    RETURNING id, key
"""  # noqa: S608 - the table and columns are ours; values are parameters
_CLAIM_ROW = "(" + ", ".join(["%s"] * (len(_COLUMNS) + 1)) + ", 'pending', '', 0, 0)"
_CLAIM_CHUNK = 500


@functools.cache
def kind_labels() -> dict[str, str]:
    """Every kind of email the ledger holds, with its label: alerts, escalations and the digest,
    and those the installed modules declare (``Module.email_kinds``)."""
    from qms.modules import installed

    labels = dict(Delivery.Kind.choices)
    for module in installed():
        labels.update(module.module.email_kinds)
    return labels


def deliveries_queue(*, drafts: Iterable[Draft], about: str) -> None:
    """The emails of one step of work (a SCAR sent, a recall decided): claimed with the step, and
    the worker asked to send them once it commits (a rolled-back step sends nothing; a rerun
    never sends twice; a broker away leaves them to the ten-minute sweep)."""
    from django.db import transaction

    if not deliveries_claim(drafts=drafts):
        return

    def _send() -> None:
        from .tasks import flush_deliveries

        try:
            flush_deliveries.delay()
        except Exception:  # noqa: BLE001 - the ten-minute sweep sends it when the broker is back
            log.warning("%s: the worker could not be reached; the sweep sends the email", about)

    transaction.on_commit(_send)


def deliveries_claim(*, drafts: Iterable[Draft]) -> list[Outgoing]:
    """Write the rows for ``drafts``; a key already claimed (by this or any other run) is left as
    it is. One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per 500 drafts. Returns the rows this
    call wrote, their message bytes built, ready for ``deliveries_send``. A kind no module declares
    is refused: the email log could neither name nor filter it."""
    drafts = list(drafts)
    undeclared = sorted({d.kind for d in drafts} - kind_labels().keys())
    if undeclared:
        raise ValueError(f"Email kinds not declared in any module's email_kinds: {', '.join(undeclared)}")
    rows = [
        {
            "kind": d.kind,
            "key": d.key,
            "topic": d.topic[:200],
            "recipient_id": d.recipient_id,
            "to_email": d.to_email,
            "reply_to": d.reply_to,
            "subject": d.subject[:300],
            "body_text": d.body_text,
            "body_html": d.body_html,
            "message_id": message_id_for(d.key),
        }
        for d in drafts
    ]
    claimed: list[Outgoing] = []
    now = timezone.now()
    for start in range(0, len(rows), _CLAIM_CHUNK):
        chunk = rows[start : start + _CLAIM_CHUNK]
        params = [value for r in chunk for value in (*(r[c] for c in _COLUMNS), now)]
        with db.cursor() as cursor:
            cursor.execute(_CLAIM_SQL.format(rows=", ".join([_CLAIM_ROW] * len(chunk))), params)
            ids = {key: pk for pk, key in cursor.fetchall()}
        claimed.extend(_outgoing({**r, "id": ids[r["key"]]}) for r in chunk if r["key"] in ids)
    claimed.sort(key=lambda o: o.id)
    return claimed


# Any constant of ours: the advisory lock that lets one send run at a time in the installation.
SEND_LOCK = 0x51_4D_53_4D_41_49_4C  # "QMSMAIL"


@contextlib.contextmanager
def sending_turn():
    """Hold the one sender's turn (a session advisory lock, released by PostgreSQL when the
    connection ends, so a killed worker never keeps it). Waits for a send that is running, up to
    NOTIFICATION_SEND_WAIT_SECONDS; yields False when the turn did not come.

    While it holds the turn, the session may sit idle no longer than a lease: a worker whose
    machine died (no connection reset ever reaches PostgreSQL) loses its session, and the turn,
    after NOTIFICATION_LEASE_SECONDS instead of after TCP's keepalive hours."""
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SEND_LOCK])
        mine = cursor.fetchone()[0] or _wait_for_turn(cursor)
        if mine:
            cursor.execute(
                "SELECT set_config('idle_session_timeout', %s, false)", [f"{conf.lease_seconds()}s"]
            )
    try:
        yield mine
    finally:
        if mine:
            _release_turn()


def _wait_for_turn(cursor) -> bool:
    # A blocking wait inside PostgreSQL (no polling), bounded by lock_timeout.
    cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{conf.send_wait_seconds()}s"])
    try:
        with contextlib.ExitStack() as stack:
            if db.in_atomic_block:  # a timed-out wait must not break the caller's transaction
                from django.db import transaction

                stack.enter_context(transaction.atomic())
            cursor.execute("SELECT pg_advisory_lock(%s)", [SEND_LOCK])
        return True
    except DatabaseError:
        log.warning("Another send still runs after %ss; leaving these emails to it", conf.send_wait_seconds())
        return False
    finally:
        cursor.execute("SELECT set_config('lock_timeout', '0', false)")


def _release_turn() -> None:
    try:
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s), set_config('idle_session_timeout', '0', false)", [SEND_LOCK]
            )
    except DatabaseError:
        # The connection broke (its locks went with it) or the caller's transaction failed: a
        # connection we cannot use is closed, which releases the lock for sure.
        if not db.in_atomic_block:
            db.close()
        raise


_PAGE = 500


def _due_rows(after: int) -> list[Outgoing]:
    rows = (
        Delivery.objects.filter(sendable(timezone.now()), pk__gt=after)
        .order_by("id")
        .values(
            "id", "key", "to_email", "reply_to", "subject", "body_text", "body_html", "message_id", "status"
        )[:_PAGE]
    )
    return [_outgoing(r, taken_over=r["status"] == S.SENDING) for r in rows]


def deliveries_send(*, outgoing: list[Outgoing] | None = None) -> RunReport:
    """Send ``outgoing`` (rows a claim just wrote, bytes built), or, without it, every row that is
    due to be sent: pending, refused and due for a retry, or left "sending" by a dead worker past
    its lease (their bytes are built first, a page of rows at a time).

    Queries: the turn (one, two to wait), then one per message (take it, and record the previous
    one as sent), one to record the last, one to give the turn back; without ``outgoing``, one
    more per page of due rows."""
    report = RunReport()
    if outgoing is not None and not outgoing:
        return report
    if outgoing is None and not Delivery.objects.filter(sendable(timezone.now())).exists():
        return report
    with sending_turn() as mine:
        if not mine:
            report.turn_missed = True
            report.held_elsewhere = len(outgoing or ())
            return report
        if outgoing is not None:
            send_rows(outgoing, report)
            return report
        after = 0
        while rows := _due_rows(after):
            send_rows(rows, report)
            after = rows[-1].id
    return report


def next_wakeup(report: RunReport | None = None) -> dt.datetime | None:
    """When the earliest unfinished row can next be tried: a refused row's retry time or the end
    of a lease held by a sender that may have died; soon, when this run missed its turn to send.
    None when nothing is unfinished."""
    found = Delivery.objects.filter(status__in=[S.FAILED, S.SENDING]).aggregate(
        retry=Min("next_attempt_at", filter=Q(status=S.FAILED)),
        lease=Min("lease_until", filter=Q(status=S.SENDING)),
    )
    times = [t for t in found.values() if t is not None]
    if report is not None and report.turn_missed:
        times.append(timezone.now() + dt.timedelta(seconds=conf.send_wait_seconds()))
    return min(times) if times else None


def deliveries_flush() -> RunReport:
    """Send whatever is due to be sent, of any kind; tell when to come back."""
    report = deliveries_send()
    report.next_wakeup = next_wakeup(report)
    return report


def delivery_retry_now(*, delivery: Delivery) -> bool:
    """Make a refused delivery due again now (an administrator fixed the mail server). Only failed
    rows move, so a sent one never goes out again; the attempt count is kept as evidence, and a
    row that had given up gets one more attempt."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=S.FAILED).update(next_attempt_at=timezone.now())
    )
