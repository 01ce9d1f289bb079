"""The competence matrix: people × competences with their levels, the gaps against their job roles,
what expires within 60 days and what has expired. One builder for the screen, the CSV and XLSX
exports, the A4-landscape PDF and the audit pack; a constant number of queries whatever the number
of people and competences (people, files, job roles held, their requirements, the standings, the
competences).

A matrix is as of a day (today on the screen; the end of the period in an audit pack): the records
trained by then, the job roles held then."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from qms.forms import people
from qms.models import Department, Process, User

from .models import Competence, Level, RoleAssignment, RoleRequirement, TrainingFile
from .standing import Standing, standings

LEVEL_NAMES = {v: label.split("·", 1)[1].strip() for v, label in Level.choices}


@dataclass(slots=True)
class Cell:
    """One person in one competence: the level held (None: never trained), the level their job
    roles need (None: not needed), and whether it is a gap, expired or expiring."""

    level: int | None
    required: int | None
    expires_on: dt.date | None
    state: str  # "", "gap", "expired", "expiring"

    def text(self) -> str:
        """The cell as an export says it: "2", "1 (needs 2)", "2 (expires 3 Jun 2026)"."""
        if self.level is None and self.required is None:
            return ""
        parts = [str(self.level if self.level is not None else 0)]
        if self.state == "expired":
            parts.append(f"(expired {self.expires_on:%-d %b %Y})")
        elif self.state == "expiring":
            parts.append(f"(expires {self.expires_on:%-d %b %Y})")
        if self.state in ("gap", "expired") and self.required is not None:
            parts.append(f"(needs {self.required})")
        return " ".join(parts)

    def html(self) -> str:
        """The cell as a table cell: the level, what the job roles need beside a gap, the expiry
        as a tooltip. Made here, not in a template loop: a department's matrix has ten thousand."""
        if self.level is None and self.required is None:
            return "<td></td>"
        level = "0" if self.level is None else str(self.level)
        needs = (
            f"<small>/{self.required}</small>" if self.state in ("gap", "expired") and self.required else ""
        )
        tip = ""
        if self.state in ("expired", "expiring") and self.expires_on is not None:
            word = "expired" if self.state == "expired" else "expires"
            tip = f' title="{word} {self.expires_on:%-d %b %Y}"'
        css = f' class="m-{self.state}"' if self.state else ""
        return f"<td{css}{tip}>{level}{needs}</td>"


@dataclass
class Row:
    person: User
    file_id: int | None
    roles: list[str]
    cells: list[Cell]

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.cells if c.state in ("gap", "expired") and c.required is not None)

    @property
    def cells_html(self) -> str:
        return "".join(c.html() for c in self.cells)

    @property
    def roles_text(self) -> str:
        return ", ".join(self.roles)


@dataclass
class Column:
    competence: Competence
    qualified: int = 0  # people in the matrix qualified (level 2 or 3, valid) on the day

    @property
    def under(self) -> bool:
        return self.qualified < self.competence.min_coverage


@dataclass
class Matrix:
    title: str
    on: dt.date
    columns: list[Column]
    rows: list[Row]
    legend: dict[int, str] = field(default_factory=lambda: dict(LEVEL_NAMES))

    @property
    def gaps(self) -> int:
        return sum(r.gaps for r in self.rows)

    def chunks(self, size: int) -> list[tuple[list[Column], list[tuple[Row, list[Cell]]]]]:
        """The matrix cut into groups of ``size`` competences, for pages too narrow for all."""
        out = []
        for start in range(0, len(self.columns), size):
            columns = self.columns[start : start + size]
            out.append((columns, [(row, row.cells[start : start + size]) for row in self.rows]))
        return out or [([], [(row, []) for row in self.rows])]


def _state(standing: Standing | None, required: int | None, on: dt.date, horizon: dt.date) -> str:
    if standing is not None and standing.expires_on is not None and standing.expires_on < on:
        return "expired"
    held = standing.level if standing is not None else 0
    if required is not None and held < required:
        return "gap"
    if standing is not None and standing.expires_on is not None and standing.expires_on <= horizon:
        return "expiring"
    return ""


def build(
    *,
    title: str,
    people_qs: QuerySet,
    competence_q: Q | None = None,
    only_competences: QuerySet | None = None,
    on: dt.date | None = None,
) -> Matrix:
    """The matrix of ``people_qs`` as of ``on``. The columns are ``only_competences`` when given;
    otherwise every competence in use that ``competence_q`` selects, that their job roles need, or
    that one of them holds."""
    on = on or timezone.localdate()
    horizon = on + dt.timedelta(days=getattr(settings, "TRAINING_REQUALIFY_LEAD_DAYS", 60))
    persons = list(people_qs.order_by("department__name", "last_name", "first_name", "pk"))
    person_ids = [p.pk for p in persons]
    files = dict(TrainingFile.objects.filter(owner_id__in=person_ids).values_list("owner_id", "pk"))
    held_roles = RoleAssignment.objects.filter(file_id__in=files.values(), since__lte=on).filter(
        Q(until__isnull=True) | Q(until__gt=on)
    )
    roles: dict[int, list[str]] = defaultdict(list)
    role_ids: dict[int, set[int]] = defaultdict(set)
    for file_id, role_id, role_title in held_roles.order_by("job_role__title").values_list(
        "file_id", "job_role_id", "job_role__title"
    ):
        roles[file_id].append(role_title)
        role_ids[file_id].add(role_id)
    needs_by_role: dict[int, dict[int, int]] = defaultdict(dict)
    for role_id, competence_id, level in RoleRequirement.objects.filter(
        job_role_id__in={r for ids in role_ids.values() for r in ids}
    ).values_list("job_role_id", "competence_id", "level"):
        needs_by_role[role_id][competence_id] = level
    held = standings(file_ids=files.values(), on=on)
    if only_competences is not None:
        chosen = only_competences
    else:
        wanted = {c for needs in needs_by_role.values() for c in needs}
        wanted |= {s.competence_id for s in held.values() if s.level >= Level.IN_TRAINING}
        chosen = Competence.objects.filter(Q(pk__in=wanted) | (competence_q or Q(pk__in=[])))
    competences = list(
        chosen.filter(status="active").select_related("process").order_by("process__name", "title", "pk")
    )
    columns = [Column(c) for c in competences]
    rows = []
    for person in persons:
        file_id = files.get(person.pk)
        required: dict[int, int] = {}
        for role_id in role_ids.get(file_id, ()):
            for competence_id, level in needs_by_role[role_id].items():
                required[competence_id] = max(level, required.get(competence_id, 0))
        cells = []
        for column in columns:
            competence_id = column.competence.pk
            standing = held.get((file_id, competence_id)) if file_id else None
            need = required.get(competence_id)
            state = _state(standing, need, on, horizon)
            level = standing.level if standing is not None else None
            if standing is not None and standing.qualified_on(on):
                column.qualified += 1
            cells.append(Cell(level, need, standing.expires_on if standing else None, state))
        rows.append(Row(person, file_id, roles.get(file_id, []), cells))
    return Matrix(title, on, columns, rows)


# --- scopes ----------------------------------------------------------------------------------


def department_matrix(department: Department, *, on: dt.date | None = None) -> Matrix:
    """Everyone in the department, with the competences of its processes, those their job roles
    need and those any of them holds."""
    return build(
        title=f"Competence matrix: {department}",
        people_qs=people().filter(department=department).select_related("department"),
        competence_q=Q(department=department),
        on=on,
    )


def process_matrix(process: Process, *, on: dt.date | None = None) -> Matrix:
    """The competences of one process, with everyone who holds one of them or whose job role
    needs one, whatever their department."""
    competences = Competence.objects.filter(process=process)
    held_by = TrainingFile.objects.filter(
        records__competence__process=process, records__status="recorded"
    ).values("owner_id")
    needed_by = TrainingFile.objects.filter(
        roles__status="held", roles__job_role__requirements__competence__process=process
    ).values("owner_id")
    persons = people().filter(Q(pk__in=held_by) | Q(pk__in=needed_by)).select_related("department")
    return build(
        title=f"Competence matrix: {process}", people_qs=persons, only_competences=competences, on=on
    )


def company_matrix(*, on: dt.date | None = None) -> Matrix:
    """Everyone in the company, by department, with every competence in use that anyone holds
    or needs (the whole company's export)."""
    return build(
        title="Competence matrix: whole company",
        people_qs=people().exclude(department=None).select_related("department"),
        competence_q=Q(pk__in=[]),
        on=on,
    )
