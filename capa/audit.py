"""NCR and CAPA section of the audit pack (ISO 9001 10.2): what went wrong in the period, what was
done about it, and whether it worked."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from qms import access
from qms.auditpack import AuditSection, history_of

from .models import Capa, Nonconformity


def _touches_period(qs, date_from: dt.date, date_to: dt.date):
    """Raised in the period, or still open at its end."""
    return qs.filter(
        Q(created_at__date__gte=date_from, created_at__date__lte=date_to)
        | Q(created_at__date__lt=date_from) & ~Q(status__in=qs.model.workflow.closed)
    )


def _history_in(histories, pk, date_from, date_to) -> list:
    return [h for h in histories.get(pk, []) if date_from <= h.history_date.date() <= date_to]


def build(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    ncrs = list(
        _touches_period(access.restrict(Nonconformity.objects.all(), user), date_from, date_to)
        .select_related("owner", "department", "disposition_by")
        .order_by("reference")
    )
    capas = list(
        _touches_period(access.restrict(Capa.objects.all(), user), date_from, date_to)
        .select_related("owner", "department", "closed_by")
        .prefetch_related(
            "nonconformities",
            "whys",
            "containment_actions__owner",
            "actions__owner",
            "checks__verifier",
            "checks__verified_by",
        )
        .order_by("reference")
    )
    ncr_history, capa_history = history_of(ncrs, user), history_of(capas, user)
    # The pack shows what the screens show: NCRs and reasons naming records outside the reader's
    # scope are counted, not named.
    linked = {n.pk for c in capas for n in c.nonconformities.all()}
    seen = set(
        access.restrict(Nonconformity.objects.filter(pk__in=linked), user).values_list("pk", flat=True)
    )
    for capa in capas:
        ncrs_of = list(capa.nonconformities.all())
        capa.ncrs_shown = [n.reference for n in ncrs_of if n.pk in seen]
        capa.ncrs_hidden = len(ncrs_of) - len(capa.ncrs_shown)
    return {
        "ncrs": [(n, _history_in(ncr_history, n.pk, date_from, date_to)) for n in ncrs],
        "capas": [(c, _history_in(capa_history, c.pk, date_from, date_to)) for c in capas],
    }


SECTIONS = [
    AuditSection(
        key="capa",
        title="Nonconformities and corrective actions",
        clause="10.2",
        template="capa/audit_section.html",
        build=build,
    )
]
