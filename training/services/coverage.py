"""Coverage alarms, kept in step with the records: after every write that changes who is qualified
or who is away (a training recorded or withdrawn, an absence, a file closed, a competence changed)
and once a day (an expiry or an absence entered the four-week window overnight)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from qms import events
from qms.models import User

from ..coverage import coverage_of
from ..models import Competence, CoverageAlarm

COVERAGE_ALARM = "training.coverage_alarm"


def _answerer(competence: Competence) -> User:
    """The head of the department the competence belongs to answers for its coverage; the
    competence's owner where the department has no head."""
    head = competence.department.head
    return head if head is not None and head.is_active else competence.owner


@transaction.atomic
def alarms_refresh(
    *, competences: Iterable[Competence] | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """Raise, update or clear the coverage alarm of each competence (every competence in use
    when none are given). An alarm keeps the day it was first short; a competence covered again
    clears it. Safe to run any number of times. A competence passed in memory is judged by its
    status there (a retire step refreshes before it is saved)."""
    if competences is None:
        chosen = list(Competence.objects.filter(status="active").select_related("department__head", "owner"))
        clear_others = True
    else:
        chosen = list(competences)
        clear_others = False
    in_use = [c for c in chosen if c.status == "active"]
    alarms = CoverageAlarm.objects.select_for_update().filter(status=CoverageAlarm.Status.OPEN)
    if not clear_others:
        alarms = alarms.filter(competence_id__in=[c.pk for c in chosen])
    open_alarms = {a.competence_id: a for a in alarms}
    counts = {"raised": 0, "updated": 0, "cleared": 0}
    now = timezone.now()
    for cov in coverage_of(in_use, today=today):
        short = cov.short_days
        alarm = open_alarms.pop(cov.competence.pk, None)
        if not short:
            if alarm is not None:
                _clear(alarm, now)
                counts["cleared"] += 1
            continue
        values = {
            "title": cov.alarm_title(),
            "lowest": cov.lowest,
            "required": cov.minimum,
            "owner": _answerer(cov.competence),
        }
        if alarm is None:
            CoverageAlarm.objects.create(competence=cov.competence, since=short[0], **values)
            # The risk register hears of it (a process hanging on one person is a risk, 6.1).
            events.publish(COVERAGE_ALARM, competence_id=cov.competence.pk)
            counts["raised"] += 1
            continue
        changed = [name for name, value in values.items() if getattr(alarm, name) != value]
        if changed:
            for name in changed:
                setattr(alarm, name, values[name])
            alarm.save(update_fields=changed)
            counts["updated"] += 1
    for alarm in open_alarms.values():  # competences retired, or no longer in use
        _clear(alarm, now)
        counts["cleared"] += 1
    return counts


def _clear(alarm: CoverageAlarm, now: dt.datetime) -> None:
    alarm.status = CoverageAlarm.Status.CLEARED
    alarm.cleared_at = now
    alarm.save(update_fields=["status", "cleared_at"])


def refresh_for_files(file_ids: Iterable[int]) -> None:
    """Refresh the alarms of every competence the people of these files are qualified in (their
    absence or their leaving changes those only)."""
    from ..models import TrainingRecord

    ids = set(
        TrainingRecord.objects.filter(file_id__in=list(file_ids), status="recorded", level__gte=2)
        .exclude(competence=None)
        .values_list("competence_id", flat=True)
    )
    if ids:
        alarms_refresh(competences=Competence.objects.filter(pk__in=ids).select_related("department__head"))
