"""The gates the inspection module answers, for any module that asks about a lot:

- ``lot_sampling`` (declared here): was the lot inspected with the sample ISO 2859-1 requires, by
  a plan re-assessed since its last change?
- ``lot_schedule`` (declared here): was every change of the lot's planned dates recorded and
  approved?
Release asks them as checks 7 and 3."""

from __future__ import annotations

import datetime as dt

from qms import gates

from .models import ProductionLot

DECLARED = [
    gates.Gate(
        "lot_sampling",
        "Was this lot inspected with the sample ISO 2859-1 requires, by a plan re-assessed since?",
        ("lot",),
        "Two parts out of a lot of 100,000 tell nothing about the lot (8.6).",
    ),
    gates.Gate(
        "lot_schedule",
        "Was every change of this lot's planned dates recorded and approved?",
        ("lot",),
        "A date changed informally leaves planning and the customer out of step (8.5.6).",
    ),
]


def _lot(lot) -> ProductionLot:
    return lot if isinstance(lot, ProductionLot) else ProductionLot.objects.get(pk=lot)


def lot_sampling(*, on: dt.date, lot) -> list[gates.Refusal]:
    from .release import _sampling

    return [gates.Refusal(f.message, f.url, f.checked) for f in _sampling(_lot(lot))]


def lot_schedule(*, on: dt.date, lot) -> list[gates.Refusal]:
    from .release import _schedule

    return [gates.Refusal(f.message, f.url, f.checked) for f in _schedule(_lot(lot))]


ANSWERS = {"lot_sampling": lot_sampling, "lot_schedule": lot_schedule}
