"""Due items of document control for the kernel's registry ("My work", alerts, digests)."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateField, Exists, F, OuterRef, Q, TextField, Value
from django.db.models.functions import Cast, Concat, TruncDate

from qms.due_providers import QuerysetDueProvider

from .models import Acknowledgment, ChangeRequest, Document, ReviewStep


def revision_due_provider(*, document_field: str, revision_field: str, **kwargs) -> QuerysetDueProvider:
    """Due items whose page is a revision (two URL arguments: the document and the revision)."""
    return QuerysetDueProvider(url_fields=(document_field, revision_field), **kwargs)


def open_steps():
    """Review and approval steps that can be decided now (approvals once every review is done)."""
    pending_review = ReviewStep.objects.filter(
        revision=OuterRef("revision"), round=OuterRef("round"), kind="review", decision="pending"
    )
    return (
        ReviewStep.objects.filter(decision="pending", revision__status="in_review")
        .annotate(waiting=Exists(pending_review))
        .filter(Q(kind="review") | Q(waiting=False))
    )


# How long the author has to rework a rejected revision and send it again.
REWORK_DAYS = 7


def rejected_drafts():
    """Revisions returned to their author by a rejection in their last round, not yet sent again:
    the author's rework, with the reason, due a week after the rejection."""
    return ReviewStep.objects.filter(
        decision="rejected", revision__status="draft", round=F("revision__round")
    ).annotate(
        rework_due=Cast(TruncDate("decided_at") + Value(dt.timedelta(days=REWORK_DAYS)), DateField()),
        rework_title=Concat(
            Value("Rework revision "),
            "revision__label",
            Value(" – rejected by "),
            "user__first_name",
            Value(" "),
            "user__last_name",
            Value(": "),
            "reason",
            output_field=TextField(),
        ),
    )


def providers() -> list[QuerysetDueProvider]:
    common = {"module": "Documents", "url_name": "documents:revision_detail"}
    found = []
    found.append(
        revision_due_provider(
            kind="Document review / approval",
            queryset=open_steps,
            key_prefix="documents.step",
            reference_field="revision__document__number",
            title_field="revision__document__title",
            owner_field="user_id",
            document_field="revision__document_id",
            revision_field="revision_id",
            **common,
        )
    )
    found.append(
        revision_due_provider(
            kind="Rework rejected revision",
            queryset=rejected_drafts,
            key_prefix="documents.rework",
            reference_field="revision__document__number",
            title_field="rework_title",
            owner_field="revision__author_id",
            due_field="rework_due",
            document_field="revision__document_id",
            revision_field="revision_id",
            **common,
        )
    )
    found.append(
        revision_due_provider(
            kind="Read and acknowledge",
            # Pending only while the revision is effective: superseding or withdrawing a revision
            # withdraws its pending acknowledgments (documents.services), so no join is needed.
            queryset=lambda: Acknowledgment.objects.filter(status="pending"),
            key_prefix="documents.ack",
            reference_field="revision__document__number",
            title_field="revision__document__title",
            owner_field="user_id",
            document_field="revision__document_id",
            revision_field="revision_id",
            **common,
        )
    )
    found.append(
        QuerysetDueProvider(
            module="Documents",
            kind="Periodic review",
            queryset=lambda: Document.objects.open(),
            url_name="documents:document_detail",
            key_prefix="documents.document",
            reference_field="number",
        )
    )
    found.append(
        QuerysetDueProvider(
            module="Documents",
            kind="Document change request",
            queryset=lambda: ChangeRequest.objects.filter(status="open"),
            url_name="documents:document_detail",
            key_prefix="documents.change_request",
            reference_field="document__number",
            title_field="document__title",
            owner_field="document__owner_id",
            url_pk_field="document_id",
        )
    )
    return found


PROVIDERS = providers()
