"""The competence catalogue and job roles: created and changed by HR, the heads and the quality
manager. A competence belongs to the department of its process; a requirement or a document added
to a job role reaches everyone already holding it (a training need each), as taking the role would."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from documents.models import Document
from qms.models import User
from qms.services import child_add, child_remove, record_create, record_update

from ..models import Competence, JobRole, Level, RoleDocument, RoleRequirement
from .coverage import alarms_refresh
from .needs import needs_for_assignment


def _competence_problems(fields: dict, instance: Competence | None = None) -> dict[str, str]:
    errors = {}
    title = (fields.get("title") or (instance.title if instance else "")).strip()
    clash = Competence.objects.filter(title__iexact=title)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if title and clash.exists():
        errors["title"] = "A competence with this name exists already."
    authorises = fields.get("authorises", instance.authorises if instance else "")
    instrument = fields.get("instrument_type", instance.instrument_type if instance else "")
    if authorises == "calibration" and not (instrument or "").strip():
        errors["instrument_type"] = "Name the instrument type this competence allows calibrating."
    process = fields.get("process")
    if process is not None and not process.active and (instance is None or instance.process_id != process.pk):
        errors["process"] = f"{process} is no longer an active process."
    return errors


@transaction.atomic
def competence_create(*, by: User, **fields: Any) -> Competence:
    """A new competence in the catalogue, owned by the department of its process."""
    errors = _competence_problems(fields)
    if errors:
        raise ValidationError(errors)
    if fields.get("process") is not None:
        fields["department"] = fields["process"].department
    competence = record_create(model=Competence, by=by, **fields)
    alarms_refresh(competences=[competence])  # nobody holds it yet: short from today, if a minimum
    return competence


@transaction.atomic
def competence_update(*, competence: Competence, by: User, reason: str = "", **fields: Any) -> Competence:
    """Change a competence; a new minimum coverage is judged at once."""
    errors = _competence_problems(fields, competence)
    if errors:
        raise ValidationError(errors)
    if fields.get("process") is not None:
        fields["department"] = fields["process"].department
    competence = record_update(record=competence, by=by, reason=reason, **fields)
    alarms_refresh(competences=[competence])
    return competence


@Competence.workflow.on("retire", "reinstate")
def _competence_in_or_out_of_use(competence: Competence, **kwargs) -> None:
    """A retired competence raises no alarm; one put back in use is judged again."""
    alarms_refresh(competences=[competence])


@transaction.atomic
def job_role_create(*, by: User, **fields: Any) -> JobRole:
    _role_name_free(fields.get("title", ""), fields.get("department"))
    return record_create(model=JobRole, by=by, **fields)


@transaction.atomic
def job_role_update(*, job_role: JobRole, by: User, reason: str = "", **fields: Any) -> JobRole:
    _role_name_free(
        fields.get("title", job_role.title), fields.get("department", job_role.department), job_role
    )
    return record_update(record=job_role, by=by, reason=reason, **fields)


def _role_name_free(title: str, department, instance: JobRole | None = None) -> None:
    clash = JobRole.objects.filter(title__iexact=(title or "").strip(), department=department)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if department is not None and clash.exists():
        raise ValidationError({"title": f"{department} has a job role of that name already."})


def _reach_holders(job_role: JobRole, by: User) -> None:
    for assignment in job_role.assignments.filter(status="held", file__status="open").select_related(
        "file", "job_role"
    ):
        needs_for_assignment(assignment, by=by)


@transaction.atomic
def requirement_add(*, job_role: JobRole, by: User, competence: Competence, level: int) -> RoleRequirement:
    """The job role needs a competence at a level: everyone holding the role who does not, gets a
    training need."""
    errors = {}
    if competence.is_closed:
        errors["competence"] = f"{competence} is retired."
    elif job_role.requirements.filter(competence=competence).exists():
        errors["competence"] = f"{job_role} needs {competence} already; change its level instead."
    if level not in (Level.IN_TRAINING, Level.QUALIFIED, Level.TRAINER):
        errors["level"] = "Choose a level between 1 and 3."
    if errors:
        raise ValidationError(errors)
    requirement = child_add(
        model=RoleRequirement, by=by, job_role=job_role, competence=competence, level=level
    )
    _reach_holders(job_role, by)
    return requirement


@transaction.atomic
def requirement_update(*, requirement: RoleRequirement, by: User, level: int, **ignored) -> RoleRequirement:
    """A different minimum level: holders below it get a training need."""
    from qms.services import child_update

    if level not in (Level.IN_TRAINING, Level.QUALIFIED, Level.TRAINER):
        raise ValidationError({"level": "Choose a level between 1 and 3."})
    child_update(child=requirement, by=by, level=level)
    _reach_holders(requirement.job_role, by)
    return requirement


@transaction.atomic
def requirement_remove(*, requirement: RoleRequirement, by: User, reason: str) -> None:
    child_remove(child=requirement, by=by, reason=reason)


@transaction.atomic
def role_document_add(*, job_role: JobRole, by: User, document: Document) -> RoleDocument:
    """The job role works to a document: when the document requires training, everyone holding
    the role who was not trained on its current revision gets a training need."""
    if job_role.documents.filter(document=document).exists():
        raise ValidationError({"document": f"{job_role} uses {document.number} already."})
    if document.is_closed:
        raise ValidationError({"document": f"{document.number} is obsolete."})
    row = child_add(model=RoleDocument, by=by, job_role=job_role, document=document)
    if document.requires_training:
        _reach_holders(job_role, by)
    return row
