"""The CAPA module's measures for the KPI registry (``qms.kpis``): what management review and the
KPI dashboard read of nonconformities and corrective actions, each counted in SQL, a whole trend
in one query. A subject is a department."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlencode

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from qms import kpis
from qms.kpis import Period

from .models import Capa, CauseCategory, EffectivenessCheck, Nonconformity, Severity, Source
from .selectors import AGING_BUCKETS

JUDGED = (EffectivenessCheck.Result.EFFECTIVE, EffectivenessCheck.Result.NOT_EFFECTIVE)


def _in(queryset, subject, field: str = "department"):
    return queryset.filter(**{field: subject}) if subject is not None else queryset


@functools.cache
def _path(name: str) -> str:
    return reverse(name)  # a trend links each of its points: the same few pages, looked up once


def _link(name: str, subject=None, **params) -> str:
    if subject is not None:
        params["department"] = getattr(subject, "pk", subject)
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return _path(name) + (f"?{query}" if query else "")


def _analysis(period: Period, subject=None) -> str:
    """The Pareto charts of the period: the NCRs behind a count."""
    return _link("capa:analysis", None, date_from=period.start, date_to=period.end)


def _one(series):
    """``value(period, subject)`` from a ``values(periods, subject)``: the same query."""
    return lambda period, subject=None: series([period], subject=subject)[0]


# --- CAPAs closed on time ------------------------------------------------------------------------


def closed_on_time_values(periods, subject=None) -> list[float | None]:
    """Of the CAPAs closed in each period that had a target date, the percentage closed by it."""
    closed = _in(Capa.objects.filter(closed_at__isnull=False, due_date__isnull=False), subject)
    return kpis.share(closed, "closed_at__date", periods, Q(closed_at__date__lte=F("due_date")))


def closed_on_time_breakdown(period: Period, subject=None) -> list[kpis.Row]:
    closed = _in(
        Capa.objects.filter(closed_at__date__range=(period.start, period.end), due_date__isnull=False),
        subject,
    )
    counts = closed.aggregate(
        on_time=Count("pk", filter=Q(closed_at__date__lte=F("due_date"))),
        late=Count("pk", filter=Q(closed_at__date__gt=F("due_date"))),
    )
    url = _link("capa:capa_list", subject, status="closed")
    return [kpis.Row("Closed on time", counts["on_time"], url), kpis.Row("Closed late", counts["late"], url)]


# --- NCRs raised: by cause (a Pareto), by department, customer complaints -----------------------------


def ncrs_values(periods, subject=None) -> list[int]:
    return kpis.counted(_in(Nonconformity.objects.all(), subject), "created_at__date", periods)


def _raised(period: Period, subject=None):
    return _in(Nonconformity.objects.filter(created_at__date__range=(period.start, period.end)), subject)


def ncrs_by_cause(period: Period, subject=None) -> list[kpis.Row]:
    """NCRs of the period by 6M cause category, largest first: the Pareto."""
    labels = dict(CauseCategory.choices)
    url = _analysis(period)
    rows = _raised(period, subject).values("cause_category").annotate(n=Count("pk")).order_by("-n")
    return [kpis.Row(labels.get(r["cause_category"], "Not yet classified"), r["n"], url) for r in rows]


def ncrs_by_department(period: Period, subject=None) -> list[kpis.Row]:
    """NCRs of the period by the department (the process) they were raised in, largest first."""
    rows = (
        _raised(period, subject)
        .values("department_id", "department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__name")
    )
    return [
        kpis.Row(r["department__name"], r["n"], _link("capa:nonconformity_list", r["department_id"]))
        for r in rows
    ]


def complaints_values(periods, subject=None) -> list[int]:
    found = _in(Nonconformity.objects.filter(source=Source.CUSTOMER), subject)
    return kpis.counted(found, "created_at__date", periods)


def complaints_by_severity(period: Period, subject=None) -> list[kpis.Row]:
    labels = dict(Severity.choices)
    rows = _raised(period, subject).filter(source=Source.CUSTOMER).values("severity").annotate(n=Count("pk"))
    return [
        kpis.Row(
            labels.get(r["severity"], r["severity"]), r["n"], _complaints(period, subject, r["severity"])
        )
        for r in rows.order_by("-n")
    ]


def _complaints(period: Period, subject=None, severity: str = "") -> str:
    """The customer complaints reported in the period: the NCRs the count counted."""
    return _link(
        "capa:nonconformity_list",
        subject,
        source=Source.CUSTOMER,
        severity=severity,
        reported_from=period.start,
        reported_to=period.end,
    )


# --- CAPA aging: open CAPAs at the end of each period ------------------------------------------------


def _open_at(end) -> Q:
    return Q(created_at__date__lte=end) & (Q(closed_at__isnull=True) | Q(closed_at__date__gt=end))


def _opened_before(end: dt.date) -> Q:
    """Created by the end of day ``end`` (local time), as a range the created_at index answers."""
    zone = timezone.get_current_timezone()
    return Q(created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone))


def _not_closed_by(end: dt.date) -> Q:
    zone = timezone.get_current_timezone()
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    return Q(closed_at__isnull=True) | Q(closed_at__gte=after)


def aging_values(periods, subject=None) -> list[float | None]:
    """The average age in days of the CAPAs open at the end of each period; None when none was.
    One query: per period end, how many CAPAs were open and the sum of their ages, counted in SQL
    over the CAPAs open at some period's end (not fetched: ten years hold a hundred thousand)."""
    if not periods:
        return []
    first, last = min(p.end for p in periods), max(p.end for p in periods)
    aggregates = {}
    for i, p in enumerate(periods):
        open_then = _opened_before(p.end) & _not_closed_by(p.end)
        age = ExpressionWrapper(Value(p.end) - TruncDate("created_at"), output_field=DurationField())
        aggregates[f"n{i}"] = Count("pk", filter=open_then)
        aggregates[f"age{i}"] = Sum(age, filter=open_then)
    found = (
        _in(Capa.objects.all(), subject)
        .filter(_opened_before(last) & _not_closed_by(first))
        .order_by()
        .aggregate(**aggregates)
    )
    out = []
    for i in range(len(periods)):
        n, total = found[f"n{i}"], found[f"age{i}"]
        out.append(round(total.days / n, 1) if n else None)
    return out


def aging_breakdown(period: Period, subject=None) -> list[kpis.Row]:
    """The CAPAs open at the end of the period by age (0–30 days, 31–60 …)."""
    end = period.end
    buckets = {}
    for i, (low, high, _label) in enumerate(AGING_BUCKETS):
        age = Q(created_at__date__lte=end - dt.timedelta(days=low))
        if high is not None:
            age &= Q(created_at__date__gte=end - dt.timedelta(days=high))
        buckets[f"b{i}"] = Count("pk", filter=age)
    found = _in(Capa.objects.filter(_open_at(end)), subject).aggregate(**buckets)
    url = _link("capa:capa_list", subject, status="_open")
    return [kpis.Row(label, found[f"b{i}"], url) for i, (_l, _h, label) in enumerate(AGING_BUCKETS)]


# --- effectiveness checks ----------------------------------------------------------------------------


def effective_values(periods, subject=None) -> list[float | None]:
    """Of the effectiveness checks judged in each period, the percentage found effective."""
    judged = _in(EffectivenessCheck.objects.filter(result__in=JUDGED), subject, "capa__department")
    return kpis.share(judged, "verified_at__date", periods, Q(result=EffectivenessCheck.Result.EFFECTIVE))


def effective_breakdown(period: Period, subject=None) -> list[kpis.Row]:
    judged = _in(
        EffectivenessCheck.objects.filter(
            result__in=JUDGED, verified_at__date__range=(period.start, period.end)
        ),
        subject,
        "capa__department",
    )
    found = judged.aggregate(
        effective=Count("pk", filter=Q(result=EffectivenessCheck.Result.EFFECTIVE)),
        not_effective=Count("pk", filter=Q(result=EffectivenessCheck.Result.NOT_EFFECTIVE)),
    )
    url = _link("capa:capa_list", subject, status="closed")
    return [
        kpis.Row("Effective", found["effective"], url),
        kpis.Row("Not effective", found["not_effective"], url),
    ]


MEASURES = [
    kpis.Measure(
        "capa.closed_on_time",
        "CAPAs closed on time",
        "%",
        _one(closed_on_time_values),
        subject="department",
        clause="10.2",
        breakdown=closed_on_time_breakdown,
        breakdown_unit="count",
        url=lambda period, subject=None: _link("capa:capa_list", subject, status="closed"),
        values=closed_on_time_values,
    ),
    kpis.Measure(
        "capa.ncrs",
        "NCRs raised",
        "count",
        _one(ncrs_values),
        better="lower",
        subject="department",
        clause="10.2",
        breakdown=ncrs_by_cause,
        url=_analysis,
        values=ncrs_values,
    ),
    kpis.Measure(
        "capa.ncrs_by_department",
        "NCRs by department (process)",
        "count",
        _one(ncrs_values),
        better="lower",
        subject="department",
        clause="8.7",
        breakdown=ncrs_by_department,
        url=_analysis,
        values=ncrs_values,
    ),
    kpis.Measure(
        "capa.complaints",
        "Customer complaints (NCRs)",
        "count",
        _one(complaints_values),
        better="lower",
        subject="department",
        clause="9.1.2",
        breakdown=complaints_by_severity,
        url=_complaints,
        values=complaints_values,
    ),
    kpis.Measure(
        "capa.aging",
        "Average age of open CAPAs",
        "days",
        _one(aging_values),
        better="lower",
        subject="department",
        clause="10.2",
        breakdown=aging_breakdown,
        breakdown_unit="count",
        url=lambda period, subject=None: _link("capa:capa_list", subject, status="_open"),
        values=aging_values,
    ),
    kpis.Measure(
        "capa.effective",
        "Effectiveness checks found effective",
        "%",
        _one(effective_values),
        subject="department",
        clause="10.2",
        breakdown=effective_breakdown,
        breakdown_unit="count",
        url=lambda period, subject=None: _link("capa:capa_list", subject, status="closed"),
        values=effective_values,
    ),
]
