"""Building audits, findings and risks for tests, through the services (so references, statuses and
history are what the product makes). Internal auditors are qualified through the training module."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from audits import services
from audits.models import Audit, Finding, Programme, Risk
from qms.models import Department, Process, Role, User
from qms.services import record_create, record_transition
from tests.factories import UserFactory
from tests.training import factories as tf
from training.models import Competence


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def quality_manager() -> User:
    return User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True).first() or UserFactory(
        role=Role.QUALITY_MANAGER, department=None
    )


def auditor_competence(department: Department) -> Competence:
    """The internal-auditor competence of the training catalogue (made once)."""
    title = settings.INTERNAL_AUDITOR_COMPETENCE
    found = Competence.objects.filter(title=title).first()
    return found or tf.competence(department, title=title, by=quality_manager())


def qualify(person: User, *, on: dt.date | None = None, level: int = 2) -> User:
    """Record ``person`` as a qualified internal auditor (trained a month ago unless said)."""
    department = person.department or Department.objects.order_by("pk").first()
    tf.train(person, auditor_competence(department), level, on=on or days(-30), by=quality_manager())
    return person


def process(department: Department, name: str = "") -> Process:
    return tf.process(department, name)


def programme(*, year: int | None = None, department: Department, owner: User | None = None) -> Programme:
    by = quality_manager()
    year = year or timezone.localdate().year
    found = Programme.objects.filter(year=year).first()
    if found is not None:
        return found
    return record_create(
        model=Programme,
        by=by,
        title=f"Internal audit programme {year}",
        year=year,
        owner=owner or by,
        department=department,
        due_date=dt.date(year, 12, 31),
    )


def audit(
    *,
    lead: User,
    audited: list[Department],
    department: Department | None = None,
    process: Process | None = None,
    clauses: tuple[str, ...] = ("7.2", "7.5", "8.5"),
    due: dt.date | None = None,
    team: tuple[User, ...] = (),
    start: bool = False,
    title: str = "",
) -> Audit:
    """An audit led by ``lead`` (qualified here) of the ``audited`` departments."""
    qualify(lead)
    for person in team:
        qualify(person)
    found = services.audit_plan(
        by=quality_manager(),
        programme=programme(department=department or audited[0]),
        owner=lead,
        clauses=list(clauses),
        audited_departments=audited,
        team=list(team),
        process=process,
        title=title or f"Audit of {', '.join(d.name for d in audited)}",
        department=department or lead.department or audited[0],
        due_date=due or days(7),
        criteria="ISO 9001:2015",
    )
    if start:
        record_transition(record=found, name="start", by=lead)
    return found


def finding(
    audit: Audit,
    *,
    by: User | None = None,
    grade: str = Finding.Grade.MINOR,
    clause: str = "7.5",
    owner: User | None = None,
    department: Department | None = None,
    title: str = "Superseded drawing at cell 3",
) -> Finding:
    department = department or audit.audited_departments.first()
    return services.finding_record(
        by=by or audit.owner,
        audit=audit,
        grade=grade,
        clause=clause,
        evidence="Drawing DRW-40512 rev B at cell 3; rev C effective since March.",
        title=title,
        owner=owner or _auditee(department),
        department=department,
    )


def _auditee(department: Department) -> User:
    """Who answers a finding for ``department``: its head, else one of its people."""
    found = (
        department.head or User.objects.filter(department=department, is_active=True).order_by("pk").first()
    )
    return found or UserFactory(department=department)


def risk(*, process: Process, owner: User, likelihood: int = 3, severity: int = 4, title: str = "") -> Risk:
    return services.risk_record(
        by=owner if owner.role in (Role.QUALITY_MANAGER, Role.DEPARTMENT_HEAD) else quality_manager(),
        title=title or f"Risk of {process.name}",
        process=process,
        owner=owner,
        department=owner.department or process.department,
        likelihood=likelihood,
        severity=severity,
    )
