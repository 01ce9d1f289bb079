"""The management review module's own measure for the KPI registry: are the actions decided at
reviews done on time? It feeds input 9.3.2 a) of the next review, and opens the register of
review actions with the actions it counted."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import reverse

from qms import kpis

from .models import ReviewAction

DONE_ON_TIME = Q(status="done", done_on__lte=F("due_date"))
# What the register's "Done on time" filter lists for the figure: every action it judged.
JUDGED = "judged"


def actions_on_time_values(periods, subject=None) -> list[float | None]:
    """Of the review actions due in each period (not cancelled), the percentage done by their due
    date (those still open and not yet due are not counted)."""
    actions = ReviewAction.objects.exclude(status="cancelled")
    if subject is not None:
        actions = actions.filter(owner__department=subject)
    return kpis.share(actions, "due_date", periods, DONE_ON_TIME, due=True)


@functools.cache
def _path() -> str:
    return reverse("reviews:action_list")  # a trend links each of its points: looked up once


def actions_on_time_url(period: kpis.Period, subject=None, on_time: str = JUDGED) -> str:
    """The review actions the share was taken of: due in the period, not cancelled, owned by
    someone of the department given one, and decided by today (done on time already, or due
    before today: one due later this month and still open is not counted, and not listed). The
    register's "On time" column says which were done on time; ``on_time`` "yes" or "no" lists
    either part alone. A percentage has no one list for its numerator and denominator: this is
    the denominator, each row marked.

    The owner's department is the one they are in today: an action of someone who has moved
    since counts, in the figure and the list alike, for their new department."""
    query = {"due_from": period.start, "due_to": period.end, "on_time": on_time}
    if subject is not None:
        query["department"] = getattr(subject, "pk", subject)
    return f"{_path()}?{urlencode(query)}"


MEASURES = [
    kpis.Measure(
        "reviews.actions_on_time",
        "Management review actions done on time",
        "%",
        lambda period, subject=None: actions_on_time_values([period], subject=subject)[0],
        subject="department",
        clause="9.3",
        url=actions_on_time_url,
        values=actions_on_time_values,
    )
]
