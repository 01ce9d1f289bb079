"""KPIs of the inspection module. Per supplier (the supplier scorecard reads these keys):
ppm of received parts in rejected receipts, receipts rejected, on-time delivery. For the company
or a department: first-pass yield of final inspection, lots released with deviations, inspections
below the ISO 2859-1 sample size. Each a few queries for a whole series."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.urls import reverse

from qms import kpis

from .models import GoodsReceipt, Inspection, ProductionLot, ReleaseDeviation


def _pk(subject):
    return getattr(subject, "pk", subject)


def _receipts(subject):
    found = GoodsReceipt.objects.all()
    return found.filter(supplier_id=_pk(subject)) if subject is not None else found


def _in(period):
    return {"received_on__range": (period.start, period.end)}


def _ppm(found: dict) -> float | None:
    if not found.get("total"):
        return None
    return round((found["bad"] or 0) * 1_000_000 / found["total"])


_PARTS = {"total": Sum("quantity"), "bad": Sum("quantity", filter=Q(status="rejected"))}


def supplier_ppm_values(periods, subject=None) -> list[float | None]:
    """Parts in rejected receipts per million parts received in each period: one query."""
    return [_ppm(row) for row in kpis.per_period(_receipts(subject), "received_on", periods, **_PARTS)]


def supplier_ppm(period, subject=None) -> float | None:
    return supplier_ppm_values([period], subject)[0]


def _per_supplier(period, subjects, **aggregates) -> dict:
    """The period's receipts of each of ``subjects`` aggregated in one query, by supplier pk."""
    rows = (
        GoodsReceipt.objects.filter(supplier_id__in=[_pk(s) for s in subjects], **_in(period))
        .order_by()
        .values("supplier_id")
        .annotate(**aggregates)
    )
    return {row["supplier_id"]: row for row in rows}


def supplier_ppm_per_subject(period, subjects) -> dict:
    found = _per_supplier(period, subjects, **_PARTS)
    return {pk: _ppm(r) for pk, r in found.items() if r["total"]}


def supplier_lots_rejected_per_subject(period, subjects) -> dict:
    found = _per_supplier(period, subjects, n=Count("pk", filter=Q(status="rejected")))
    return {_pk(s): found.get(_pk(s), {}).get("n", 0) for s in subjects}


def supplier_on_time_per_subject(period, subjects) -> dict:
    on_time = Q(promised_on__isnull=False, received_on__lte=F("promised_on"))
    found = _per_supplier(
        period, subjects, n=Count("pk", filter=Q(promised_on__isnull=False)), good=Count("pk", filter=on_time)
    )
    return {pk: round(100 * r["good"] / r["n"], 1) for pk, r in found.items() if r["n"]}


def supplier_lots_rejected(period, subject=None) -> int:
    return _receipts(subject).filter(status="rejected", **_in(period)).count()


def supplier_lots_rejected_values(periods, subject=None) -> list[int]:
    return kpis.counted(_receipts(subject).filter(status="rejected"), "received_on", periods)


def supplier_on_time(period, subject=None) -> float | None:
    """Share of the period's receipts with a promised date that arrived by it."""
    return supplier_on_time_values([period], subject)[0]


def supplier_on_time_values(periods, subject=None) -> list[float | None]:
    found = _receipts(subject).filter(promised_on__isnull=False)
    return kpis.share(found, "received_on", periods, Q(received_on__lte=F("promised_on")))


def _finals(subject):
    found = Inspection.objects.filter(stage="final", original=True, status__in=("accepted", "rejected"))
    return found.filter(department=subject) if subject is not None else found


def first_pass_yield(period, subject=None) -> float | None:
    return first_pass_yield_values([period], subject)[0]


def first_pass_yield_values(periods, subject=None) -> list[float | None]:
    return kpis.share(_finals(subject), "inspected_on", periods, Q(status="accepted"))


def _released_with_deviations(subject):
    # EXISTS, not a count per lot: a trend groups the lots by month, which a HAVING would not allow.
    deviated = Exists(ReleaseDeviation.objects.filter(lot=OuterRef("pk")))
    found = ProductionLot.objects.filter(deviated, released_at__isnull=False)
    return found.filter(department=subject) if subject is not None else found


def released_with_deviations_values(periods, subject=None) -> list[int]:
    return kpis.counted(_released_with_deviations(subject), "released_at__date", periods)


def released_with_deviations(period, subject=None) -> int:
    return released_with_deviations_values([period], subject=subject)[0]


def _below(subject):
    found = Inspection.objects.filter(sample_size__lt=F("required_sample"))
    return found.filter(department=subject) if subject is not None else found


def below_sample(period, subject=None) -> int:
    return _below(subject).filter(inspected_on__range=(period.start, period.end)).count()


def below_sample_values(periods, subject=None) -> list[int]:
    return kpis.counted(_below(subject), "inspected_on", periods)


def _list(name: str, dates: str, by: str = "department", **params):
    """The register ``name`` showing what a measure counted: the records ``params`` select, of the
    period (the register's ``<dates>_from`` and ``<dates>_to`` filters, by the date the measure
    counts by) and, for a subject, of that subject (the register's filter ``by``)."""

    def url(period, subject=None) -> str:
        query = {**params, f"{dates}_from": period.start, f"{dates}_to": period.end}
        if subject is not None:
            query[by] = _pk(subject)
        return reverse(f"inspection:{name}_list") + "?" + urlencode(query)

    return url


MEASURES = [
    kpis.Measure(
        "inspection.supplier_ppm",
        "Supplier ppm (parts in rejected receipts)",
        "ppm",
        supplier_ppm,
        values=supplier_ppm_values,
        better="lower",
        subject="supplier",
        clause="8.4",
        per_subject=supplier_ppm_per_subject,
        url=_list("goodsreceipt", "received", "supplier", status="rejected"),
    ),
    kpis.Measure(
        "inspection.supplier_lots_rejected",
        "Supplier lots rejected",
        "count",
        supplier_lots_rejected,
        better="lower",
        subject="supplier",
        clause="8.4",
        per_subject=supplier_lots_rejected_per_subject,
        values=supplier_lots_rejected_values,
        url=_list("goodsreceipt", "received", "supplier", status="rejected"),
    ),
    kpis.Measure(
        "inspection.supplier_on_time",
        "Supplier on-time delivery",
        "%",
        supplier_on_time,
        subject="supplier",
        clause="8.4",
        per_subject=supplier_on_time_per_subject,
        values=supplier_on_time_values,
        url=_list("goodsreceipt", "received", "supplier", delivery="promised"),
    ),
    kpis.Measure(
        "inspection.first_pass_yield",
        "First-pass yield (final inspection)",
        "%",
        first_pass_yield,
        subject="department",
        clause="8.6",
        values=first_pass_yield_values,
        url=_list("inspection", "inspected", stage="final", first="yes"),
    ),
    kpis.Measure(
        "inspection.released_with_deviations",
        "Lots released with deviations",
        "count",
        released_with_deviations,
        values=released_with_deviations_values,
        better="lower",
        subject="department",
        clause="8.6",
        url=_list("productionlot", "released", deviations="yes"),
    ),
    kpis.Measure(
        "inspection.below_sample",
        "Inspections below the ISO 2859-1 sample size",
        "count",
        below_sample,
        better="lower",
        subject="department",
        clause="8.6",
        values=below_sample_values,
        url=_list("inspection", "inspected", below="yes"),
    ),
]
