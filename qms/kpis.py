"""KPIs: named measures with a value per period and an optional subject (a department, a
supplier, a process), with a breakdown where a chart needs one (a Pareto, a scorecard). Modules
register them in their ``module.py``; dashboards, objectives and management review read them
from here, so a review works with whatever modules are installed.

Contract: ``value`` and ``breakdown`` read through the period given, in a constant number of
queries; a value is None when there is nothing to measure (no lots, no calibrations due). A
measure that can give a whole series in one query declares ``values(periods, subject=None)``
(``counted`` and ``share`` below make one for the common cases), so a twelve-month trend costs
one query, not twelve.

Management review (ISO 9001 9.3.2) reads the measures through the *review inputs* declared at the
bottom: every input the clause requires, and which measures feed it — the one a measure names
(``review_input``), else the input whose clauses match the measure's clause most closely.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .scoped import ScopedCache


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def month(cls, day: dt.date) -> Period:
        start = day.replace(day=1)
        return cls(start, start.replace(day=calendar.monthrange(start.year, start.month)[1]))

    @classmethod
    def months_to(cls, day: dt.date, count: int) -> list[Period]:
        """The ``count`` calendar months ending with the month of ``day``, oldest first."""
        index = day.year * 12 + day.month - 1  # months since year 0: plain arithmetic, no calendar walk
        return [cls.month(dt.date(i // 12, i % 12 + 1, 1)) for i in range(index - count + 1, index + 1)]

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def judged_on(self, today: dt.date | None = None) -> dt.date:
        """The day a standing is read on (open, overdue, held as of): the period's last day, today
        for the period still running, whose end is still to come. A figure and the list it opens
        read the same day."""
        return min(self.end, today or timezone.localdate())

    @property
    def label(self) -> str:
        """ "May 2026" for a calendar month, "2026" for a year, else "1 Apr 2026 – 30 Jun 2026"."""
        if self == Period.month(self.start):
            return f"{self.start:%b %Y}"
        if self == Period.year(self.start.year):
            return str(self.start.year)
        return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: float
    url: str = ""  # the records behind the number


@dataclass(frozen=True, slots=True)
class Measure:
    key: str  # "capa.closed_on_time"
    label: str  # "CAPAs closed on time"
    unit: str  # "%", "count", "ppm", "days"
    value: Callable[..., float | None]  # value(period, subject=None)
    better: str = "higher"  # or "lower": which way is good, for the objective's status
    subject: str = ""  # "", "department", "supplier", "process"
    clause: str = ""  # the ISO 9001 clause it informs ("9.1.3", "10.2")
    breakdown: Callable[..., list[Row]] | None = None  # breakdown(period, subject=None)
    breakdown_unit: str = ""  # the unit of the breakdown's values ("count"); the measure's if empty
    url: Callable[..., str] | None = None  # url(period, subject=None): the records behind it
    # values(periods, subject=None): the value of every period in one query (a trend).
    values: Callable[..., list[float | None]] | None = None
    # The management review input it feeds (a key of REVIEW_INPUTS); by its clause when empty.
    review_input: str = ""
    # per_subject(period, subjects) -> {subject pk: value}: many subjects' values in one query
    # (a ranking of every supplier); a subject left out has None.
    per_subject: Callable[..., dict] | None = None

    def series(self, periods: list[Period], subject=None) -> list[float | None]:
        if self.values is not None:
            # Measures of one series (the NCRs raised, and by department) read it once in a page
            # reading many measures (``reading``).
            key = ("series", self.values, tuple(periods), subject)
            return list(shared(key, lambda: list(self.values(periods, subject=subject))))
        return [self.value(p, subject=subject) for p in periods]

    def for_subjects(self, period: Period, subjects: Sequence) -> dict:
        """The value of each subject in ``period``, by its pk: one query with ``per_subject``,
        else one per subject."""
        if self.per_subject is not None:
            found = self.per_subject(period, subjects)
            return {s.pk: found.get(s.pk) for s in subjects}
        return {s.pk: self.value(period, subject=s) for s in subjects}


_measures: dict[str, Measure] = {}

# What the measures read in common during one page: ``reading()`` is one page's reading of many
# measures (a dashboard, a review's inputs, also a decorator), and what several measures load in
# common (a module's history of records) is loaded once for them all through ``shared(key,
# build)``, forgotten when the page is done so the next page reads fresh data.
_reading = ScopedCache("kpis_reading")
reading = _reading.scope
shared = _reading.get


def records_url(path: str, subject=None) -> str:
    """The register behind a department's figure: ``path`` (a register, with its filters) narrowed
    to the department, so the list shows the records the figure counted."""
    if subject is None:
        return path
    return f"{path}{'&' if '?' in path else '?'}department={getattr(subject, 'pk', subject)}"


def register(measure: Measure) -> None:
    _measures[measure.key] = measure


def get(key: str) -> Measure | None:
    return _measures.get(key)


def measures() -> list[Measure]:
    return sorted(_measures.values(), key=lambda m: (m.clause, m.label))


# --- one query for a whole series ----------------------------------------------------------------


def _consecutive_months(periods: Sequence[Period]) -> bool:
    return all(p == Period.month(p.start) for p in periods) and all(
        b.start == a.end + dt.timedelta(days=1) for a, b in zip(periods, periods[1:], strict=False)
    )


def within(date_field: str, start: dt.date, end: dt.date) -> Q:
    """``date_field`` between the days ``start`` and ``end`` (inclusive). A datetime read as a date
    (``created_at__date``) is compared as the datetimes from ``start``'s midnight to the midnight
    after ``end`` in the current time zone: the same rows the ``__date`` lookup gives, but a range
    an index on the column can answer (``created_at::date`` has to read every row)."""
    if not date_field.endswith("__date"):
        return Q(**{f"{date_field}__range": (start, end)})
    column = date_field.removesuffix("__date")
    zone = timezone.get_current_timezone()
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    return Q(**{f"{column}__gte": dt.datetime.combine(start, dt.time(), zone), f"{column}__lt": after})


def _by_month(queryset: QuerySet, date_field: str, periods: Sequence[Period], **aggregates) -> dict:
    """``aggregates`` (counts and sums) per calendar month of ``date_field`` over the periods: one
    GROUP BY by the day, added up into months here. A datetime read as a date
    (``created_at__date``) is a day of the current time zone, as the ``__date`` lookup reads it.

    Not ``DATE_TRUNC('month', …)`` in SQL: PostgreSQL truncates a date as a timestamp *with*
    time zone, a conversion per row through the session's zone, where a date's own value groups
    as a number (a year of 171,000 acknowledgments: 55 ms grouped by month, 20 ms by day); a
    year is at most 366 days to add up."""
    if any(type(a) not in (Count, Sum) or a.distinct for a in aggregates.values()):
        raise TypeError("by month: counts and sums only, none distinct (they are added up by day)")
    column = date_field.removesuffix("__date")
    day = TruncDate(column) if date_field.endswith("__date") else F(column)
    rows = (
        queryset.filter(within(date_field, periods[0].start, periods[-1].end))
        .order_by()
        .annotate(_day=day)
        .values("_day")
        .annotate(**aggregates)
    )
    months: dict[dt.date, dict] = {}
    for row in rows:
        into = months.setdefault(row.pop("_day").replace(day=1), {})
        for name, value in row.items():
            held = into.get(name)  # a sum over no rows is None: a month of only those stays None
            into[name] = value if held is None else held if value is None else held + value
    return months


def _bounded(queryset: QuerySet, date_field: str, periods: Sequence[Period]) -> QuerySet:
    """Only the rows from the first period's start to the last one's end: the periods' filters
    then read the window, not the table."""
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    return queryset.filter(within(date_field, first, last)).order_by()


def per_period(queryset: QuerySet, date_field: str, periods: Sequence[Period], **aggregates) -> list[dict]:
    """``aggregates`` (``Count``, ``Sum``, each with its own ``filter`` if any) of the rows of each
    period by ``date_field`` (a date, or a datetime read as ``created_at__date``): one query,
    whatever the number of periods. A period without rows gives ``{}``."""
    if not periods:
        return []
    if _consecutive_months(periods):
        found = _by_month(queryset, date_field, periods, **aggregates)
        return [found.get(p.start, {}) for p in periods]
    each = {}
    for i, p in enumerate(periods):
        inside = within(date_field, p.start, p.end)
        for name, aggregate in aggregates.items():
            each[f"{name}{i}"] = copy.copy(aggregate)
            each[f"{name}{i}"].filter = inside & aggregate.filter if aggregate.filter else inside
    found = _bounded(queryset, date_field, periods).aggregate(**each)
    return [{name: found[f"{name}{i}"] for name in aggregates} for i in range(len(periods))]


def counted(queryset: QuerySet, date_field: str, periods: Sequence[Period]) -> list[int]:
    """How many rows of ``queryset`` fall into each period by ``date_field``: one query."""
    return [row.get("n") or 0 for row in per_period(queryset, date_field, periods, n=Count("pk"))]


def at_each(queryset: QuerySet, periods: Sequence[Period], when: Callable[[Period], Q]) -> list[int]:
    """How many rows of ``queryset`` meet ``when(period)`` for each period: a count as of each
    period's end (open on its last day, overdue by then), one query whatever the number of periods."""
    if not periods:
        return []
    found = queryset.order_by().aggregate(
        **{f"p{i}": Count("pk", filter=when(p)) for i, p in enumerate(periods)}
    )
    return [found[f"p{i}"] for i in range(len(periods))]


def _percent(good: int, total: int) -> float | None:
    return round(100 * good / total, 1) if total else None


def decided(queryset: QuerySet, due_field: str, good: Q, today: dt.date | None = None) -> QuerySet:
    """The rows whose outcome is known: already ``good``, or due before ``today``. A row due today
    or later and not yet done can still be done on time: it is neither on time nor late."""
    today = today or timezone.localdate()
    return queryset.filter(Q(**{f"{due_field}__lt": today}) | good)


def share(
    queryset: QuerySet, date_field: str, periods: Sequence[Period], good: Q, *, due: bool = False
) -> list[float | None]:
    """The percentage of the rows of each period (by ``date_field``) that are ``good``; None for
    a period without rows. One query. With ``due``, ``date_field`` is a due date and only the rows
    ``decided`` by today are counted: on the 3rd of a month, what falls due on the 20th is not
    late (it made the month's "on time" read 10 % while nobody was late)."""
    if due:
        queryset = decided(queryset, date_field, good)
    rows = per_period(queryset, date_field, periods, n=Count("pk"), good=Count("pk", filter=good))
    return [_percent(row.get("good") or 0, row.get("n") or 0) for row in rows]


# --- management review inputs (ISO 9001 9.3.2) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewInput:
    """One input a management review must consider (9.3.2), and the ISO clauses whose measures
    feed it: a measure of clause 8.4 informs "performance of external providers"."""

    key: str  # "providers"
    title: str  # "Performance of external providers"
    clause: str  # "9.3.2 c) 7)"
    feeds: tuple[str, ...]  # clauses whose measures feed it; the most specific match wins
    entered: str = ""  # what to write when no module measures it


REVIEW_INPUTS: tuple[ReviewInput, ...] = (
    ReviewInput(
        "previous_actions",
        "Status of actions from previous management reviews",
        "9.3.2 a)",
        ("9.3",),
        "The actions decided at earlier reviews and where they stand.",
    ),
    ReviewInput(
        "issues",
        "Changes in external and internal issues relevant to the QMS",
        "9.3.2 b)",
        ("4",),
        "New customers, markets, regulations, technology, organisation, owners' expectations …",
    ),
    ReviewInput(
        "customers",
        "Customer satisfaction and feedback from relevant interested parties",
        "9.3.2 c) 1)",
        ("9.1.2", "8.2"),
        "Survey results, customer scorecards, praise and complaints.",
    ),
    ReviewInput(
        "objectives",
        "Extent to which quality objectives have been met",
        "9.3.2 c) 2)",
        ("6.2",),
        "Each objective against its target.",
    ),
    ReviewInput(
        "processes",
        "Process performance and conformity of products and services",
        "9.3.2 c) 3)",
        ("4.4", "7.5", "8", "9.1.1", "9.1.3"),
        "First-pass yield, scrap, rework, on-time delivery by process.",
    ),
    ReviewInput(
        "nonconformities",
        "Nonconformities and corrective actions",
        "9.3.2 c) 4)",
        ("10.2",),
        "NCR counts and Pareto, CAPA aging, effectiveness of corrective actions.",
    ),
    ReviewInput(
        "monitoring",
        "Monitoring and measurement results",
        "9.3.2 c) 5)",
        ("9.1", "7.1.5"),
        "Calibration status of gauges and instruments, measurement system analysis.",
    ),
    ReviewInput(
        "audits",
        "Audit results",
        "9.3.2 c) 6)",
        ("9.2",),
        "Internal, customer and certification audits held and their findings.",
    ),
    ReviewInput(
        "providers",
        "Performance of external providers",
        "9.3.2 c) 7)",
        ("8.4",),
        "Supplier scorecards: quality (ppm), on-time delivery, SCARs.",
    ),
    ReviewInput(
        "resources",
        "Adequacy of resources",
        "9.3.2 d)",
        ("7.1", "7.2", "7.3"),
        "People and competence coverage, machines and maintenance, infrastructure.",
    ),
    ReviewInput(
        "risks",
        "Effectiveness of actions taken to address risks and opportunities",
        "9.3.2 e)",
        ("6.1",),
        "Risks above the company's threshold and what the actions on them achieved.",
    ),
    ReviewInput(
        "improvement",
        "Opportunities for improvement",
        "9.3.2 f)",
        ("10", "10.1", "10.3"),
        "Improvement ideas, kaizen results, suggestions.",
    ),
)
# Where a measure goes whose clause no input names: the performance of the QMS's processes.
FALLBACK_INPUT = "processes"


def review_input(key: str) -> ReviewInput | None:
    return next((i for i in REVIEW_INPUTS if i.key == key), None)


def _clause_match(clause: str, prefix: str) -> bool:
    """Does ``clause`` lie under ``prefix``, by whole numbers ("7.1.5" under "7.1", not "7.10")?"""
    parts, head = clause.split("."), prefix.split(".")
    return parts[: len(head)] == head


def input_of(measure: Measure) -> str:
    """The key of the review input ``measure`` feeds: the one it names, else the input whose
    clauses match its clause most closely, else the processes' performance."""
    if measure.review_input and review_input(measure.review_input) is not None:
        return measure.review_input
    best, depth = FALLBACK_INPUT, 0
    for candidate in REVIEW_INPUTS:
        for prefix in candidate.feeds:
            length = len(prefix.split("."))
            if measure.clause and _clause_match(measure.clause, prefix) and length > depth:
                best, depth = candidate.key, length
    return best


def feeding(key: str) -> list[Measure]:
    """The registered measures that feed review input ``key``."""
    return [m for m in measures() if input_of(m) == key]
