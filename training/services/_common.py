"""What the training services share: a person's file, who evaluates a person's training, and the
rules every write of a training file keeps."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from qms import access
from qms.models import Role, User
from qms.services import record_create, record_update

from ..models import TrainingFile

SELF_RECORDING = "Nobody records their own training: ask your department head or HR to record it."


def days(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, name, default))


def file_title(person: User) -> str:
    return f"Training file: {person.get_full_name() or person.username}"


def training_file_of(person: User) -> TrainingFile | None:
    return TrainingFile.objects.filter(owner=person).first()


def file_for(person: User, *, by: User) -> TrainingFile:
    """The person's training file, opened now if they have none, kept in the department they
    work in (a person who moved takes their file along)."""
    found = training_file_of(person)
    if found is None:
        return file_create(person=person, by=by)
    if person.department_id and found.department_id != person.department_id and not found.is_closed:
        found = record_update(
            record=found, by=by, reason=f"Moved to {person.department}", department_id=person.department_id
        )
    return found


def file_create(*, person: User, by: User, note: str = "") -> TrainingFile:
    """Open a training file for someone who has none: theirs is the one file, in their
    department."""
    if not person.department_id:
        raise ValidationError({"owner": f"{person} belongs to no department: give them one first."})
    if person.role == Role.AUDITOR or person.is_system:
        raise ValidationError({"owner": "Auditors and the system account have no training file."})
    existing = training_file_of(person)
    if existing is not None:
        raise ValidationError({"owner": f"{person} has a training file already: {existing.reference}."})
    if (
        not (by.is_quality_manager or access.is_steward(by, TrainingFile))
        and person.department_id != by.department_id
    ):
        raise ValidationError({"owner": "You keep the training files of your own department's people only."})
    return record_create(
        model=TrainingFile,
        by=by,
        reason="Training file opened",
        title=file_title(person),
        owner=person,
        department_id=person.department_id,
        note=note,
    )


def require_keeper(by: User, file: TrainingFile) -> None:
    """Only the person's head, the HR steward and the quality manager write a training file; the
    person never writes their own."""
    if by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")
    if not access.can_change(by, file):
        raise PermissionDenied(
            "Only the person's department head, HR and the quality manager keep a training file."
        )
    if file.is_closed:
        raise ValidationError(f"{file.reference} is closed; reopen it first.")


def evaluator_for(person: User, *, by: User) -> User:
    """Who judges whether the person's training was effective: their department head; for a
    head, their manager; else a quality manager; never the person themselves."""
    head = person.department.head if person.department_id else None
    candidates = [head, person.manager]
    candidates += list(User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True).order_by("pk")[:2])
    candidates.append(by)
    for candidate in candidates:
        if candidate is not None and candidate.pk != person.pk and candidate.is_active:
            return candidate
    return by
