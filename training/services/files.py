"""A person's training file: opened, the job roles they take and give up, their absences, and the
file closed when they leave. Each write that changes who is available brings the coverage up to
date; taking a job role creates the training needs it brings."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from qms import history
from qms.models import User
from qms.rules import check_date
from qms.services import child_add, child_remove, child_update, transition

from ..models import Absence, JobRole, RoleAssignment, TrainingFile
from ._common import file_create, require_keeper
from .coverage import refresh_for_files
from .needs import needs_for_assignment


@transaction.atomic
def training_file_open(*, by: User, owner: User, note: str = "") -> TrainingFile:
    """Open the training file of a person who has none."""
    return file_create(person=owner, by=by, note=note)


@transaction.atomic
def job_role_take(*, file: TrainingFile, by: User, job_role: JobRole, since: dt.date) -> RoleAssignment:
    """The person takes a job role in their department: a training need for every competence it
    needs that they do not hold yet."""
    require_keeper(by, file)
    errors = {}
    if job_role.is_closed:
        errors["job_role"] = f"{job_role} is retired."
    elif job_role.department_id != file.department_id:
        errors["job_role"] = (
            f"{job_role} is a job role of {job_role.department}; {file.owner} works in {file.department}."
        )
    elif file.roles.filter(job_role=job_role, status="held").exists():
        errors["job_role"] = f"{file.owner} holds {job_role} already."
    try:
        check_date(since, what="The start date")
    except ValidationError as exc:
        errors["since"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    assignment = child_add(
        model=RoleAssignment,
        by=by,
        reason=f"Job role taken: {job_role}",
        file=file,
        job_role=job_role,
        since=since,
    )
    needs_for_assignment(assignment, by=by)
    return assignment


@RoleAssignment.workflow.on("end")
def _role_ended(assignment: RoleAssignment, *, by: User, **kwargs) -> None:
    """Giving up a job role ends it today; the needs it alone brought are no longer needed."""
    assignment.until = timezone.localdate()
    still = set(
        RoleAssignment.objects.filter(file_id=assignment.file_id, status="held")
        .exclude(pk=assignment.pk)
        .values_list("job_role__requirements__competence_id", flat=True)
    )
    for need in assignment.file.needs.filter(status="open", job_role_id=assignment.job_role_id):
        if need.competence_id is None or need.competence_id not in still:
            transition(obj=need, name="cancel", by=by, reason=f"Job role {assignment.job_role} ended")


def _absence_problems(file: TrainingFile, starts_on, ends_on, exclude_pk=None) -> dict[str, str]:
    errors = {}
    for name, value, what in (
        ("starts_on", starts_on, "The first day"),
        ("ends_on", ends_on, "The last day"),
    ):
        try:
            check_date(value, what=what)
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    if errors or starts_on is None or ends_on is None:
        return errors
    if ends_on < starts_on:
        return {"ends_on": "The absence ends before it starts."}
    overlapping = file.absences.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exclude(pk=exclude_pk)
    clash = overlapping.first()
    if clash is not None:
        errors["starts_on"] = f"{file.owner} is recorded absent {clash} already: change that absence instead."
    return errors


@transaction.atomic
def absence_add(*, file: TrainingFile, by: User, starts_on: dt.date, ends_on: dt.date) -> Absence:
    """The head records that the person is away from one day to another (nothing else: no reason
    and no medical detail); the coverage of what they are qualified in is computed again."""
    require_keeper(by, file)
    errors = _absence_problems(file, starts_on, ends_on)
    if errors:
        raise ValidationError(errors)
    absence = child_add(model=Absence, by=by, file=file, starts_on=starts_on, ends_on=ends_on)
    refresh_for_files([file.pk])
    return absence


@transaction.atomic
def absence_update(*, absence: Absence, by: User, starts_on: dt.date, ends_on: dt.date) -> Absence:
    require_keeper(by, absence.file)
    errors = _absence_problems(absence.file, starts_on, ends_on, exclude_pk=absence.pk)
    if errors:
        raise ValidationError(errors)
    child_update(child=absence, by=by, starts_on=starts_on, ends_on=ends_on)
    refresh_for_files([absence.file_id])
    return absence


@transaction.atomic
def absence_remove(*, absence: Absence, by: User, reason: str) -> None:
    file_id = absence.file_id
    child_remove(child=absence, by=by, reason=reason)
    refresh_for_files([file_id])


@TrainingFile.workflow.on("close", "reopen")
def _file_closed_or_reopened(file: TrainingFile, **kwargs) -> None:
    """A person who left no longer counts for coverage (and counts again when the file is
    reopened); the status is written first so the computation reads it."""
    TrainingFile.objects.filter(pk=file.pk).update(status=file.status)
    refresh_for_files([file.pk])


@transaction.atomic
def file_follows_person(
    *, user_id: int, from_department_id: int | None, to_department_id: int | None, by_id: int
) -> None:
    """Subscriber of ``person.moved``: a person's open training file (and so its open needs and
    its place in the competence matrix and the coverage) moves to their new department, with a
    history row saying so. A person moved to no department keeps it where it was."""
    from qms.models import Department

    if to_department_id is None:
        return
    by = User.objects.get(pk=by_id)
    department = Department.objects.get(pk=to_department_id)
    moved = []
    for file in TrainingFile.objects.select_for_update().filter(owner_id=user_id, status="open"):
        if file.department_id == to_department_id:
            continue
        file.department = department
        history.save(file, by=by, reason=f"Moved with {file.owner} to {department}")
        moved.append(file.pk)
    if moved:
        from .coverage import refresh_for_files

        refresh_for_files(moved)


@transaction.atomic
def file_closes_when_person_leaves(*, user_id: int, successor_id: int | None, by_id: int) -> None:
    """Subscriber of ``person.left``: the open training file of someone whose login was switched
    off is closed ("left the company": its needs are no one's due items any more, the person no
    longer counts for coverage), and every coverage alarm is answered again by whoever heads the
    competence's department now."""
    from .coverage import alarms_refresh

    by = User.objects.get(pk=by_id)
    for file in TrainingFile.objects.filter(owner_id=user_id, status="open"):
        transition(obj=file, name="close", by=by, reason="Left the company (login switched off)")
    alarms_refresh()
