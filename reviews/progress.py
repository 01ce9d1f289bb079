"""Where each quality objective stands: its monthly values against the target over the last
twelve complete months (up to its deadline), and its status — on track, at risk, missed (or met,
no data yet). Computed for many objectives at once in a constant number of queries: one series per
measure (and department) they share, one query for every entered value."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from qms import kpis
from qms.kpis import Period

from .models import Objective, ObjectiveValue

MONTHS = 12
# The widest span computed at once for objectives whose deadlines lie far apart.
MAX_SPAN = 36
STATUSES = {
    "on_track": "On track",
    "at_risk": "At risk",
    "missed": "Missed",
    "met": "Met",
    "no_data": "No month judged yet",  # judged on complete months; this one counts once it is over
}
BADGES = {
    "on_track": "success",
    "at_risk": "warning",
    "missed": "danger",
    "met": "success",
    "no_data": "secondary",
}


@dataclass
class Progress:
    """An objective's trend and status."""

    objective: Objective
    months: list[Period]
    values: list[float | None]
    status: str = "no_data"
    latest: float | None = None
    latest_month: Period | None = None
    urls: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def target(self) -> float:
        return float(self.objective.target)

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.months]


def window(objective: Objective, today: dt.date) -> list[Period]:
    """The twelve complete months the objective is judged on: up to last month, or up to its
    deadline's month when that came earlier (a month is judged once it is over)."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    if objective.due_date and objective.due_date < end:
        end = objective.due_date
    return Period.months_to(end, MONTHS)


def meets(value: float, target: float, better: str) -> bool:
    return value <= target if better == "lower" else value >= target


def judge(objective: Objective, values: list[float | None], months: list[Period], today: dt.date) -> tuple:
    """(status, latest value, its month): the latest month with a value against the target; once
    the deadline has passed the objective is met or missed, before it on track or at risk."""
    latest = next(
        ((v, p) for v, p in zip(reversed(values), reversed(months), strict=True) if v is not None), None
    )
    if latest is None:
        return "no_data", None, None
    value, month = latest
    good = meets(value, float(objective.target), objective.direction)
    if objective.due_date and objective.due_date < today:
        return ("met" if good else "missed"), value, month
    return ("on_track" if good else "at_risk"), value, month


def _span(windows: list[list[Period]]) -> list[Period]:
    """Every month from the earliest window's start to the latest window's end (at most MAX_SPAN)."""
    first, last = min(w[0].start for w in windows), max(w[-1].start for w in windows)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return Period.months_to(last, min(count, MAX_SPAN))


class SeriesCache:
    """Series of measures read once per page: a month already read for a measure (and subject) is
    not read again, so the dashboard's trends and its objectives share one query per measure."""

    def __init__(self) -> None:
        self._found: dict[tuple, dict[dt.date, float | None]] = {}

    def series(self, measure: kpis.Measure, periods: list[Period], subject=None) -> list[float | None]:
        known = self._found.setdefault((measure.key, subject), {})
        if not all(p.start in known for p in periods):
            known.update(
                zip((p.start for p in periods), measure.series(periods, subject=subject), strict=True)
            )
        return [known[p.start] for p in periods]


def progress_of(
    objectives, *, today: dt.date | None = None, cache: SeriesCache | None = None
) -> list[Progress]:
    """The progress of every objective given, in their order: one series per measure and subject
    they share (fewer when ``cache`` has read them already), one query for all entered values."""
    cache = cache or SeriesCache()
    today = today or timezone.localdate()
    objectives = list(objectives)
    windows = {o.pk: window(o, today) for o in objectives}
    found: dict[int, dict[dt.date, float | None]] = defaultdict(dict)
    urls: dict[int, dict[dt.date, str]] = defaultdict(dict)
    groups: dict[tuple, list[Objective]] = defaultdict(list)
    entered = []
    for o in objectives:
        measure = o.measure
        if o.is_entered:
            entered.append(o)
        elif measure is not None:
            # A department's own figure where the measure counts by department; the company's else.
            subject = o.department_id if o.for_department and measure.subject == "department" else None
            groups[(measure.key, subject)].append(o)
    for (key, subject), members in groups.items():
        measure = kpis.get(key)
        months = _span([windows[o.pk] for o in members])
        series = cache.series(measure, months, subject)
        links = [measure.url(p, subject=subject) if measure.url else "" for p in months]
        for o in members:
            found[o.pk] = {p.start: v for p, v in zip(months, series, strict=True)}
            urls[o.pk] = {p.start: u for p, u in zip(months, links, strict=True)}
    if entered:
        earliest = min(windows[o.pk][0].start for o in entered)
        rows = ObjectiveValue.objects.filter(objective__in=entered, month__gte=earliest).values_list(
            "objective_id", "month", "value"
        )
        for objective_id, month, value in rows:
            found[objective_id][month.replace(day=1)] = float(value)
    out = []
    for o in objectives:
        months = windows[o.pk]
        values = [found[o.pk].get(p.start) for p in months]
        values = [None if v is None else float(v) for v in values]
        status, latest, month = judge(o, values, months, today)
        detail = o.get_absolute_url() + "#values"
        links = [urls[o.pk].get(p.start) or detail for p in months]
        out.append(Progress(o, months, values, status, latest, month, links))
    return out
