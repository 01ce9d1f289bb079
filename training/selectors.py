"""Reads the training pages assemble, each taking the user and reading through ``qms.access``: who
may see which department's matrix, a person's file, a competence's coverage, the coverage page and
its charts. Each runs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from qms import access, charts
from qms.models import Department, Process, User

from . import matrix as matrices
from .coverage import coverage_of
from .models import (
    Competence,
    CoverageAlarm,
    Level,
    RoleAssignment,
    RoleRequirement,
    TrainingFile,
    TrainingRecord,
)
from .standing import standings

# --- who sees which matrix ------------------------------------------------------------------


def sees_company(user: User) -> bool:
    """The quality manager, top management, auditors and the HR steward see every department's
    matrix and coverage; everyone else their own department's."""
    return access.sees_everything(user) or access.is_steward(user, TrainingFile)


def departments_for(user: User):
    if sees_company(user):
        return Department.objects.all()
    return (
        Department.objects.filter(pk=user.department_id) if user.department_id else Department.objects.none()
    )


def processes_for(user: User):
    found = Process.objects.filter(active=True).select_related("department")
    if sees_company(user):
        return found
    return found.filter(department_id=user.department_id) if user.department_id else found.none()


def scope_for(user: User, department_id, process_id) -> Department | Process | None:
    """The department or process asked for, if the user may see it; by default their own
    department (or the first one for those who see the company)."""
    if process_id:
        return processes_for(user).filter(pk=process_id).first()
    if department_id:
        return departments_for(user).filter(pk=department_id).first()
    if user.department_id:
        return departments_for(user).filter(pk=user.department_id).first()
    return departments_for(user).first()


def matrix_of(scope: Department | Process, on: dt.date | None = None) -> matrices.Matrix:
    if isinstance(scope, Process):
        return matrices.process_matrix(scope, on=on)
    return matrices.department_matrix(scope, on=on)


def competences_in(scope: Department | Process):
    found = Competence.objects.filter(status="active").select_related("department__head", "process", "owner")
    if isinstance(scope, Process):
        return found.filter(process=scope)
    return found.filter(department=scope)


# --- the pages behind the KPIs -------------------------------------------------------------


def _counted_matrix(title: str, counted, day: dt.date) -> matrices.Matrix:
    """The matrix on ``day`` of only the people and competences of ``counted`` ((training file,
    competence) pairs), those cells framed: what a figure or a bar counted, as the matrix shows it."""
    owners = TrainingFile.objects.filter(pk__in={file_id for file_id, _ in counted}).values("owner_id")
    matrix = matrices.build(
        title=title,
        people_qs=User.objects.filter(pk__in=owners).select_related("department"),
        only_competences=Competence.objects.filter(pk__in={c for _, c in counted}),
        on=day,
    )
    return matrices.mark(matrix, counted)


def overdue_matrix(department: Department | None, day: dt.date) -> matrices.Matrix:
    """The matrix on ``day`` of the people and competences of every requalification the KPI
    counts for the department (the whole company's without one), those cells highlighted: the
    same history judged the same way (``kpis.requalifications_overdue_on``)."""
    from .kpis import requalifications_overdue_on

    counted = requalifications_overdue_on(day, subject=department)
    where = department if department is not None else "whole company"
    return _counted_matrix(f"Overdue requalifications on {day:%-d %b %Y}: {where}", counted, day)


def required_matrix(department: Department | None, day: dt.date) -> tuple[matrices.Matrix, set]:
    """The matrix on ``day`` of every (person, competence) their job roles needed that the KPI
    "Required competences held" counts for the department (the whole company's without one), each
    such cell framed, and which of them were held: the same history judged the same way
    (``kpis.required_held_on``)."""
    from .kpis import required_held_on

    counted = required_held_on(day, subject=department)
    where = department if department is not None else "whole company"
    matrix = _counted_matrix(f"Required competences held on {day:%-d %b %Y}: {where}", counted, day)
    return matrix, {key for key, held in counted.items() if held}


def processes_under(department: Department | None, day: dt.date, user: User) -> list[dict]:
    """Each process the KPI counts under its minimum coverage on ``day`` for the department that
    owns it (every department's without one), with its competences below their minimum and how
    many people were qualified in each; a link to the process's matrix and coverage where the
    user may open them. A constant number of queries."""
    from .kpis import processes_under_coverage_on

    found = processes_under_coverage_on(day, subject=department)
    ids = list(found)
    competences = Competence.objects.in_bulk({c for short in found.values() for c in short})
    openable = set(processes_for(user).filter(pk__in=ids).values_list("pk", flat=True))
    matrix, coverage = reverse("training:matrix"), reverse("training:coverage")
    rows = []
    for process in Process.objects.filter(pk__in=ids).select_related("department"):
        short = sorted(
            ((competences[c], n) for c, n in found[process.pk].items()), key=lambda x: (x[0].title, x[0].pk)
        )
        rows.append(
            {
                "process": process,
                "competences": short,
                "matrix_url": f"{matrix}?process={process.pk}" if process.pk in openable else "",
                "coverage_url": f"{coverage}?process={process.pk}" if process.pk in openable else "",
            }
        )
    rows.sort(key=lambda r: (r["process"].department.name, r["process"].name, r["process"].pk))
    return rows


# --- a person's training file ---------------------------------------------------------------


def file_page(file: TrainingFile, user: User) -> dict:
    """The person's competences as the matrix sees them (level, what their roles need, expiry),
    their training records with the evaluation of each, their needs (open first), absences."""
    from qms.views.children import child_rows

    person_matrix = matrices.build(
        title=str(file.owner), people_qs=User.objects.filter(pk=file.owner_id), competence_q=Q(pk__in=[])
    )
    standing_rows = []
    if person_matrix.rows:
        row = person_matrix.rows[0]
        standing_rows = [
            (col.competence, cell) for col, cell in zip(person_matrix.columns, row.cells, strict=True)
        ]
    records = list(
        file.records.select_related("competence", "revision__document", "trainer", "recorded_by")
        .prefetch_related("evaluations")
        .order_by("-trained_on", "-pk")
    )
    for record in records:
        record.file = file
    needs = list(file.needs.select_related("competence", "revision__document").order_by("due_date", "pk"))
    for need in needs:
        need.file = file
    need_rows = child_rows(needs, user)
    return {
        "standing_rows": standing_rows,
        "record_list": child_rows(records, user),
        "open_need_rows": [c for c in need_rows if c.row.status == "open"],
        "done_need_rows": [c for c in need_rows if c.row.status != "open"],
        "today": timezone.localdate(),
    }


def record_page(record: TrainingRecord, user: User) -> dict:
    """The record's effectiveness evaluations, each with whether the user may judge it now and
    its signatures."""
    from django.core.exceptions import PermissionDenied

    from qms.services import signature_rows
    from qms.views.children import child_rows

    from .services import may_evaluate

    found = list(record.evaluations.select_related("evaluator", "evaluated_by"))
    evaluations = []
    for evaluation, controls in zip(found, child_rows(found, user), strict=True):
        evaluation.record = record
        try:
            may = may_evaluate(user, evaluation)
        except PermissionDenied:  # the trainee: told why on the form's page
            may = False
        edit_url = controls.edit_url if evaluation.status == "pending" else ""
        evaluations.append((evaluation, may, signature_rows(evaluation), edit_url))
    return {"evaluations": evaluations}


# --- a competence: its coverage ------------------------------------------------------------


def competence_page(competence: Competence) -> dict:
    today = timezone.localdate()
    cov = coverage_of([competence], today=today)[0] if competence.status == "active" else None
    held = standings(competence_ids=[competence.pk], current_only=True)
    learners = [s for s in held.values() if s.level == Level.IN_TRAINING and s.valid_on(today)]
    people = User.objects.in_bulk({s.person_id for s in learners})
    context = {
        "coverage": cov,
        "learners": [(people[s.person_id], s) for s in learners if s.person_id in people],
        "alarm": CoverageAlarm.objects.filter(competence=competence, status="open").first(),
        "required_by": RoleRequirement.objects.filter(competence=competence)
        .select_related("job_role__department")
        .order_by("job_role__title"),
    }
    if cov is not None:
        context["chart"] = charts.line_chart(
            [f"{d:%a %-d %b}" for d in cov.days],
            [("Qualified people available", cov.available)],
            title=f"{competence}: qualified people available, next four weeks",
            target=cov.minimum,
            over="Day",
        )
    return context


# --- the coverage page ------------------------------------------------------------------------


def coverage_page(scope: Department | Process) -> dict:
    """Coverage of the scope's competences over the next four weeks (a heat map, red below the
    minimum), its open alarms, and the requalifications falling due per month for a year."""
    today = timezone.localdate()
    competences = list(competences_in(scope).order_by("title"))
    covered = coverage_of(competences, today=today)
    days = covered[0].days if covered else []
    heat = charts.heat_map(
        [f"{d:%a %-d}" if d.day != 1 and d != today else f"{d:%-d %b}" for d in days],
        [(c.competence.title, c.available, c.minimum, c.competence.get_absolute_url()) for c in covered],
        title="Qualified people available per competence, next four weeks",
        rows_name="Competence",
    )
    alarms = list(
        CoverageAlarm.objects.filter(status="open", competence__in=competences)
        .select_related("competence", "owner")
        .order_by("since")
    )
    return {
        "coverage": covered,
        "short": [c for c in covered if c.short_days],
        "heat_map": heat,
        "alarms": alarms,
        "requalification_chart": requalification_chart(scope, today),
    }


def alarms_elsewhere(shown: list[CoverageAlarm]) -> list[CoverageAlarm]:
    """The open coverage alarms of the rest of the company (the catalogue is everyone's to read):
    a coverage page of one department names them, so a short process elsewhere is not hidden by
    the department chosen."""
    return list(
        CoverageAlarm.objects.filter(status="open")
        .exclude(pk__in=[a.pk for a in shown])
        .select_related("competence__department")
        .order_by("competence__department__name", "since")
    )


def months_ahead(today: dt.date) -> list[dt.date]:
    """The first day of this month and of each of the eleven after it: the months the chart of
    requalifications falling due draws, and the months the matrix can be narrowed to."""
    first = today.replace(day=1)
    return [first + relativedelta(months=n) for n in range(12)]


def requalifications_due(scope: Department | Process, today: dt.date) -> dict[str, list[tuple[int, int]]]:
    """(training file, competence) of each current qualification of the scope that must be
    requalified and expires within the next twelve months, by when: "expired" (before today) or
    the month ("2026-05", from today on). The people of a department are those whose open file is
    in it; of a process, whoever holds one of its competences, whatever their department. What the
    chart's bars count, and what the matrix each bar opens lists (``expiring_matrix``)."""
    end = months_ahead(today)[-1] + relativedelta(months=1) - dt.timedelta(days=1)
    if isinstance(scope, Process):
        competences = competences_in(scope).values_list("pk", flat=True)
        held = standings(competence_ids=competences, on=today, current_only=True)
    else:
        files = TrainingFile.objects.filter(department=scope, status="open").values_list("pk", flat=True)
        held = standings(file_ids=files, on=today, current_only=True)
    in_use = set(
        Competence.objects.filter(status="active", requalify_months__isnull=False).values_list(
            "pk", flat=True
        )
    )
    due: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, s in held.items():
        if s.competence_id in in_use and s.expires_on is not None and s.expires_on <= end:
            due["expired" if s.expires_on < today else f"{s.expires_on:%Y-%m}"].append(key)
    return due


def requalification_chart(scope: Department | Process, today: dt.date):
    """Requalifications falling due per month over the next twelve months (and those already
    expired), each bar opening the matrix of the scope narrowed to the qualifications it counts:
    a page everyone who reads the coverage reads as it is, so the bar's number is the number of
    rows it opens for every reader (the training records register shows staff only their own)."""
    due = requalifications_due(scope, today)
    where = {"process": scope.pk} if isinstance(scope, Process) else {"department": scope.pk}
    matrix = reverse("training:matrix")

    def url(bucket: str) -> str:
        return f"{matrix}?{urlencode({**where, 'expires': bucket})}"

    bars = [("Expired", len(due["expired"]), url("expired"))]
    bars += [(f"{m:%b %Y}", len(due[f"{m:%Y-%m}"]), url(f"{m:%Y-%m}")) for m in months_ahead(today)]
    return charts.bar_chart(
        bars, title="Requalifications falling due per month", columns=("Month", "Requalifications")
    )


def expiring_matrix(scope: Department | Process, bucket: str, today: dt.date) -> matrices.Matrix:
    """The matrix today of the people and competences of the requalifications of one bar of the
    coverage chart (``bucket``: "expired" or "2026-05"), those cells framed and listed."""
    counted = requalifications_due(scope, today).get(bucket, [])
    when = "expired" if bucket == "expired" else f"due in {dt.date.fromisoformat(bucket + '-01'):%B %Y}"
    return _counted_matrix(f"Requalifications {when}: {scope}", counted, today)


def holders(job_role) -> list[RoleAssignment]:
    return list(
        job_role.assignments.filter(status="held", file__status="open")
        .select_related("file__owner")
        .order_by("file__owner__last_name", "file__owner__first_name")
    )
