"""The document register and the document page (the kernel's record views, declared)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect

from qms import access
from qms.views import (
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
    add_errors,
)

from .. import services
from ..forms import (
    DocumentFilter,
)
from ..models import Acknowledgment, Revision


def _current_label():
    return Subquery(Revision.objects.filter(document=OuterRef("pk"), status="effective").values("label")[:1])


def _open_ack_count():
    counted = (
        Acknowledgment.objects.filter(
            revision__document=OuterRef("pk"), revision__status="effective", status="pending"
        )
        .order_by()
        .values("revision__document")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class DocumentListView(RecordListView):
    """The document register: number, title, type, department, status, owner, current revision,
    next review and how many people have not yet acknowledged the current revision."""

    template_name = "documents/document_list.html"
    filterset_class = DocumentFilter
    title = "Document register"
    columns = [
        ("number", "Number"),
        ("title", "Title"),
        ("get_doc_type_display", "Type"),
        ("department", "Department"),
        ("status", "Status"),
        ("owner", "Owner"),
        ("current_label", "Current revision"),
        ("due_date", "Next review"),
        ("open_acks", "Not yet acknowledged"),
    ]
    search_fields = ("number", "title", "reference")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(current_label=_current_label(), open_acks=_open_ack_count())
            .order_by("number")
        )


class DocumentCreateView(RecordCreateView):
    def create(self, form):
        return services.document_create(by=self.request.user, **form.record_fields(), **form.distribution())


class DocumentUpdateView(RecordUpdateView):
    def form_valid(self, form):
        try:
            services.document_update(
                document=form.instance,
                by=self.request.user,
                reason=form.cleaned_data.get("reason", ""),
                **form.distribution(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{form.instance.number} saved.")
        return redirect(form.instance.get_absolute_url())


def _signature_rows(revision: Revision, current_hash: str | None) -> list[dict]:
    return [
        {"signature": s, "valid": current_hash is not None and s.content_hash == current_hash}
        for s in revision.signatures.all()
    ]


def _file_rows(revision: Revision) -> tuple[list[dict], str]:
    """Each file with whether its stored bytes still match the hash taken at upload, and the
    revision's content hash as it is now."""
    rows = []
    for f in revision.files.all():
        digest = services.file_digest(f)
        rows.append({"file": f, "intact": digest == f.sha256, "digest": digest})
    return rows, services.content_hash(revision, file_hashes=[r["digest"] for r in rows])


class DocumentDetailView(RecordDetailView):
    def extra_context_for(self, document, forms):
        user = self.request.user
        revisions = list(
            document.revisions.select_related("author")
            .prefetch_related("files")
            .order_by("-created_at", "-pk")
        )
        current = next((r for r in revisions if r.is_current), None)
        in_work = next((r for r in revisions if r.is_in_work), None)
        ctx = {
            "revisions": revisions,
            "current": current,
            "in_work": in_work,
            "can_revise": self._can_change(document) and in_work is None,
            "can_review": self._can_change(document) and current is not None,
            "can_request": not user.is_auditor and not document.is_closed,
            "change_requests": document.change_requests.select_related("raised_by", "decided_by", "revision"),
            "periodic_reviews": document.periodic_reviews.select_related("reviewed_by", "revision"),
            "distribution": services.distribution_users(document).select_related("department"),
        }
        if current is not None:
            files, current_hash = _file_rows(current)
            acks = list(current.acknowledgments.select_related("user", "user__department"))
            ctx.update(
                current_files=files,
                current_signatures=_signature_rows(current, current_hash),
                not_acknowledged=[a for a in acks if a.status == "pending"],
                acknowledged=[a for a in acks if a.status == "acknowledged"],
                my_ack=next((a for a in acks if a.user_id == user.pk and a.status == "pending"), None),
            )
        return ctx

    def _can_change(self, document) -> bool:
        return access.can_change(self.request.user, document) and not document.is_closed
