"""The document control module's measure for the KPI registry (``qms.kpis``): are new revisions
read in time? A person still to acknowledge a revision may be working to the old one (the stale
drawing at cell 4). Counted in SQL; a subject is the readers' department. Each figure opens the
acknowledgments it counted (``counted_acknowledgments``): due in its period, in its department,
each on time or late."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from qms import kpis
from qms.kpis import Period

from .models import Acknowledgment

# A withdrawn acknowledgment (the revision was replaced before it was read) is nobody's lateness.
COUNTED = (Acknowledgment.Status.PENDING, Acknowledgment.Status.ACKNOWLEDGED)
ON_TIME = Q(status=Acknowledgment.Status.ACKNOWLEDGED, acknowledged_at__date__lte=F("due_date"))


# A breakdown's row of the readers who belong to no department (``?department=none``).
NO_DEPARTMENT = "none"


def _acks(subject=None):
    found = Acknowledgment.objects.filter(status__in=COUNTED)
    if subject == NO_DEPARTMENT:
        return found.filter(user__department__isnull=True)
    return found.filter(user__department=subject) if subject is not None else found


def counted_acknowledgments(start: dt.date, end: dt.date, subject=None) -> QuerySet[Acknowledgment]:
    """The acknowledgments a figure of the days ``start`` to ``end`` counts for the department
    (``NO_DEPARTMENT``: of the readers without one; every one without a subject): due in those
    days, pending or given (not withdrawn), and decided by today (given, or due before today)."""
    return kpis.decided(_acks(subject), "due_date", ON_TIME).filter(kpis.within("due_date", start, end))


def ack_on_time_values(periods, subject=None) -> list[float | None]:
    """Of the acknowledgments due in each period, the percentage given by their due date (those
    still pending and not yet due are not counted)."""
    return kpis.share(_acks(subject), "due_date", periods, ON_TIME, due=True)


@functools.cache
def _counted_page() -> str:
    return reverse("documents:acknowledgment_due")


def ack_url(period: Period | None = None, subject=None) -> str:
    """The acknowledgments the figure counted: due in the period (this month without one), of
    the department's people when it is a department's figure, each on time or late."""
    period = period or Period.month(timezone.localdate())
    query = {"due_from": period.start.isoformat(), "due_to": period.end.isoformat()}
    department = getattr(subject, "pk", subject)
    if department:
        query["department"] = department
    return f"{_counted_page()}?{urlencode(query)}"


def ack_on_time_by_department(period: Period, subject=None) -> list[kpis.Row]:
    """The share acknowledged on time in each department, lowest first: where old revisions may
    still be in use."""
    rows = (
        counted_acknowledgments(period.start, period.end, subject)
        .values("user__department_id", "user__department__name")
        .annotate(all=Count("pk"), good=Count("pk", filter=ON_TIME))
        .order_by("user__department__name")
    )
    found = [
        kpis.Row(
            r["user__department__name"] or "No department",
            round(100 * r["good"] / r["all"], 1),
            ack_url(period, r["user__department_id"] or NO_DEPARTMENT),
        )
        for r in rows
        if r["all"]
    ]
    return sorted(found, key=lambda row: (row.value, row.label))


MEASURES = [
    kpis.Measure(
        "documents.ack_on_time",
        "Revisions acknowledged within their deadline",
        "%",
        lambda period, subject=None: ack_on_time_values([period], subject=subject)[0],
        subject="department",
        clause="7.5",
        breakdown=ack_on_time_by_department,
        url=ack_url,
        values=ack_on_time_values,
    )
]
