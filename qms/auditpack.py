"""Audit packs: a PDF an auditor takes away, assembled from sections the modules provide.

Each module declares its sections (``Module(audit_sections=[AuditSection(...)])``). The
builder only assembles: a cover, the contents, then each section's own template rendered with the
context its ``build`` returns. Every section reads through ``access.restrict`` so a pack never
shows a user more than the screens do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .pdf import render_pdf


@dataclass(frozen=True)
class AuditSection:
    key: str  # "capa"
    title: str  # "Nonconformities and corrective actions"
    clause: str  # "10.2"
    template: str  # rendered inside the pack with the context ``build`` returns
    # build(user=, date_from=, date_to=) -> context; a constant number of queries.
    build: Callable[..., dict[str, Any]]


def sections() -> list[AuditSection]:
    """Every installed module's sections, in the order of INSTALLED_APPS."""
    from .modules import collect

    return collect("audit_sections")


def history_of(records) -> dict[int, list]:
    """The change history of ``records`` (one model), newest first, in one query: pk -> entries."""
    records = list(records)
    if not records:
        return {}
    model = type(records[0])
    entries = (
        model.history.filter(id__in=[r.pk for r in records])
        .select_related("history_user")
        .order_by("id", "-history_date")
    )
    found: dict[int, list] = {}
    for entry in entries:
        found.setdefault(entry.id, []).append(entry)
    return found


def pack_build(
    *, user, keys: list[str], date_from: dt.date, date_to: dt.date
) -> tuple[bytes, list[AuditSection]]:
    """Render the audit pack PDF for the chosen sections and period, as ``user`` may see it."""
    chosen = [s for s in sections() if s.key in keys]
    parts = []
    for section in chosen:
        context = section.build(user=user, date_from=date_from, date_to=date_to)
        parts.append(
            {
                "section": section,
                "html": render_to_string(section.template, {**context, "section": section, "user": user}),
            }
        )
    pdf = render_pdf(
        "qms/auditpack.html",
        {
            "parts": parts,
            "user": user,
            "date_from": date_from,
            "date_to": date_to,
            "generated_at": timezone.localtime(),
            "time_zone": settings.TIME_ZONE,
            "base_url": settings.BASE_URL,
        },
    )
    return pdf, chosen
