"""The audits module's measures for the KPI registry: audits done on schedule (9.2), findings
open past their response date, and risks above the company's threshold (6.1). Each figure opens
the records it counted: the register narrowed by the same rule, month and department."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.urls import reverse

from qms import kpis

from .models import Audit, Finding
from .selectors import JUDGED, ON_SCHEDULE, audits_of, past_due_on, risks_above_at


def _pk(subject):
    return getattr(subject, "pk", subject)


@functools.cache
def _path(name: str) -> str:
    return reverse(name)  # a trend links each of its points: the same few pages, looked up once


def _link(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return _path(name) + (f"?{query}" if query else "")


def on_schedule_values(periods, subject=None) -> list[float | None]:
    """Of the audits planned in each period (not cancelled), the percentage started by their date
    (those not started and not yet due are not counted)."""
    audits = Audit.objects.exclude(status="cancelled").filter(due_date__isnull=False)
    if subject is not None:
        audits = audits.filter(audits_of(subject))
    return kpis.share(audits, "due_date", periods, ON_SCHEDULE, due=True)


def on_schedule_url(period: kpis.Period, subject=None, judged: str = JUDGED) -> str:
    """The audits the share was taken of: planned in the period, not cancelled, of the department
    audited given one (whichever department runs the audit), and decided by today: started by
    their date, or their date passed (one planned for later this month and not started yet is
    not counted, and not listed). The register's "Planned for" and "Started" columns side by side
    show which were on schedule; ``judged`` "yes" or "no" lists either part alone."""
    return _link(
        "audits:audit_list",
        planned_from=period.start,
        planned_to=period.end,
        on_schedule=judged,
        audited=None if subject is None else _pk(subject),
    )


def findings_past_due_values(periods, subject=None) -> list[int]:
    """Findings still open at the end of the period (or today) whose response date had passed."""
    found = Finding.objects.filter(department=subject) if subject is not None else Finding.objects.all()
    return kpis.at_each(found, periods, lambda period: past_due_on(period.judged_on()))


def findings_past_due(period: kpis.Period, subject=None) -> int:
    return findings_past_due_values([period], subject=subject)[0]


def findings_past_due_url(period: kpis.Period, subject=None) -> str:
    """The findings the count counted: open past their response date at the end of the period
    (today for the period still running), of the department given one.

    Closest to the past, not exactly it: a finding's row keeps its last closing day, not every
    step since. One closed then and reopened later has lost that day (reopening clears it), so
    for the months between, the figure and this list alike count it as open past due; one
    reopened and closed again counts as open until its last closing. Both read the same rows by
    the same rule (``selectors.past_due_on``), so the number and the list agree."""
    return _link(
        "audits:finding_list",
        past_due_on=period.judged_on(),
        department=None if subject is None else _pk(subject),
    )


def risks_above_values(periods, subject=None) -> list[int]:
    """Risks above the threshold at the end of each period (today for the period still running),
    as the register read then (``selectors.risks_above_at``)."""
    return [len(ids) for ids in risks_above_at([period.judged_on() for period in periods], subject)]


def risks_above(period: kpis.Period, subject=None) -> int:
    return risks_above_values([period], subject=subject)[0]


def risks_above_url(period: kpis.Period, subject=None) -> str:
    """The risks the count counted: above the threshold at the end of the period (today for the
    period still running), of the department given one; the register's "Above the threshold on"
    filter reads the same history by the same rule, so the number and the list agree."""
    return _link(
        "audits:risk_list",
        above_on=period.judged_on(),
        department=None if subject is None else _pk(subject),
    )


MEASURES = [
    kpis.Measure(
        "audits.on_schedule",
        "Internal audits done on schedule",
        "%",
        lambda period, subject=None: on_schedule_values([period], subject=subject)[0],
        subject="department",
        clause="9.2",
        url=on_schedule_url,
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
        url=findings_past_due_url,
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
        url=risks_above_url,
    ),
]
