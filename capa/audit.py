"""NCR and CAPA sections of the audit pack:

- 8.7 control of nonconforming outputs: the period's NCRs with the disposition of the product
  (scrap, rework, use as is under concession, return to supplier), who decided it and when, or
  that it is still to be decided;
- 10.2 nonconformity and corrective action: what went wrong in the period, what was done about
  it, and whether it worked.
"""

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


def dispositions(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    """The NCRs of the period (as 10.2 reads them: raised in it, or still open at its end) and
    what was decided for the nonconforming product, as the user may see them: one query."""
    ncrs = (
        _touches_period(access.restrict(Nonconformity.objects.all(), user), date_from, date_to)
        .select_related("owner", "department", "disposition_by")
        .order_by("reference")
    )
    return {"ncrs": list(ncrs)}


SECTIONS = [
    # ISO 9001 8.7.2 asks for the nonconformity, the action taken, concessions and who decided:
    # the NCR's disposition. 10.2 lists the same NCRs beside the CAPAs raised from them.
    AuditSection(
        key="dispositions",
        title="Nonconforming outputs: NCRs and their disposition",
        clause="8.7",
        template="capa/audit_dispositions.html",
        build=dispositions,
        models=("capa.nonconformity",),
    ),
    AuditSection(
        key="capa",
        title="Nonconformities and corrective actions",
        clause="10.2",
        template="capa/audit_section.html",
        build=build,
        models=("capa.nonconformity", "capa.capa"),  # as before 8.7 named the NCRs too
    ),
]
