"""KPIs: named measures with a value per period and an optional subject (a department, a
supplier, a process), with a breakdown where a chart needs one (a Pareto, a scorecard). Modules
register them in their ``module.py``; dashboards, objectives and management review read them
from here, so a review works with whatever modules are installed.

Contract: ``value`` and ``breakdown`` read through the period given, in a constant number of
queries; a value is None when there is nothing to measure (no lots, no calibrations due).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def month(cls, day: dt.date) -> Period:
        start = day.replace(day=1)
        return cls(start, start + relativedelta(months=1) - dt.timedelta(days=1))

    @classmethod
    def months_to(cls, day: dt.date, count: int) -> list[Period]:
        """The ``count`` calendar months ending with the month of ``day``, oldest first."""
        last = cls.month(day)
        return [cls.month(last.start - relativedelta(months=n)) for n in range(count - 1, -1, -1)]

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

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
    url: Callable[..., str] | None = None  # url(period, subject=None): the records behind it

    def series(self, periods: list[Period], subject=None) -> list[float | None]:
        return [self.value(p, subject=subject) for p in periods]


_measures: dict[str, Measure] = {}


def register(measure: Measure) -> None:
    _measures[measure.key] = measure


def get(key: str) -> Measure | None:
    return _measures.get(key)


def measures() -> list[Measure]:
    return sorted(_measures.values(), key=lambda m: (m.clause, m.label))
