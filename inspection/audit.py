"""Audit-pack sections of the inspection module, read through ``qms.access`` as the user taking
the pack may see it, each in a constant number of queries:

- 8.5.2 traceability: the lots made in the period with their material lots and suppliers,
  operators, machine and drawing revision, inspections with the gauges used, and shipments;
- 8.6 release: the lots released in the period, who released them, the seven checks as they stood
  and the deviations accepted; the receipts accepted without incoming inspection, by whom and why;
- 8.7 nonconforming outputs: inspections that rejected a lot or receipt, and the receipts rejected.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch

from qms import history
from qms.access import restrict
from qms.auditpack import AuditSection

from .models import (
    GaugeUse,
    GoodsReceipt,
    Inspection,
    MaterialUse,
    ProductionLot,
    ReleaseDeviation,
    ShipmentLine,
)


def _lots_with_all(queryset, user):
    """A period's lots with their material and people, for the pack's table of lots; with
    ``user``, also the inspections and the gauges they used, and the shipments (each read as the
    user may see it), forward and backward traceability in one table."""
    return queryset.select_related("drawing_revision__document", "machine").prefetch_related(
        Prefetch("materials", queryset=MaterialUse.objects.select_related("receipt__supplier")),
        "operators__person",
        Prefetch(
            "inspections",
            queryset=restrict(Inspection.objects.all(), user)
            .select_related("inspector")
            .prefetch_related(Prefetch("gauges", queryset=GaugeUse.objects.select_related("instrument")))
            .order_by("inspected_on", "pk"),
            to_attr="pack_inspections",
        ),
        Prefetch(
            "shipment_lines",
            queryset=restrict(ShipmentLine.objects.all(), user)
            .select_related("shipment")
            .order_by("shipment__shipped_on", "pk"),
            to_attr="pack_shipments",
        ),
    )


def traceability(*, user, date_from, date_to) -> dict:
    lots = restrict(ProductionLot.objects.filter(started_on__range=(date_from, date_to)), user)
    return {"lots": list(_lots_with_all(lots, user).order_by("started_on", "lot_number"))}


def releases(*, user, date_from, date_to) -> dict:
    lots = restrict(
        ProductionLot.objects.filter(released_at__date__range=(date_from, date_to)), user
    ).select_related("released_by")
    deviations = restrict(ReleaseDeviation.objects.filter(lot__in=lots), user).select_related("accepted_by")
    by_lot: dict[int, list] = {}
    for d in deviations:
        by_lot.setdefault(d.lot_id, []).append(d)
    # Material let in with no incoming inspection (8.4.2, 8.6): the quality manager's step, with
    # who, when and why, as the receipt's page says it.
    waived = list(
        restrict(
            GoodsReceipt.objects.filter(status="accepted", received_on__range=(date_from, date_to)), user
        )
        .exclude(Exists(Inspection.objects.filter(receipt=OuterRef("pk"))))
        .select_related("supplier")
        .order_by("received_on", "pk")
    )
    steps = history.entered_each(GoodsReceipt, [r.pk for r in waived], "accepted", user)
    return {
        "released": [(lot, by_lot.get(lot.pk, [])) for lot in lots.order_by("released_at", "pk")],
        "accepted_without_inspection": [(r, steps.get(r.pk)) for r in waived],
    }


def nonconforming(*, user, date_from, date_to) -> dict:
    rejected = restrict(
        Inspection.objects.filter(status="rejected", inspected_on__range=(date_from, date_to)), user
    ).select_related("lot", "receipt__supplier", "inspector")
    receipts = restrict(
        GoodsReceipt.objects.filter(status="rejected", received_on__range=(date_from, date_to)), user
    ).select_related("supplier")
    return {
        "rejected": list(rejected.order_by("inspected_on", "pk")),
        "receipts": list(receipts.order_by("received_on")),
    }


SECTIONS = [
    AuditSection(
        "traceability",
        "Identification and traceability",
        "8.5.2",
        "inspection/audit_traceability.html",
        traceability,
        models=("inspection.goodsreceipt", "inspection.productionlot", "inspection.shipment"),
    ),
    AuditSection(
        "release",
        "Release of products",
        "8.6",
        "inspection/audit_release.html",
        releases,
        models=("inspection.inspectionplan", "inspection.inspection"),
    ),
    # Its evidence is the inspections that rejected: it reads the inspections' freshness as 8.6 does.
    AuditSection(
        "nonconforming",
        "Control of nonconforming outputs",
        "8.7",
        "inspection/audit_nonconforming.html",
        nonconforming,
        models=("inspection.inspection",),
    ),
]
