"""Forms that are pages of their own (they work on a phone): open a new revision, edit a draft,
send it for review, sign it, the periodic review, raise and decide a change request. The kernel
shows and posts them (``qms.views.form_urlpatterns(page=…)``); these say the title, the text
above the form and where each goes when done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone

from qms.views import FormActionView, FormPageView
from qms.views.actions import may_change

from .. import selectors, services
from ..models import ChangeRequest, ReviewStep, Revision

# --- who may -----------------------------------------------------------------------------------


def may_sign(user, revision: Revision) -> bool:
    if services.step_for(revision, user) is None:
        raise PermissionDenied("Nothing of this revision is waiting for your signature.")
    return True


def may_edit_draft(user, revision: Revision) -> bool:
    """Editing and sending for review are for a draft: on any other revision the page says why
    instead of offering a form that can only be refused."""
    if revision.status != Revision.Status.DRAFT:
        raise PermissionDenied(revision.not_draft_message())
    return may_change(user, revision)


def may_request_change(user, document) -> bool:
    """Anyone who may see the document may ask for a change, while it is in use."""
    return not document.is_closed


def may_decide(user, request: ChangeRequest) -> bool:
    if request.status != ChangeRequest.Status.OPEN:
        raise PermissionDenied("This change request has been decided already.")
    return may_change(user, request)


def may_acknowledge(user, ack) -> bool:
    """Only for oneself: someone else's acknowledgment is not there at all."""
    if ack.user_id != user.pk:
        raise Http404("No acknowledgment of yours.")
    return True


# --- the pages ---------------------------------------------------------------------------------


class DocumentFormPage(FormPageView):
    """A form about a document, one of its revisions or change requests, under the document's
    breadcrumbs."""

    template_name = "documents/form.html"

    def extra_context(self, obj) -> dict:
        return {"document": obj.root, "revision": obj if isinstance(obj, Revision) else None}


class NewRevisionPage(DocumentFormPage):
    submit_label = "Open draft"

    def title(self, document):
        return f"New revision of {document.number}"

    def initial(self, document):
        return {"label": services.next_label(document)}

    def success_message(self, document, revision):
        return f"Draft revision {revision.label} opened."

    def next_url(self, document, revision):
        return revision.get_absolute_url()


class EditDraftPage(DocumentFormPage):
    def title(self, revision):
        return f"Edit draft {revision}"

    def initial(self, revision):
        return {"label": revision.label, "change_summary": revision.change_summary}


class SubmitPage(DocumentFormPage):
    submit_label = "Send for review"

    def title(self, revision):
        return f"Send {revision} for review and approval"

    def initial(self, revision):
        effective = revision.effective_date
        still_ahead = effective if effective and effective >= timezone.localdate() else None
        return {**selectors.last_routing(revision), "effective_date": still_ahead}

    def success_message(self, revision, result):
        return f"Revision {result.label} sent for review."


class SignPage(DocumentFormPage):
    """Review or approval with an electronic signature (password and stated meaning), showing
    exactly what is signed: the files and the content hash."""

    submit_label = "Sign"
    template_name = "documents/sign.html"

    def title(self, revision):
        return f"Sign {revision}"

    def extra_context(self, revision):
        return {**super().extra_context(revision), **selectors.sign_page(revision, self.request.user)}

    def done(self, revision, result, form):
        if form.cleaned_data["decision"] == "reject":
            messages.warning(self.request, f"Revision {result.label} rejected and returned to the author.")
        else:
            meaning = ReviewStep.Meaning(form.cleaned_data["meaning"]).label.lower()
            status = result.get_status_display().lower()
            messages.success(self.request, f"Signed as {meaning}. Revision {result.label}: {status}.")
        return redirect(result.get_absolute_url())


class PeriodicReviewPage(DocumentFormPage):
    submit_label = "Record review"

    def title(self, document):
        return f"Periodic review of {document.number}"

    def success_message(self, document, review):
        return f"Periodic review recorded: {review.get_outcome_display().lower()}."


class ChangeRequestPage(DocumentFormPage):
    submit_label = "Raise change request"

    def title(self, document):
        return f"Request a change to {document.number}"


class ChangeRequestDecidePage(DocumentFormPage):
    submit_label = "Decide"

    def title(self, request):
        return f"Change request #{request.pk} on {request.document.number}"

    def extra_context(self, request):
        return {**super().extra_context(request), "change_request": request}

    def success_message(self, request, decided):
        if decided.status == ChangeRequest.Status.ACCEPTED:
            return f"Accepted: draft revision {decided.revision.label} is open for the change."
        return "Change request rejected."

    def next_url(self, request, decided):
        if decided.status == ChangeRequest.Status.ACCEPTED:
            return decided.revision.get_absolute_url()
        return request.document.get_absolute_url()


class AcknowledgeAction(FormActionView):
    """ "I have read it", from the revision's page or the document's (it goes back there)."""

    def success_message(self, ack, result):
        return f"You acknowledged {result.revision}."
