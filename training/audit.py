"""The 7.2 section of the audit pack: the competence matrix as of the pack's end date, the training
records of the period, the requalifications and effectiveness evaluations overdue at its end, and
the coverage alarms that were on during it. Read through ``qms.access`` as the user taking the
pack may see it, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from qms import access
from qms.auditpack import AuditSection
from qms.forms import people
from qms.models import User

from . import matrix as matrices
from .exports import pdf_blocks
from .models import Competence, CoverageAlarm, Evaluation, TrainingFile, TrainingRecord
from .selectors import departments_for, sees_company
from .standing import standings

AUDIT_COLUMNS = 23  # competences per block on the pack's A4 portrait page


def _by_department(matrix: matrices.Matrix) -> list[matrices.Matrix]:
    """The one matrix cut per department, each with the competences that department has something
    in (a level held or needed) or owns."""
    parts: dict = {}
    for row in matrix.rows:
        parts.setdefault(row.person.department, []).append(row)
    out = []
    for department, rows in parts.items():
        keep = [
            i
            for i, column in enumerate(matrix.columns)
            if column.competence.department_id == getattr(department, "pk", None)
            or any(r.cells[i].level is not None or r.cells[i].required is not None for r in rows)
        ]
        columns = [matrices.Column(matrix.columns[i].competence) for i in keep]
        part_rows = []
        for row in rows:
            cells = [row.cells[i] for i in keep]
            part_rows.append(matrices.Row(row.person, row.file_id, row.roles, cells))
            for column, cell in zip(columns, cells, strict=True):
                column.qualified += cell.level is not None and cell.level >= 2 and cell.state != "expired"
        out.append(matrices.Matrix(f"{department}", matrix.on, columns, part_rows))
    return out


def build(*, user: User, date_from: dt.date, date_to: dt.date) -> dict:
    departments = departments_for(user)
    matrix = matrices.build(
        title="Competence matrix",
        people_qs=people().filter(department__in=departments).select_related("department"),
        competence_q=Q(department__in=departments),
        on=date_to,
    )
    records = list(
        access.restrict(TrainingRecord.objects.filter(trained_on__range=(date_from, date_to)), user)
        .select_related("file__owner", "competence", "revision__document", "trainer", "recorded_by")
        .order_by("trained_on", "pk")
    )
    files = access.restrict(TrainingFile.objects.filter(status="open"), user)
    owners = dict(files.values_list("pk", "owner_id"))
    requalify = Competence.objects.filter(status="active", requalify_months__isnull=False).in_bulk()
    expired = [
        s
        for s in standings(file_ids=owners, on=date_to).values()
        if s.competence_id in requalify and s.expires_on is not None and s.expires_on < date_to
    ]
    names = User.objects.in_bulk({s.person_id for s in expired})
    evaluations = list(
        access.restrict(Evaluation.objects.filter(status="pending", due_date__lt=date_to), user)
        .filter(record__status="recorded", record__file__status="open")
        .select_related("record__file__owner", "record__competence", "evaluator")
        .order_by("due_date")
    )
    alarms = CoverageAlarm.objects.filter(raised_at__date__lte=date_to).filter(
        Q(cleared_at__isnull=True) | Q(cleared_at__date__gte=date_from)
    )
    if not sees_company(user):
        alarms = alarms.filter(competence__department__in=departments)
    return {
        "matrices": [
            (part, pdf_blocks(part, columns=AUDIT_COLUMNS, font_pt=6.5)) for part in _by_department(matrix)
        ],
        "on": date_to,
        "records": records,
        "requalifications": [
            (names.get(s.person_id), requalify[s.competence_id], s)
            for s in sorted(expired, key=lambda s: s.expires_on)
        ],
        "evaluations": evaluations,
        "alarms": list(alarms.select_related("competence", "owner").order_by("since")),
    }


SECTIONS = [
    AuditSection(
        key="training",
        title="Competence and training",
        clause="7.2",
        template="training/audit_section.html",
        build=build,
    )
]
