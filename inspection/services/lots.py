"""Lots and shipments: material consumed, schedule changes, deviations signed by the quality
manager, release with its seven checks, and shipment of released lots only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from qms import access, events, history
from qms.models import User
from qms.services import signature_sign
from qms.workflow import TransitionError

from ..models import (
    GoodsReceipt,
    Inspection,
    MaterialUse,
    ProductionLot,
    ReleaseDeviation,
    ScheduleChange,
    Shipment,
    ShipmentLine,
)
from ..release import CHECK_TITLES, checks_for, held

LOT_HELD = "inspection.lot_held"
LOT_RELEASED = "inspection.lot_released"


def lot_held(*, lot_id: int | None, receipt_id: int | None, inspection_id: int | None, reason: str) -> None:
    """Tell whoever subscribed that a lot may not go on (an ERP blocks its stock): a production
    lot or a goods receipt an inspection rejected, or a receipt rejected by hand."""
    events.publish(LOT_HELD, lot_id=lot_id, receipt_id=receipt_id, inspection_id=inspection_id, reason=reason)


@GoodsReceipt.workflow.on("reject")
def _receipt_rejected(receipt: GoodsReceipt, *, by: User, reason: str = "", **kwargs) -> None:
    lot_held(lot_id=None, receipt_id=receipt.pk, inspection_id=None, reason=reason)


def may_release(user: User, lot: ProductionLot) -> bool:
    """Release (8.6) is quality control's: the quality manager and the inspection stewards."""
    if user.is_auditor or not access.can_view(user, lot):
        return False
    return user.is_quality_manager or access.is_steward(user, Inspection)


def may_accept_deviation(user: User, lot: ProductionLot) -> bool:
    return not user.is_auditor and user.is_quality_manager


@transaction.atomic
def material_use_add(*, lot: ProductionLot, by: User, receipt: GoodsReceipt, quantity: int) -> MaterialUse:
    """Material of a receipt consumed by the lot: never more than the receipt holds, never a
    rejected receipt."""
    access.require_change(by, lot)
    receipt = GoodsReceipt.objects.select_for_update().get(pk=receipt.pk)
    if receipt.status == "rejected":
        raise ValidationError({"receipt": f"{receipt.reference} was rejected: its material may not be used."})
    used = receipt.uses.aggregate(n=Sum("quantity"))["n"] or 0
    left = receipt.quantity - used
    if quantity < 1:
        raise ValidationError({"quantity": "Consume at least one unit."})
    if quantity > left:
        raise ValidationError(
            {
                "quantity": f"{receipt.reference} holds {receipt.quantity:,}; "
                f"{used:,} already used, {left:,} left."
            }
        )
    row = MaterialUse(lot=lot, receipt=receipt, quantity=quantity)
    history.save(row, by=by, reason="Material consumed", validate=True)
    return row


@transaction.atomic
def may_propose_schedule_change(user: User, lot: ProductionLot) -> bool:
    """Whoever reads an open lot may propose a change of its dates (sales hears of the customer's
    new delivery date first), an auditor never."""
    return not user.is_auditor and not lot.is_closed and access.can_view(user, lot)


def _changed_without_approval(lot: ProductionLot, field: str):
    """The date ``field`` had before the lot was edited to its present one without a schedule
    change recording it, or None (as the release check reads the lot's history)."""
    current = getattr(lot, field)
    recorded = {
        (c.old_date, c.new_date) for c in lot.schedule_changes.filter(field=field).exclude(status="rejected")
    }
    dates = list(lot.history.order_by("history_date", "history_id").values_list(field, flat=True))
    for before, after in reversed(list(zip(dates, dates[1:], strict=False))):
        if after == current and before is not None and before != after:
            return None if (before, after) in recorded else before
    return None


def schedule_change_propose(
    *, lot: ProductionLot, by: User, field: str, new_date, reason: str, affects: str = ""
) -> ScheduleChange:
    """Record a change of a planned date (who asked, why, what it affects); the lot's date changes
    when a head or the quality manager approves it. Anyone who reads the lot may propose one
    (``may_propose_schedule_change``)."""
    if not may_propose_schedule_change(by, lot):
        raise PermissionDenied("You may not propose a schedule change for this lot.")
    if field not in ScheduleChange.Field.values:
        raise ValidationError({"field": "Choose the date that changes."})
    old = getattr(lot, field)
    if old == new_date:
        # The date was changed on the lot itself (an edit): the change is recorded after the
        # fact, from the date it replaced, so that its approval settles the release check.
        old = _changed_without_approval(lot, field)
        if old is None:
            raise ValidationError({"new_date": "That is the date already planned."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the date changes."})
    row = ScheduleChange(
        lot=lot,
        field=field,
        old_date=old,
        new_date=new_date,
        reason=reason.strip(),
        affects=affects,
        requested_by=by,
    )
    history.save(row, by=by, reason="Schedule change proposed", validate=True)
    return row


@ProductionLot.workflow.on("finish")
def _lot_finished(lot: ProductionLot, **kwargs) -> None:
    """Production finishes today (the day its release checks are asked on), never before it began."""
    today = timezone.localdate()
    if lot.started_on > today:
        raise TransitionError(
            f"Production of lot {lot.lot_number} starts on {lot.started_on:%-d %b %Y}: "
            "it cannot finish before."
        )
    if lot.finished_on is None or lot.finished_on > today:
        lot.finished_on = today


@ProductionLot.workflow.on("reopen")
def _lot_reopened(lot: ProductionLot, **kwargs) -> None:
    lot.finished_on = None  # back in production: it finishes again


@ScheduleChange.workflow.on("approve")
def _schedule_approved(change: ScheduleChange, *, by: User, **kwargs) -> None:
    """An approved change moves the lot's date (recorded in the lot's history with the reason)."""
    lot = ProductionLot.objects.select_for_update().get(pk=change.lot_id)
    current = getattr(lot, change.field)
    if current == change.new_date:  # a change made on the lot, recorded after the fact
        change.decided_by = by
        return
    if current != change.old_date:
        raise TransitionError("The lot's date changed since this was proposed: propose the change again.")
    setattr(lot, change.field, change.new_date)
    history.save(lot, by=by, reason=f"Schedule change approved: {change.reason}")
    change.decided_by = by


@ScheduleChange.workflow.on("reject")
def _schedule_rejected(change: ScheduleChange, *, by: User, **kwargs) -> None:
    change.decided_by = by


@transaction.atomic
def deviation_accept(
    *, lot: ProductionLot, by: User, check: str, reason: str, password: str
) -> ReleaseDeviation:
    """The quality manager accepts what a release check found, with a reason and an electronic
    signature: a deviation kept on the lot that lets it be released all the same."""
    if not may_accept_deviation(by, lot):
        raise PermissionDenied("Only the quality manager may accept a deviation.")
    if lot.status not in ("open", "finished"):
        raise ValidationError({"check": "The lot is already released."})
    found = {c.key: c for c in checks_for(lot)}
    if check not in found or found[check].state != "failed":
        raise ValidationError({"check": f"“{CHECK_TITLES.get(check, check)}” has nothing to accept."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the lot may be released all the same."})
    row = ReleaseDeviation(
        lot=lot,
        check_key=check,
        finding=found[check].text,
        reason=reason.strip(),
        accepted_by=by,
        accepted_at=timezone.now(),
    )
    history.save(row, by=by, reason=f"Deviation accepted: {CHECK_TITLES[check]}", validate=True)
    signature_sign(obj=row, by=by, password=password, meaning="Deviation accepted", reason=row.reason)
    return row


@transaction.atomic
def lot_release(*, lot: ProductionLot, by: User, note: str = "") -> ProductionLot:
    """Release a finished lot once each of the seven checks is clear or accepted; what the checks
    said is kept on the lot as it stood that day."""
    if not may_release(by, lot):
        raise PermissionDenied("Release is for quality control and the quality manager.")
    lot = ProductionLot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != "finished":
        raise ValidationError(
            {"note": f"Only a finished lot is released; this one is {lot.get_status_display().lower()}."}
        )
    stopped = held(lot)
    if stopped:
        raise ValidationError({"note": "Release refused: " + " ".join(f.message for f in stopped)})
    checks = checks_for(lot)
    blocking = [c for c in checks if c.blocks]
    if blocking:
        raise ValidationError(
            {"note": "Release refused: " + "; ".join(f"{c.number}. {c.title}" for c in blocking) + "."}
        )
    lot.status = "released"
    lot.released_at = timezone.now()
    lot.released_by = by
    lot.release_checks = [c.as_snapshot() for c in checks]
    history.save(lot, by=by, reason="Released" + (f": {note.strip()}" if note.strip() else ""))
    events.publish(LOT_RELEASED, lot_id=lot.pk)
    return lot


@transaction.atomic
def shipment_line_add(*, shipment: Shipment, by: User, lot: ProductionLot, quantity: int) -> ShipmentLine:
    """A released lot into a shipment: never a lot that is not released, never more than it holds."""
    access.require_change(by, shipment)
    lot = ProductionLot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != "released":
        raise ValidationError({"lot": f"Lot {lot.lot_number} is not released: it may not be shipped."})
    stopped = held(lot)
    if stopped:
        raise ValidationError(
            {"lot": f"Lot {lot.lot_number} may not be shipped: " + " ".join(f.message for f in stopped)}
        )
    shipped = lot.shipment_lines.aggregate(n=Sum("quantity"))["n"] or 0
    if quantity < 1 or quantity + shipped > lot.quantity:
        raise ValidationError(
            {"quantity": f"Lot {lot.lot_number} holds {lot.quantity:,}; {shipped:,} already in shipments."}
        )
    row = ShipmentLine(shipment=shipment, lot=lot, quantity=quantity)
    history.save(row, by=by, reason="Lot added to the shipment", validate=True)
    return row


@Shipment.workflow.on("ship")
def _shipped(shipment: Shipment, *, by: User, **kwargs) -> None:
    """Shipping stamps the day; a lot shipped in full is marked shipped."""
    shipment.shipped_on = timezone.localdate()
    for line in shipment.lines.select_related("lot"):
        lot = line.lot
        total = lot.shipment_lines.aggregate(n=Sum("quantity"))["n"] or 0
        if lot.status == "released" and total >= lot.quantity:
            lot.status = "shipped"
            history.save(lot, by=by, reason=f"Shipped with {shipment.reference}")
