"""Reads of the inspection module: traceability both ways, where-used for a gauge, and the
pages' summaries. Everything reads through ``qms.access.restrict`` with the asking user and in a
constant number of queries, whatever the number of lots, inspections or results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.utils import timezone

from qms.access import restrict
from qms.whereused import Use

from .models import (
    GaugeUse,
    GoodsReceipt,
    Inspection,
    InspectionPlan,
    LotOperator,
    MaterialUse,
    ProductionLot,
    Shipment,
    ShipmentLine,
)
from .models.plans import Stage


@dataclass
class Trace:
    """What lies behind a shipment (or a lot): every material lot and its supplier, every operator,
    gauge, inspection and drawing revision."""

    lots: list = field(default_factory=list)
    receipts: list = field(default_factory=list)
    operators: list = field(default_factory=list)
    gauges: list = field(default_factory=list)
    inspections: list = field(default_factory=list)
    revisions: list = field(default_factory=list)


_PERSON = ("first_name", "last_name", "username")


def trace_back(lots, user) -> Trace:
    """Backward traceability (8.5.2) of the lots given (ids, or a queryset of lots), as far as the
    user may see: five queries whatever the number of lots or inspection results.

    Each level is one query by an indexed foreign key, narrowed to the columns shown, and the rows
    are stitched here: Django's prefetch machinery cost four times the queries themselves (bench/)."""
    found = restrict(ProductionLot.objects.filter(pk__in=lots), user)
    lots = list(
        found.select_related("drawing_revision__document").order_by("lot_number")
        # the lot page's own record is read in full elsewhere; here only what the trace shows
        .only(
            "reference", "lot_number", "part_number", "quantity", "status",
            "drawing_revision__label", "drawing_revision__document_id", "drawing_revision__document__number",
        )
    )  # fmt: skip
    ids = [lot.pk for lot in lots]
    trace = Trace(lots=lots)
    seen_revisions: set[int] = set()
    for lot in lots:
        if lot.drawing_revision_id not in seen_revisions:
            seen_revisions.add(lot.drawing_revision_id)
            trace.revisions.append((lot.drawing_revision, lot))
    uses = (
        MaterialUse.objects.filter(lot_id__in=ids)
        .select_related("receipt__supplier")
        .only(
            "receipt__reference", "receipt__part_number", "receipt__supplier_lot", "receipt__supplier__name"
        )
        .order_by("lot_id", "pk")
    )
    trace.receipts = list({use.receipt_id: use.receipt for use in uses}.values())
    operators = LotOperator.objects.filter(lot_id__in=ids).select_related("person")
    operators = operators.only(*(f"person__{f}" for f in _PERSON)).order_by("lot_id", "pk")
    trace.operators = list({op.person_id: op.person for op in operators}.values())
    trace.inspections = list(
        Inspection.objects.filter(lot_id__in=ids)
        .select_related("inspector")
        .only(
            "reference", "status", "stage", "inspected_on", "sample_size", "required_sample", "lot_id",
            *(f"inspector__{f}" for f in _PERSON),
        )
        .order_by("inspected_on", "pk")
    )  # fmt: skip
    by_inspection = {i.pk: i for i in trace.inspections}
    for i in trace.inspections:
        i.gauge_list = []
    gauges = GaugeUse.objects.filter(inspection_id__in=by_inspection).select_related("instrument")
    seen_gauges: set[int] = set()
    for g in gauges.only("inspection_id", "instrument__tag", "instrument__title").order_by(
        "inspection_id", "pk"
    ):
        inspection = by_inspection[g.inspection_id]
        inspection.gauge_list.append(g.instrument)
        if g.instrument_id not in seen_gauges:
            seen_gauges.add(g.instrument_id)
            trace.gauges.append((g.instrument, inspection))
    return trace


def shipment_trace(shipment: Shipment, user) -> Trace:
    """Everything behind a shipment: its lots are found in the same query as the lots themselves."""
    return trace_back(ShipmentLine.objects.filter(shipment=shipment).values("lot_id"), user)


@dataclass(frozen=True)
class Forward:
    lot: ProductionLot
    quantity: int
    shipments: list  # (shipment, quantity)


def trace_forward(receipt: GoodsReceipt, user) -> list[Forward]:
    """Forward traceability: every lot that consumed the receipt, and every shipment (with its
    customer) that contains those lots — three queries."""
    uses = list(
        restrict(MaterialUse.objects.filter(receipt=receipt), user)
        .select_related("lot")
        .order_by("lot__lot_number")
    )
    lot_ids = [u.lot_id for u in uses]
    lines = restrict(ShipmentLine.objects.filter(lot_id__in=lot_ids), user).select_related("shipment")
    by_lot: dict[int, list] = {}
    for line in lines.order_by("shipment__shipped_on", "pk"):
        by_lot.setdefault(line.lot_id, []).append((line.shipment, line.quantity))
    return [Forward(u.lot, u.quantity, by_lot.get(u.lot_id, [])) for u in uses]


def receipt_consumed(receipt: GoodsReceipt) -> int:
    return receipt.uses.aggregate(n=Sum("quantity"))["n"] or 0


def instrument_uses(instrument, *, date_from: dt.date | None, date_to: dt.date, user) -> list[Use]:
    """Where-used for calibration: every inspection the gauge measured in the period, the lot or
    receipt it judged, and every shipment (with its customer) containing such a lot."""
    start = date_from or dt.date.min
    inspections = list(
        restrict(
            Inspection.objects.filter(gauges__instrument=instrument, inspected_on__range=(start, date_to)),
            user,
        )
        .select_related("lot", "receipt")
        .order_by("inspected_on", "pk")
        .distinct()
    )
    uses = []
    lot_ids = set()
    for i in inspections:
        subject = f"lot {i.lot.lot_number}" if i.lot_id else f"receipt {i.receipt.reference}"
        uses.append(
            Use(
                i.inspected_on,
                i.get_stage_display(),
                i.reference,
                f"{i.title} ({subject})",
                i.get_absolute_url(),
                i,
            )
        )
        if i.lot_id:
            lot_ids.add(i.lot_id)
    lines = restrict(ShipmentLine.objects.filter(lot_id__in=lot_ids), user).select_related("shipment", "lot")
    for line in lines.order_by("shipment__shipped_on", "pk"):
        s = line.shipment
        uses.append(
            Use(
                s.shipped_on or timezone.localdate(s.created_at),
                "Shipped (suspect lot)",
                s.reference,
                f"Lot {line.lot.lot_number} × {line.quantity} to {s.customer}",
                s.get_absolute_url(),
                s,
            )
        )
    return uses


def iqc_plans(part_number, supplier_id):
    """The incoming inspection plans in use for a part from a supplier: that supplier's, or any
    supplier's. Values or expressions (``OuterRef("part_number")`` in a subquery of receipts)."""
    return InspectionPlan.objects.filter(status="active", part_number=part_number, stage=Stage.IQC).filter(
        Q(supplier_id=supplier_id) | Q(supplier__isnull=True)
    )


def iqc_plan_exists(receipt: GoodsReceipt) -> bool:
    """Whether an incoming inspection plan is in use for the receipt's part. One query."""
    return iqc_plans(receipt.part_number, receipt.supplier_id).exists()


def proposed_plan(*, lot: ProductionLot | None = None, receipt: GoodsReceipt | None = None) -> int | None:
    """The plan a new inspection of ``lot`` or ``receipt`` most likely follows: the plan in use for
    its part number at the stage it is at (incoming for a receipt, from its supplier or any;
    in-process while a lot is being made, final once it is finished, each falling back on the
    other), when exactly one fits. One query."""
    if receipt is not None:
        plans = iqc_plans(receipt.part_number, receipt.supplier_id)
        found = list(plans.values_list("pk", "supplier_id")[:10])
        own = [pk for pk, supplier in found if supplier == receipt.supplier_id]
        choice = own or [pk for pk, _ in found]
        return choice[0] if len(choice) == 1 else None
    if lot is not None:
        found = list(
            InspectionPlan.objects.filter(
                status="active", part_number=lot.part_number, stage__in=(Stage.FINAL, Stage.IPQC)
            ).values_list("pk", "stage")[:10]
        )
        order = (Stage.IPQC, Stage.FINAL) if lot.status == "open" else (Stage.FINAL, Stage.IPQC)
        for stage in order:
            at_stage = [pk for pk, s in found if s == stage]
            if at_stage:
                return at_stage[0] if len(at_stage) == 1 else None
    return None
