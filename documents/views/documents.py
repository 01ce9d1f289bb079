"""The document register and the document page (the kernel's record views, declared)."""

from __future__ import annotations

from qms.views import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import selectors, services
from ..forms import DocumentFilter


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
        return selectors.with_register_columns(super().get_queryset()).order_by("number")


class DocumentCreateView(RecordCreateView):
    def create(self, form):
        return services.document_create(by=self.request.user, **form.record_fields(), **form.distribution())


class DocumentUpdateView(RecordUpdateView):
    def update(self, form):
        return services.document_update(
            document=form.instance,
            by=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            **form.distribution(),
        )


class DocumentDetailView(RecordDetailView):
    def extra_context_for(self, document, forms):
        return selectors.document_page(document, self.request.user)
