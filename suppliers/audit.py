"""The 8.4 section of the audit pack: the approved supplier list as of the end date with tier and
status, evaluations in the period, certificates with their expiry and their standing on the end
date (as the certificate register states it), SCARs, change notifications and their evaluation.
As the user may see them, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from qms import access
from qms.auditpack import AuditSection, history_of

from .models import Evaluation, Scar, Supplier, SupplierCertificate, SupplierChange
from .selectors import VALIDITY, validity_case


def _status_on(supplier: Supplier, entries: list, day: dt.date) -> str:
    """The supplier's status as its history stood at the end of ``day``."""
    workflow = Supplier.workflow
    for entry in entries:  # newest first
        if entry.history_date.date() <= day:
            return workflow.label(entry.status)
    return workflow.label(supplier.status)


def section(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    suppliers = list(
        access.restrict(Supplier.objects.filter(created_at__date__lte=date_to), user)
        .select_related("owner")
        .order_by("name")
    )
    history = history_of(suppliers, user)
    asl = []
    for s in suppliers:
        entries = sorted(history.get(s.pk, []), key=lambda h: h.history_date, reverse=True)
        asl.append({"supplier": s, "status": _status_on(s, entries, date_to)})
    ids = [s.pk for s in suppliers]
    evaluations = list(
        Evaluation.objects.filter(supplier_id__in=ids, evaluated_on__range=(date_from, date_to))
        .select_related("supplier", "evaluator")
        .prefetch_related("scores")
        .order_by("evaluated_on", "pk")
    )
    certificates = list(
        SupplierCertificate.objects.filter(supplier_id__in=ids, issued_on__lte=date_to)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=date_from))
        .annotate(validity=validity_case(date_to))
        .select_related("supplier")
        .order_by("supplier__name", "kind", "expires_on")
    )
    # Its standing as the certificate register states it, on the pack's last day (the register's
    # own day is today: the same rule, so a certificate past its date reads "Expired" in both).
    for certificate in certificates:
        certificate.standing = VALIDITY[certificate.validity]
    scars = list(
        access.restrict(Scar.objects.filter(created_at__date__lte=date_to), user)
        .filter(Q(status__in=("draft", "sent", "answered")) | Q(updated_at__date__gte=date_from))
        .select_related("supplier", "owner")
        .order_by("created_at")
    )
    changes = list(
        access.restrict(SupplierChange.objects.filter(received_on__lte=date_to), user)
        .filter(Q(decided_on__isnull=True) | Q(decided_on__gte=date_from))
        .select_related("supplier", "evaluated_by", "decided_by")
        .order_by("received_on", "pk")
    )
    return {
        "asl": asl,
        "evaluations": evaluations,
        "certificates": certificates,
        "scars": scars,
        "changes": changes,
        "on": date_to,
    }


SECTIONS = [AuditSection("suppliers", "Suppliers", "8.4", "suppliers/audit_section.html", section)]
