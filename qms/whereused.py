"""Where-used: "what was done with this record between two dates?" A gauge found out of
tolerance asks which inspections it measured since its last good calibration; a reference
standard asks which instruments were calibrated against it. The module that records the use
answers, for a kind of record (in its ``module.py``); the kernel only collects the answers.

Contract: an answer reads through ``qms.access.restrict`` with the asking user, so nobody learns
of a use they could not see on its own page, and runs a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Use:
    when: dt.date
    what: str  # "Final inspection", "Calibration against"
    reference: str
    title: str
    url: str
    record: object = None  # the record of the use, for links and impact assessments


Answer = Callable[..., list[Use]]

_answers: dict[str, list[Answer]] = {}


def register(model_label: str, fn: Answer) -> None:
    """``fn(record, *, date_from, date_to, user) -> list[Use]`` answers for records of a kind."""
    found = _answers.setdefault(model_label, [])
    if fn not in found:
        found.append(fn)


def answered(model_label: str) -> bool:
    return bool(_answers.get(model_label))


def find(record, *, date_from: dt.date | None, date_to: dt.date, user) -> list[Use]:
    """Every use of ``record`` in the period, oldest first, from every module that records one;
    nothing for a record the user may not see."""
    from .access import can_view

    if not can_view(user, record):
        return []
    uses: list[Use] = []
    for fn in _answers.get(record._meta.label_lower, ()):
        uses.extend(fn(record, date_from=date_from, date_to=date_to, user=user))
    return sorted(uses, key=lambda u: (u.when, u.reference))
