"""Reads of the audits module: the NCRs and CAPAs raised from findings (through kernel links), the
programme's suggested frequencies, the heat map of the register and each risk's trend."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from qms import access, charts
from qms.models import Process, RecordLink
from qms.scoped import read_once

from .models import Audit, Finding, Risk, scale, threshold


def _capa_models():
    from capa.models import Capa, Nonconformity

    return (Nonconformity, Capa)


def raised_for(findings, user=None) -> dict[int, list]:
    """The NCRs and CAPAs linked to each finding (raised from it, or linked by hand), in a
    constant number of queries: {finding pk: [records]}. For a ``user``, a record outside their
    scope is None in its place: counted, never shown, as every link to a record they cannot see."""
    findings = list(findings)
    if not findings:
        return {}
    ids = [f.pk for f in findings]
    mine = ContentType.objects.get_for_model(Finding)
    kinds = {ContentType.objects.get_for_model(m).pk: m for m in _capa_models()}
    pairs = []
    # Read once per page: its list of raised records and its Close button's guard ask alike.
    for link in read_once(
        RecordLink.objects.filter(
            Q(source_type=mine, source_id__in=ids, target_type__in=kinds)
            | Q(target_type=mine, target_id__in=ids, source_type__in=kinds)
        )
    ):
        if link.source_type_id == mine.pk:
            pairs.append((link.source_id, link.target_type_id, link.target_id))
        else:
            pairs.append((link.target_id, link.source_type_id, link.source_id))
    wanted: dict[int, set[int]] = defaultdict(set)
    for _, kind, pk in pairs:
        wanted[kind].add(pk)
    found = {
        (kind, r.pk): r
        for kind, pks in wanted.items()
        for r in read_once(kinds[kind].objects.filter(pk__in=pks))
    }
    readable = found.keys()
    if user is not None:
        readable = {
            (kind, pk)
            for kind, pks in wanted.items()
            for pk in access.restrict(kinds[kind].objects.filter(pk__in=pks), user).values_list(
                "pk", flat=True
            )
        }
    out: dict[int, list] = defaultdict(list)
    for finding_id, kind, pk in pairs:
        if (kind, pk) in found:
            out[finding_id].append(found[(kind, pk)] if (kind, pk) in readable else None)
    return dict(out)


def findings_linked_to(label: str, pk: int) -> list[Finding]:
    """The findings linked to the record ``label``:``pk`` (an NCR or CAPA they raised)."""
    from qms.registry import model_by_label

    model = model_by_label(label)
    if model is None:
        return []
    kind, mine = ContentType.objects.get_for_model(model), ContentType.objects.get_for_model(Finding)
    ids = set(
        RecordLink.objects.filter(source_type=kind, source_id=pk, target_type=mine).values_list(
            "target_id", flat=True
        )
    ) | set(
        RecordLink.objects.filter(target_type=kind, target_id=pk, source_type=mine).values_list(
            "source_id", flat=True
        )
    )
    return list(Finding.objects.filter(pk__in=ids))


# --- what the figures count ------------------------------------------------------------------------

# An audit on schedule: started by its planned date.
ON_SCHEDULE = Q(started_on__isnull=False, started_on__lte=F("due_date"))
# The register's "On schedule" choice that lists every audit the figure judged, on schedule or late.
JUDGED = "judged"


def audits_of(department) -> Q:
    """The audits that audited ``department`` (a department or its pk), whichever department runs
    them: as a subquery, so an audit of several departments is one row."""
    covered = Audit.audited_departments.through.objects.filter(department=department)
    return Q(pk__in=covered.values("audit_id"))


def schedule_judged(queryset: QuerySet, today: dt.date | None = None) -> QuerySet:
    """The audits "on schedule" judges: not cancelled, with a planned date, and decided by
    ``today`` (started by their date already, or their date passed). One planned for today or
    later and not started yet can still be on schedule: it is neither on schedule nor late."""
    planned = queryset.exclude(status="cancelled").filter(due_date__isnull=False)
    return planned.filter(Q(due_date__lt=today or timezone.localdate()) | ON_SCHEDULE)


def past_due_on(day: dt.date) -> Q:
    """The findings open past their response date at the end of ``day``, as their rows stand:
    raised by then (local time), due before it, and still open or closed after it. Reopening a
    finding clears its closing day, so one reopened since counts as open from its raising on."""
    if day >= dt.date.max:  # the last day there is: the findings open and overdue now
        return Q(status="open", due_date__lt=day)
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone())
    return Q(due_date__lt=day) & (Q(status="open") | Q(closed_on__gt=day)) & Q(created_at__lt=midnight)


def risks_above_at(days: Sequence[dt.date], department=None) -> list[list[int]]:
    """For each day, the risks above the threshold at its end as the register read then (each
    risk's history row of that moment; the last day there is: as it stands): active, a risk and
    not an opportunity, scored at or above the threshold as it is set now. Of ``department`` (as
    the risk is now, as the register's filter reads it) given one. One read of the risks'
    history, whatever the number of days (once per request: a review's figure and its trend)."""
    history = Risk.history.model
    rows = history.objects.order_by("id", "history_date", "history_id").values_list(
        "id", "history_date", "history_type", "status", "kind", "score"
    )
    if department is not None:
        rows = rows.filter(id__in=Risk.objects.filter(department=department).values("pk"))
    limit = threshold()
    states: dict[int, tuple[list[dt.datetime], list[bool]]] = {}
    for pk, when, change, status, kind, score in read_once(rows):
        moments, above = states.setdefault(pk, ([], []))
        moments.append(when)
        above.append(change != "-" and status == "active" and kind == Risk.Kind.RISK and score >= limit)
    zone = timezone.get_current_timezone()
    out = []
    for day in days:
        midnight = dt.datetime.combine(min(day, dt.date.max - dt.timedelta(days=1)), dt.time(), zone)
        # In UTC, the history's own zone: two datetimes of one zone compare as numbers, where each
        # comparison across zones asks both for their offsets (13 days' bisects: 15 of 39 ms).
        midnight = (midnight + dt.timedelta(days=1)).astimezone(dt.UTC)
        out.append(
            [
                pk
                for pk, (moments, above) in states.items()
                if (shown := bisect.bisect_left(moments, midnight)) and above[shown - 1]
            ]
        )
    return out


def risks_above_on(day: dt.date) -> list[int]:
    """The risks above the threshold at the end of ``day`` (``risks_above_at``): the register's
    "Above the threshold on" filter, which the KPI's month opens."""
    return risks_above_at([day])[0]


# --- the programme -----------------------------------------------------------------------------


def suggestions(year: int) -> list[dict]:
    """For every active process: how often it should be audited in ``year`` and why — every six
    months after a major finding last year, many NCRs in its department or a risk above the
    threshold, else yearly — with the audits the programme plans of it. Four queries."""
    from capa.models import Nonconformity

    last = (dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31))
    processes = list(Process.objects.filter(active=True).select_related("department"))
    majors = dict(
        Finding.objects.filter(
            grade=Finding.Grade.MAJOR, audit__due_date__range=last, audit__process__isnull=False
        )
        .values_list("audit__process_id")
        .annotate(n=Count("pk"))
    )
    ncrs = dict(
        Nonconformity.objects.filter(created_at__date__range=last)
        .values_list("department_id")
        .annotate(n=Count("pk"))
    )
    top: dict[int, Risk] = {}
    for risk in Risk.objects.filter(status="active", kind=Risk.Kind.RISK, score__gte=threshold()).order_by(
        "-score"
    ):
        top.setdefault(risk.process_id, risk)
    many = getattr(settings, "AUDIT_MANY_NCRS", 5)
    rows = []
    for process in processes:
        if majors.get(process.pk):
            months, why = 6, f"{majors[process.pk]} major finding(s) last year"
        elif ncrs.get(process.department_id, 0) >= many:
            months, why = 6, f"{ncrs[process.department_id]} NCRs in {process.department.name} last year"
        elif process.pk in top:
            months, why = 6, f"{top[process.pk].reference} scores {top[process.pk].score}"
        else:
            months, why = 12, "no major finding, few NCRs, no risk above the threshold"
        rows.append({"process": process, "months": months, "why": why})
    return rows


# --- the risk register -------------------------------------------------------------------------


def heat_map(risks=None) -> str:
    """Likelihood (rows, highest on top) × severity (columns): how many active risks sit in each
    cell, each number a link to them; a cell red at or above the threshold, amber from half of it."""
    top, limit = scale(), threshold()
    risks = Risk.objects.filter(status="active", kind=Risk.Kind.RISK) if risks is None else risks
    counts = dict(
        ((likely, severe), n)
        for likely, severe, n in risks.values_list("likelihood", "severity")
        .annotate(n=Count("pk"))
        .values_list("likelihood", "severity", "n")
    )
    base = reverse("audits:risk_list")
    rows = []
    for likelihood in range(top, 0, -1):
        values = [counts.get((likelihood, s), 0) for s in range(1, top + 1)]
        urls = [
            f"{base}?likelihood={likelihood}&severity={s}&status=active&kind=risk" for s in range(1, top + 1)
        ]
        rows.append(
            (
                f"Likelihood {likelihood}",
                values,
                0,
                f"{base}?likelihood={likelihood}&status=active&kind=risk",
                urls,
            )
        )

    def shade(row: int, column: int, value) -> str:
        score = (top - row) * (column + 1)
        return "below" if score >= limit else "at" if score * 2 >= limit else "above"

    return charts.heat_map(
        [f"Severity {s}" for s in range(1, top + 1)],
        rows,
        title="Risks by likelihood and severity",
        shade=shade,
        legend=(
            ("below", f"score {limit} or more"),
            ("at", f"{(limit + 1) // 2} to {limit - 1}"),
            ("above", "lower"),
        ),
        width=520,
        rows_name="Likelihood",
    )


def trend(points: list) -> str:
    """A risk's score at each of its assessments (oldest first, as its page reads them), against
    the threshold."""
    return charts.line_chart(
        [f"{a.assessed_on:%-d %b %y}" for a in points],
        [("Score", [a.score for a in points])],
        title="Score at each assessment",
        over="Assessed on",
        target=threshold(),
    )
