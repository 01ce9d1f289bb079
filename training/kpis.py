"""KPIs of the training module for management review (9.3.2 c, "adequacy of resources"): each as
of the last day of the period, for the company or one department, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from qms import kpis

from .coverage import coverage_of
from .models import Competence, Level, RoleAssignment, RoleRequirement, TrainingFile
from .standing import standings


def _files(subject, day: dt.date):
    files = TrainingFile.objects.filter(status="open", owner__is_active=True, created_at__date__lte=day)
    return files.filter(department=subject) if subject is not None else files


def required_held(period: kpis.Period, subject=None) -> float | None:
    """Share (%) of the competences people's job roles need that they held at the level needed, on
    the period's last day. None when no job role needs anything."""
    day = period.end
    file_ids = list(_files(subject, day).values_list("pk", flat=True))
    held_roles = RoleAssignment.objects.filter(file_id__in=file_ids, since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gt=day)
    )
    roles: dict[int, set[int]] = {}
    for file_id, role_id in held_roles.values_list("file_id", "job_role_id"):
        roles.setdefault(file_id, set()).add(role_id)
    needs: dict[int, dict[int, int]] = {}
    for role_id, competence_id, level in RoleRequirement.objects.filter(
        job_role_id__in={r for ids in roles.values() for r in ids}, competence__status="active"
    ).values_list("job_role_id", "competence_id", "level"):
        needs.setdefault(role_id, {})[competence_id] = level
    held = standings(file_ids=file_ids, on=day)
    total = met = 0
    for file_id, role_ids in roles.items():
        wanted: dict[int, int] = {}
        for role_id in role_ids:
            for competence_id, level in needs.get(role_id, {}).items():
                wanted[competence_id] = max(level, wanted.get(competence_id, 0))
        for competence_id, level in wanted.items():
            total += 1
            standing = held.get((file_id, competence_id))
            met += bool(standing is not None and standing.level_on(day) >= level)
    return round(100 * met / total, 1) if total else None


def requalifications_overdue(period: kpis.Period, subject=None) -> int:
    """Qualifications people still hold (their latest record) that had expired by the period's
    last day without requalification."""
    day = period.end
    in_use = set(
        Competence.objects.filter(status="active", requalify_months__isnull=False).values_list(
            "pk", flat=True
        )
    )
    held = standings(file_ids=_files(subject, day).values_list("pk", flat=True), on=day)
    return sum(
        1
        for s in held.values()
        if s.competence_id in in_use
        and s.level >= Level.IN_TRAINING
        and s.expires_on is not None
        and s.expires_on < day
    )


def processes_under_coverage(period: kpis.Period, subject=None) -> int:
    """Processes with a competence under its minimum coverage on some day of the four weeks from
    the period's last day (absences included), by the department owning the process."""
    competences = Competence.objects.filter(status="active").select_related("process")
    if subject is not None:
        competences = competences.filter(process__department=subject)
    short = {
        c.competence.process_id for c in coverage_of(list(competences), today=period.end) if c.short_days
    }
    return len(short)


MEASURES = [
    kpis.Measure(
        "training.required_held",
        "Required competences held",
        "%",
        required_held,
        subject="department",
        clause="7.2",
    ),
    kpis.Measure(
        "training.requalifications_overdue",
        "Overdue requalifications",
        "count",
        requalifications_overdue,
        better="lower",
        subject="department",
        clause="7.2",
    ),
    kpis.Measure(
        "training.processes_under_coverage",
        "Processes under minimum coverage",
        "count",
        processes_under_coverage,
        better="lower",
        subject="department",
        clause="7.1.2",
    ),
]
