"""Rows of the spreadsheets most shops keep their matrix in, saved through the same services as a
page would: people's training records, the competences each job role needs, and who holds which
job role. Each is safe to import twice (the kernel's import finds what a row describes and leaves
it alone when nothing changed)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from qms.models import User

from ..models import JobRole, RoleAssignment, RoleRequirement, TrainingRecord
from ._common import file_for
from .catalogue import job_role_create, requirement_add, requirement_update
from .files import job_role_take
from .records import training_record_add


def record_import(data: dict, *, existing: TrainingRecord | None, by: User) -> TrainingRecord:
    """One row of training history: recorded in the person's file (opened if they have none),
    without an effectiveness evaluation (it is history, not a training just given)."""
    if existing is not None:
        raise ValidationError(
            f"{existing.file.owner} has a training in {existing.subject} on {existing.trained_on:%-d %b %Y} "
            "already, with other details: withdraw it on their training file first if it was wrong."
        )
    person = data["person"]
    file = file_for(person, by=by)
    fields = {k: v for k, v in data.items() if k != "person"}
    fields.setdefault("result", "passed")
    return training_record_add(file=file, by=by, evaluate=False, reason="Imported", **fields)


def requirement_import(data: dict, *, existing: RoleRequirement | None, by: User) -> RoleRequirement:
    """One row of the job role catalogue: the role (created in its department if new) needs the
    competence at the level."""
    if existing is not None:
        return requirement_update(requirement=existing, by=by, level=data["level"])
    role = JobRole.objects.filter(title__iexact=data["job_role"], department=data["department"]).first()
    if role is None:
        role = job_role_create(
            by=by, title=data["job_role"], department=data["department"], owner=by, reason="Imported"
        )
    return requirement_add(job_role=role, by=by, competence=data["competence"], level=data["level"])


def assignment_import(data: dict, *, existing: RoleAssignment | None, by: User) -> RoleAssignment:
    """One row of who holds which job role, since when."""
    if existing is not None:
        raise ValidationError(
            f"{existing.file.owner} holds {existing.job_role} since {existing.since:%-d %b %Y} already."
        )
    file = file_for(data["person"], by=by)
    return job_role_take(file=file, by=by, job_role=data["job_role"], since=data["since"])
