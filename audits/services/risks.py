"""Writes of the risk register: record a risk with its first assessment, re-assess it (a point of
its trend), its actions; and the proposals live records make, accepted (a kernel link between the
risk and the record, the risk re-assessed or recorded) or dismissed by the risk's owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qms import access, history
from qms.models import Department, Process, RecordLink, User
from qms.registry import model_by_label
from qms.services import get_system_user, link_on_behalf, record_create, record_transition
from qms.workflow import TransitionError

from ..models import Proposal, Risk, RiskAction, RiskAssessment, scale


def check_scores(likelihood: int | None, severity: int | None) -> None:
    """Likelihood and severity on the company's scale, refused beside the field otherwise."""
    top = scale()
    errors = {}
    for name, value in (("likelihood", likelihood), ("severity", severity)):
        if value is None:
            errors[name] = f"Give the {name} on the scale 1 to {top}."
        elif not 1 <= int(value) <= top:
            errors[name] = f"The {name} is on the company's scale of 1 to {top}: {value} is outside it."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def risk_record(
    *, by: User, likelihood: int, severity: int, note: str = "", reason: str = "Created", **fields: Any
) -> Risk:
    """Record a risk or opportunity with its first assessment."""
    check_scores(likelihood, severity)
    if fields.get("due_date") is None:
        fields["due_date"] = timezone.localdate() + dt.timedelta(days=365)
    risk = record_create(
        model=Risk,
        by=by,
        reason=reason,
        likelihood=likelihood,
        severity=severity,
        score=likelihood * severity,
        **fields,
    )
    _assessment(risk, by=by, likelihood=likelihood, severity=severity, note=note or "First assessment")
    return risk


def _assessment(
    risk: Risk, *, by: User, likelihood: int, severity: int, note: str, on: dt.date | None = None
):
    row = RiskAssessment(
        risk=risk,
        assessed_on=on or timezone.localdate(),
        likelihood=likelihood,
        severity=severity,
        score=likelihood * severity,
        note=note,
        assessed_by=by,
    )
    history.save(row, by=by, reason="Assessed")
    return row


@transaction.atomic
def risk_update(*, risk: Risk, by: User, reason: str = "", **fields: Any) -> Risk:
    """Change what a risk says; its score changes only through an assessment."""
    from qms.services import record_update

    fields.pop("likelihood", None), fields.pop("severity", None)
    return record_update(record=risk, by=by, reason=reason, **fields)


@transaction.atomic
def risk_assess(
    *,
    risk: Risk,
    by: User,
    likelihood: int,
    severity: int,
    note: str = "",
    next_review: dt.date | None = None,
    on: dt.date | None = None,
) -> RiskAssessment:
    """Re-assess a risk: its likelihood, severity and score now, a point of its trend, and when it
    is reviewed next (a year on unless said)."""
    access.require_change(by, risk)
    if risk.is_closed:
        raise ValidationError("A retired risk is not assessed; reopen it first.")
    check_scores(likelihood, severity)
    if not note.strip():
        raise ValidationError({"note": "Say what changed, or what the assessment is based on."})
    on = on or timezone.localdate()
    row = _assessment(risk, by=by, likelihood=likelihood, severity=severity, note=note.strip(), on=on)
    risk.likelihood, risk.severity, risk.score = likelihood, severity, likelihood * severity
    risk.due_date = next_review or on + dt.timedelta(days=365)
    history.save(risk, by=by, reason=f"Assessed: {likelihood} × {severity} = {risk.score}")
    return row


@RiskAction.workflow.on("finish")
def _action_done(action: RiskAction, **kwargs) -> None:
    action.done_on = timezone.localdate()


# --- proposals ------------------------------------------------------------------------------------


def _decider(risk: Risk | None, process: Process | None) -> tuple[User, Department]:
    """Who decides a proposal: the risk's owner; for a new risk the head of the process's
    department; else the quality manager."""
    if risk is not None:
        return risk.owner, risk.department
    if process is not None and process.department.head_id and process.department.head.is_active:
        return process.department.head, process.department
    quality = User.objects.filter(role="quality", is_active=True).order_by("pk").first()
    if quality is None:
        quality = get_system_user()
    department = quality.department or (
        process.department if process else Department.objects.order_by("pk").first()
    )
    return quality, department


def linked_risks(label: str, pk: int) -> list[Risk]:
    """The active risks linked (by a kernel link, either way) to the record ``label``:``pk``."""
    model = model_by_label(label)
    if model is None or pk is None:
        return []
    from django.contrib.contenttypes.models import ContentType

    kind, risk_kind = ContentType.objects.get_for_model(model), ContentType.objects.get_for_model(Risk)
    ids = set(
        RecordLink.objects.filter(source_type=kind, source_id=pk, target_type=risk_kind).values_list(
            "target_id", flat=True
        )
    ) | set(
        RecordLink.objects.filter(target_type=kind, target_id=pk, source_type=risk_kind).values_list(
            "source_id", flat=True
        )
    )
    return list(Risk.objects.filter(pk__in=ids, status="active").select_related("owner", "department"))


def propose(
    *,
    kind: str,
    text: str,
    title: str,
    source_label: str = "",
    source_id: int | None = None,
    source_reference: str = "",
    risks: list[Risk] | None = None,
    process: Process | None = None,
    due_in_days: int = 14,
) -> list[Proposal]:
    """Propose to the register what a live record says: a link to each of ``risks`` (the risks
    the record, or the thing it is about, is linked to already), or a new risk when there are none.
    Safe to run twice: while a proposal of the source to that risk waits, or was decided in the last
    ``AUDIT_PROPOSAL_QUIET_DAYS`` (30), it is not proposed again; after that it is news again."""
    by = get_system_user()
    made = []
    quiet = timezone.now() - dt.timedelta(days=getattr(settings, "AUDIT_PROPOSAL_QUIET_DAYS", 30))
    for risk in risks or [None]:
        same = Proposal.objects.filter(kind=kind, source_label=source_label, source_id=source_id)
        # A new-risk proposal that was accepted names its risk now: it counts for that risk too.
        same = same.filter(risk=risk) if risk is None else same.filter(Q(risk=risk) | Q(risk=None))
        if same.filter(Q(status="proposed") | Q(updated_at__gte=quiet)).exists():
            continue
        owner, department = _decider(risk, process)
        proposal = Proposal(
            kind=kind,
            source_label=source_label,
            source_id=source_id,
            source_reference=source_reference[:60],
            text=text,
            risk=risk,
            process=process or (risk.process if risk else None),
            title=title[:200],
            owner=owner,
            department=department,
            due_date=timezone.localdate() + dt.timedelta(days=due_in_days),
            status=Proposal.workflow.initial,
            created_by=by,
        )
        from qms.models.records import next_reference

        proposal.reference = next_reference(Proposal.reference_prefix, timezone.localdate().year)
        history.save(proposal, by=by, reason=f"Proposed by {source_reference or Proposal.Kind(kind).label}")
        made.append(proposal)
    return made


def source_of(proposal: Proposal):
    """The record that made the proposal, when its module is installed and it still exists."""
    model = model_by_label(proposal.source_label) if proposal.source_label else None
    if model is None or proposal.source_id is None:
        return None
    return model._default_manager.filter(pk=proposal.source_id).first()


@Proposal.workflow.on("accept")
def _accepted(
    proposal: Proposal,
    *,
    by: User,
    title: str = "",
    likelihood: int | None = None,
    severity: int | None = None,
    owner: User | None = None,
    process: Process | None = None,
    note: str = "",
    existing: Risk | None = None,
    **kwargs,
) -> None:
    """Accepting links the risk to the record that proposed it, re-assessed; a proposal for a new
    risk may be answered by a risk already in the register (``existing``), else the risk is
    recorded first. Refused beside the field when something is missing."""
    try:
        check_scores(likelihood, severity)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise TransitionError(messages[0], field=field) from exc
    if proposal.risk is None and existing is not None:
        if existing.status != "active":
            raise TransitionError(f"{existing.reference} is not active.", field="existing")
        proposal.risk = existing
    risk = proposal.risk
    if risk is None:
        process = process or proposal.process
        if process is None:
            raise TransitionError("Choose the process the new risk belongs to.", field="process")
        if not (title or "").strip():
            raise TransitionError("Give the new risk a title.", field="title")
        owner = owner or by
        risk = risk_record(
            by=by,
            title=title.strip(),
            process=process,
            owner=owner,
            department=process.department,
            likelihood=likelihood,
            severity=severity,
            description=proposal.text,
            note=note.strip() or f"Recorded from {proposal.reference}",
            reason=f"Recorded from {proposal.reference}",
        )
        proposal.risk = risk
    else:
        if not access.can_change(by, risk):
            raise TransitionError(
                f"Only the owner of {risk.reference} (or the quality manager) accepts this."
            )
        risk_assess(
            risk=risk,
            by=by,
            likelihood=likelihood,
            severity=severity,
            note=note.strip() or f"Re-assessed on {proposal.reference}: {proposal.title}",
        )
    source = source_of(proposal)
    if source is not None:
        link_on_behalf(
            source=source,
            target=risk,
            by=by,
            note=f"{Proposal.Kind(proposal.kind).label} ({proposal.reference})",
        )
    proposal.decided_on = timezone.localdate()


@Proposal.workflow.on("dismiss")
def _dismissed(proposal: Proposal, **kwargs) -> None:
    proposal.decided_on = timezone.localdate()


@transaction.atomic
def proposal_accept(*, proposal: Proposal, by: User, reason: str = "", **fields: Any) -> Proposal:
    """Accept a proposal (the form's data: a new risk's title, process and owner; the scores)."""
    return record_transition(record=proposal, name="accept", by=by, reason=reason, **fields)
