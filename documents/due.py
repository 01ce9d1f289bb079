"""Due items of document control for the kernel's registry ("My work", alerts, digests)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from qms.due import DueItem, QuerysetDueProvider

from .models import Acknowledgment, ChangeRequest, Document, ReviewStep


class RevisionDueProvider(QuerysetDueProvider):
    """Like the kernel's provider, for items whose page is a revision (two URL arguments)."""

    def __init__(self, *, document_field: str, revision_field: str, **kwargs):
        super().__init__(url_pk_field=document_field, **kwargs)
        self.revision_field = revision_field

    def items(self, *, until, owner_ids=None, department_ids=None):
        ref_f, title_f, owner_f, dept_f, due_f, doc_f = self.fields
        qs = self.queryset().filter(**{f"{due_f}__lte": until})
        if owner_ids is not None or department_ids is not None:
            scope = Q()
            if owner_ids is not None:
                scope |= Q(**{f"{owner_f}__in": list(owner_ids)})
            if department_ids is not None:
                scope |= Q(**{f"{dept_f}__in": list(department_ids)})
            qs = qs.filter(scope)
        template = reverse(self.url_name, args=[987654321, 123456789])
        rows = qs.values_list("pk", ref_f, title_f, owner_f, dept_f, due_f, doc_f, self.revision_field)
        for pk, ref, title, owner, dept, due, doc_pk, rev_pk in rows.iterator(chunk_size=5000):
            yield DueItem(
                key=f"{self.key_prefix}:{pk}",
                module=self.module,
                kind=self.kind,
                reference=ref or "",
                title=title or "",
                owner_id=owner,
                department_id=dept,
                due_date=due,
                url=template.replace("987654321", str(doc_pk)).replace("123456789", str(rev_pk)),
            )


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


def register() -> None:
    from qms.due import registry

    common = {"module": "Documents", "url_name": "documents:revision_detail"}
    registry.register(
        RevisionDueProvider(
            kind="Document review / approval",
            queryset=open_steps,
            key_prefix="documents.step",
            reference_field="revision__document__number",
            title_field="revision__document__title",
            owner_field="user_id",
            department_field="revision__document__department_id",
            document_field="revision__document_id",
            revision_field="revision_id",
            **common,
        )
    )
    registry.register(
        RevisionDueProvider(
            kind="Read and acknowledge",
            queryset=lambda: Acknowledgment.objects.filter(status="pending", revision__status="effective"),
            key_prefix="documents.ack",
            reference_field="revision__document__number",
            title_field="revision__document__title",
            owner_field="user_id",
            # The person's department: their head sees who has not read the new revision yet.
            department_field="user__department_id",
            document_field="revision__document_id",
            revision_field="revision_id",
            **common,
        )
    )
    registry.register(
        QuerysetDueProvider(
            module="Documents",
            kind="Periodic review",
            queryset=lambda: Document.objects.open(),
            url_name="documents:document_detail",
            key_prefix="documents.document",
            reference_field="number",
        )
    )
    registry.register(
        QuerysetDueProvider(
            module="Documents",
            kind="Document change request",
            queryset=lambda: ChangeRequest.objects.filter(status="open"),
            url_name="documents:document_detail",
            key_prefix="documents.change_request",
            reference_field="document__number",
            title_field="document__title",
            owner_field="document__owner_id",
            department_field="document__department_id",
            url_pk_field="document_id",
        )
    )
