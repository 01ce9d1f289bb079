"""The document control module's measure for the KPI registry (``qms.kpis``): are new revisions
read in time? A person still to acknowledge a revision may be working to the old one (the stale
drawing at cell 4). Counted in SQL; a subject is the readers' department."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse

from qms import kpis
from qms.kpis import Period

from .models import Acknowledgment

# A withdrawn acknowledgment (the revision was replaced before it was read) is nobody's lateness.
COUNTED = (Acknowledgment.Status.PENDING, Acknowledgment.Status.ACKNOWLEDGED)
ON_TIME = Q(status=Acknowledgment.Status.ACKNOWLEDGED, acknowledged_at__date__lte=F("due_date"))


def _acks(subject=None):
    found = Acknowledgment.objects.filter(status__in=COUNTED)
    return found.filter(user__department=subject) if subject is not None else found


def ack_on_time_values(periods, subject=None) -> list[float | None]:
    """Of the acknowledgments due in each period, the percentage given by their due date (those
    still pending and not yet due are not counted)."""
    return kpis.share(_acks(subject), "due_date", periods, ON_TIME, due=True)


@functools.cache
def _register() -> str:
    return reverse("documents:acknowledgment_register")


def ack_url(period: Period | None = None, subject=None) -> str:
    """Who has still to acknowledge: the register of outstanding acknowledgments."""
    department = getattr(subject, "pk", subject)
    query = urlencode({"department": department}) if department else ""
    return _register() + (f"?{query}" if query else "")


def ack_on_time_by_department(period: Period, subject=None) -> list[kpis.Row]:
    """The share acknowledged on time in each department, lowest first: where old revisions may
    still be in use."""
    rows = (
        kpis.decided(_acks(subject), "due_date", ON_TIME)
        .filter(due_date__range=(period.start, period.end))
        .values("user__department_id", "user__department__name")
        .annotate(all=Count("pk"), good=Count("pk", filter=ON_TIME))
        .order_by("user__department__name")
    )
    found = [
        kpis.Row(
            r["user__department__name"] or "No department",
            round(100 * r["good"] / r["all"], 1),
            ack_url(period, r["user__department_id"]),
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
