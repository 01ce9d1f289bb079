"""The management review module's own measure for the KPI registry: are the actions decided at
reviews done on time? It feeds input 9.3.2 a) of the next review."""

from __future__ import annotations

from django.db.models import F, Q
from django.urls import reverse

from qms import kpis

from .models import ReviewAction

DONE_ON_TIME = Q(status="done", done_on__lte=F("due_date"))


def actions_on_time_values(periods, subject=None) -> list[float | None]:
    """Of the review actions due in each period (not cancelled), the percentage done by their due
    date (those still open and not yet due are not counted)."""
    actions = ReviewAction.objects.exclude(status="cancelled")
    if subject is not None:
        actions = actions.filter(owner__department=subject)
    return kpis.share(actions, "due_date", periods, DONE_ON_TIME, due=True)


MEASURES = [
    kpis.Measure(
        "reviews.actions_on_time",
        "Management review actions done on time",
        "%",
        lambda period, subject=None: actions_on_time_values([period], subject=subject)[0],
        subject="department",
        clause="9.3",
        url=lambda period, subject=None: reverse("reviews:review_list"),
        values=actions_on_time_values,
    )
]
