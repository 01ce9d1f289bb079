"""Issuing, checking and revoking API tokens.

A token reads ``qms_<prefix>_<secret>``: the prefix finds the row, the SHA-256 of the whole token
is compared in constant time. The token itself is returned once, by ``token_create``, and never
stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms.models import User

from .models import ApiToken

DEFAULT_DAYS, MAX_DAYS = 90, 365
# last_used_at is written at most once a minute per token: a busy integration would otherwise
# write a row on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    """Everyone with a working account may hold tokens, except the account background jobs use."""
    return user.is_active and not user.is_system


@transaction.atomic
def token_create(*, user: User, by: User, name: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for ``user`` (by themselves, or by the administrator for a service account),
    valid ``days`` days, and no longer than the user's access (an auditor's ends on a day). Returns
    the row and the token, which is shown once and never again."""
    if by.pk != user.pk and not (by.is_superuser or by.role == "admin"):
        raise PermissionDenied("Only the administrator issues tokens for another account.")
    if not may_hold_tokens(user):
        raise PermissionDenied("This account may not hold API tokens.")
    errors = {}
    name = (name or "").replace("\x00", "").strip()
    if not name:
        errors["name"] = "Name the token after what uses it (“ERP”, “my scripts”)."
    elif len(name) > 100:
        errors["name"] = "At most 100 characters."
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = f"Between 1 and {MAX_DAYS} days."
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 4 bytes: collisions are rare, not impossible
        prefix = secrets.token_hex(4)
    token = f"qms_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.now() + dt.timedelta(days=days)
    if user.access_expires_on is not None:  # an auditor's token ends with their access, as it says
        access_ends = dt.datetime.combine(user.access_expires_on + dt.timedelta(days=1), dt.time())
        expires_at = min(expires_at, timezone.make_aware(access_ends))
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=_digest(token),
        expires_at=expires_at,
        created_by=by,
    )
    return row, token


def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token at once: its owner or the administrator. Revoking twice changes nothing."""
    if by.pk != token.user_id and not (by.is_superuser or by.role == "admin"):
        raise PermissionDenied("You may revoke only your own tokens.")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def token_user(raw: str) -> tuple[User, ApiToken] | None:
    """The user a presented token stands for, or None when it is unknown, revoked or expired, or
    the account may no longer act (inactive, its auditor access expired)."""
    parts = raw.split("_", 2)  # the secret itself may hold "_"
    if len(parts) != 3 or parts[0] != "qms" or len(parts[1]) != 8 or len(raw) > 200:
        return None
    row = ApiToken.objects.select_related("user", "user__department").filter(prefix=parts[1]).first()
    if row is None or not hmac.compare_digest(row.digest, _digest(raw)):
        return None
    user = row.user
    if not row.is_active or not may_hold_tokens(user) or user.access_expired:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        # A conditional UPDATE: concurrent requests write it once, and no history row is made.
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return user, row
