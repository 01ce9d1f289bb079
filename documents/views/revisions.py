"""A revision's page, its files (upload, remove, permission-checked download), acknowledgments
and the register of who has not yet acknowledged."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from qms import access
from qms.views import (
    QMSView,
    add_errors,
    csv_safe,
    querystring,
)
from qms.views.shared import serve_stored

from .. import services
from ..forms import (
    AckFilter,
    RevisionFileForm,
)
from ..models import Acknowledgment, RevisionFile
from .documents import _file_rows, _signature_rows
from .pages import DocumentChildMixin


class RevisionDetailView(DocumentChildMixin, QMSView, TemplateView):
    """One revision: a plain banner when it is not the current one, its files, the routing and
    signatures (void when the content changed after signing), the acknowledgments."""

    template_name = "documents/revision_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        document = self.get_document()
        revision = self.get_revision()
        files, current_hash = _file_rows(revision)
        steps = list(revision.steps.select_related("user").order_by("-round", "kind", "pk"))
        can_edit = access.can_change(user, document) and not document.is_closed and revision.status == "draft"
        acks = list(revision.acknowledgments.select_related("user", "user__department"))
        ctx.update(
            document=document,
            revision=revision,
            current=document.revisions.filter(status="effective").first(),
            files=files,
            content_hash=current_hash,
            signatures=_signature_rows(revision, current_hash),
            steps=steps,
            my_step=services.step_for(revision, user),
            can_edit=can_edit,
            file_form=RevisionFileForm(),
            acks=acks,
            not_acknowledged=[a for a in acks if a.status == "pending"],
            my_ack=next((a for a in acks if a.user_id == user.pk and a.status == "pending"), None),
            history=revision.history.select_related("history_user").order_by("-history_date", "-history_id"),
            change_requests=revision.change_requests.select_related("raised_by"),
        )
        return ctx


class RevisionFileUploadView(DocumentChildMixin, QMSView):
    http_method_names = ["post"]

    def post(self, request, pk, revision_pk):
        revision = self.get_revision()
        access.require_change(request.user, self.get_document())
        form = RevisionFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.revision_file_add(
                    revision=revision, upload=form.cleaned_data["file"], by=request.user
                )
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):  # the revision itself refuses (not a draft)
                    messages.error(request, " ".join(exc.messages))
                    return redirect(revision.get_absolute_url())
                add_errors(form, exc)
        if not form.is_valid():
            view = RevisionDetailView(request=request, kwargs=self.kwargs)
            view._document, view._revision = self.get_document(), revision
            ctx = view.get_context_data()
            ctx["file_form"] = form
            messages.error(request, "Nothing was saved: see the message below.")
            return render(request, view.template_name, ctx, status=400)
        messages.success(request, "File added.")
        return redirect(revision.get_absolute_url())


class RevisionFileRemoveView(DocumentChildMixin, QMSView):
    http_method_names = ["post"]

    def post(self, request, pk, revision_pk, file_pk):
        revision = self.get_revision()
        file = get_object_or_404(RevisionFile, revision=revision, pk=file_pk)
        try:
            services.revision_file_remove(file=file, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{file.original_name} removed.")
        return redirect(revision.get_absolute_url())


class RevisionFileDownloadView(DocumentChildMixin, QMSView):
    """A revision's file: the kernel's one permission-checked download (the name says when the
    revision is not current)."""

    def get(self, request, pk, revision_pk, file_pk):
        file = get_object_or_404(RevisionFile, revision=self.get_revision(), pk=file_pk)
        response = serve_stored(request, file)
        response["X-Document-Status"] = file.revision.status
        return response


class AcknowledgeView(DocumentChildMixin, QMSView):
    http_method_names = ["post"]

    def post(self, request, pk, ack_pk):
        ack = get_object_or_404(
            Acknowledgment.objects.select_related("revision"),
            revision__document=self.get_document(),
            pk=ack_pk,
            user=request.user,
        )
        try:
            services.acknowledgment_confirm(ack=ack, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"You acknowledged {ack.revision}.")
        nxt = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
            nxt = ack.revision.get_absolute_url()  # only a local page is followed
        return redirect(nxt)


class AcknowledgmentRegisterView(QMSView, TemplateView):
    """Who has not yet acknowledged the current revision of a document: who may still be
    working to the old one. Filterable by department, searchable, exportable as CSV."""

    template_name = "documents/acknowledgment_register.html"

    def queryset(self):
        qs = services.outstanding_acknowledgments().order_by(
            "due_date", "revision__document__number", "user__last_name"
        )
        self.filter_form = AckFilter(self.request.GET or None)
        if self.filter_form.is_valid():
            dept = self.filter_form.cleaned_data.get("department")
            q = (self.filter_form.cleaned_data.get("q") or "").strip()
            if dept:
                qs = qs.filter(user__department=dept)
            if q:
                qs = qs.filter(
                    Q(revision__document__number__icontains=q)
                    | Q(revision__document__title__icontains=q)
                    | Q(user__first_name__icontains=q)
                    | Q(user__last_name__icontains=q)
                    | Q(user__username__icontains=q)
                )
        elif self.filter_form.is_bound:
            qs = qs.none()
        return qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="not-acknowledged-{timezone.localdate():%Y%m%d}.csv"'
            )
            writer = csv.writer(response)
            writer.writerow(["Document", "Title", "Revision", "Person", "Department", "Due"])
            for a in self.queryset():
                writer.writerow(
                    [
                        csv_safe(v)
                        for v in (
                            a.revision.document.number,
                            a.revision.document.title,
                            a.revision.label,
                            a.user,
                            a.user.department or "",
                            a.due_date,
                        )
                    ]
                )
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = list(self.queryset()[:1000])
        ctx["form"] = self.filter_form
        ctx["today"] = timezone.localdate()
        ctx["querystring"] = querystring(self.request, drop=("format",))
        ctx["list_url"] = reverse("documents:document_list")
        return ctx
