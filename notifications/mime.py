"""The bytes of an email, built once when its delivery is claimed, so that sending is nothing but
the SMTP conversation: a weekly digest's 2,000 messages spent more time in Django's email classes
than on the wire.

The message is what Django's ``EmailMultiAlternatives`` would send (a plain-text and an HTML part,
the delivery's stable Message-ID, no auto-replies please), assembled directly: quoted-printable
bodies (7bit when plain ASCII), RFC 2047 headers where needed, CRLF line ends and SMTP's
dot-stuffing done: ready to follow DATA, up to the final dot.
"""

from __future__ import annotations

import binascii
import re
import uuid
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.mail.message import sanitize_address

# An address that needs no encoding and no display name: used as it is.
_LEADING_DOT = re.compile(rb"(?m)^\.")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
MAX_LINE = 998  # RFC 5322, without the CRLF
HEADER_WIDTH = 78


@dataclass(frozen=True, slots=True)
class Envelope:
    """What SMTP needs: the envelope sender and recipient, and the message ready for DATA."""

    sender: str
    recipient: str
    data: bytes


def _header(name: str, value: str) -> bytes:
    value = " ".join(value.split())  # no header injection, no stray line breaks
    line = f"{name}: {value}"
    if value.isascii() and len(line) <= HEADER_WIDTH:
        return line.encode() + b"\r\n"
    charset = "us-ascii" if value.isascii() else "utf-8"
    folded = Header(value, charset, header_name=name, maxlinelen=HEADER_WIDTH).encode(linesep="\r\n")
    return f"{name}: {folded}\r\n".encode("ascii")


@lru_cache(maxsize=64)
def _sanitized(address: str) -> str:
    return sanitize_address(address, "utf-8")


def _address(address: str) -> str:
    """The address as a header carries it (RFC 2047 name, IDNA domain); a plain one as it is."""
    return address if _PLAIN_ADDRESS.fullmatch(address) else _sanitized(address)


def _envelope_address(address: str) -> str:
    return address if _PLAIN_ADDRESS.fullmatch(address) else parseaddr(_sanitized(address))[1]


def _body(text: str) -> tuple[bytes, bytes]:
    """(Content-Transfer-Encoding, encoded body with CRLF line ends)."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("utf-8")
    if raw.isascii() and max(map(len, raw.split(b"\r\n"))) <= MAX_LINE:
        return b"7bit", raw
    return b"quoted-printable", binascii.b2a_qp(raw, istext=True)


def _part(subtype: str, text: str) -> bytes:
    encoding, body = _body(text)
    # The line break before a boundary belongs to the boundary (RFC 2046 5.1.1): one more, so the
    # body keeps its own last line break.
    body += b"\r\n"
    return (
        b"Content-Type: text/" + subtype.encode() + b'; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body
    )


def envelope_for(
    *,
    key: str,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str,
    message_id: str,
    reply_to: str = "",
) -> Envelope:
    """The email of a delivery row, as the mail server will receive it; with ``reply_to``, an
    answer goes there instead of to the no-reply sender."""
    from_email = settings.DEFAULT_FROM_EMAIL
    text, html = _part("plain", body_text), _part("html", body_html)
    boundary = f"=_qms_{uuid.uuid4().hex}".encode()
    while boundary in text or boundary in html:  # practically never; checked all the same
        boundary = f"=_qms_{uuid.uuid4().hex}".encode()
    message = b"".join(
        [
            f"From: {_address(from_email)}\r\nTo: {_address(to_email)}\r\n".encode("ascii"),
            f"Reply-To: {_address(reply_to)}\r\n".encode("ascii") if reply_to else b"",
            _header("Subject", subject),
            f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}\r\n".encode(),
            _header("Message-ID", message_id),
            b"Auto-Submitted: auto-generated\r\n",  # RFC 3834: no out-of-office replies, please
            b"X-Auto-Response-Suppress: All\r\n",
            _header("X-QMS-Delivery", key),
            b"MIME-Version: 1.0\r\n",
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n',
            b"--" + boundary + b"\r\n",
            text,
            b"--" + boundary + b"\r\n",
            html,
            b"--" + boundary + b"--\r\n",
        ]
    )
    if b"\n." in message:  # SMTP transparency (RFC 5321 4.5.2): a leading dot gets a second one
        message = _LEADING_DOT.sub(b"..", message)
    return Envelope(sender=_envelope_address(from_email), recipient=_envelope_address(to_email), data=message)
