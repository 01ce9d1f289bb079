"""The CAPA module's measures for the KPI registry (``qms.kpis``): what management review and the
KPI dashboard read of nonconformities and corrective actions, each counted in SQL, a whole trend
in one query. A subject is a department."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlencode

from django.db.models import Count, DurationField, ExpressionWrapper, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from qms import kpis
from qms.kpis import Period

from .filters import CLOSED_WITH_A_TARGET, JUDGED, JUDGED_RESULTS
from .models import (
    CLOSED_ON_TIME,
    CLOSED_WITH_TARGET,
    Capa,
    CauseCategory,
    EffectivenessCheck,
    Nonconformity,
    Severity,
    Source,
    open_on,
)
from .selectors import AGING_BUCKETS


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


def _reported(period: Period, subject=None, **params) -> str:
    """The NCRs reported in the period (of the department, given one): the register the count
    of NCRs raised counted, row for row."""
    return _link(
        "capa:nonconformity_list", subject, reported_from=period.start, reported_to=period.end, **params
    )


def _one(series):
    """``value(period, subject)`` from a ``values(periods, subject)``: the same query."""
    return lambda period, subject=None: series([period], subject=subject)[0]


# --- CAPAs closed on time ------------------------------------------------------------------------


def closed_on_time_values(periods, subject=None) -> list[float | None]:
    """Of the CAPAs closed in each period that had a target date, the percentage closed by it."""
    closed = _in(Capa.objects.filter(CLOSED_WITH_TARGET), subject)
    return kpis.share(closed, "closed_at__date", periods, CLOSED_ON_TIME)


def closed_on_time_url(period: Period, subject=None, on_time: str = CLOSED_WITH_A_TARGET) -> str:
    """The CAPAs the share was taken of: closed in the period (of the department, given one) with
    a target date, the register's "Target date" and "Closed" columns side by side showing which
    were closed on time. A percentage has no one list for its numerator and its denominator; the
    breakdown's "Closed on time" and "Closed late" open each part (``on_time`` "yes" or "no").
    A CAPA reopened since has no closing date: neither the figure nor the list counts it where it
    was closed before, only where it is closed again."""
    return _link("capa:capa_list", subject, closed_from=period.start, closed_to=period.end, on_time=on_time)


def closed_on_time_breakdown(period: Period, subject=None) -> list[kpis.Row]:
    closed = _in(
        Capa.objects.filter(CLOSED_WITH_TARGET, closed_at__date__range=(period.start, period.end)),
        subject,
    )
    counts = closed.aggregate(
        on_time=Count("pk", filter=CLOSED_ON_TIME),
        late=Count("pk", filter=~CLOSED_ON_TIME),
    )
    return [
        kpis.Row("Closed on time", counts["on_time"], closed_on_time_url(period, subject, "yes")),
        kpis.Row("Closed late", counts["late"], closed_on_time_url(period, subject, "no")),
    ]


# --- NCRs raised: by cause (a Pareto), by department, customer complaints -----------------------------


def ncrs_values(periods, subject=None) -> list[int]:
    return kpis.counted(_in(Nonconformity.objects.all(), subject), "created_at__date", periods)


def _raised(period: Period, subject=None):
    return _in(Nonconformity.objects.filter(created_at__date__range=(period.start, period.end)), subject)


def ncrs_by_cause(period: Period, subject=None) -> list[kpis.Row]:
    """NCRs of the period by 6M cause category, largest first: the Pareto (of the department,
    given one), each category opening the NCRs it counts."""
    from .filters import UNCLASSIFIED  # the register's value for an NCR not classified yet

    labels = dict(CauseCategory.choices)
    rows = _raised(period, subject).values("cause_category").annotate(n=Count("pk")).order_by("-n")
    return [
        kpis.Row(
            labels.get(r["cause_category"], "Not yet classified"),
            r["n"],
            _reported(period, subject, cause_category=r["cause_category"] or UNCLASSIFIED),
        )
        for r in rows
    ]


def ncrs_by_department(period: Period, subject=None) -> list[kpis.Row]:
    """NCRs of the period by the department (the process) they were raised in, largest first, each
    opening that department's NCRs of the period."""
    rows = (
        _raised(period, subject)
        .values("department_id", "department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__name")
    )
    return [kpis.Row(r["department__name"], r["n"], _reported(period, r["department_id"])) for r in rows]


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


def aging_values(periods, subject=None) -> list[float | None]:
    """The average age in days of the CAPAs open at the end of each period (today for the period
    still running); None when none was. One query: per period end, how many CAPAs were open and
    the sum of their ages, counted in SQL over the CAPAs open at some period's end (not fetched:
    ten years hold a hundred thousand)."""
    if not periods:
        return []
    days = [p.judged_on() for p in periods]
    aggregates = {}
    for i, day in enumerate(days):
        age = ExpressionWrapper(Value(day) - TruncDate("created_at"), output_field=DurationField())
        aggregates[f"n{i}"] = Count("pk", filter=open_on(day))
        aggregates[f"age{i}"] = Sum(age, filter=open_on(day))
    # Only the CAPAs open at some period's end: opened by the last, not closed by the first.
    window = Q(created_at__lt=_next_midnight(max(days))) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=_next_midnight(min(days)))
    )
    found = _in(Capa.objects.all(), subject).filter(window).order_by().aggregate(**aggregates)
    out = []
    for i in range(len(periods)):
        n, total = found[f"n{i}"], found[f"age{i}"]
        out.append(round(total.days / n, 1) if n else None)
    return out


def _next_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone())


def aging_url(period: Period, subject=None, low: int | None = None, high: int | None = None) -> str:
    """The CAPAs open at the end of the period (today for the period still running), of the
    department given one, each aged to that day in the register's "Age (days)": the ages the
    figure averages, row for row. With ``low`` (and ``high``), only those of that age then (a
    bucket of the breakdown).

    Closest to the past, not exactly it: a CAPA's row keeps its creation and its last closing,
    not every step since. One closed then and reopened later has lost that closing (reopening
    clears it), so for the months between, the figure and this list alike count it as open.
    Reading each CAPA's history for every month of a trend would cost a query per CAPA; the
    figure and the list stay one and the same rows instead."""
    day = period.judged_on()
    params = {"open_on": day}
    if low is not None:
        params["opened_to"] = day - dt.timedelta(days=low)
        if high is not None:
            params["opened_from"] = day - dt.timedelta(days=high)
    return _link("capa:capa_list", subject, **params)


def aging_breakdown(period: Period, subject=None) -> list[kpis.Row]:
    """The CAPAs open at the end of the period (today for the period still running) by age
    (0–30 days, 31–60 …), each bucket opening its CAPAs."""
    day = period.judged_on()
    buckets = {}
    for i, (low, high, _label) in enumerate(AGING_BUCKETS):
        age = Q(created_at__lt=_next_midnight(day - dt.timedelta(days=low)))
        if high is not None:
            age &= Q(created_at__gte=_next_midnight(day - dt.timedelta(days=high + 1)))
        buckets[f"b{i}"] = Count("pk", filter=age)
    found = _in(Capa.objects.filter(open_on(day)), subject).aggregate(**buckets)
    return [
        kpis.Row(label, found[f"b{i}"], aging_url(period, subject, low, high))
        for i, (low, high, label) in enumerate(AGING_BUCKETS)
    ]


# --- effectiveness checks ----------------------------------------------------------------------------


def effective_values(periods, subject=None) -> list[float | None]:
    """Of the effectiveness checks judged in each period, the percentage found effective."""
    judged = _in(EffectivenessCheck.objects.filter(result__in=JUDGED_RESULTS), subject, "capa__department")
    return kpis.share(judged, "verified_at__date", periods, Q(result=EffectivenessCheck.Result.EFFECTIVE))


def effective_url(period: Period, subject=None, result: str = JUDGED) -> str:
    """The effectiveness checks the share was taken of: judged in the period (effective or not),
    of CAPAs of the department given one, in the register of checks with their result beside
    each. Checks, not CAPAs: a CAPA judged not effective, reworked and judged again in the same
    month is two checks in the figure, and two rows here. The breakdown's "Effective" and "Not
    effective" open each part (``result``)."""
    return _link("capa:check_list", subject, result=result, judged_from=period.start, judged_to=period.end)


def effective_breakdown(period: Period, subject=None) -> list[kpis.Row]:
    judged = _in(
        EffectivenessCheck.objects.filter(
            result__in=JUDGED_RESULTS, verified_at__date__range=(period.start, period.end)
        ),
        subject,
        "capa__department",
    )
    effective, not_effective = EffectivenessCheck.Result.EFFECTIVE, EffectivenessCheck.Result.NOT_EFFECTIVE
    found = judged.aggregate(
        effective=Count("pk", filter=Q(result=effective)),
        not_effective=Count("pk", filter=Q(result=not_effective)),
    )
    return [
        kpis.Row("Effective", found["effective"], effective_url(period, subject, effective)),
        kpis.Row("Not effective", found["not_effective"], effective_url(period, subject, not_effective)),
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
        url=closed_on_time_url,
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
        url=_reported,
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
        url=_reported,
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
        url=aging_url,
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
        url=effective_url,
        values=effective_values,
    ),
]
