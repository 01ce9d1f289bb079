"""Electronic signatures, the same in every module: the signer re-enters their password and
states what the signature means; it is bound to the SHA-256 of exactly what was signed, and is
void when that content changes (see ``Signature.is_valid_for``).

Wrong passwords are counted (in the access log, on a connection of its own so the count survives
the refused signature's rollback): after ``SIGNING_FAILURE_LIMIT`` of them the user cannot sign
for ``SIGNING_LOCKOUT_MINUTES`` and the administrator and the quality manager are emailed at once
(in the spirit of 21 CFR 11.300(d)).

A model says what its signatures sign with ``signed_content()`` (the values whose change voids
them); ``signature_sign`` then needs only the password and the meaning, and the record's page lists
the signatures as valid or void."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from .. import accesslog, history
from ..models import AccessEvent, Role, Signature, User

WRONG_PASSWORD = "The password is not correct. Nothing was signed."
# Wrong passwords older than this are forgotten, even without a signature since.
FAILURE_MEMORY = dt.timedelta(hours=24)
Kind = AccessEvent.Kind
logger = logging.getLogger("qms.access")


def _lock_period() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SIGNING_LOCKOUT_MINUTES)


def signing_locked_until(user: User) -> dt.datetime | None:
    """When the user may sign again, or None when signing is not locked."""
    locked_at = accesslog.last_event_at(user, Kind.SIGNING_LOCKED)
    if locked_at is None or timezone.now() >= locked_at + _lock_period():
        return None
    unlocked_at = accesslog.last_event_at(user, Kind.UNLOCKED)
    if unlocked_at is not None and unlocked_at > locked_at:
        return None
    return locked_at + _lock_period()


def signing_locks_in_force() -> list[tuple[User, dt.datetime]]:
    """(user, until) for every signing lock in force now (for the access log page)."""
    since = timezone.now() - _lock_period()
    latest = (
        AccessEvent.objects.filter(kind=Kind.SIGNING_LOCKED, at__gt=since)
        .values("user_id")
        .annotate(at=Max("at"))
    )
    unlocked = dict(
        AccessEvent.objects.filter(kind=Kind.UNLOCKED, at__gt=since)
        .values("user_id")
        .annotate(at=Max("at"))
        .values_list("user_id", "at")
    )
    users = User.objects.in_bulk([row["user_id"] for row in latest])
    return [
        (users[row["user_id"]], row["at"] + _lock_period())
        for row in latest
        if row["user_id"] in users
        and not (unlocked.get(row["user_id"]) and unlocked[row["user_id"]] > row["at"])
    ]


def _recent_failures(user: User) -> int:
    """Wrong signing passwords since the last lock, unlock or signature (within a day)."""
    since = timezone.now() - FAILURE_MEMORY
    for moment in (
        accesslog.last_event_at(user, Kind.SIGNING_LOCKED, Kind.UNLOCKED),
        Signature.objects.filter(signer=user).aggregate(at=Max("signed_at"))["at"],
    ):
        if moment is not None and moment > since:
            since = moment
    return accesslog.events_since(user, Kind.SIGNING_FAILED, since).count()


def _tell_administrator_and_quality(user: User, failures: int) -> None:
    """Email the administrators and quality managers now: the refused signature's transaction is
    rolled back, so nothing queued on its commit would ever be sent."""
    recipients = list(
        User.objects.filter(role__in=[Role.ADMINISTRATOR, Role.QUALITY_MANAGER], is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        logger.warning("signing locked for %s but nobody to tell (no admin or QM email)", user.username)
        return
    until = timezone.localtime(timezone.now() + _lock_period())
    subject = f"E-signatures locked for {user.get_full_name() or user.username}"
    body = (
        f"{user.get_full_name() or user.username} ({user.username}) entered a wrong password {failures} "
        f"times in a row when signing. Signing is locked for this account until {until:%H:%M} "
        f"({settings.TIME_ZONE}).\n\n"
        "If it was not them, someone may be trying to sign in their name: speak to them, and "
        f"look at the access log: {settings.BASE_URL}/access-log/\n"
    )
    try:
        send_mail(" ".join(subject.split()), body, None, recipients)
    except Exception:  # noqa: BLE001 - a mail server down must not hide the lock; it is logged
        logger.exception("could not email the signing lock of %s", user.username)


def password_problem(by: User, password: str) -> str | None:
    """Why ``password`` does not sign for ``by`` (a message for the password field), or None.
    A service checks this together with its other fields, so all errors show at once. The one
    place every module's signatures check a password: it counts wrong ones and locks."""
    if not by.is_authenticated or by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")
    until = signing_locked_until(by)
    if until is not None:
        return (
            f"Signing is locked until {timezone.localtime(until):%H:%M} after "
            f"{settings.SIGNING_FAILURE_LIMIT} wrong passwords. Nothing was signed. The administrator "
            "and the quality manager have been told; the administrator can unlock it sooner."
        )
    if password and by.check_password(password):
        return None
    accesslog.record(Kind.SIGNING_FAILED, user=by, durable=True)
    failures = _recent_failures(by)
    limit = settings.SIGNING_FAILURE_LIMIT
    if failures >= limit:
        accesslog.record(
            Kind.SIGNING_LOCKED, user=by, detail=f"after {failures} wrong passwords", durable=True
        )
        _tell_administrator_and_quality(by, failures)
        return (
            f"The password is not correct. Nothing was signed. After {failures} wrong passwords signing "
            f"is locked for {settings.SIGNING_LOCKOUT_MINUTES} minutes; the administrator and the "
            "quality manager have been told."
        )
    left = limit - failures
    return f"{WRONG_PASSWORD} {left} more wrong password{'s' if left != 1 else ''} lock signing."


def signature_record(
    *, obj: models.Model, by: User, meaning: str, content_hash: str, reason: str = ""
) -> Signature:
    """Record ``by``'s signature on ``obj`` (after ``password_problem`` found none)."""
    return Signature.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        signer=by,
        printed_name=by.get_full_name() or by.username,
        meaning=meaning,
        signed_at=timezone.now(),
        content_hash=content_hash,
        reason=reason,
    )


def signatures_of(obj: models.Model):
    return Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("signer")


def content_hash(obj: models.Model) -> str | None:
    """SHA-256 of what ``obj`` declares signed (``signed_content()``), or None when it declares
    nothing. Values are joined with a separator no typed text contains, so ("ab", "c") and
    ("a", "bc") differ."""
    signed = getattr(obj, "signed_content", None)
    if signed is None:
        return None
    return hashlib.sha256("\x1f".join(str(v) for v in signed()).encode()).hexdigest()


@transaction.atomic
def signature_sign(
    *, obj: models.Model, by: User, password: str, meaning: str, reason: str = ""
) -> Signature:
    """Sign ``obj`` (a record or a row of one) as ``by`` with their password, bound to its
    ``signed_content()``, and say so in the record's history. A wrong password is refused beside
    the password field and nothing is signed. The module's service checks who may sign."""
    signed = content_hash(obj)
    if signed is None:
        raise TypeError(f"{type(obj).__name__} declares no signed_content(): nothing to sign")
    problem = password_problem(by, password)
    if problem:
        raise ValidationError({"password": problem})
    signature = signature_record(obj=obj, by=by, meaning=meaning, content_hash=signed, reason=reason)
    history.touch(obj.root, by=by, reason=f"Signed: {meaning}")
    return signature


def signature_rows(obj: models.Model) -> list[tuple[Signature, bool]] | None:
    """``obj``'s signatures, each with whether it is still valid for what ``obj`` says now; None
    for a model that declares no ``signed_content``."""
    now = content_hash(obj)
    if now is None:
        return None
    return [(s, s.is_valid_for(now)) for s in signatures_of(obj)]
