"""Document control's section of the audit pack (ISO 9001 7.5)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch

from qms import access
from qms.auditpack import AuditScreen, AuditSection, history_of

from .models import Acknowledgment, Document, DocumentType, PeriodicReview, Revision
from .services import content_hash


def _in_period(value, date_from: dt.date, date_to: dt.date) -> bool:
    if value is None:
        return False
    day = value.date() if isinstance(value, dt.datetime) else value
    return date_from <= day <= date_to


def build(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    revisions = Revision.objects.select_related("author").prefetch_related(
        "files",
        "signatures",
        Prefetch(
            "acknowledgments",
            queryset=Acknowledgment.objects.filter(status=Acknowledgment.Status.PENDING).select_related(
                "user"
            ),
            to_attr="pending_acks",
        ),
    )
    documents = list(
        access.restrict(Document.objects.all(), user)
        .select_related("owner", "department")
        .prefetch_related(
            Prefetch("revisions", queryset=revisions.order_by("-created_at"), to_attr="all_revisions"),
            Prefetch(
                "periodic_reviews",
                queryset=PeriodicReview.objects.filter(
                    reviewed_at__date__gte=date_from, reviewed_at__date__lte=date_to
                ).select_related("reviewed_by"),
                to_attr="period_reviews",
            ),
        )
        .order_by("number")
    )
    histories = history_of(documents, user)
    rows = []
    for document in documents:
        current = next((r for r in document.all_revisions if r.status == Revision.Status.EFFECTIVE), None)
        changed = []
        for revision in document.all_revisions:
            if any(
                _in_period(v, date_from, date_to)
                for v in (revision.created_at, revision.approved_at, revision.effective_at, revision.ended_at)
            ):
                now_hash = content_hash(revision)
                signatures = [(s, s.is_valid_for(now_hash)) for s in revision.signatures.all()]
                changed.append({"revision": revision, "signatures": signatures})
        history = [h for h in histories.get(document.pk, []) if date_from <= h.history_date.date() <= date_to]
        rows.append(
            {
                "document": document,
                "current": current,
                "pending": current.pending_acks if current else [],
                "revisions": changed,
                "reviews": document.period_reviews,
                "history": history,
            }
        )
    return {
        "rows": rows,
        "overdue_reviews": [r for r in rows if r["document"].is_overdue],
        "not_acknowledged": sum(len(r["pending"]) for r in rows),
    }


SECTIONS = [
    AuditSection(
        key="documents",
        title="Document control: register, approvals and distribution",
        clause="7.5",
        template="documents/audit_section.html",
        build=build,
    )
]


def quality_policy(*, user) -> str | None:
    """5.2: where the quality policy is, if document control holds an issued policy document the
    user may see (its number and title); else nothing to point at."""
    policies = (
        access.restrict(Document.objects.filter(doc_type=DocumentType.POLICY, status="active"), user)
        .order_by("number")
        .values_list("number", "title")
    )
    names = [f"{number} {title}" for number, title in policies[:3]]
    return f"Quality policy: in document control ({', '.join(names)})" if names else None


def awareness(*, user) -> str:
    return (
        "Read-and-acknowledge of documents: the acknowledgment register in document control "
        "(screen), not in the pack; the 7.5 section counts the acknowledgments outstanding"
    )


SCREENS = [AuditScreen("5.2", quality_policy), AuditScreen("7.3", awareness)]
