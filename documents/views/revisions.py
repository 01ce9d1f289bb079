"""A revision's page and the register of who has not yet acknowledged."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from qms import access
from qms.paging import keyset_page
from qms.views import ChildDetailView, QMSView, csv_response, querystring

from .. import selectors
from ..forms import AckFilter


class RevisionDetailView(ChildDetailView):
    """One revision: a plain banner when it is not the current one, its files (and the form to
    add one to a draft: a refused upload comes back here, beside the field), the routing and
    signatures (void when the content changed after signing), the acknowledgments."""

    def extra_context_for(self, revision, forms):
        return selectors.revision_page(revision, self.request.user)


class AcknowledgmentRegisterView(QMSView, TemplateView):
    """Who has not yet acknowledged the current revision of a document: who may still be
    working to the old one. Filterable by department and document, searchable, paged (keyset),
    exportable as CSV (every page)."""

    template_name = "documents/acknowledgment_register.html"
    page_size = 100

    def queryset(self):
        self.filter_form = AckFilter(self.request.GET or None)
        documents = self.filter_form.fields["document"]
        documents.queryset = access.restrict(documents.queryset, self.request.user)
        if self.filter_form.is_bound and not self.filter_form.is_valid():
            return selectors.outstanding_acknowledgments(self.request.user).none()
        data = self.filter_form.cleaned_data if self.filter_form.is_bound else {}
        return selectors.outstanding_acknowledgments(
            self.request.user,
            department=data.get("department"),
            document=data.get("document"),
            q=data.get("q") or "",
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return csv_response(
                f"not-acknowledged-{timezone.localdate():%Y%m%d}",
                ["Document", "Title", "Revision", "Person", "Department", "Due"],
                (
                    (
                        a.revision.document.number,
                        a.revision.document.title,
                        a.revision.label,
                        a.user,
                        a.user.department or "",
                        a.due_date,
                    )
                    for a in self.queryset().iterator(chunk_size=2000)
                ),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        get = self.request.GET
        ctx["page"] = keyset_page(
            self.queryset(),
            selectors.OUTSTANDING_ORDER,
            after=get.get("after", ""),
            before=get.get("before", ""),
            size=self.page_size,
        )
        ctx["rows"] = ctx["page"].object_list
        ctx["form"] = self.filter_form
        ctx["document"] = self.filter_form.cleaned_data.get("document") if self.filter_form.is_bound else None
        ctx["today"] = timezone.localdate()
        ctx["querystring"] = querystring(self.request, drop=("format", "after", "before"))
        ctx["list_url"] = reverse("documents:document_list")
        return ctx
