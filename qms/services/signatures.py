"""Electronic signatures, the same in every module: the signer re-enters their password and
states what the signature means; it is bound to the SHA-256 of exactly what was signed, and is
void when that content changes (see ``Signature.is_valid_for``).

A model says what its signatures sign with ``signed_content()`` (the values whose change voids
them); ``signature_sign`` then needs only the password and the meaning, and the record's page lists
the signatures as valid or void."""

from __future__ import annotations

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from .. import history
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


def signatures_of(obj: models.Model):
    return Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("signer")
