"""Where each person stands in each competence: the level of their latest training record in it
(withdrawn records do not count) and until when it holds. One query whatever the number of
people and competences, so the matrix, the coverage, the gates, the KPIs and the audit pack all
read the same answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from .models import Level, TrainingRecord


@dataclass(frozen=True, slots=True)
class Standing:
    """A person's level in a competence, from their latest training record in it."""

    file_id: int
    person_id: int
    competence_id: int
    level: int
    trained_on: dt.date
    expires_on: dt.date | None
    record_id: int

    def valid_on(self, day: dt.date) -> bool:
        """Still valid on ``day`` (a qualification holds on the day it expires)."""
        return self.expires_on is None or self.expires_on >= day

    def level_on(self, day: dt.date) -> int:
        """The level that counts on ``day``: none once the training has expired."""
        return self.level if self.valid_on(day) else Level.NOT_TRAINED

    def qualified_on(self, day: dt.date, level: int = Level.QUALIFIED) -> bool:
        return self.level_on(day) >= level


def standings(
    *,
    file_ids: Iterable[int] | None = None,
    person_ids: Iterable[int] | None = None,
    competence_ids: Iterable[int] | None = None,
    on: dt.date | None = None,
    current_only: bool = False,
) -> dict[tuple[int, int], Standing]:
    """(file id, competence id) → the standing from the latest record trained on or before ``on``
    (any date when None). ``current_only`` keeps the open files of active people: those who count
    for coverage and the matrix (the caller chooses the competences)."""
    records = TrainingRecord.objects.filter(status="recorded", competence__isnull=False, level__isnull=False)
    if on is not None:
        records = records.filter(trained_on__lte=on)
    if file_ids is not None:
        records = records.filter(file_id__in=list(file_ids))
    if person_ids is not None:
        records = records.filter(file__owner_id__in=list(person_ids))
    if competence_ids is not None:
        records = records.filter(competence_id__in=list(competence_ids))
    if current_only:
        records = records.filter(Q(file__status="open") & Q(file__owner__is_active=True))
    rows = (
        records.order_by("file_id", "competence_id", "-trained_on", "-pk")
        .distinct("file_id", "competence_id")
        .values_list("file_id", "file__owner_id", "competence_id", "level", "trained_on", "expires_on", "pk")
    )
    return {(row[0], row[2]): Standing(*row) for row in rows}


def latest_by_file(file_ids: Iterable[int], *, on: dt.date) -> dict[int, dict[int, tuple]]:
    """The same standings as plain rows, grouped by file: file id → competence id → (level,
    expires on). For the matrix, which reads ten thousand of them on one page."""
    rows = (
        TrainingRecord.objects.filter(
            status="recorded", competence__isnull=False, level__isnull=False, trained_on__lte=on
        )
        .filter(file_id__in=list(file_ids))
        .order_by("file_id", "competence_id", "-trained_on", "-pk")
        .distinct("file_id", "competence_id")
        .values_list("file_id", "competence_id", "level", "expires_on")
    )
    found: dict[int, dict[int, tuple]] = {}
    for file_id, competence_id, level, expires_on in rows.iterator(chunk_size=5000):
        found.setdefault(file_id, {})[competence_id] = (level, expires_on)
    return found
