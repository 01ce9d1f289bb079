"""The audits module's measures for the KPI registry: audits done on schedule (9.2), findings
open past their response date, and risks above the company's threshold (6.1)."""

from __future__ import annotations

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from qms import kpis

from .models import Audit, Finding, Risk, threshold

ON_SCHEDULE = Q(started_on__isnull=False, started_on__lte=F("due_date"))


def on_schedule_values(periods, subject=None) -> list[float | None]:
    """Of the audits planned in each period (not cancelled), the percentage started by their date."""
    audits = Audit.objects.exclude(status="cancelled").filter(due_date__isnull=False)
    if subject is not None:
        covered = Audit.audited_departments.through.objects.filter(department=subject)
        audits = audits.filter(pk__in=covered.values("audit_id"))
    return kpis.share(audits, "due_date", periods, ON_SCHEDULE)


def findings_past_due(period: kpis.Period, subject=None) -> int:
    """Findings still open at the end of the period (or today) whose response date had passed."""
    day = min(period.end, timezone.localdate())
    found = Finding.objects.filter(due_date__lt=day).filter(Q(status="open") | Q(closed_on__gt=day))
    found = found.filter(created_at__date__lte=day)
    return found.filter(department=subject).count() if subject is not None else found.count()


def risks_above(period: kpis.Period, subject=None) -> int:
    """Active risks scoring at or above the company's threshold (as they stand now)."""
    found = Risk.objects.filter(status="active", kind=Risk.Kind.RISK, score__gte=threshold())
    return found.filter(department=subject).count() if subject is not None else found.count()


MEASURES = [
    kpis.Measure(
        "audits.on_schedule",
        "Internal audits done on schedule",
        "%",
        lambda period, subject=None: on_schedule_values([period], subject=subject)[0],
        subject="department",
        clause="9.2",
        url=lambda period, subject=None: reverse("audits:audit_list"),
        values=on_schedule_values,
    ),
    kpis.Measure(
        "audits.findings_past_due",
        "Audit findings open past their response date",
        "count",
        findings_past_due,
        better="lower",
        subject="department",
        clause="9.2",
        url=lambda period, subject=None: reverse("audits:finding_list") + "?status=open&overdue=yes",
    ),
    kpis.Measure(
        "audits.risks_above_threshold",
        "Risks above the company's threshold",
        "count",
        risks_above,
        better="lower",
        subject="department",
        clause="6.1",
        url=lambda period, subject=None: reverse("audits:risk_list") + "?status=active&above=true&kind=risk",
    ),
]
