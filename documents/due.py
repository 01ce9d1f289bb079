"""Due items of document control for the kernel's registry ("My work", alerts, digests)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from qms.due import QuerysetDueProvider

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
            kind="Read and acknowledge",
            queryset=lambda: Acknowledgment.objects.filter(status="pending", revision__status="effective"),
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
