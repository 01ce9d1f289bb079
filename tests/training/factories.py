"""Builders for training tests: everything through the services, so references, history, needs
and coverage are what the product would produce."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from qms import access
from qms.models import Department, Process, Role, User
from tests.factories import UserFactory
from training import services
from training.models import Competence, JobRole, TrainingFile, TrainingRecord

_names = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def keeper_of(department: Department) -> User:
    """Who keeps the department's training files and catalogue in a test: its head, else a
    quality manager."""
    head = department.head
    if head is not None and head.role == Role.DEPARTMENT_HEAD:
        return head
    return User.objects.filter(role=Role.QUALITY_MANAGER).first() or UserFactory(
        role=Role.QUALITY_MANAGER, department=None
    )


def process(department: Department, name: str = "") -> Process:
    return Process.objects.create(name=name or f"Process {next(_names)}", department=department)


def competence(department: Department, *, title: str = "", by: User | None = None, **fields) -> Competence:
    by = by or keeper_of(department)
    fields.setdefault("process", process(department))
    fields.setdefault("owner", by)
    return services.competence_create(by=by, title=title or f"Competence {next(_names)}", **fields)


def job_role(department: Department, *, title: str = "", by: User | None = None, needs=()) -> JobRole:
    by = by or keeper_of(department)
    role = services.job_role_create(
        by=by, title=title or f"Job role {next(_names)}", department=department, owner=by
    )
    for comp, level in needs:
        services.requirement_add(job_role=role, by=by, competence=comp, level=level)
    return role


def person(department: Department, **kwargs) -> User:
    kwargs.setdefault("role", Role.STAFF)
    return UserFactory(department=department, **kwargs)


def file_of(user: User, *, by: User | None = None) -> TrainingFile:
    return services.file_for(user, by=by or keeper_of(user.department))


def train(
    user: User,
    comp: Competence,
    level: int = 2,
    *,
    on: dt.date | None = None,
    by: User | None = None,
    trainer: User | None = None,
    provider: str = "",
    **fields,
) -> TrainingRecord:
    """Record a training of ``user`` in ``comp``: by an external provider unless a trainer is
    named."""
    by = by or keeper_of(user.department)
    if by.pk == user.pk or not access.can_change(by, file_of(user, by=by)):
        by = User.objects.filter(role=Role.QUALITY_MANAGER).exclude(pk=user.pk).first() or UserFactory(
            role=Role.QUALITY_MANAGER, department=None
        )
    fields.setdefault("method", "on_the_job" if trainer else "external")
    fields.setdefault("result", "passed")
    return services.training_record_add(
        file=file_of(user, by=by),
        by=by,
        competence=comp,
        trained_on=on or today(),
        trainer=trainer,
        provider=provider or ("" if trainer else "Training centre"),
        level=level,
        **fields,
    )


def absent(user: User, start: dt.date, end: dt.date, *, by: User | None = None):
    by = by or keeper_of(user.department)
    return services.absence_add(file=file_of(user, by=by), by=by, starts_on=start, ends_on=end)
