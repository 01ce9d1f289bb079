"""Helpers shared by the document control services: row locks in a fixed order, history
attribution, the distribution list."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from qms import access
from qms.forms import people
from qms.models import User

from ..models import (
    Acknowledgment,
    Document,
    ReviewStep,
    Revision,
)

DEFAULT_RESPONSE_DAYS = 7  # reviewers and approvers: respond by, unless the author says otherwise
CHANGE_REQUEST_DECIDE_DAYS = 14  # the owner decides on a change request within this


def _lock_document(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def _lock_revision(revision: Revision) -> Revision:
    return Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)


def _refuse_auditor(by: User) -> None:
    if not by.is_authenticated or by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")


def _save(obj, by: User, reason: str, **kwargs) -> None:
    obj._history_user = by
    obj._change_reason = reason
    obj.save(**kwargs)


def add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


def distribution_users(document: Document):
    """Everyone the document is distributed to: named people, every holder of a listed role,
    every member of a listed department (active people only, never auditors)."""
    q = Q(pk__in=document.distribution_people.values("pk"))
    q |= Q(department__in=document.distribution_departments.values("pk"))
    if document.distribution_roles:
        q |= Q(role__in=document.distribution_roles)
    return people().filter(q).distinct()


def _require_change(by: User, document: Document) -> None:
    _refuse_auditor(by)
    access.require_change(by, document)
    if document.is_closed:
        raise ValidationError("The document is obsolete; it cannot be changed.")


def _cancel_open_steps(revision: Revision, by: User) -> None:
    for step in ReviewStep.objects.select_for_update().filter(revision=revision, decision="pending"):
        step.decision = ReviewStep.Decision.CANCELLED
        step.decided_at = timezone.now()
        _save(step, by, "Routing ended")


def _withdraw_acks(acks, by: User, reason: str) -> None:
    for ack in acks.select_for_update().filter(status=Acknowledgment.Status.PENDING):
        ack.status = Acknowledgment.Status.WITHDRAWN
        _save(ack, by, reason)
