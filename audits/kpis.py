"""The audits module's measures for the KPI registry: audits done on schedule (9.2), findings
open past their response date, and risks above the company's threshold (6.1)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from qms import kpis

from .models import Audit, Finding, Risk, threshold

ON_SCHEDULE = Q(started_on__isnull=False, started_on__lte=F("due_date"))


def on_schedule_values(periods, subject=None) -> list[float | None]:
    """Of the audits planned in each period (not cancelled), the percentage started by their date
    (those not started and not yet due are not counted)."""
    audits = Audit.objects.exclude(status="cancelled").filter(due_date__isnull=False)
    if subject is not None:
        covered = Audit.audited_departments.through.objects.filter(department=subject)
        audits = audits.filter(pk__in=covered.values("audit_id"))
    return kpis.share(audits, "due_date", periods, ON_SCHEDULE, due=True)


def findings_past_due_values(periods, subject=None) -> list[int]:
    """Findings still open at the end of the period (or today) whose response date had passed."""

    def past_due(period: kpis.Period) -> Q:
        day = min(period.end, timezone.localdate())
        # Raised by that day (local time): created_at before the next midnight, as __date reads it.
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone())
        return Q(due_date__lt=day) & (Q(status="open") | Q(closed_on__gt=day)) & Q(created_at__lt=midnight)

    found = Finding.objects.filter(department=subject) if subject is not None else Finding.objects.all()
    return kpis.at_each(found, periods, past_due)


def findings_past_due(period: kpis.Period, subject=None) -> int:
    return findings_past_due_values([period], subject=subject)[0]


def risks_above(period: kpis.Period, subject=None) -> int:
    """Active risks scoring at or above the company's threshold (as they stand now)."""
    found = Risk.objects.filter(status="active", kind=Risk.Kind.RISK, score__gte=threshold())
    return found.filter(department=subject).count() if subject is not None else found.count()


def risks_above_values(periods, subject=None) -> list[int]:
    """As they stand now, so the same in every period: counted once."""
    return [risks_above(periods[0], subject=subject)] * len(periods) if periods else []


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
        values=findings_past_due_values,
        better="lower",
        subject="department",
        clause="9.2",
        url=lambda period, subject=None: kpis.records_url(
            reverse("audits:finding_list") + "?status=open&overdue=yes", subject
        ),
    ),
    kpis.Measure(
        "audits.risks_above_threshold",
        "Risks above the company's threshold",
        "count",
        risks_above,
        values=risks_above_values,
        better="lower",
        subject="department",
        clause="6.1",
        url=lambda period, subject=None: kpis.records_url(
            reverse("audits:risk_list") + "?status=active&above=true&kind=risk", subject
        ),
    ),
]
