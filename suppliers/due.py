"""Due items of the supplier module for the kernel's registry (My work, the Overview, alerts,
escalations, the weekly digest): re-evaluations owed by whoever keeps the supplier; certificates
to renew, from 60 days before they expire, owed by the same (procurement); open supplier
changes, due when their page says (evaluate by, then decide by), owed by their owner, the quality
manager who evaluates and decides them (owed by procurement, they waited on the My work of
someone who could not act on them); a draft SCAR, to send, owed by its owner from the day it
was drafted; SCAR answers owed by the SCAR's owner, escalated when late; conditional approvals
running out; supplier audits, at the interval the supplier's tier asks, from the last audit (or
the approval, for a supplier never audited), owed by whoever keeps the supplier."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateField, Exists, ExpressionWrapper, F, Func, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from qms.due_providers import QuerysetDueProvider, RecordDueProvider

from .models import Scar, Supplier, SupplierCertificate, SupplierChange, TierPolicy

MODULE = "Suppliers"
RENEW_AHEAD = dt.timedelta(days=60)


def _certificates():
    # A certificate a later one of the same kind outlasts is renewed already (one entered late,
    # already expired, beside the current one is nobody's work).
    outlasted = SupplierCertificate.objects.filter(
        supplier=OuterRef("supplier"),
        kind=OuterRef("kind"),
        status="current",
        expires_on__gt=OuterRef("expires_on"),
    )
    return (
        SupplierCertificate.objects.filter(status="current", expires_on__isnull=False)
        .exclude(supplier__status="disqualified")
        .exclude(Exists(outlasted))
        # date − integer is a date in PostgreSQL (date − interval would be a timestamp).
        .annotate(
            renew_by=ExpressionWrapper(F("expires_on") - Value(RENEW_AHEAD.days), output_field=DateField())
        )
    )


class PlusMonths(Func):
    """``date + n months`` as a date, the calendar's way (31 Jan + 1 month is 28/29 Feb);
    PostgreSQL's date + interval is a timestamp."""

    arg_joiner = " + interval '1 month' * "
    template = "((%(expressions)s))::date"
    output_field = DateField()


def _drafts():
    # Nobody waits on a draft but the supplier, who does not know of it yet: its owner sends it,
    # from the day it was drafted. A draft with a due date of its own is the "SCAR" item's.
    return Scar.objects.filter(status="draft", due_date__isnull=True).annotate(
        send_by=TruncDate("created_at")
    )


def _audits():
    """Approved and conditional suppliers whose tier plans supplier audits, with the next one's
    date. A supplier never audited owes its first one an interval after its approval."""
    months = TierPolicy.objects.filter(tier=OuterRef("tier")).values("audit_months")[:1]
    return (
        Supplier.objects.filter(status__in=("approved", "conditional"))
        .annotate(
            audit_months=Subquery(months), audited_from=Coalesce("last_audit_on", TruncDate("approved_at"))
        )
        .filter(audit_months__isnull=False, audited_from__isnull=False)
        .annotate(audit_due=PlusMonths("audited_from", "audit_months"))
    )


def _open_changes():
    # Due when its page says ("evaluate by", then "decide by"); one without that date from the
    # day its lots are held.
    return SupplierChange.objects.filter(status__in=("recorded", "evaluated")).annotate(
        decide_by=Coalesce("due_date", "effective_from", "received_on")
    )


PROVIDERS = [
    RecordDueProvider(Supplier, module=MODULE, kind="Supplier evaluation"),
    QuerysetDueProvider(
        module=MODULE,
        kind="Certificate to renew",
        queryset=_certificates,
        url_name="suppliers:supplier_detail",
        key_prefix="suppliers.certificate",
        reference_field="supplier__reference",
        title_field="supplier__name",
        owner_field="supplier__owner",
        due_field="renew_by",
        url_pk_field="supplier_id",
    ),
    QuerysetDueProvider(
        module=MODULE,
        kind="Open supplier change (lots on hold)",
        queryset=_open_changes,
        url_name="suppliers:supplierchange_detail",
        key_prefix="suppliers.change",
        due_field="decide_by",
    ),
    QuerysetDueProvider(
        module=MODULE,
        kind="SCAR to send",
        queryset=_drafts,
        url_name="suppliers:scar_detail",
        key_prefix="suppliers.scar.draft",
        due_field="send_by",
    ),
    RecordDueProvider(Scar, module=MODULE, kind="SCAR"),
    # A conditional approval runs out: re-approve, extend the conditions or disqualify.
    QuerysetDueProvider(
        module=MODULE,
        kind="Conditional approval expires",
        queryset=lambda: Supplier.objects.filter(status="conditional", conditional_until__isnull=False),
        url_name="suppliers:supplier_detail",
        key_prefix="suppliers.conditional",
        title_field="name",
        due_field="conditional_until",
    ),
    QuerysetDueProvider(
        module=MODULE,
        kind="Supplier audit",
        queryset=_audits,
        url_name="suppliers:supplier_detail",
        key_prefix="suppliers.audit",
        title_field="name",
        due_field="audit_due",
    ),
]
