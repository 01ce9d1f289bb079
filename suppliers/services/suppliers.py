"""The approved supplier list: suppliers proposed and kept by procurement, approved, approved with
conditions or disqualified by the quality manager with an electronic signature; their
certificates (an expired required one makes an approved supplier conditional on its own) and
their periodic evaluations."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, history
from qms.models import User
from qms.services import (
    child_add,
    get_system_user,
    record_create,
    record_transition,
    record_update,
    signature_sign,
)
from qms.workflow import TransitionError

from ..models import CERTIFICATE_KINDS, Evaluation, EvaluationScore, Supplier, SupplierCertificate
from ..selectors import missing_certificates, policy_for

# Weighted scores (1 to 5) and what they mean.
KEEP_APPROVED, APPROVE_WITH_CONDITIONS = Decimal("3.5"), Decimal("2.5")
UNSIGNED = "This decision is signed: use its form on the supplier's page, with your password."
EXPIRED_REASON = "Required certificate expired: {names}. Conditionally approved until a valid one is on file."


def _clashes(fields: dict, instance: Supplier | None = None) -> dict[str, str]:
    """A duplicate name or VAT number, said with the supplier that has it already."""
    errors = {}
    others = Supplier.objects.exclude(pk=instance.pk) if instance is not None else Supplier.objects.all()
    name = (fields.get("name") or "").strip()
    if name:
        found = others.filter(name__iexact=name).first()
        if found is not None:
            errors["name"] = f"{found.reference} {found.name} has this name already."
    vat = (fields.get("vat_number") or "").strip()
    if vat:
        found = others.filter(vat_number__iexact=vat).first()
        if found is not None:
            errors["vat_number"] = f"{found.reference} {found.name} has this VAT number already."
    return errors


def _normalised(fields: dict) -> dict:
    for key in ("name", "vat_number"):
        if key in fields and fields[key] is not None:
            fields[key] = " ".join(str(fields[key]).split())
    if "vat_number" in fields:
        fields["vat_number"] = fields["vat_number"].replace(" ", "").upper()
    if fields.get("name"):
        fields["title"] = fields["name"]
    return fields


@transaction.atomic
def supplier_create(*, by: User, **fields: Any) -> Supplier:
    """Propose a supplier (prospective until the quality manager approves it)."""
    fields = _normalised(fields)
    errors = _clashes(fields)
    if errors:
        raise ValidationError(errors)
    return record_create(model=Supplier, by=by, reason="Proposed", **fields)


@transaction.atomic
def supplier_update(*, supplier: Supplier, by: User, reason: str = "", **fields: Any) -> Supplier:
    """Change what we know of a supplier; a new tier moves its next evaluation by the new interval."""
    fields = _normalised(fields)
    errors = _clashes(fields, supplier)
    if errors:
        raise ValidationError(errors)
    tier_changed = "tier" in fields and fields["tier"] != supplier.tier
    supplier = record_update(record=supplier, by=by, reason=reason, **fields)
    if tier_changed:
        _plan_evaluation(supplier)
        history.save(supplier, by=by, reason=f"Tier {supplier.get_tier_display()}: next evaluation planned")
    return supplier


def _plan_evaluation(supplier: Supplier) -> None:
    """Next evaluation: the tier's interval after the latest one (or from today)."""
    policy = policy_for(supplier.tier)
    if policy is None:
        return
    latest = supplier.evaluations.order_by("-evaluated_on").values_list("evaluated_on", flat=True).first()
    supplier.due_date = (latest or timezone.localdate()) + relativedelta(months=policy.evaluation_months)


def _require_quality(by: User) -> None:
    if not by.is_quality_manager:
        raise PermissionDenied("Only the quality manager approves or disqualifies suppliers.")


@transaction.atomic
def supplier_approve(*, supplier: Supplier, by: User, password: str, reason: str = "") -> Supplier:
    """Approve (or re-approve) a supplier, signed by the quality manager. Refused while a required
    certificate is missing or expired, saying which."""
    _require_quality(by)
    missing = missing_certificates(supplier)
    if missing:
        raise ValidationError(
            {"password": "Not approved: required certificate missing or expired: " + ", ".join(missing) + "."}
        )
    supplier.conditions, supplier.conditional_until = "", None  # what the approval signs
    signature_sign(obj=supplier, by=by, password=password, meaning="Approved supplier", reason=reason)
    return record_transition(record=supplier, name="approve", by=by, reason=reason or "Approved", signed=True)


@Supplier.workflow.on("approve")
def _approved(supplier: Supplier, *, by: User, signed: bool = False, **kwargs) -> None:
    if not signed:
        raise TransitionError(UNSIGNED)
    supplier.approved_at, supplier.approved_by = timezone.now(), by
    supplier.conditions, supplier.conditional_until = "", None
    if supplier.due_date is None:
        _plan_evaluation(supplier)


@transaction.atomic
def supplier_approve_conditionally(
    *, supplier: Supplier, by: User, password: str, conditions: str, until: dt.date
) -> Supplier:
    """Approve with conditions that expire on a date, signed by the quality manager."""
    _require_quality(by)
    if not (conditions or "").strip():
        raise ValidationError({"conditions": "Say on which conditions the supplier is approved."})
    if until is None or until <= timezone.localdate():
        raise ValidationError({"until": "The conditional approval must expire in the future."})
    supplier.conditions, supplier.conditional_until = conditions.strip(), until
    signature_sign(obj=supplier, by=by, password=password, meaning="Conditionally approved supplier")
    return record_transition(
        record=supplier,
        name="approve_conditionally",
        by=by,
        reason=f"Conditions: {conditions.strip()}",
        conditions=conditions.strip(),
        until=until,
        signed=True,
    )


@Supplier.workflow.on("approve_conditionally")
def _conditional(
    supplier: Supplier, *, by: User, conditions: str = "", until=None, signed: bool = False, **kwargs
) -> None:
    if not (signed and conditions and until):
        raise TransitionError(UNSIGNED)
    supplier.conditions, supplier.conditional_until = conditions, until
    supplier.approved_at, supplier.approved_by = timezone.now(), by
    if supplier.due_date is None:
        _plan_evaluation(supplier)


@transaction.atomic
def supplier_disqualify(*, supplier: Supplier, by: User, password: str, reason: str) -> Supplier:
    """Disqualify a supplier, with a reason, signed by the quality manager."""
    _require_quality(by)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the supplier is disqualified."})
    signature_sign(obj=supplier, by=by, password=password, meaning="Disqualified supplier", reason=reason)
    return record_transition(record=supplier, name="disqualify", by=by, reason=reason, signed=True)


@Supplier.workflow.on("disqualify")
def _disqualified(supplier: Supplier, *, signed: bool = False, **kwargs) -> None:
    if not signed:
        raise TransitionError(UNSIGNED)


# --- certificates ------------------------------------------------------------------------------


@transaction.atomic
def certificate_add(*, by: User, supplier: Supplier, **fields: Any) -> SupplierCertificate:
    """A certificate the supplier holds, with its scan when there is one. A current certificate of
    the same kind (and number) it replaces is withdrawn."""
    if not access.can_change(by, supplier):
        raise PermissionDenied("Procurement and the quality manager keep suppliers' certificates.")
    upload = fields.pop("file", None)
    issued, expires = fields.get("issued_on"), fields.get("expires_on")
    if issued and expires and expires <= issued:
        raise ValidationError({"expires_on": "The expiry date must come after the issue date."})
    if upload is not None:
        certificate = child_add(model=SupplierCertificate, by=by, supplier=supplier, file=upload, **fields)
    else:
        certificate = child_add(model=SupplierCertificate, by=by, supplier=supplier, **fields)
    for old in supplier.certificates.filter(kind=certificate.kind, status="current").exclude(
        pk=certificate.pk
    ):
        if (old.expires_on or dt.date.max) <= (certificate.expires_on or dt.date.max):
            from qms.services import transition

            transition(obj=old, name="withdraw", by=by, reason=f"Replaced by {certificate}")
    _approval_restored(supplier)
    return certificate


def _approval_restored(supplier: Supplier) -> None:
    """A supplier made conditional on its own because a required certificate expired
    (``certificates_expire``) is approved again once every required certificate is valid: the
    condition said "until a valid one is on file". A condition the quality manager set stays."""
    prefix, suffix = EXPIRED_REASON.split("{names}")
    with transaction.atomic():
        locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
        automatic = locked.conditions.startswith(prefix) and locked.conditions.endswith(suffix)
        if locked.status != "conditional" or not automatic or missing_certificates(locked):
            return
        locked.status, locked.conditions, locked.conditional_until = "approved", "", None
        history.save(
            locked,
            by=get_system_user(),
            reason="Every required certificate is valid again: approved as before the certificate expired",
        )
    supplier.status, supplier.conditions = locked.status, locked.conditions


def certificates_expire(*, today: dt.date | None = None) -> list[Supplier]:
    """Every approved supplier whose required certificate has expired becomes conditionally
    approved on its own, saying why (run every morning)."""
    today = today or timezone.localdate()
    system = get_system_user()
    changed = []
    for supplier in Supplier.objects.filter(status="approved").prefetch_related("certificates"):
        missing = missing_certificates(supplier, on=today)
        if not missing:
            continue
        with transaction.atomic():
            locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
            if locked.status != "approved":
                continue
            locked.status = "conditional"
            locked.conditions = EXPIRED_REASON.format(names=", ".join(missing))
            locked.conditional_until = None
            history.save(locked, by=system, reason=f"Required certificate expired: {', '.join(missing)}")
        changed.append(locked)
    return changed


def daily() -> dict:
    """Every morning: expired required certificates make their suppliers conditional."""
    return {"conditional": [s.reference for s in certificates_expire()]}


# --- evaluations -------------------------------------------------------------------------------


def result_for(score: Decimal) -> str:
    if score >= KEEP_APPROVED:
        return Evaluation.Result.APPROVED
    if score >= APPROVE_WITH_CONDITIONS:
        return Evaluation.Result.CONDITIONAL
    return Evaluation.Result.REJECTED


@transaction.atomic
def evaluation_record(
    *,
    supplier: Supplier,
    by: User,
    evaluated_on: dt.date,
    evaluator: User,
    criteria: list[tuple[str, int, int]],
    note: str = "",
) -> Evaluation:
    """Record an evaluation: criteria (name, weight %, score 1–5) whose weights add up to 100; the
    weighted score gives the result, and the next evaluation falls due by the tier's interval."""
    if not access.can_change(by, supplier):
        raise PermissionDenied("Procurement and the quality manager evaluate suppliers.")
    if not criteria:
        raise ValidationError({"criteria": "Score at least one criterion."})
    total = sum(weight for _, weight, _ in criteria)
    if total != 100:
        raise ValidationError({"criteria": f"The weights add up to {total} %, not 100 %."})
    for name, _, score in criteria:
        if not 1 <= score <= 5:
            raise ValidationError({"criteria": f"“{name}”: a score is between 1 and 5, not {score}."})
    if evaluated_on > timezone.localdate():
        raise ValidationError({"evaluated_on": "An evaluation is recorded when it was done, not ahead."})
    weighted = sum(Decimal(weight * score) for _, weight, score in criteria) / Decimal(100)
    weighted = weighted.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    evaluation = child_add(
        model=Evaluation,
        by=by,
        supplier=supplier,
        evaluated_on=evaluated_on,
        evaluator=evaluator,
        note=note,
        score=weighted,
        result=result_for(weighted),
        reason=f"Evaluated: {weighted}",
    )
    rows = [
        EvaluationScore(evaluation=evaluation, criterion=name, weight=weight, score=score)
        for name, weight, score in criteria
    ]
    history.bulk_create(EvaluationScore, rows, by=by, reason="Evaluation scores")
    supplier = Supplier.objects.get(pk=supplier.pk)
    _plan_evaluation(supplier)
    history.save(supplier, by=by, reason=f"Evaluated {evaluated_on:%-d %b %Y}: next evaluation planned")
    return evaluation


# --- import ------------------------------------------------------------------------------------


def supplier_import(data: dict, *, existing: Supplier | None, by: User) -> Supplier:
    """One row of a supplier list: a new prospective supplier, or the existing one brought up to date."""
    if existing is None:
        return supplier_create(by=by, **data)
    return supplier_update(supplier=existing, by=by, reason="Imported", **data)


def certificate_import(data: dict, *, existing: SupplierCertificate | None, by: User) -> SupplierCertificate:
    """One row of a certificate list (without its scan): added unless the same one is on file."""
    if existing is not None:
        return existing
    return certificate_add(by=by, **data)


def kind_label(kind: str) -> str:
    return CERTIFICATE_KINDS.get(kind, kind)
