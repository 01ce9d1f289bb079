"""The access log: every sign-in, sign-out, failure, lockout, unlock and wrong signing password,
with who (as typed), when, from which address and browser. The administrator, the quality
manager and auditors read it on the Access log page (``qms.views.security``).

Sign-in throttling itself is django-axes (``AXES_*`` settings): it counts failures per user and
per address in the database, so several web nodes share one count. This module records what
happened, from the signals Django and axes send, and unlocks.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import receiver
from django.utils import timezone

from .models import AccessEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import User

logger = logging.getLogger("qms.access")
Kind = AccessEvent.Kind


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from. Behind ``FORWARDED_PROXIES`` trusted proxies (HTTPS
    mode: one), the address the outermost of them saw, from X-Forwarded-For; never a value the
    client could set alone."""
    hops = settings.FORWARDED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops] or None
    return request.META.get("REMOTE_ADDR") or None


def _values(kind: str, *, user, username: str, request, detail: str) -> dict:
    if user is not None and not getattr(user, "pk", None):
        user = None
    return {
        "at": timezone.now(),
        "kind": kind,
        "user_id": user.pk if user is not None else None,
        "username": (username or (user.get_username() if user is not None else ""))[:150],
        "ip_address": client_ip(request) if request is not None else None,
        "user_agent": (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        "detail": (detail or "")[:300],
    }


def record(
    kind: str,
    *,
    user: User | None = None,
    username: str = "",
    request: HttpRequest | None = None,
    detail: str = "",
    durable: bool = False,
) -> None:
    """Add an entry. ``durable``: write it on a connection of its own, so it stays even when the
    caller's transaction is rolled back (a signing service that refuses a wrong password)."""
    values = _values(kind, user=user, username=username, request=request, detail=detail)
    logger.info("access: %s %s from %s %s", kind, values["username"], values["ip_address"], values["detail"])
    if not durable:
        AccessEvent.objects.create(**values)
        return
    columns = list(values)
    table = AccessEvent._meta.db_table
    # A second connection in autocommit: the entry is committed before the caller's transaction
    # ends, whichever way it ends.
    connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608 - fixed column names
                [values[c] for c in columns],
            )
    finally:
        connection.close()


def events_since(user: User, kind: str, since: dt.datetime):
    return AccessEvent.objects.filter(user_id=user.pk, kind=kind, at__gt=since)


def last_event_at(user: User, *kinds: str) -> dt.datetime | None:
    return (
        AccessEvent.objects.filter(user_id=user.pk, kind__in=kinds)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def unlock(*, user: User, by: User, request: HttpRequest | None = None) -> int:
    """The administrator lifts a lockout: sign-in attempts counted for the user's name (and for
    the addresses those attempts came from) are cleared, and an e-signature lock ends."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    addresses = set(
        AccessAttempt.objects.filter(username=user.get_username()).values_list("ip_address", flat=True)
    )
    cleared = reset(username=user.get_username())
    for address in addresses - {None, ""}:
        cleared += reset(ip=address)
    record(Kind.UNLOCKED, user=user, request=request, detail=f"by {by.get_username()}")
    return cleared


# --- signals ------------------------------------------------------------------------------


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from .middleware import session_start

    if request is not None and hasattr(request, "session"):
        session_start(request)
    record(Kind.LOGIN, user=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.LOGOUT, user=user, request=request, detail=getattr(request, "qms_logout_reason", ""))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    from .models import User

    username = (credentials or {}).get("username", "") or ""
    user = User.objects.filter(username=username).first() if username else None
    record(
        Kind.LOGIN_FAILED,
        user=user,
        username=username,
        request=request,
        detail=(credentials or {}).get("qms_step", ""),
    )


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    from .models import User

    user = User.objects.filter(username=username).first() if username else None
    record(Kind.LOCKED_OUT, user=user, username=username or "", request=request)


def connect() -> None:
    """Called from the app's ready(): axes' signal is only importable once apps are loaded."""
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="qms.accesslog.locked_out")
