"""The virus-scan hook for uploads: ClamAV's daemon over its INSTREAM protocol, when
``CLAMAV_SOCKET`` (a Unix socket) or ``CLAMAV_HOST`` (host:port) is set. A file the scanner
names is refused and logged; a scanner that is configured but unreachable refuses too (an
unscanned file is not let through silently)."""

from __future__ import annotations

import logging
import socket
import struct

from django.conf import settings

logger = logging.getLogger("qms.virusscan")
CHUNK = 64 * 1024


class ScanUnavailable(Exception):
    """The scanner is configured but did not answer."""


def configured() -> bool:
    return bool(settings.CLAMAV_SOCKET or settings.CLAMAV_HOST)


def _connect() -> socket.socket:
    timeout = settings.CLAMAV_TIMEOUT
    if settings.CLAMAV_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(settings.CLAMAV_SOCKET)
        return sock
    host, _, port = settings.CLAMAV_HOST.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port or 3310)), timeout=timeout)


def scan(chunks) -> str | None:
    """Stream the file's ``chunks`` to clamd; the name of what it found, or None when clean.
    Raises ScanUnavailable when the daemon cannot be reached or answers nonsense."""
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                for start in range(0, len(chunk), CHUNK):
                    piece = chunk[start : start + CHUNK]
                    sock.sendall(struct.pack("!L", len(piece)) + piece)
            sock.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
    except (OSError, ValueError) as exc:
        raise ScanUnavailable(str(exc)) from exc
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    if text.endswith(" FOUND"):
        return text.removeprefix("stream:").removesuffix(" FOUND").strip() or "malware"
    if text.endswith(": OK"):
        return None
    raise ScanUnavailable(text or "no answer")
