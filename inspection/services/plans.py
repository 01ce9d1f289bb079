"""Inspection plans: re-assessment after a change, the quality manager's approval of reduced
inspection and resumption after discontinuation, and the switching rules applied lot by lot."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, history
from qms.models import User
from qms.services import get_system_user

from .. import sampling
from ..models import Inspection, InspectionPlan, PlanChange, SeverityChange


def _require_quality(by: User, what: str) -> None:
    if by.is_auditor or not by.is_quality_manager:
        raise PermissionDenied(f"Only the quality manager may {what}.")


@transaction.atomic
def plan_reassess(*, plan: InspectionPlan, by: User, note: str) -> InspectionPlan:
    """The sampling was reviewed after the changes recorded on the plan: level and AQL confirmed
    or changed (by editing the plan), noted with why."""
    access.require_change(by, plan)
    if not note.strip():
        raise ValidationError({"note": "Say what was re-assessed and what was decided."})
    plan.reassessed_on = timezone.localdate()
    history.save(plan, by=by, reason=f"Sampling re-assessed: {note.strip()}")
    return plan


@transaction.atomic
def plan_change_record(
    *, plan: InspectionPlan, by: User, kind: str, changed_on: dt.date, what: str
) -> PlanChange:
    """Record a change to the plan's process, part or supplier: the sampling is flagged until it
    is re-assessed."""
    access.require_change(by, plan)
    if changed_on > timezone.localdate():
        raise ValidationError({"changed_on": "A change is recorded once it has happened."})
    change = PlanChange(plan=plan, kind=kind, changed_on=changed_on, what=what, recorded_by=by)
    history.save(change, by=by, reason="Change recorded: re-assess the sampling", validate=True)
    return change


def plan_changes_for_revision(*, revision_id: int, document_id: int) -> None:
    """Subscriber: a drawing revision became effective: every plan whose characteristics come from
    that drawing asks for re-assessment (once: safe to run twice)."""
    from documents.models import Revision

    revision = Revision.objects.select_related("document").get(pk=revision_id)
    url = revision.get_absolute_url()
    system = get_system_user()
    for plan in InspectionPlan.objects.filter(drawing_id=document_id).exclude(status="retired"):
        if plan.changes.filter(source_url=url).exists():
            continue
        change = PlanChange(
            plan=plan,
            kind=PlanChange.Kind.DRAWING,
            changed_on=revision.effective_date or timezone.localdate(),
            what=f"{revision} became effective",
            source_url=url,
        )
        history.save(change, by=system, reason="New drawing revision: re-assess the sampling", validate=True)


def plan_changes_for_supplier_change(*, change_id: int, supplier_id: int) -> None:
    """Subscriber: a supplier change notification was recorded: that supplier's incoming plans for
    the parts it names (every part when it names none) ask for re-assessment (once: safe to run
    twice), from its first changed delivery, else the day we learned of it."""
    from suppliers.models import SupplierChange

    change = SupplierChange.objects.get(pk=change_id)
    url = change.get_absolute_url()
    parts = [p.strip().lower() for p in change.affected_parts.splitlines() if p.strip()]
    system = get_system_user()
    for plan in InspectionPlan.objects.filter(supplier_id=supplier_id).exclude(status="retired"):
        named = plan.part_number.lower()
        if parts and not any(named in p or p in named for p in parts):
            continue
        if plan.changes.filter(source_url=url).exists():
            continue
        change_row = PlanChange(
            plan=plan,
            kind=PlanChange.Kind.SUPPLIER,
            changed_on=change.effective_from or change.received_on,
            what=f"{change.reference}: {change.title}"[:300],
            source_url=url,
        )
        history.save(
            change_row, by=system, reason="Supplier change notified: re-assess the sampling", validate=True
        )


@transaction.atomic
def plan_reduced_approve(
    *, plan: InspectionPlan, by: User, approve: bool = True, note: str = ""
) -> InspectionPlan:
    """The quality manager agrees (or no longer agrees) to reduced inspection once the switching
    score and steady production allow it (ISO 2859-1, 9.3.3 c)."""
    _require_quality(by, "approve reduced inspection")
    plan.reduced_approved = approve
    history.save(
        plan,
        by=by,
        reason=("Reduced inspection approved" if approve else "Reduced inspection withdrawn")
        + (f": {note}" if note else ""),
    )
    if not approve and plan.severity == "reduced":
        _switch_to(
            plan,
            sampling.Switch(
                sampling.State("normal"),
                "Reduced → normal: the quality manager asked for normal inspection (ISO 2859-1, 9.3.4).",
                True,
            ),
            by=by,
        )
    return plan


@transaction.atomic
def plan_resume(*, plan: InspectionPlan, by: User, reason: str) -> InspectionPlan:
    """ISO 2859-1, 9.4: after the supplier or process has acted, inspection resumes, tightened."""
    _require_quality(by, "resume acceptance inspection")
    if not plan.discontinued:
        raise ValidationError({"reason": "Acceptance inspection under this plan is not discontinued."})
    if not reason.strip():
        raise ValidationError({"reason": "Say what the supplier or process has done."})
    _switch_to(plan, sampling.resume(plan.state()), by=by, note=reason.strip())
    return plan


def _switch_to(
    plan: InspectionPlan,
    step: sampling.Switch,
    *,
    by: User,
    inspection: Inspection | None = None,
    note: str = "",
) -> None:
    before = plan.severity
    plan.set_state(step.state)
    reason = step.reason + (f" {note}" if note else "")
    history.save(plan, by=by, reason=reason or "Switching rules")
    if step.changed:
        row = SeverityChange(
            plan=plan,
            changed_on=inspection.inspected_on if inspection else timezone.localdate(),
            from_severity=before,
            to_severity=step.state.severity,
            reason=reason,
            inspection=inspection,
            discontinued=step.state.discontinued,
        )
        history.save(row, by=by, reason=reason, validate=True)


def apply_switching(*, inspection: Inspection, by: User) -> sampling.Switch | None:
    """After an original inspection is decided, the switching rules move the plan's severity."""
    if not inspection.original:
        return None
    plan = InspectionPlan.objects.select_for_update().get(pk=inspection.plan_id)
    lot = sampling.Lot(
        accepted=inspection.status == "accepted",
        ac=inspection.ac,
        nonconforming=inspection.nonconforming,
        tighter_ac=sampling.tighter_ac(inspection.code_letter, plan.aql.normalize())
        if inspection.code_letter
        else None,
        reduced_approved=plan.reduced_approved,
    )
    step = sampling.switch(plan.state(), lot)
    _switch_to(plan, step, by=by, inspection=inspection)
    if step.state.discontinued:
        _raise_discontinuation_ncr(plan, inspection, by=by)
    return step


def _raise_discontinuation_ncr(plan: InspectionPlan, inspection: Inspection, *, by: User) -> None:
    """9.4: acceptance inspection stops and an NCR asks the supplier or process to act."""
    from capa.models import Nonconformity
    from qms.services import link_add, record_create

    system = get_system_user()
    ncr = record_create(
        model=Nonconformity,
        by=system,
        reason="Raised by the switching rules (ISO 2859-1, 9.4)",
        title=f"Acceptance inspection discontinued: {plan.title}",
        description=(
            f"Five lots were not accepted under tightened inspection of {plan.reference} "
            f"(part {plan.part_number}); acceptance inspection stops until the "
            f"{'supplier' if plan.supplier_id else 'process'} has acted. Last: {inspection.reference}."
        ),
        source="supplier" if plan.supplier_id else "internal",
        severity="major",
        part=plan.part_number,
        owner=plan.owner,
        department=plan.department,
    )
    link_add(source=ncr, target=plan, by=system, note="Discontinued by ISO 2859-1, 9.4")
