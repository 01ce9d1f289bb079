"""Supplier change notifications: recorded by whoever learns of the change (purchasing, goods-in),
evaluated by quality with engineering (affected parts and drawings, risk, the qualification
needed) and approved with a signature or rejected with a reason. Until then it is open: lots of
the supplier's material for the affected parts are not released (``gates.supplier_change_open``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import events
from qms.models import User
from qms.services import record_create, record_transition, signature_sign
from qms.workflow import TransitionError

from ..models import SupplierChange

CHANGE_OPENED = "suppliers.change_opened"
EVALUATE_WITHIN = dt.timedelta(days=14)
UNSIGNED = "Approve the change through its form, with your signature."


def _dates(fields: dict) -> dict[str, str]:
    errors = {}
    received, effective = fields.get("received_on"), fields.get("effective_from")
    if received and received > timezone.localdate():
        errors["received_on"] = "A change is recorded when we learned of it: not a day ahead."
    if effective and received and effective > received + dt.timedelta(days=3650):
        errors["effective_from"] = "Check the year of the first changed delivery."
    return errors


@transaction.atomic
def change_create(*, by: User, **fields: Any) -> SupplierChange:
    """Record a change at a supplier: open (not evaluated) from now, to be evaluated within two
    weeks of the day we learned of it unless a date is given, and told to whoever subscribed (the
    audits module proposes a risk)."""
    errors = _dates(fields)
    supplier = fields.get("supplier")
    if supplier is not None and supplier.status == "disqualified":
        errors["supplier"] = f"{supplier} is disqualified: nothing is bought from it."
    if errors:
        raise ValidationError(errors)
    if not fields.get("due_date"):
        # Left empty: two weeks from the day we learned of it, the date every page then shows
        # (the register's "Evaluate by" and the due list's alike).
        fields["due_date"] = (fields.get("received_on") or timezone.localdate()) + EVALUATE_WITHIN
    if not fields.get("title"):
        fields["title"] = f"{fields['supplier']}: {fields.get('kind', 'change')} change"
    change = record_create(model=SupplierChange, by=by, reason="Change notification recorded", **fields)
    events.publish(CHANGE_OPENED, change_id=change.pk, supplier_id=change.supplier_id)
    return change


@transaction.atomic
def change_evaluate(
    *,
    change: SupplierChange,
    by: User,
    risk: str,
    evaluation: str,
    affected_parts: str = "",
    first_article: bool = False,
    material_test: bool = False,
    capability_study: bool = False,
) -> SupplierChange:
    """Evaluate the change: its risk, what it does to the affected parts, the qualification it
    needs before it may be approved. Evaluating again replaces the evaluation (the history keeps it)."""
    if not (evaluation or "").strip():
        raise ValidationError(
            {"evaluation": "Say what the change does to the parts and why the risk is what it is."}
        )
    return record_transition(
        record=change,
        name="evaluate",
        by=by,
        reason=f"Evaluated: {risk} risk",
        values={
            "risk": risk,
            "evaluation": evaluation.strip(),
            "affected_parts": affected_parts.strip() if affected_parts else None,
            "first_article": first_article,
            "material_test": material_test,
            "capability_study": capability_study,
        },
    )


@SupplierChange.workflow.on("evaluate")
def _evaluated(change: SupplierChange, *, by: User, values: dict | None = None, **kwargs) -> None:
    if not values:
        raise TransitionError("Evaluate the change through its form.")
    for name, value in values.items():
        if value is not None:
            setattr(change, name, value)
    change.evaluated_by, change.evaluated_at = by, timezone.now()


@transaction.atomic
def change_approve(*, change: SupplierChange, by: User, password: str, note: str = "") -> SupplierChange:
    """Approve an evaluated change, signed by the quality manager: lots with the changed material
    may be released from today."""
    if not by.is_quality_manager:
        raise PermissionDenied("Only quality approves a supplier change.")
    if change.status != "evaluated":
        raise ValidationError({"password": "Evaluate the change before approving it."})
    if change.qualification and not (note or "").strip():
        # The evaluation said what must be shown before approval: the approval says it was.
        needed = " and ".join(change.qualification)
        raise ValidationError({"note": f"This change needed {needed}: give the results (report numbers)."})
    signature_sign(obj=change, by=by, password=password, meaning="Approved supplier change", reason=note)
    return record_transition(
        record=change, name="approve", by=by, reason=note or "Approved", note=note, signed=True
    )


@SupplierChange.workflow.on("approve")
def _approved(change: SupplierChange, *, by: User, note: str = "", signed: bool = False, **kwargs) -> None:
    if not signed:
        raise TransitionError(UNSIGNED)
    change.decided_by, change.decided_on, change.decision_note = by, timezone.localdate(), note


def change_reject(*, change: SupplierChange, by: User, reason: str) -> SupplierChange:
    return record_transition(record=change, name="reject", by=by, reason=reason)


@SupplierChange.workflow.on("reject")
def _rejected(change: SupplierChange, *, by: User, reason: str = "", **kwargs) -> None:
    change.decided_by, change.decided_on, change.decision_note = by, timezone.localdate(), reason
