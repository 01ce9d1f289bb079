"""KPIs of the training module for management review (9.3.2 d, adequacy of resources): each as of
the last day of the period, for the company or one department. A whole series (twelve months of a
trend) is read in the same few queries as one value: the training history is read once and each
period's day looked up in it.

- Required competences held: of the competences people's job roles need, the share they held at
  the level needed (not expired). Opens the matrix of the department (or the company) on that
  day, narrowed to the competences counted, each marked held or not.
- Overdue requalifications: qualifications people still held that had expired without
  requalification. Opens the matrix of the department (or the company) on that day, narrowed to
  the qualifications counted.
- Processes under minimum coverage: processes with a competence fewer people were qualified in
  than its minimum (absences, which the daily coverage alarms watch, are not counted here). Opens
  the list of the processes counted on that day.

The period still running is judged as of today (``Period.judged_on``), and each page behind a figure
reads the same history judged the same way (``required_held_on``, ``requalifications_overdue_on``,
``processes_under_coverage_on``), so a past month's list is what its figure counted.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from qms import kpis

from .models import Competence, Level, RoleAssignment, RoleRequirement, TrainingFile, TrainingRecord


class _History:
    """The training history of the subject's people up to the last day asked: every record in date
    order, their job roles with dates, what the roles need."""

    def __init__(self, subject, last: dt.date):
        files = TrainingFile.objects.filter(status="open", owner__is_active=True)
        if subject is not None:
            files = files.filter(department=subject)
        mine = files.values("pk")  # a subquery: two thousand ids are costly to send as parameters
        # Every record in date order, (day, (file, competence), (trained on, level, expires)).
        self.events = [
            (trained_on, (file_id, competence_id), (trained_on, level, expires))
            for file_id, competence_id, trained_on, level, expires in (
                TrainingRecord.objects.filter(
                    file_id__in=mine, status="recorded", competence__isnull=False, level__isnull=False
                )
                .filter(trained_on__lte=last)
                .order_by("trained_on", "pk")
                .values_list("file_id", "competence_id", "trained_on", "level", "expires_on")
            )
        ]
        self.roles = list(
            RoleAssignment.objects.filter(file_id__in=mine, since__lte=last).values_list(
                "file_id", "job_role_id", "since", "until"
            )
        )
        self.needs = kpis.shared(("training.needs",), _needs)

        self._on: dict[dt.date, dict[tuple[int, int], tuple]] = {}

    def standing(self, day: dt.date) -> dict[tuple[int, int], tuple]:
        """(trained on, level, expires) of the last record by ``day`` of every person and
        competence that had one: worked out once per day for all the measures that ask, from the
        nearest earlier day worked out (the months of a trend, oldest first, each add their own)."""
        if day not in self._on:
            earlier = max((d for d in self._on if d < day), default=None)
            found = dict(self._on[earlier]) if earlier is not None else {}
            start = bisect.bisect_right(self.events, earlier, key=_day) if earlier is not None else 0
            for i in range(start, bisect.bisect_right(self.events, day, key=_day)):
                _, key, row = self.events[i]
                found[key] = row
            self._on[day] = found
        return self._on[day]

    def required_on(self, day: dt.date) -> dict[int, dict[int, int]]:
        """What each person's job roles on ``day`` need: the highest level per competence. People
        with the same roles share one (read-only) dict, worked out once."""
        roles_of: dict[int, set[int]] = defaultdict(set)
        for file_id, role_id, since, until in self.roles:
            if since <= day and (until is None or until > day):
                roles_of[file_id].add(role_id)
        merged: dict[frozenset, dict[int, int]] = {}
        wanted: dict[int, dict[int, int]] = {}
        for file_id, role_ids in roles_of.items():
            key = frozenset(role_ids)
            if key not in merged:
                need: dict[int, int] = {}
                for role_id in key:
                    for competence_id, level in self.needs.get(role_id, {}).items():
                        if level > need.get(competence_id, 0):
                            need[competence_id] = level
                merged[key] = need
            if merged[key]:
                wanted[file_id] = merged[key]
        return wanted


def _needs() -> dict[int, dict[int, int]]:
    """Job role → competence → the level it needs, of the competences in use: every role's (a
    short table), so the company's history and a department's read it once between them."""
    needs: dict[int, dict[int, int]] = defaultdict(dict)
    required = RoleRequirement.objects.filter(competence__status="active")
    for role_id, competence_id, level in required.values_list("job_role_id", "competence_id", "level"):
        needs[role_id][competence_id] = level
    return needs


def _day(event) -> dt.date:
    return event[0]


_NOTHING: dict[int, int] = {}


def _last(periods: Sequence[kpis.Period]) -> dt.date:
    return max(p.end for p in periods)


def _history(subject, last: dt.date) -> _History:
    """The history of the subject's people up to ``last``: read once for the three measures when
    a page reads them together (``kpis.reading``)."""
    return kpis.shared(("training.history", subject, last), lambda: _History(subject, last))


def required_held_values(periods: Sequence[kpis.Period], subject=None) -> list[float | None]:
    if not periods:
        return []
    history = _history(subject, _last(periods))
    today = timezone.localdate()
    out = []
    for period in periods:
        day = period.judged_on(today)
        held, wanted = history.standing(day), history.required_on(day)
        total = sum(len(need) for need in wanted.values())
        met = 0
        for (file_id, competence_id), row in held.items():  # the page's hottest loop: kept flat
            level = wanted.get(file_id, _NOTHING).get(competence_id)
            met += level is not None and row[1] >= level and (row[2] is None or row[2] >= day)
        out.append(round(100 * met / total, 1) if total else None)
    return out


def required_held_on(day: dt.date, subject=None) -> dict[tuple[int, int], bool]:
    """(training file, competence) → held, of every competence a person's job roles needed on
    ``day`` that the figure counts for the subject department (the company's without one): held
    at the level needed and not expired. The same history, judged the same way."""
    history = _history(subject, day)
    held = history.standing(day)
    out = {}
    for file_id, need in history.required_on(day).items():
        for competence_id, level in need.items():
            row = held.get((file_id, competence_id))
            out[file_id, competence_id] = (
                row is not None and row[1] >= level and (row[2] is None or row[2] >= day)
            )
    return out


def _requalified() -> set[int]:
    """The competences in use that must be requalified."""
    return set(
        Competence.objects.filter(status="active", requalify_months__isnull=False).values_list(
            "pk", flat=True
        )
    )


def _overdue(history: _History, day: dt.date, in_use: set[int]) -> list[tuple[int, int]]:
    """(file, competence) of every qualification the person still held on ``day`` that had
    expired without requalification: what the figure counts, and what its page highlights."""
    return [
        key
        for key, row in history.standing(day).items()
        if key[1] in in_use and row[1] >= Level.IN_TRAINING and row[2] is not None and row[2] < day
    ]


def requalifications_overdue_values(periods: Sequence[kpis.Period], subject=None) -> list[int]:
    if not periods:
        return []
    history = _history(subject, _last(periods))
    in_use = _requalified()
    today = timezone.localdate()
    return [len(_overdue(history, period.judged_on(today), in_use)) for period in periods]


def requalifications_overdue_on(day: dt.date, subject=None) -> list[tuple[int, int]]:
    """(training file, competence) of each requalification the figure counts on ``day`` for the
    subject department (the company's without one): the same history, judged the same way."""
    return _overdue(_history(subject, day), day, _requalified())


def _under(history: _History, day: dt.date, minimum: dict[int, int]) -> dict[int, int]:
    """Competence → people qualified on ``day`` (level 2 or 3, not expired), for each competence
    of ``minimum`` with fewer than its minimum."""
    qualified = dict.fromkeys(minimum, 0)
    for (_file_id, competence_id), row in history.standing(day).items():
        if competence_id in qualified and row[1] >= 2 and (row[2] is None or row[2] >= day):
            qualified[competence_id] += 1
    return {c: n for c, n in qualified.items() if n < minimum[c]}


def _coverage_rules(subject) -> tuple[dict[int, int], dict[int, int]]:
    """(competence → minimum coverage, competence → process) of the competences in use of the
    processes the subject department owns (every department's without one)."""
    competences = Competence.objects.filter(status="active")
    if subject is not None:
        competences = competences.filter(Q(process__department=subject))
    rows = list(competences.values_list("pk", "min_coverage", "process_id"))
    return {pk: need for pk, need, _ in rows}, {pk: process for pk, _, process in rows}


def processes_under_coverage_values(periods: Sequence[kpis.Period], subject=None) -> list[int]:
    """Counted by the department that owns the process, whoever the qualified people are."""
    if not periods:
        return []
    history = _history(None, _last(periods))
    minimum, process_of = _coverage_rules(subject)
    today = timezone.localdate()
    out = []
    for period in periods:
        short = _under(history, period.judged_on(today), minimum)
        out.append(len({process_of[c] for c in short}))
    return out


def processes_under_coverage_on(day: dt.date, subject=None) -> dict[int, dict[int, int]]:
    """Process → {competence: people qualified} of each process the figure counts on ``day``
    (its competences below their minimum): the same history, judged the same way."""
    minimum, process_of = _coverage_rules(subject)
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for competence_id, qualified in _under(_history(None, day), day, minimum).items():
        found[process_of[competence_id]][competence_id] = qualified
    return dict(found)


def _on_day(name: str, param: str):
    """The page listing what a figure counted: ``name`` for the subject department (the whole
    company's without one) as of the day the period is judged (``param``)."""

    def url(period: kpis.Period, subject=None) -> str:
        department = getattr(subject, "pk", subject)
        where = {"department": department} if department else {"scope": "company"}
        return reverse(name) + "?" + urlencode({**where, param: period.judged_on().isoformat()})

    return url


def _one(values):
    def value(period: kpis.Period, subject=None):
        return values([period], subject=subject)[0]

    value.__doc__ = values.__doc__
    return value


MEASURES = [
    kpis.Measure(
        "training.required_held",
        "Required competences held",
        "%",
        _one(required_held_values),
        subject="department",
        clause="7.2",
        values=required_held_values,
        review_input="resources",
        # The matrix on the day judged of the people and competences counted, each counted cell
        # framed and listed held or not: the department's (the company's for a company figure).
        url=_on_day("training:matrix", "held"),
    ),
    kpis.Measure(
        "training.requalifications_overdue",
        "Overdue requalifications",
        "count",
        _one(requalifications_overdue_values),
        better="lower",
        subject="department",
        clause="7.2",
        values=requalifications_overdue_values,
        review_input="resources",
        # The department's matrix (the company's for a company figure) on the day judged, narrowed
        # to the qualifications counted, highlighted: staff read it as their head does.
        url=_on_day("training:matrix", "overdue"),
    ),
    kpis.Measure(
        "training.processes_under_coverage",
        "Processes under minimum coverage",
        "count",
        _one(processes_under_coverage_values),
        better="lower",
        subject="department",
        clause="7.1.2",
        values=processes_under_coverage_values,
        review_input="resources",
        url=_on_day("training:under_coverage", "on"),  # the processes counted, that day
    ),
]
