"""Reads of the inspection module: traceability both ways, where-used for a gauge, and the
pages' summaries. Everything reads through ``qms.access.restrict`` with the asking user and in a
constant number of queries, whatever the number of lots, inspections or results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Sum

from qms.access import restrict
from qms.whereused import Use

from .models import GaugeUse, GoodsReceipt, Inspection, MaterialUse, ProductionLot, Shipment, ShipmentLine


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


def _lots_with_all(queryset):
    return queryset.select_related("drawing_revision__document", "machine").prefetch_related(
        Prefetch("materials", queryset=MaterialUse.objects.select_related("receipt__supplier")),
        "operators__person",
        Prefetch(
            "inspections",
            queryset=Inspection.objects.select_related("inspector").prefetch_related(
                Prefetch("gauges", queryset=GaugeUse.objects.select_related("instrument"))
            ),
        ),
    )


def trace_back(lot_ids: list[int], user) -> Trace:
    """Backward traceability (8.5.2) of the lots given, as far as the user may see: five queries
    whatever the number of lots or inspection results."""
    lots = list(
        _lots_with_all(restrict(ProductionLot.objects.filter(pk__in=lot_ids), user)).order_by("lot_number")
    )
    trace = Trace(lots=lots)
    seen: dict[str, set] = {k: set() for k in ("receipts", "operators", "gauges", "inspections", "revisions")}

    def add(kind, key, value):
        if key not in seen[kind]:
            seen[kind].add(key)
            getattr(trace, kind).append(value)

    for lot in lots:
        add("revisions", lot.drawing_revision_id, (lot.drawing_revision, lot))
        for use in lot.materials.all():
            add("receipts", use.receipt_id, use.receipt)
        for op in lot.operators.all():
            add("operators", op.person_id, op.person)
        for inspection in lot.inspections.all():
            add("inspections", inspection.pk, inspection)
            for g in inspection.gauges.all():
                add("gauges", g.instrument_id, (g.instrument, inspection))
    return trace


def shipment_trace(shipment: Shipment, user) -> Trace:
    lot_ids = list(shipment.lines.values_list("lot_id", flat=True))
    return trace_back(lot_ids, user)


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
                s.shipped_on or s.created_at.date(),
                "Shipped (suspect lot)",
                s.reference,
                f"Lot {line.lot.lot_number} × {line.quantity} to {s.customer}",
                s.get_absolute_url(),
                s,
            )
        )
    return uses
