"""Inspections: opened with the sampling plan ISO 2859-1 gives for the lot, results per
characteristic (measured values or counts), the gauges used, and the decision whose effects move
the plan's severity and the receipt's status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from qms import access, history
from qms.models import User
from qms.services import record_create, record_update

from .. import sampling
from ..models import (
    CharacteristicResult,
    GaugeUse,
    GoodsReceipt,
    Inspection,
    InspectionPlan,
    PlanCharacteristic,
    ProductionLot,
)
from .lots import lot_held
from .plans import apply_switching


def _check_sizes(lot_size: int | None, sample_size: int | None) -> None:
    errors = {}
    if lot_size is None or lot_size < 1:
        errors["lot_size"] = "The lot size must be a positive number of items."
    elif sample_size is not None and sample_size > lot_size:
        errors["sample_size"] = f"The sample ({sample_size}) cannot be larger than the lot ({lot_size})."
    if errors:
        raise ValidationError(errors)


def sampling_plan(plan: InspectionPlan, lot_size: int) -> sampling.Plan:
    if lot_size < 2:
        # A lot of one item: inspect it.
        return sampling.Plan(plan.severity, "", "", lot_size, 0, 1, hundred_percent=True, lot_size=lot_size)
    try:
        return plan.plan_for(lot_size)
    except sampling.SamplingError as exc:
        raise ValidationError({"lot_size": str(exc)}) from exc


@transaction.atomic
def inspection_create(
    *,
    by: User,
    plan: InspectionPlan,
    inspector: User,
    inspected_on: dt.date,
    lot_size: int,
    lot: ProductionLot | None = None,
    receipt: GoodsReceipt | None = None,
    sample_size: int = 0,
    nonconforming: int = 0,
    original: bool = True,
    title: str = "",
    department=None,
    owner: User | None = None,
    note: str = "",
) -> Inspection:
    """Open an inspection of a receipt (IQC) or a production lot (IPQC, final) with the sampling
    plan the inspection plan gives for this lot size today."""
    _check_sizes(lot_size, sample_size)
    if (lot is None) == (receipt is None):
        raise ValidationError(
            {"lot": "Name the production lot or the goods receipt inspected (one of them)."}
        )
    if plan.status != "active":
        raise ValidationError({"plan": f"{plan.reference} is not in use."})
    if plan.discontinued:
        raise ValidationError(
            {
                "plan": f"Acceptance inspection under {plan.reference} is discontinued (ISO 2859-1, 9.4) "
                "until the supplier or process has acted."
            }
        )
    subject = lot or receipt
    if subject.part_number.strip().lower() != plan.part_number.strip().lower():
        raise ValidationError(
            {"plan": f"{plan.reference} is for part {plan.part_number}, not {subject.part_number}."}
        )
    if receipt is not None and plan.stage != "iqc":
        raise ValidationError({"plan": "A goods receipt is inspected by an incoming (IQC) plan."})
    if lot is not None and plan.stage == "iqc":
        raise ValidationError({"plan": "A production lot is inspected by an in-process or final plan."})
    if lot_size > subject.quantity:
        raise ValidationError({"lot_size": f"The lot holds {subject.quantity:,} items."})
    found = sampling_plan(plan, lot_size)
    what = plan.get_stage_display().split(" (")[0]
    name = getattr(subject, "lot_number", subject.reference)
    return record_create(
        model=Inspection,
        by=by,
        title=title or f"{what} inspection of {name} · {subject.part_number}",
        owner=owner or inspector,
        department=department or plan.department,
        stage=plan.stage,
        plan=plan,
        lot=lot,
        receipt=receipt,
        inspector=inspector,
        inspected_on=inspected_on,
        lot_size=lot_size,
        severity=found.severity,
        code_letter=found.letter,
        required_sample=found.sample_size,
        ac=found.ac,
        re=found.re,
        sample_size=sample_size,
        nonconforming=nonconforming,
        original=original,
        note=note,
    )


@transaction.atomic
def inspection_update(*, inspection: Inspection, by: User, reason: str = "", **fields) -> Inspection:
    """Change what was inspected (the sample, the count): the sample never exceeds the lot."""
    _check_sizes(
        fields.get("lot_size", inspection.lot_size), fields.get("sample_size", inspection.sample_size)
    )
    if fields.get("nonconforming", inspection.nonconforming) > fields.get(
        "sample_size", inspection.sample_size
    ):
        raise ValidationError({"nonconforming": "More nonconforming items than items inspected."})
    if "lot_size" in fields and fields["lot_size"] != inspection.lot_size:
        subject = inspection.lot or inspection.receipt
        if subject is not None and fields["lot_size"] > subject.quantity:
            raise ValidationError({"lot_size": f"The lot holds {subject.quantity:,} items."})
        # A corrected lot size sizes the sample again (ISO 2859-1: the code letter follows it).
        found = sampling_plan(inspection.plan, fields["lot_size"])
        fields.update(code_letter=found.letter, required_sample=found.sample_size, ac=found.ac, re=found.re)
    return record_update(record=inspection, by=by, reason=reason or "Inspection updated", **fields)


def parse_values(text: str) -> list[Decimal]:
    """Measured values typed one per item, separated by spaces, semicolons or new lines; a comma
    is read as a decimal mark."""
    values = []
    for token in text.replace(";", " ").split():
        try:
            value = Decimal(token.replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValidationError({"values": f"“{token}” is not a number."})
        values.append(value)
    return values


@transaction.atomic
def characteristic_result_add(
    *,
    inspection: Inspection,
    by: User,
    characteristic: PlanCharacteristic,
    values: str = "",
    inspected: int | None = None,
    nonconforming: int | None = None,
) -> CharacteristicResult:
    """The result of one characteristic: measured values judged against the drawing's limits, or
    a count of items inspected and nonconforming. The inspection's sample and count follow."""
    access.require_change(by, inspection)
    if inspection.is_closed:
        raise ValidationError(
            {"characteristic": "The inspection is decided; its results are kept as they are."}
        )
    if characteristic.plan_id != inspection.plan_id:
        raise ValidationError({"characteristic": "Choose a characteristic of this inspection's plan."})
    measured = parse_values(values or "")
    if measured:
        if not characteristic.is_variable:
            raise ValidationError(
                {"values": "This characteristic is an attribute: count the nonconforming items."}
            )
        if inspected is not None and inspected != len(measured):
            raise ValidationError(
                {
                    "inspected": f"{len(measured)} values typed for {inspected} items: one value per item "
                    "(leave the count empty, it follows from the values)."
                }
            )
        low, high = characteristic.limits()
        inspected = len(measured)
        nonconforming = sum(1 for v in measured if v < low or v > high)
    else:
        if inspected is None or inspected < 1:
            raise ValidationError(
                {"inspected": "Type the measured values, or the number of items inspected."}
            )
        nonconforming = nonconforming or 0
        if nonconforming > inspected:
            raise ValidationError({"nonconforming": "More nonconforming items than items inspected."})
    if inspected > inspection.lot_size:
        raise ValidationError(
            {"values": f"More items ({inspected}) than the lot holds ({inspection.lot_size})."}
        )
    row = CharacteristicResult(
        inspection=inspection,
        characteristic=characteristic,
        values=" ".join(str(v) for v in measured),
        inspected=inspected,
        nonconforming=nonconforming,
    )
    history.save(row, by=by, reason="Result recorded", validate=True)
    # An item is counted once however many of its characteristics fail: the largest count is a
    # floor, the sum a ceiling; we keep the ceiling so a lot is never accepted on a guess.
    results = list(inspection.results.all())
    inspection.sample_size = max(inspection.sample_size, max(r.inspected for r in results))
    inspection.nonconforming = min(inspection.sample_size, sum(r.nonconforming for r in results))
    history.save(inspection, by=by, reason=f"Result of {characteristic} recorded")
    return row


@transaction.atomic
def gauge_use_add(*, inspection: Inspection, by: User, instrument) -> GaugeUse:
    """A gauge used in the inspection (asked at release whether it was usable that day)."""
    access.require_change(by, inspection)
    if inspection.gauges.filter(instrument=instrument).exists():
        raise ValidationError({"instrument": f"{instrument} is already listed."})
    row = GaugeUse(inspection=inspection, instrument=instrument)
    history.save(row, by=by, reason="Gauge used", validate=True)
    return row


@Inspection.workflow.on("accept", "reject")
def _decided(inspection: Inspection, *, by: User, **kwargs) -> None:
    """A decided inspection moves the plan along the switching rules and decides the receipt."""
    # The effect runs before the row is saved: save the status first so the rules read it.
    inspection.save(update_fields=["status"])
    apply_switching(inspection=inspection, by=by)
    if inspection.status == "rejected":
        lot_held(
            lot_id=inspection.lot_id,
            receipt_id=inspection.receipt_id,
            inspection_id=inspection.pk,
            reason=f"{inspection.reference}: rejected",
        )
    if inspection.receipt_id and inspection.original:
        receipt = GoodsReceipt.objects.select_for_update().get(pk=inspection.receipt_id)
        target = "accepted" if inspection.status == "accepted" else "rejected"
        if receipt.status != target and receipt.status != "rejected":
            receipt.status = target
            history.save(
                receipt, by=by, reason=f"{inspection.reference}: {inspection.get_status_display().lower()}"
            )
