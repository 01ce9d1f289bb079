"""Writes of internal audits: plan the programme of a year on risk and previous results, plan an
audit (impartiality and competence checked, and said why when refused), build and answer its
checklist, record findings, issue the report; and the workflow effects that stamp the dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qms import access, gates, history
from qms.models import Department, Process, User
from qms.services import child_add, record_create, record_transition
from qms.workflow import TransitionError

from .. import clauses
from ..models import Audit, ChecklistItem, Finding, Programme

# --- impartiality and competence (ISO 9001 9.2.2 c) -----------------------------------------------


def auditor_competence() -> str:
    """The competence an internal auditor must hold (a training-module competence's title)."""
    return getattr(settings, "INTERNAL_AUDITOR_COMPETENCE", "Internal auditing (ISO 19011)")


def impartiality_refusals(
    *,
    person: User,
    departments: Iterable[Department],
    process: Process | None,
    clause_numbers: Iterable[str],
    programme: Programme | None,
) -> list[str]:
    """Why ``person`` may not audit this scope: their own department (by membership or as its
    head), the process their department runs, or their own work (the programme's owner auditing the
    internal audit process itself). Empty: impartial."""
    name = person.get_full_name() or person.username
    out = []
    departments = list(departments)
    own = [d for d in departments if d.pk == person.department_id or d.head_id == person.pk]
    if own:
        out.append(
            f"{name} belongs to {own[0].name}, an audited department: an auditor may not audit "
            "their own department (ISO 9001 9.2.2 c)."
        )
    if process is not None and process.department_id == person.department_id and not own:
        out.append(
            f"{name} works in {process.department.name}, which runs {process.name}: an auditor may "
            "not audit their own work (ISO 9001 9.2.2 c)."
        )
    if programme is not None and programme.owner_id == person.pk and "9.2" in set(clause_numbers):
        out.append(
            f"{name} owns the audit programme: they may not audit clause 9.2, their own work "
            "(ISO 9001 9.2.2 c)."
        )
    return out


def competence_refusals(person: User, on: dt.date) -> list[str]:
    """Why ``person`` may not audit on ``on``: the training module's answer to the kernel's
    ``competence`` gate for the internal-auditor competence."""
    try:
        found = gates.check("competence", on=on, person=person, competence=auditor_competence())
    except Exception as exc:  # noqa: BLE001 - an unknown competence is a refusal, not a crash
        return [f"{person}: the internal-auditor competence could not be checked ({exc})."]
    return [f"{person} may not audit: {r.message}" for r in found]


def check_auditors(
    *,
    lead: User,
    team: Iterable[User],
    departments: Iterable[Department],
    process: Process | None,
    clause_numbers: Iterable[str],
    programme: Programme | None,
    on: dt.date,
) -> None:
    """Refuse (beside the lead auditor or team field) an auditor who is not impartial or not
    competent; the message says why."""
    departments = list(departments)
    errors: dict[str, list[str]] = {}
    for field, people in (("owner", [lead]), ("team", list(team))):
        for person in people:
            found = impartiality_refusals(
                person=person,
                departments=departments,
                process=process,
                clause_numbers=clause_numbers,
                programme=programme,
            )
            found += competence_refusals(person, on)
            if found:
                errors.setdefault(field, []).extend(found)
    if errors:
        raise ValidationError(errors)


def _check_scope(*, clause_numbers, departments) -> list[str]:
    numbers = list(clause_numbers)
    errors = {}
    unknown = [c for c in numbers if c not in clauses.TITLES]
    if not numbers or unknown:
        errors["clauses"] = (
            "Choose the ISO 9001 clauses in scope." if not unknown else f"Unknown clause {unknown[0]}."
        )
    if not list(departments):
        errors["audited_departments"] = "Choose the department or departments audited."
    if errors:
        raise ValidationError(errors)
    return sorted(numbers, key=clauses.sort_key)


@transaction.atomic
def audit_plan(
    *,
    by: User,
    programme: Programme,
    owner: User,
    clauses: list[str],
    audited_departments: Iterable[Department],
    team: Iterable[User] = (),
    process: Process | None = None,
    **fields: Any,
) -> Audit:
    """Plan an audit in the programme: its scope, lead auditor (its owner) and team, checked for
    impartiality and competence on the planned date."""
    if programme.is_closed:
        raise ValidationError({"programme": f"{programme.reference} is closed."})
    departments, team = list(audited_departments), [p for p in team if p.pk != owner.pk]
    numbers = _check_scope(clause_numbers=clauses, departments=departments)
    on = fields.get("due_date") or timezone.localdate()
    check_auditors(
        lead=owner,
        team=team,
        departments=departments,
        process=process,
        clause_numbers=numbers,
        programme=programme,
        on=on,
    )
    audit = record_create(
        model=Audit, by=by, programme=programme, owner=owner, clauses=numbers, process=process, **fields
    )
    audit.audited_departments.set(departments)
    audit.team.set(team)
    return audit


@transaction.atomic
def audit_update(*, audit: Audit, by: User, reason: str = "", **fields: Any) -> Audit:
    """Change an audit's scope, dates or team before it is reported; the auditors are checked
    again against the new scope."""
    access.require_change(by, audit)
    if audit.status not in ("planned", "in_progress"):
        raise ValidationError("A reported audit is not changed: its report stands as issued.")
    departments = list(fields.pop("audited_departments", audit.audited_departments.all()))
    team = [p for p in fields.pop("team", audit.team.all()) if p.pk != fields.get("owner", audit.owner).pk]
    numbers = _check_scope(clause_numbers=fields.pop("clauses", audit.clauses), departments=departments)
    for name, value in fields.items():
        setattr(audit, name, value)
    audit.clauses = numbers
    check_auditors(
        lead=audit.owner,
        team=team,
        departments=departments,
        process=audit.process,
        clause_numbers=numbers,
        programme=audit.programme,
        on=audit.started_on or audit.due_date or timezone.localdate(),
    )
    from qms.services import record_update

    record_update(record=audit, by=by, reason=reason)
    audit.audited_departments.set(departments)
    audit.team.set(team)
    if audit.status == "in_progress":
        checklist_build(audit=audit, by=by)
    return audit


# --- the checklist ---------------------------------------------------------------------------------


def checklist_build(*, audit: Audit, by: User) -> int:
    """Add to the checklist a question for every clause in scope not asked yet: the company's own
    questions of the programme for that clause, or the standard's question when it has none.
    Safe to run again: nothing asked twice."""
    asked = set(audit.items.values_list("clause", "question"))
    own: dict[str, list[str]] = {}
    for q in audit.programme.questions.order_by("pk"):
        own.setdefault(q.clause, []).append(q.text)
    position = max([0, *audit.items.values_list("position", flat=True)])
    added = 0
    for number in sorted(audit.clauses, key=clauses.sort_key):
        for question in [clauses.QUESTIONS[number], *own.get(number, [])]:
            if (number, question) in asked:
                continue
            position += 1
            item = ChecklistItem(audit=audit, clause=number, question=question, position=position)
            history.save(item, by=by, reason="Checklist built from the clauses in scope")
            added += 1
    return added


@Audit.workflow.on("start")
def _started(audit: Audit, *, by: User, **kwargs) -> None:
    """Starting the audit checks the auditors again on the day, stamps it and builds the checklist."""
    try:
        check_auditors(
            lead=audit.owner,
            team=list(audit.team.all()),
            departments=list(audit.audited_departments.all()),
            process=audit.process,
            clause_numbers=audit.clauses,
            programme=audit.programme,
            on=timezone.localdate(),
        )
    except ValidationError as exc:
        raise TransitionError(" ".join(exc.messages)) from exc
    audit.started_on = timezone.localdate()
    checklist_build(audit=audit, by=by)


@Audit.workflow.on("report")
def _reported(audit: Audit, *, by: User, summary: str = "", **kwargs) -> None:
    if not summary.strip():
        raise TransitionError("Write the summary of the audit for its report.", field="summary")
    audit.summary = summary.strip()
    audit.reported_on = timezone.localdate()


@Audit.workflow.on("reopen")
def _reopened(audit: Audit, **kwargs) -> None:
    audit.reported_on = audit.reported_on  # the report stays; the history shows the reopening


@transaction.atomic
def audit_report(*, audit: Audit, by: User, summary: str) -> Audit:
    """Issue the audit's report: every checklist question answered, with the summary."""
    return record_transition(record=audit, name="report", by=by, summary=summary)


def checklist_question_add_row(*, audit: Audit, by: User, clause: str, question: str) -> ChecklistItem:
    """A question the lead auditor adds to this audit's checklist."""
    position = max([0, *audit.items.values_list("position", flat=True)]) + 1
    return child_add(
        model=ChecklistItem, by=by, audit=audit, clause=clause, question=question, position=position
    )


# --- findings --------------------------------------------------------------------------------------


def may_record_finding(user: User, audit: Audit) -> bool:
    return (
        not user.is_auditor
        and audit.status == "in_progress"
        and (user.pk == audit.owner_id or user.is_quality_manager or audit.on_team(user))
    )


@transaction.atomic
def finding_record(
    *,
    by: User,
    audit: Audit,
    grade: str,
    clause: str,
    evidence: str,
    title: str,
    owner: User,
    department: Department,
    due_date: dt.date | None = None,
    item: ChecklistItem | None = None,
    **fields: Any,
) -> Finding:
    """Record a finding of an audit in progress (a report issued is reopened first): against a
    clause in the audit's scope, with the objective evidence; its owner, of the audited
    department, answers for it."""
    if audit.status == "reported" and not by.is_auditor:
        raise ValidationError(
            {
                "audit": f"The report of {audit.reference} is issued: "
                "the quality manager reopens it to add a finding."
            }
        )
    if not may_record_finding(by, audit):
        raise PermissionDenied(
            "Only the lead auditor, the team or the quality manager record findings of an audit under way."
        )
    errors = {}
    if not clause:
        errors["clause"] = "Name the clause the finding is against."
    if not evidence.strip():
        errors["evidence"] = "Write the objective evidence: what was seen, where, which record."
    if department.pk not in set(audit.audited_departments.values_list("pk", flat=True)):
        errors["department"] = "A finding belongs to a department the audit covers."
    if item is not None and item.audit_id != audit.pk:
        errors["item"] = "That question belongs to another audit."
    if errors:
        raise ValidationError(errors)
    if due_date is None and grade in (Finding.Grade.MAJOR, Finding.Grade.MINOR):
        # A nonconformity is answered (a correction, a CAPA) within 14 or 30 days; an observation
        # or an opportunity for improvement asks the auditee for nothing: no due item for them.
        due_date = timezone.localdate() + dt.timedelta(days=30 if grade != Finding.Grade.MAJOR else 14)
    # The auditor files the finding for the audited department: not "their own" department.
    finding = Finding(
        audit=audit,
        grade=grade,
        clause=clause,
        evidence=evidence.strip(),
        title=title,
        owner=owner,
        department=department,
        due_date=due_date,
        item=item,
        status=Finding.workflow.initial,
        created_by=by,
        **fields,
    )
    from qms.models.records import next_reference

    finding.full_clean(exclude=["reference", "status", "created_by"])
    finding.reference = next_reference(Finding.reference_prefix, timezone.localdate().year)
    history.save(finding, by=by, reason=f"Finding of {audit.reference}")
    if item is not None and item.answer != ChecklistItem.Answer.FINDING:
        item.answer = ChecklistItem.Answer.FINDING
        history.save(item, by=by, reason=f"Finding {finding.reference}", update_fields=["answer"])
    history.touch(audit, by=by, reason=f"Finding {finding.reference} recorded")
    return finding


@Finding.workflow.on("close")
def _finding_closed(finding: Finding, **kwargs) -> None:
    finding.closed_on = timezone.localdate()


@Finding.workflow.on("reopen")
def _finding_reopened(finding: Finding, **kwargs) -> None:
    finding.closed_on = None


def findings_close_for(
    *, model: str, pk: int, transition: str, status: str, by_id: int | None = None
) -> None:
    """Subscriber of ``record.transition``: when an NCR or a CAPA closes, every finding it was
    raised from (linked to it) whose raised records are now all closed closes too."""
    from qms.services import get_system_user

    from ..selectors import findings_linked_to

    if model not in ("capa.capa", "capa.nonconformity"):
        return
    for finding in findings_linked_to(model, pk):
        if finding.status != "open" or _raised_closed_or_refusal(finding):
            continue
        record_transition(
            record=finding,
            name="close",
            by=get_system_user(),
            reason=f"Closed with {model.split('.')[1].upper()} it raised",
        )


def _raised_closed_or_refusal(finding: Finding) -> str | None:
    from ..models.findings import _raised_closed

    return _raised_closed(finding)


# --- the programme ---------------------------------------------------------------------------------


def overdue_q() -> Q:
    return Q(status="planned", due_date__lt=timezone.localdate())
