"""Views of document control: thin subclasses of the kernel's views. Every rule is in
``documents.services``; views only find the rows (through ``access.restrict``), run a form and
show the result."""

from __future__ import annotations

import csv
import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from qms import access
from qms.services import safe_filename
from qms.views import (
    QMSView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
    WriteView,
    _add_errors,
    _csv_safe,
    _querystring,
)

from . import services
from .forms import (
    AckFilter,
    ChangeRequestDecisionForm,
    ChangeRequestForm,
    DocumentFilter,
    PeriodicReviewForm,
    RevisionCreateForm,
    RevisionFileForm,
    RevisionForm,
    SignForm,
    SubmitForm,
)
from .models import Acknowledgment, ChangeRequest, Document, Revision, RevisionFile


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
            _add_errors(form, exc)
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
    def extra_context_for(self, document):
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


# --- child views ---------------------------------------------------------------------------------


class DocumentChildMixin:
    """Finds the document (narrowed to the user's scope: outside it is a 404) and its children."""

    model = Document

    def get_document(self) -> Document:
        if not hasattr(self, "_document"):
            self._document = get_object_or_404(
                access.restrict(Document.objects.select_related("owner", "department"), self.request.user),
                pk=self.kwargs["pk"],
            )
        return self._document

    def get_revision(self) -> Revision:
        if not hasattr(self, "_revision"):
            self._revision = get_object_or_404(
                Revision.objects.select_related("document", "author"),
                document=self.get_document(),
                pk=self.kwargs["revision_pk"],
            )
        return self._revision

    def require_change(self) -> Document:
        document = self.get_document()
        access.require_change(self.request.user, document)
        if document.is_closed:
            raise PermissionDenied("The document is obsolete.")
        return document


class FormPage(DocumentChildMixin, WriteView):
    """A page with one form about a document or revision: GET shows it, POST runs ``perform``;
    bad input comes back with the errors beside the fields (status 400) and nothing stored."""

    template_name = "documents/form.html"
    form_class = None
    title = ""
    submit_label = "Save"

    def check(self) -> None:
        """Raise PermissionDenied when the user may not use this form."""
        self.require_change()

    def form_kwargs(self) -> dict:
        return {}

    def context(self) -> dict:
        return {}

    def cancel_url(self) -> str:
        return self.get_document().get_absolute_url()

    def render_form(self, form, status=200):
        ctx = {
            "form": form,
            "title": self.title,
            "submit_label": self.submit_label,
            "cancel_url": self.cancel_url(),
            "document": self.get_document(),
            **self.context(),
        }
        if status != 200:
            messages.error(self.request, "Nothing was saved: see the messages below.")
        return render(self.request, self.template_name, ctx, status=status)

    def get(self, request, *args, **kwargs):
        self.check()
        return self.render_form(self.form_class(**self.form_kwargs()))

    def post(self, request, *args, **kwargs):
        self.check()
        form = self.form_class(request.POST, request.FILES, **self.form_kwargs())
        if form.is_valid():
            try:
                return self.perform(form)
            except ValidationError as exc:
                _add_errors(form, exc)
        return self.render_form(form, status=400)

    def perform(self, form):  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class RevisionCreateView(FormPage):
    form_class = RevisionCreateForm
    submit_label = "Open draft"

    @property
    def title(self):
        return f"New revision of {self.get_document().number}"

    def form_kwargs(self):
        return {"document": self.get_document()}

    def get(self, request, *args, **kwargs):
        self.check()
        initial = {"label": services.next_label(self.get_document())}
        return self.render_form(self.form_class(initial=initial, **self.form_kwargs()))

    def perform(self, form):
        revision = services.revision_create(
            document=self.get_document(),
            by=self.request.user,
            label=form.cleaned_data["label"],
            change_summary=form.cleaned_data["change_summary"],
            upload=form.cleaned_data.get("file"),
        )
        messages.success(self.request, f"Draft revision {revision.label} opened.")
        return redirect(revision.get_absolute_url())


class RevisionChildPage(FormPage):
    def context(self):
        return {"revision": self.get_revision()}

    def cancel_url(self):
        return self.get_revision().get_absolute_url()


class RevisionUpdateView(RevisionChildPage):
    form_class = RevisionForm

    @property
    def title(self):
        return f"Edit draft {self.get_revision()}"

    def form_kwargs(self):
        return {"document": self.get_document(), "revision": self.get_revision()}

    def get(self, request, *args, **kwargs):
        self.check()
        revision = self.get_revision()
        initial = {"label": revision.label, "change_summary": revision.change_summary}
        return self.render_form(self.form_class(initial=initial, **self.form_kwargs()))

    def perform(self, form):
        revision = services.revision_update(
            revision=self.get_revision(), by=self.request.user, **form.cleaned_data
        )
        messages.success(self.request, "Draft saved.")
        return redirect(revision.get_absolute_url())


class RevisionSubmitView(RevisionChildPage):
    form_class = SubmitForm
    submit_label = "Send for review"

    @property
    def title(self):
        return f"Send {self.get_revision()} for review and approval"

    def form_kwargs(self):
        return {"revision": self.get_revision()}

    def perform(self, form):
        revision = services.revision_submit(
            revision=self.get_revision(), by=self.request.user, **form.cleaned_data
        )
        messages.success(self.request, f"Revision {revision.label} sent for review.")
        return redirect(revision.get_absolute_url())


class RevisionSignView(RevisionChildPage):
    """Review or approval with an electronic signature (password and stated meaning)."""

    form_class = SignForm
    submit_label = "Sign"
    template_name = "documents/sign.html"

    @property
    def title(self):
        return f"Sign {self.get_revision()}"

    def check(self):
        self.step = services.step_for(self.get_revision(), self.request.user)
        if self.step is None:
            raise PermissionDenied("Nothing of this revision is waiting for your signature.")

    def form_kwargs(self):
        return {"meaning": self.step.meaning}

    def context(self):
        revision = self.get_revision()
        files, current_hash = _file_rows(revision)
        return {"revision": revision, "step": self.step, "files": files, "content_hash": current_hash}

    def perform(self, form):
        data = form.cleaned_data
        revision = services.revision_sign(
            revision=self.get_revision(),
            by=self.request.user,
            password=data["password"],
            meaning=data.get("meaning") or "",
            decision=data["decision"],
            reason=data.get("reason") or "",
        )
        if data["decision"] == "reject":
            messages.warning(self.request, f"Revision {revision.label} rejected and returned to the author.")
        else:
            messages.success(
                self.request,
                f"Signed as {self.step.meaning.label.lower()}. Revision {revision.label}: "
                f"{revision.get_status_display().lower()}.",
            )
        return redirect(revision.get_absolute_url())


class PeriodicReviewView(FormPage):
    form_class = PeriodicReviewForm
    submit_label = "Record review"

    @property
    def title(self):
        return f"Periodic review of {self.get_document().number}"

    def perform(self, form):
        review = services.document_periodic_review(
            document=self.get_document(), by=self.request.user, **form.cleaned_data
        )
        messages.success(self.request, f"Periodic review recorded: {review.get_outcome_display().lower()}.")
        return redirect(self.get_document().get_absolute_url())


class ChangeRequestCreateView(FormPage):
    form_class = ChangeRequestForm
    submit_label = "Raise change request"

    @property
    def title(self):
        return f"Request a change to {self.get_document().number}"

    def check(self):
        if self.get_document().is_closed:
            raise PermissionDenied("The document is obsolete.")

    def perform(self, form):
        services.change_request_raise(
            document=self.get_document(), by=self.request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, "Change request raised; the document owner decides on it.")
        return redirect(self.get_document().get_absolute_url())


class ChangeRequestDecideView(FormPage):
    form_class = ChangeRequestDecisionForm
    submit_label = "Decide"

    def get_request(self) -> ChangeRequest:
        return get_object_or_404(
            ChangeRequest.objects.select_related("raised_by"),
            document=self.get_document(),
            pk=self.kwargs["request_pk"],
        )

    @property
    def title(self):
        return f"Change request #{self.kwargs['request_pk']} on {self.get_document().number}"

    def check(self):
        self.require_change()
        if self.get_request().status != ChangeRequest.Status.OPEN:
            raise PermissionDenied("This change request has been decided already.")

    def context(self):
        return {"change_request": self.get_request()}

    def perform(self, form):
        cr = services.change_request_decide(
            request=self.get_request(),
            by=self.request.user,
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
        )
        if cr.revision_id:
            messages.success(
                self.request, f"Accepted: draft revision {cr.revision.label} is open for the change."
            )
            return redirect(cr.revision.get_absolute_url())
        messages.success(self.request, "Change request rejected.")
        return redirect(self.get_document().get_absolute_url())


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
                _add_errors(form, exc)
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


def download_name(revision: Revision, file: RevisionFile) -> str:
    """``DRW-40512 rev B - bracket - SUPERSEDED – NOT CURRENT.pdf``: a copy of a revision that is
    not the current one says so in its very name."""
    stem, ext = os.path.splitext(safe_filename(file.original_name))
    parts = [f"{safe_filename(revision.document.number)} rev {safe_filename(revision.label)}", stem]
    if revision.currency_mark:
        parts.append(revision.currency_mark)
    return " - ".join(parts) + ext


class RevisionFileDownloadView(DocumentChildMixin, QMSView):
    """Streams a revision's file as a download after the document lookup (there is no public
    URL); the name says when the revision is not current."""

    def get(self, request, pk, revision_pk, file_pk):
        revision = self.get_revision()
        file = get_object_or_404(RevisionFile, revision=revision, pk=file_pk)
        try:
            handle = file.file.open("rb")
        except (FileNotFoundError, OSError):
            messages.error(
                request, f"The stored file {file.original_name} is missing; tell the quality manager."
            )
            return redirect(revision.get_absolute_url())
        response = FileResponse(
            handle, as_attachment=True, filename=download_name(revision, file), content_type=file.mime_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["X-Document-Status"] = revision.status
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
                        _csv_safe(v)
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
        ctx["querystring"] = _querystring(self.request, drop=("format",))
        ctx["list_url"] = reverse("documents:document_list")
        return ctx
