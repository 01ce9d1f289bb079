"""One-form pages about a document or a revision: open, edit, send for review, sign, periodic
review, change requests. Bad input comes back beside the fields (400) and nothing is stored."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from qms import access
from qms.views import (
    WriteView,
    add_errors,
)

from .. import services
from ..forms import (
    ChangeRequestDecisionForm,
    ChangeRequestForm,
    PeriodicReviewForm,
    RevisionCreateForm,
    RevisionForm,
    SignForm,
    SubmitForm,
)
from ..models import ChangeRequest, Document, Revision
from .documents import _file_rows


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
                add_errors(form, exc)
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
