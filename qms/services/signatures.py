"""Electronic signatures, the same in every module: the signer re-enters their password and
states what the signature means; it is bound to the SHA-256 of exactly what was signed, and is
void when that content changes (see ``Signature.is_valid_for``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from ..models import Signature, User

WRONG_PASSWORD = "The password is not correct. Nothing was signed."


def password_problem(by: User, password: str) -> str | None:
    """Why ``password`` does not sign for ``by`` (a message for the password field), or None.
    A service checks this together with its other fields, so all errors show at once."""
    if not by.is_authenticated or by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")
    if not password or not by.check_password(password):
        return WRONG_PASSWORD
    return None


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
