"""The agenda of a management review: every input 9.3.2 requires (``qms.kpis.REVIEW_INPUTS``),
compiled from live records for the review's period — the figures of every measure that feeds it
(value, breakdown, twelve-month trend, the link to the records behind), and for two inputs this
module's own records: the decisions of earlier reviews and where their actions stand, and the
quality objectives against target. An input no installed module feeds says so and takes text.

What ``compile_inputs`` returns is plain data (numbers, words, links): it is what the page shows
while the review is planned, and what is frozen with the record when the meeting is held."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from qms import kpis
from qms.kpis import Period

from .models import Decision, Objective, Review
from .progress import progress_of

# The inputs this module compiles from its own records, whatever else is installed.
OWN_INPUTS = frozenset({"previous_actions", "objectives"})
TREND_MONTHS = 12


def _number(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _day(value: dt.date | None) -> str:
    return f"{value:%-d %b %Y}" if value else ""


def measure_figures(measure: kpis.Measure, period: Period) -> dict:
    """One measure as a review reads it: its value for the period, its breakdown, its trend over
    the twelve months up to the period's end, and where the records behind it are."""
    months = Period.months_to(period.end, TREND_MONTHS)
    rows = measure.breakdown(period) if measure.breakdown else []
    if measure.values is not None:
        # The trend and the period's value in one read: ``values`` gives each period's value, so
        # what the measure reads whatever the period (its instruments, its suppliers' certificates)
        # is read once, and two measures of one series share it (``Measure.series``).
        *trend, value = measure.series([*months, period])
    else:
        trend, value = measure.series(months), measure.value(period)
    return {
        "key": measure.key,
        "label": measure.label,
        "unit": measure.unit,
        "better": measure.better,
        "value": _number(value),
        "url": measure.url(period) if measure.url else "",
        "breakdown": [[row.label, _number(row.value), row.url] for row in rows],
        "breakdown_unit": measure.breakdown_unit or measure.unit,
        "trend": [[p.label, _number(v)] for p, v in zip(months, trend, strict=True)],
    }


def previous_decisions(review: Review, *, today: dt.date) -> list[dict]:
    """The decisions of earlier reviews still open, and those whose actions were finished within
    this review's period: where the next review starts from."""
    before = review.held_on or review.due_date or today
    period = review.period
    found = (
        Decision.objects.filter(review__held_on__lt=before, review__status__in=("held", "signed", "closed"))
        .exclude(review=review)
        .filter(
            Q(review__status__in=("held", "signed")) | Q(actions__done_on__range=(period.start, period.end))
        )
        .distinct()
        .select_related("review")
        .prefetch_related("actions__owner")
        .order_by("review__held_on", "review_id", "number")
    )
    out = []
    for decision in found:
        actions = list(decision.actions.all())
        still_open = not actions or any(a.status == "open" for a in actions)
        out.append(
            {
                "review": decision.review.reference,
                "held_on": _day(decision.review.held_on),
                "number": decision.number,
                "kind": decision.get_kind_display(),
                "text": decision.text,
                "open": still_open,
                "url": decision.get_absolute_url(),
                "actions": [
                    {
                        "title": a.title,
                        "owner": str(a.owner),
                        "due": _day(a.due_date),
                        "status": a.get_status_display(),
                        "done_on": _day(a.done_on),
                        "overdue": a.status == "open" and a.due_date < today,
                        "url": a.get_absolute_url(),
                    }
                    for a in actions
                ],
            }
        )
    return out


def objective_figures(review: Review, *, today: dt.date) -> list[dict]:
    """Every active objective, and every objective whose deadline fell in the period, against its
    target with its status."""
    period = review.period
    objectives = (
        Objective.objects.filter(Q(status="active") | Q(due_date__range=(period.start, period.end)))
        .select_related("owner")
        .order_by("due_date", "reference")
    )
    return [
        {
            "reference": p.objective.reference,
            "title": p.objective.title,
            "owner": str(p.objective.owner),
            "measure": p.objective.measure_label,
            "target": _number(p.objective.target),
            "unit": p.objective.unit_label,
            "better": p.objective.direction,
            "latest": _number(p.latest),
            "latest_month": p.latest_month.label if p.latest_month else "",
            "deadline": _day(p.objective.due_date),
            "status": p.status,
            "status_label": p.status_label,
            "url": p.objective.get_absolute_url(),
        }
        for p in progress_of(objectives, today=today)
    ]


@kpis.reading()  # the measures share what they read in common for the whole compilation
def compile_inputs(review: Review, *, today: dt.date | None = None) -> dict[str, dict]:
    """Every 9.3.2 input of ``review`` from live records for its period, by input key."""
    today = today or timezone.localdate()
    period = review.period
    compiled = {}
    for spec in kpis.REVIEW_INPUTS:
        measures = kpis.feeding(spec.key)
        data: dict = {"module": bool(measures) or spec.key in OWN_INPUTS}
        data["measures"] = [measure_figures(m, period) for m in measures]
        if spec.key == "previous_actions":
            data["decisions"] = previous_decisions(review, today=today)
        elif spec.key == "objectives":
            data["objectives"] = objective_figures(review, today=today)
        compiled[spec.key] = data
    return compiled
