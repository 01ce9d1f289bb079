"""The send loop: one sender, one SMTP connection, the message bytes already built.

For each email the loop takes the row (and records the previous email as sent, in the same
statement) while the SMTP conversation of this email runs up to its last step: MAIL, RCPT, DATA
and the bytes. Only once that statement is back does it send the final dot, the moment the server
takes the message. So at any instant at most one email has been accepted by the server without
being recorded as sent: a crash of the worker resends at most that one.

Two things keep the database from doubling the time of the SMTP conversation on a small, busy
machine: the statement is on its way while the conversation goes on (``ledger.Taker``), and it
commits asynchronously (the record is visible at once and survives the worker; only a crash of the
database server itself could lose it before it reaches the disk), except every
``DURABLE_EVERY``-th, which waits for the disk and so makes every earlier record durable too. A
crash of the database server resends at most the emails recorded since: ``DURABLE_EVERY``.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
from dataclasses import dataclass
from typing import Protocol

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from . import ledger
from .mime import Envelope

log = logging.getLogger("notifications.delivery")

# What a failed send can raise: the mail server's refusals (smtplib's errors are OSErrors), a
# connection that failed or timed out, an address that cannot be encoded. Anything else is a bug:
# it stops the run, and the row is taken over once its lease has run out.
SEND_ERRORS = (OSError, ValueError)

# Every this many emails, the record waits for the disk (see the module's docstring).
DURABLE_EVERY = 20


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed row on its way out: what the loop needs, the bytes included."""

    id: int
    key: str
    to_email: str
    subject: str
    body_text: str
    body_html: str
    message_id: str
    envelope: Envelope
    reply_to: str = ""
    taken_over: bool = False  # left "sending" by a sender that died


class Transport(Protocol):
    def begin(self, row: Outgoing) -> None:
        """Everything up to the point of no return: nothing is delivered yet."""

    def commit(self) -> None:
        """The point of no return: afterwards the message is delivered (or refused)."""

    def reset(self) -> None:
        """Drop an unfinished message and a conversation that may be broken."""

    def close(self) -> None: ...


class SmtpTransport:
    """Django's SMTP backend (its host, port, TLS and login settings), spoken to directly: the
    final dot of DATA is held back until the caller says so."""

    def __init__(self, backend: SmtpBackend) -> None:
        self.backend = backend

    def _smtp(self) -> smtplib.SMTP:
        if self.backend.connection is None:
            self.backend.open()
            # Small writes (the final dot after the message) must not wait for the peer's
            # delayed ACK: 40 ms per email otherwise.
            with contextlib.suppress(OSError, AttributeError):
                self.backend.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.backend.connection.ehlo_or_helo_if_needed()
        return self.backend.connection

    def begin(self, row: Outgoing) -> None:
        smtp, env = self._smtp(), row.envelope
        code, reply = smtp.mail(env.sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, env.sender)
        code, reply = smtp.rcpt(env.recipient)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({env.recipient: (code, reply)})
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        smtp.send(env.data)

    def commit(self) -> None:
        smtp = self.backend.connection
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def reset(self) -> None:
        # Closing mid-DATA makes the server discard the unfinished message (RFC 5321 3.8); after
        # a refusal it starts the next message on a clean conversation.
        self.close()

    def close(self) -> None:
        # Closing a broken connection may fail as well; there is nothing more to do about it.
        with contextlib.suppress(Exception):
            self.backend.close()
        self.backend.connection = None


class BackendTransport:
    """Any other email backend (a file in var/mail in development, memory in tests): the message
    is handed over whole at the point of no return."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.row: Outgoing | None = None

    def begin(self, row: Outgoing) -> None:
        self.row = row

    def commit(self) -> None:
        row, self.row = self.row, None
        message = EmailMultiAlternatives(
            subject=row.subject,
            body=row.body_text,
            to=[row.to_email],
            reply_to=[row.reply_to] if row.reply_to else None,
            connection=self.backend,
            headers={
                "Message-ID": row.message_id,
                "Auto-Submitted": "auto-generated",
                "X-Auto-Response-Suppress": "All",
                "X-QMS-Delivery": row.key,
            },
        )
        message.attach_alternative(row.body_html, "text/html")
        message.send()

    def reset(self) -> None:
        self.row = None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.backend.close()


def transport() -> Transport:
    backend = get_connection(fail_silently=False)
    return SmtpTransport(backend) if isinstance(backend, SmtpBackend) else BackendTransport(backend)


def send_rows(rows: list[Outgoing], report) -> None:
    """Send ``rows`` one after the other on one connection, adding to ``report``."""
    if not rows:
        return
    mail = transport()
    taker = ledger.Taker()
    just_sent: int | None = None  # accepted by the server, recorded by the next take
    try:
        for number, row in enumerate(rows, start=1):
            taker.send(row.id, record_sent=just_sent, durable=number % DURABLE_EVERY == 0)
            error = None
            try:
                mail.begin(row)
            except SEND_ERRORS as exc:
                error = exc
            answered = taker.answer()
            just_sent = None
            if answered is None:  # another sender has it, or it was sent meanwhile
                report.held_elsewhere += 1
                mail.reset()
                continue
            if row.taken_over:
                log.warning(
                    "Delivery %s to %s taken over: its sender died while holding it; if the mail "
                    "server had accepted it already, this sends it a second time (same Message-ID)",
                    row.key,
                    row.to_email,
                )
            if error is None:
                try:
                    mail.commit()
                except SEND_ERRORS as exc:
                    error = exc
            if error is not None:
                ledger.record_failure(row.id, row.key, row.to_email, answered, error)
                report.failed += 1
                mail.reset()
            else:
                just_sent = row.id
                report.sent += 1
    finally:
        taker.drain()
        try:
            if just_sent is not None:
                ledger.record_sent(just_sent)  # durable: the run's last word
        finally:
            mail.close()
