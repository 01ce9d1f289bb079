"""A revision's page, the register of who has not yet acknowledged, and the acknowledgments the
"acknowledged within their deadline" figure counted."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from qms import access
from qms.kpis import Period
from qms.paging import keyset_page
from qms.views import ChildDetailView, QMSView, csv_response, querystring

from .. import selectors
from ..forms import AckDueFilter, AckFilter
from ..kpis import NO_DEPARTMENT


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


def _subject(department: str | None):
    """The figure's subject from the filter's choice: a department's id, ``NO_DEPARTMENT``, None."""
    if department in (None, NO_DEPARTMENT):
        return department
    return int(department)


class AcknowledgmentDueView(QMSView, TemplateView):
    """The acknowledgments the figure "revisions acknowledged within their deadline" counted: due
    between two days (this month by default), of one department's people or every one's, each
    on time or late, with the share on time the figure shows. Paged (keyset)."""

    template_name = "documents/acknowledgment_due.html"
    page_size = 100

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        get, month = self.request.GET, Period.month(timezone.localdate())
        data = get.copy()
        data.setdefault("due_from", month.start.isoformat())
        data.setdefault("due_to", month.end.isoformat())
        form = AckDueFilter(data)
        start, end, department = month.start, month.end, None
        if form.is_valid():  # else nothing is listed, and the form says what is wrong beside it
            chosen = form.cleaned_data
            start, end = chosen["due_from"], chosen["due_to"]  # one day alone: its month's other end
            start = start or (Period.month(end).start if end else month.start)
            end = end or Period.month(start).end
            department = chosen["department"] or None
        found, summary = selectors.counted_acknowledgments_for(
            self.request.user, start, end, _subject(department), counted=form.is_valid()
        )
        page = keyset_page(
            found,
            selectors.OUTSTANDING_ORDER,
            after=get.get("after", ""),
            before=get.get("before", ""),
            size=self.page_size,
        )
        ctx.update(
            form=form,
            page=page,
            rows=page.object_list,
            start=start,
            end=end,
            department=dict(form.fields["department"].choices).get(department or ""),
            everyone=department is None,
            no_department=department == NO_DEPARTMENT,
            today=timezone.localdate(),
            querystring=querystring(self.request, drop=("after", "before")),
            list_url=reverse("documents:document_list"),
            **summary,
        )
        return ctx
