"""Reads of the supplier module: what a supplier must hold and is missing, and the lists the
pages and the other modules' questions need."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Case, CharField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from .models import CERTIFICATE_KINDS, CertificateKind, Supplier, SupplierCertificate, TierPolicy


def policy_for(tier: str) -> TierPolicy | None:
    return TierPolicy.objects.filter(tier=tier).first()


def required_kinds(
    supplier: Supplier, policy: TierPolicy | None = None, *, policies: dict[str, TierPolicy] | None = None
) -> list[str]:
    """The certificates the supplier's tier requires, and ISO/IEC 17025 of a calibration lab. The
    tier's policy is ``policy``, else looked up in ``policies`` (every tier's, read once for many
    suppliers: a tier without one requires nothing), else read."""
    if policies is not None:
        policy = policies.get(supplier.tier)
    elif policy is None:
        policy = policy_for(supplier.tier)
    kinds = list(policy.required_certificates) if policy else []
    if supplier.calibration_lab and CertificateKind.ISO17025 not in kinds:
        kinds.append(CertificateKind.ISO17025)
    return kinds


def missing_certificates(
    supplier: Supplier, *, on: dt.date | None = None, policy: TierPolicy | None = None
) -> list[str]:
    """The names of the required certificates the supplier does not hold valid on the date (its
    tier's ``policy`` given, when the caller has read it, else read)."""
    on = on or timezone.localdate()
    held = {
        c.kind
        for c in supplier.certificates.all()
        if c.status == "current" and c.issued_on <= on and (c.expires_on is None or c.expires_on >= on)
    }
    return [CERTIFICATE_KINDS[k] for k in required_kinds(supplier, policy) if k not in held]


# A certificate's standing as the register, its CSV and the audit pack show it: "Current" is what
# the row says, "Expired" what its date says (the supplier's page already marked it; the register,
# and the pack after it, said "Current").
VALIDITY = {"current": "Current", "expired": "Expired", "withdrawn": "Withdrawn"}


def validity_case(today: dt.date) -> Case:
    """A certificate's standing on ``today``: withdrawn, expired by its date, else current."""
    return Case(
        When(status="withdrawn", then=Value("withdrawn")),
        When(expires_on__lt=today, then=Value("expired")),
        default=Value("current"),
        output_field=CharField(),
    )


IN_USE = ("approved", "conditional")


def lacking_required(days: list[dt.date], suppliers=None) -> dict[dt.date, set[int]]:
    """For each day, the ids of the suppliers in use (of ``suppliers``, else all) that did not
    hold every certificate they require valid on it (``required_kinds``; a certificate counts
    from the day it was issued). Three queries whatever the number of days: the KPI "Suppliers
    with an expired required certificate" counts these and the supplier list's filter lists them."""
    in_use = (Supplier.objects.all() if suppliers is None else suppliers).filter(status__in=IN_USE)
    if not days:
        return {}
    policies = {p.tier: p for p in TierPolicy.objects.all()}
    needs = {
        s.pk: kinds
        for s in in_use.only("pk", "tier", "calibration_lab")
        if (kinds := set(required_kinds(s, policies=policies)))
    }
    certificates = list(
        SupplierCertificate.objects.filter(
            supplier__in=in_use, status="current", issued_on__lte=max(days)
        ).values_list("supplier_id", "kind", "issued_on", "expires_on")
    )
    found = {}
    for day in days:
        held: dict[int, set[str]] = {}
        for supplier_id, kind, issued_on, expires_on in certificates:
            if issued_on <= day and (expires_on is None or expires_on >= day):
                held.setdefault(supplier_id, set()).add(kind)
        found[day] = {pk for pk, kinds in needs.items() if not kinds <= held.get(pk, set())}
    return found


# --- NCRs naming a supplier (kernel links) -------------------------------------------------------

RECEIPT_MEASURES = {
    "ppm": "inspection.supplier_ppm",
    "rejected": "inspection.supplier_lots_rejected",
    "on_time": "inspection.supplier_on_time",
}


def _ncr_model():
    from capa.models import Nonconformity

    return Nonconformity


def ncr_ids_by_supplier(supplier_ids=None) -> dict[int, set[int]]:
    """The NCRs that name each supplier: linked to it, or to one of its SCARs (two queries)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from qms.models import RecordLink

    from .models import Scar

    ncr_type = ContentType.objects.get_for_model(_ncr_model())
    supplier_type = ContentType.objects.get_for_model(Supplier)
    scar_type = ContentType.objects.get_for_model(Scar)
    pair_q = Q(source_type=ncr_type, target_type__in=[supplier_type, scar_type]) | Q(
        target_type=ncr_type, source_type__in=[supplier_type, scar_type]
    )
    links = list(
        RecordLink.objects.filter(pair_q).values_list(
            "source_type_id", "source_id", "target_type_id", "target_id"
        )
    )
    scar_ids = {
        s_id if s_t == scar_type.pk else t_id for s_t, s_id, t_t, t_id in links if scar_type.pk in (s_t, t_t)
    }
    scar_supplier = (
        dict(Scar.objects.filter(pk__in=scar_ids).values_list("pk", "supplier_id")) if scar_ids else {}
    )
    found: dict[int, set[int]] = {}
    for s_t, s_id, t_t, t_id in links:
        ncr_id, (other_t, other_id) = (s_id, (t_t, t_id)) if s_t == ncr_type.pk else (t_id, (s_t, s_id))
        supplier_id = other_id if other_t == supplier_type.pk else scar_supplier.get(other_id)
        if supplier_id is None or (supplier_ids is not None and supplier_id not in supplier_ids):
            continue
        found.setdefault(supplier_id, set()).add(ncr_id)
    return found


def suppliers_of(record) -> list[Supplier]:
    """The suppliers a record (an NCR) names: linked to it, or named by a record linked to it (the
    receipt or the inspection it was raised from, a supplier change), ``qms.naming``."""
    from qms.naming import named_ids

    return list(Supplier.objects.filter(pk__in=named_ids(record, Supplier)).order_by("name"))


# --- scorecard ---------------------------------------------------------------------------------


def receipt_measures() -> dict:
    """The inspection module's per-supplier measures, those registered (none until goods receipts
    are recorded)."""
    from qms import kpis

    return {key: m for key, name in RECEIPT_MEASURES.items() if (m := kpis.get(name)) is not None}


def changes_open_on(day: dt.date) -> Q:
    """The supplier changes open on ``day``: received by then and not yet decided (approved or
    rejected) on it."""
    return Q(received_on__lte=day) & (
        Q(decided_on__isnull=True, status__in=("recorded", "evaluated")) | Q(decided_on__gt=day)
    )


def scars_late_on(day: dt.date) -> Q:
    """The SCARs late as of ``day``: due before it and answered after their date (the first
    answer, ``answered_late``; before or after ``day``), or sent and still unanswered. A SCAR
    answered late is late for good, so the month it was due counts it once the lateness is known,
    however long after that month the answer came."""
    return Q(due_date__lt=day) & (Q(answered_late=True) | Q(answered_on__isnull=True, status="sent"))


def _scar_figures(scars: list) -> dict:
    today = timezone.localdate()
    answered = [s for s in scars if s.answered_on is not None]
    late_open = [s for s in scars if s.status == "sent" and s.due_date and s.due_date < today]
    on_time = [s for s in answered if not s.answered_late]
    # Answered on time, of those whose answer is in or overdue: one past its date unanswered is
    # not on time (a supplier who never answers showed "—", as if nothing were asked).
    judged = len(answered) + len(late_open)
    return {
        "count": len(scars),
        "open": sum(1 for s in scars if not s.is_closed),
        "late": len(late_open) + sum(1 for s in answered if s.answered_late),
        "late_open": len(late_open),
        "on_time_pct": round(100 * len(on_time) / judged) if judged else None,
    }


def scorecard(supplier: Supplier, *, user, today: dt.date | None = None) -> dict:
    """A supplier's scorecard over the last twelve months: the evaluations, NCRs and SCARs, and
    the receipt figures (ppm, lots rejected, on time) when the inspection module registers them.
    The figures count every NCR; the list names those ``user`` may open (``restrict``), and says
    how many others there are."""
    from qms import charts, kpis
    from qms.access import restrict

    from .models import Scar

    today = today or timezone.localdate()
    periods = kpis.Period.months_to(today, 12)
    start = periods[0].start
    labels = [p.label for p in periods]
    ncr_ids = ncr_ids_by_supplier({supplier.pk}).get(supplier.pk, set())
    ncrs = list(
        _ncr_model().objects.filter(pk__in=ncr_ids, created_at__date__gte=start).order_by("-created_at")
    )
    per_month = [
        sum(1 for n in ncrs if p.start <= timezone.localtime(n.created_at).date() <= p.end) for p in periods
    ]
    readable = set(
        restrict(_ncr_model().objects.filter(pk__in=[n.pk for n in ncrs]), user).values_list("pk", flat=True)
    )
    scars = list(Scar.objects.filter(supplier=supplier, created_at__date__gte=start).select_related("owner"))
    evaluations = list(supplier.evaluations.all()[:8])
    measures = receipt_measures()
    series = {key: m.series(periods, subject=supplier) for key, m in measures.items()}
    # Each chart one unit: the shares in %, the lots rejected as counts, the ppm on its own scale
    # (a count and a percentage on one 0–1 % axis read as neither).
    chart = (
        charts.line_chart(
            labels,
            [(measures["on_time"].label, series["on_time"])],
            title="Delivered on time, last 12 months (%)",
            unit="%",
        )
        if "on_time" in series
        else None
    )
    ppm_chart = (
        charts.line_chart(labels, [(measures["ppm"].label, series["ppm"])], title="ppm, last 12 months")
        if "ppm" in series
        else None
    )
    rejected_chart = (
        charts.bar_chart(
            list(zip(labels, [v or 0 for v in series["rejected"]], strict=True)),
            title="Lots rejected per month, last 12 months",
            columns=("Month", "Lots rejected"),
        )
        if "rejected" in series
        else None
    )
    ncr_chart = charts.bar_chart(
        list(zip(labels, per_month, strict=True)),
        title="NCRs per month, last 12 months",
        columns=("Month", "NCRs"),
    )
    latest = {
        key: next((v for v in reversed(values) if v is not None), None) for key, values in series.items()
    }
    return {
        "periods": periods,
        "ncrs": [n for n in ncrs if n.pk in readable],
        "ncrs_hidden": len(ncrs) - len(readable),
        "ncr_count": len(ncrs),
        "ncr_chart": ncr_chart,
        "scars": _scar_figures(scars),
        "evaluations": evaluations,
        "latest_evaluation": evaluations[0] if evaluations else None,
        "receipts": latest,
        "receipt_chart": chart,
        "ppm_chart": ppm_chart,
        "rejected_chart": rejected_chart,
        "has_receipts": bool(measures),
    }


def ranking(suppliers: list[Supplier], *, today: dt.date | None = None) -> list[dict]:
    """Every supplier's scorecard figures in one table, best first: latest evaluation score, then
    fewer NCRs, then fewer late SCARs. A constant number of queries, receipt measures included
    (each gives every supplier's value in one query)."""
    from django.db.models import OuterRef, Subquery

    from qms import kpis

    from .models import Evaluation, Scar, SupplierChange

    today = today or timezone.localdate()
    start = kpis.Period.months_to(today, 12)[0].start
    period = kpis.Period(start, today)
    ids = [s.pk for s in suppliers]
    latest = Evaluation.objects.filter(supplier=OuterRef("pk")).order_by("-evaluated_on", "-pk")
    scores = dict(
        Supplier.objects.filter(pk__in=ids)
        .annotate(score=Subquery(latest.values("score")[:1]))
        .values_list("pk", "score")
    )
    ncr_sets = ncr_ids_by_supplier(set(ids))
    all_ncrs = set().union(*ncr_sets.values()) if ncr_sets else set()
    recent = set(
        _ncr_model().objects.filter(pk__in=all_ncrs, created_at__date__gte=start).values_list("pk", flat=True)
    )
    scars: dict[int, list] = {}
    for scar in Scar.objects.filter(supplier_id__in=ids, created_at__date__gte=start):
        scars.setdefault(scar.supplier_id, []).append(scar)
    open_changes = dict(
        SupplierChange.objects.filter(supplier_id__in=ids, status__in=("recorded", "evaluated"))
        .values("supplier_id")
        .annotate(n=models.Count("pk"))
        .values_list("supplier_id", "n")
    )
    measures = receipt_measures()
    receipts = {key: m.for_subjects(period, suppliers) for key, m in measures.items()}
    rows = []
    for supplier in suppliers:
        scar_list = f"{reverse('suppliers:scar_list')}?supplier={supplier.pk}&raised_from={start:%Y-%m-%d}"
        row = {
            "supplier": supplier,
            "score": scores.get(supplier.pk),
            "ncrs": len(ncr_sets.get(supplier.pk, set()) & recent),
            "scars": _scar_figures(scars.get(supplier.pk, [])),
            "open_changes": open_changes.get(supplier.pk, 0),
            "receipts": {key: values[supplier.pk] for key, values in receipts.items()},
            # The records behind each figure: the NCRs on the scorecard, the SCARs raised in the
            # twelve months (those late as of today), the receipts each measure counted.
            "links": {
                "ncrs": reverse("suppliers:scorecard", args=[supplier.pk]) + "#ncrs",
                "scars": scar_list,
                "late": f"{scar_list}&late_on={today:%Y-%m-%d}",
                **{key: m.url(period, supplier) for key, m in measures.items() if m.url is not None},
            },
        }
        rows.append(row)
    rows.sort(
        key=lambda r: (
            -(r["score"] if r["score"] is not None else -1),
            r["ncrs"],
            r["scars"]["late"],
            r["supplier"].name.casefold(),
        )
    )
    return rows
