"""Checks every CAPA service makes before it writes."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from qms import access
from qms.models import Role, User

from ..models import Capa

CLOSED = "This CAPA is closed; it must be reopened before it can be changed."


def require_open(by: User, capa: Capa) -> None:
    """The user may change the CAPA and it is not closed."""
    access.require_change(by, capa)
    if capa.is_closed:
        raise ValidationError(CLOSED)


def check_person(user: User | None, field: str) -> None:
    """Someone who can own an action or judge a check: active, not an auditor, not the system."""
    if user is None:
        raise ValidationError({field: "Choose a person."})
    if not user.is_active or user.is_system or user.role == Role.AUDITOR:
        raise ValidationError({field: f"{user} cannot own actions (inactive, auditor or system account)."})
