"""Helpers shared by the document control services: row locks in a fixed order, the one helper
for the moves a service makes under its locks, the distribution list."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q

from qms import access, history
from qms.forms import people
from qms.models import ChildRecord, Record, User

from ..models import Acknowledgment, Document, Revision

DEFAULT_RESPONSE_DAYS = 7  # reviewers and approvers: respond by, unless the author says otherwise
CHANGE_REQUEST_DECIDE_DAYS = 14  # the owner decides on a change request within this


def _lock_document(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def _lock_revision(revision: Revision) -> Revision:
    return Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)


def _refuse_auditor(by: User) -> None:
    if not by.is_authenticated or by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")


def add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


def distribution_users(document: Document):
    """Everyone the document is distributed to: named people, every holder of a listed role,
    every member of a listed department (active people only, never auditors). Each person once:
    the lists are subqueries, not joins, so no ``DISTINCT`` (which compared every column of every
    person before the document's page could count them)."""
    q = Q(pk__in=document.distribution_people.values("pk"))
    q |= Q(department__in=document.distribution_departments.values("pk"))
    if document.distribution_roles:
        q |= Q(role__in=document.distribution_roles)
    return people().filter(q)


def _require_change(by: User, document: Document) -> None:
    _refuse_auditor(by)
    access.require_change(by, document)
    if document.is_closed:
        raise ValidationError("The document is obsolete; it cannot be changed.")


def move(obj: Record | ChildRecord, name: str, *, by: User, reason: str = "", **fields) -> None:
    """Move a row this service has already locked along its workflow by the transition ``name``,
    setting ``fields`` with it, the history saying who and why. For the moves a service makes
    itself, several rows at once under its locks (a revision superseded when the next becomes
    effective, everything withdrawn when a document is made obsolete): whoever set them off
    performs them, whatever the transition's own ``allowed`` says. A person's own step goes
    through ``qms.services.transition`` instead."""
    status_field = getattr(obj, "status_field", "status")
    step = type(obj).workflow.step_from(name, getattr(obj, status_field), what=obj._meta.verbose_name)
    setattr(obj, status_field, step.target)
    for field, value in fields.items():
        setattr(obj, field, value)
    history.save(obj, by=by, reason=reason or step.label)


def move_all(rows: models.QuerySet, name: str, *, by: User, reason: str, **fields) -> None:
    """``move`` every row of ``rows`` that the transition ``name`` may move, each locked first."""
    step = rows.model.workflow.get(name)
    status_field = getattr(rows.model, "status_field", "status")
    for row in rows.select_for_update().filter(**{f"{status_field}__in": step.sources}).order_by("pk"):
        move(row, name, by=by, reason=reason, **fields)


def _cancel_open_steps(revision: Revision, by: User, now: dt.datetime) -> None:
    move_all(revision.steps.all(), "cancel", by=by, reason="Routing ended", decided_at=now)


def _withdraw_acks(acks: models.QuerySet[Acknowledgment], by: User, reason: str) -> None:
    move_all(acks, "withdraw", by=by, reason=reason)
