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
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from qms.forms import people
from qms.models import Department, Process, User

from .models import Competence, Level, RoleAssignment, RoleRequirement, TrainingFile
from .standing import latest_by_file

LEVEL_NAMES = {v: label.split("·", 1)[1].strip() for v, label in Level.choices}


@dataclass(slots=True)
class Cell:
    """One person in one competence: the level held (None: never trained), the level their job
    roles need (None: not needed), and whether it is a gap, expired or expiring."""

    level: int | None
    required: int | None
    expires_on: dt.date | None
    state: str  # "", "gap", "expired", "expiring"
    counted: bool = False  # a figure behind this page counted it (an overdue requalification)

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

    def html(self, label: str = "") -> str:
        """The cell as a table cell: the level, what the job roles need beside a gap, the expiry
        as a tooltip, and its competence (``label``, escaped) for the phone's stacked rows. Made
        here, not in a template loop: a department's matrix has ten thousand."""
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
        css = f"m-{self.state}" if self.state else ""
        if self.counted:  # Bootstrap's own borders: the stylesheet is the kernel's
            css += " m-counted fw-bold border border-3 border-dark"
        css = f' class="{css.strip()}"' if css else ""
        named = f' data-label="{label}"' if label else ""
        return f"<td{css}{tip}{named}>{level}{needs}</td>"


@dataclass
class Row:
    person: User
    file_id: int | None
    roles: list[str]
    cells: list[Cell]
    labels: list[str] = field(default_factory=list)  # the columns' competences, set by the Matrix

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.cells if c.state in ("gap", "expired") and c.required is not None)

    @property
    def cells_html(self) -> str:
        if not self.labels:
            return "".join(c.html() for c in self.cells)
        return "".join(c.html(label) for c, label in zip(self.cells, self.labels, strict=True))

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
    # The cells a figure counted, highlighted (``mark``): (row, column, cell), in the table's order.
    counted: list[tuple[Row, Column, Cell]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # On a phone the table stacks: each cell then says which competence it is.
        labels = [escape(c.competence.title) for c in self.columns]
        for row in self.rows:
            row.labels = labels

    @property
    def gaps(self) -> int:
        return sum(r.gaps for r in self.rows)

    @property
    def head_html(self) -> str:
        """The competences as column headings, each a link to its page (made here: two hundred of
        them on a page)."""
        url = reverse("training:competence_detail", args=[987654321])
        cells = []
        for column in self.columns:
            c = column.competence
            css = "m-head m-under" if column.under else "m-head"
            cells.append(
                f'<th scope="col" class="{css}"><a href="{url.replace("987654321", str(c.pk))}">'
                f'{escape(c.title)}</a><div class="small fw-normal text-muted">{escape(c.process)}</div></th>'
            )
        return "".join(cells)

    @property
    def foot_html(self) -> str:
        """Qualified people per competence against its minimum coverage."""
        cells = []
        for column in self.columns:
            css = ' class="m-gap"' if column.under else ""
            label = escape(column.competence.title)
            cells.append(
                f'<td{css} data-label="{label}">{column.qualified} / {column.competence.min_coverage}</td>'
            )
        return "".join(cells)


EMPTY = Cell(None, None, None, "")


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
    files = dict(
        TrainingFile.objects.filter(owner_id__in=[p.pk for p in persons]).values_list("owner_id", "pk")
    )
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
    held = latest_by_file(files.values(), on=on)
    if only_competences is not None:
        chosen = only_competences
    else:
        wanted = {c for needs in needs_by_role.values() for c in needs}
        wanted |= {c for row in held.values() for c, (level, _) in row.items() if level >= Level.IN_TRAINING}
        chosen = Competence.objects.filter(Q(pk__in=wanted) | (competence_q or Q(pk__in=[])))
    competences = list(
        chosen.filter(status="active").select_related("process").order_by("process__name", "title", "pk")
    )
    columns = [Column(c) for c in competences]
    column_ids = [c.pk for c in competences]
    qualified = [0] * len(columns)
    rows = []
    # The inner loop runs once per cell (ten thousand on a department's page): plain lookups only.
    for person in persons:
        file_id = files.get(person.pk)
        mine = held.get(file_id, {})
        required: dict[int, int] = {}
        for role_id in role_ids.get(file_id, ()):
            for competence_id, level in needs_by_role[role_id].items():
                if level > required.get(competence_id, 0):
                    required[competence_id] = level
        cells = []
        append = cells.append
        for i, competence_id in enumerate(column_ids):
            found = mine.get(competence_id)
            need = required.get(competence_id)
            if found is None:
                append(EMPTY if need is None else Cell(None, need, None, "gap"))
                continue
            level, expires = found
            if expires is not None and expires < on:
                state = "expired"
            elif need is not None and level < need:
                state = "gap"
            elif expires is not None and expires <= horizon:
                state = "expiring"
            else:
                state = ""
            if level >= Level.QUALIFIED and state != "expired":
                qualified[i] += 1
            append(Cell(level, need, expires, state))
        rows.append(Row(person, file_id, roles.get(file_id, []), cells))
    for column, count in zip(columns, qualified, strict=True):
        column.qualified = count
    return Matrix(title, on, columns, rows)


def mark(matrix: Matrix, counted) -> Matrix:
    """Highlight the cells of ``counted`` ((training file, competence) pairs) and list them in
    ``matrix.counted``: every pair must have its row and column (build the matrix of its people
    and competences)."""
    column_of = {column.competence.pk: i for i, column in enumerate(matrix.columns)}
    wanted: dict[int, set[int]] = defaultdict(set)
    for file_id, competence_id in counted:
        wanted[file_id].add(competence_id)
    for row in matrix.rows:
        for i in sorted(column_of[c] for c in wanted.get(row.file_id, ()) if c in column_of):
            row.cells[i] = replace(row.cells[i], counted=True)
            matrix.counted.append((row, matrix.columns[i], row.cells[i]))
    return matrix


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
