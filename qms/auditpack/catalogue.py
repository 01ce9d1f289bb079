"""The audit pack's catalogue: the sections the modules declare, the ISO 9001 clauses they sit
under, and the evidence freshness of each (what an auditor looks at first).

Each module declares its sections (``Module(audit_sections=[AuditSection(...)])``); ``sections()``
collects them. A section's ``build`` reads through ``access.restrict``, so a pack never shows a
user more than the screens do; so does ``freshness_of``. The render pipeline is ``render.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Min
from django.utils import timezone


@dataclass(frozen=True)
class AuditSection:
    key: str  # "capa"
    title: str  # "Nonconformities and corrective actions"
    clause: str  # "10.2"
    template: str  # rendered inside the pack with the context ``build`` returns
    # build(user=, date_from=, date_to=) -> context; a constant number of queries.
    build: Callable[..., dict[str, Any]]
    # Labels of the record models whose evidence freshness the section shows ("reviews.objective");
    # by default every record model of the module's app that no other section of it names (so at
    # most one section of a module leaves it out: two would each count the other's records).
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditScreen:
    """Evidence of a clause the system keeps on a screen that no section of the pack prints (the
    KPI dashboard for 9.1): the contents say where it is instead of "not covered by the system"."""

    clause: str  # "9.1"
    # note(user=) -> where the evidence is ("KPI dashboard (screen), not in the pack"), or None when
    # there is nothing there for the user taking the pack (no quality policy issued).
    note: Callable[..., str | None]


# ISO 9001:2015, clauses 4 to 10 and their sub-clauses: the contents list every one, so the
# auditor sees what the system covers and what it does not.
CLAUSES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "4",
        "Context of the organization",
        [
            ("4.1", "Understanding the organization and its context"),
            ("4.2", "Needs and expectations of interested parties"),
            ("4.3", "Scope of the quality management system"),
            ("4.4", "Quality management system and its processes"),
        ],
    ),
    (
        "5",
        "Leadership",
        [
            ("5.1", "Leadership and commitment"),
            ("5.2", "Policy"),
            ("5.3", "Organizational roles, responsibilities and authorities"),
        ],
    ),
    (
        "6",
        "Planning",
        [
            ("6.1", "Actions to address risks and opportunities"),
            ("6.2", "Quality objectives and planning to achieve them"),
            ("6.3", "Planning of changes"),
        ],
    ),
    (
        "7",
        "Support",
        [
            ("7.1", "Resources (7.1.5 monitoring and measuring resources)"),
            ("7.2", "Competence"),
            ("7.3", "Awareness"),
            ("7.4", "Communication"),
            ("7.5", "Documented information"),
        ],
    ),
    (
        "8",
        "Operation",
        [
            ("8.1", "Operational planning and control"),
            ("8.2", "Requirements for products and services"),
            ("8.3", "Design and development of products and services"),
            ("8.4", "Control of externally provided processes, products and services"),
            ("8.5", "Production and service provision"),
            ("8.6", "Release of products and services"),
            ("8.7", "Control of nonconforming outputs"),
        ],
    ),
    (
        "9",
        "Performance evaluation",
        [
            ("9.1", "Monitoring, measurement, analysis and evaluation"),
            ("9.2", "Internal audit"),
            ("9.3", "Management review"),
        ],
    ),
    (
        "10",
        "Improvement",
        [
            ("10.1", "General"),
            ("10.2", "Nonconformity and corrective action"),
            ("10.3", "Continual improvement"),
        ],
    ),
]


def clause_key(clause: str) -> tuple[int, ...]:
    """ "7.1.5" -> (7, 1, 5): clauses sort as numbers ("10.2" after "9.3")."""
    return tuple(int(p) if p.isdigit() else 0 for p in clause.strip().split("."))


def listed_clause(clause: str) -> str:
    """The sub-clause of ``CLAUSES`` a section's clause falls under ("7.1.5" -> "7.1", "8" -> "8")."""
    parts = clause.strip().split(".")
    return ".".join(parts[:2])


def sections() -> list[AuditSection]:
    """Every installed module's sections, in the order of INSTALLED_APPS."""
    from ..modules import collect

    return collect("audit_sections")


def screen_notes(*, user) -> dict[str, list[str]]:
    """Every installed module's screens, by the sub-clause of ``CLAUSES`` they fall under: where
    each clause's evidence is kept outside the pack, as ``user`` may see it."""
    from ..modules import collect

    found: dict[str, list[str]] = {}
    for screen in collect("audit_screens"):
        note = screen.note(user=user)
        if note:
            found.setdefault(listed_clause(screen.clause), []).append(note)
    return found


def history_of(records, user) -> dict[int, list]:
    """The change history of ``records`` (one model), newest first, in one query: pk -> entries.
    Each entry's reason as ``user`` may read it is its ``reason_shown`` (a reference to a record
    outside their scope left out and counted, as on the History tab: ``history.with_reasons_shown``);
    a pack prints that, never ``history_change_reason``."""
    from ..history import with_reasons_shown

    records = list(records)
    if not records:
        return {}
    model = type(records[0])
    entries = (
        model.history.filter(id__in=[r.pk for r in records])
        .select_related("history_user")
        .order_by("id", "-history_date", "-history_id")
    )
    found: dict[int, list] = {}
    for entry in with_reasons_shown(entries, user):
        found.setdefault(entry.id, []).append(entry)
    return found


# --- evidence freshness ----------------------------------------------------------------------


@dataclass
class Freshness:
    """What an auditor looks at first, per clause: how recent the newest record is, and how much
    is overdue and for how long (as far as the user taking the pack may see)."""

    newest: dt.date | None = None
    overdue: int = 0
    oldest_due: dt.date | None = None

    def days_overdue(self, today: dt.date) -> int | None:
        return (today - self.oldest_due).days if self.oldest_due else None

    def add(self, other: Freshness) -> None:
        if other.newest and (self.newest is None or other.newest > self.newest):
            self.newest = other.newest
        self.overdue += other.overdue
        if other.oldest_due and (self.oldest_due is None or other.oldest_due < self.oldest_due):
            self.oldest_due = other.oldest_due


def section_models(section: AuditSection) -> list[type]:
    """The record models a section stands for (see ``AuditSection.models``)."""
    from ..models import Record
    from ..modules import installed

    for entry in installed():
        siblings = list(entry.module.audit_sections)
        if section not in siblings:
            continue
        if section.models:
            return [apps.get_model(label) for label in section.models]
        claimed = {label.lower() for s in siblings for label in s.models}
        return [
            m for m in entry.app.get_models() if issubclass(m, Record) and m._meta.label_lower not in claimed
        ]
    return []


def freshness_of(section: AuditSection, *, user, today: dt.date) -> Freshness:
    """The newest record of the section's models and their overdue due items (records and their
    rows, from the due-item registry), read through ``restrict``: a few queries per model."""
    from ..access import record_model, restrict
    from ..due import registry

    models = section_models(section)
    found = Freshness()
    for model in models:
        newest = restrict(model.objects.all(), user).aggregate(newest=Max("created_at"))["newest"]
        if newest:
            found.add(Freshness(newest=timezone.localtime(newest).date()))
    for provider in registry.providers:
        scoped = getattr(provider, "_scoped", None)
        if scoped is None:
            continue  # a provider not built on a queryset cannot be narrowed to the user
        queryset = scoped(until=today - dt.timedelta(days=1), owner_ids=None, department_ids=None)
        if record_model(queryset.model) not in models:
            continue
        row = restrict(queryset, user).order_by().aggregate(n=Count("pk"), oldest=Min(provider.due_f))
        found.add(Freshness(overdue=row["n"], oldest_due=row["oldest"]))
    return found
