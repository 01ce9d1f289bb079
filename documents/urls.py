"""Document control's URLs: the kernel's record, child-row and form views, declared."""

from django.urls import path

from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import forms, services, views
from .models import Acknowledgment, ChangeRequest, Document, Revision, RevisionFile

app_name = "documents"

urlpatterns = [
    *record_urlpatterns(
        Document,
        form_class=forms.DocumentForm,
        list_view=views.DocumentListView,
        detail_view=views.DocumentDetailView,
        create_view=views.DocumentCreateView,
        update_view=views.DocumentUpdateView,
        prefix="",
    ),
    path("acknowledgments/", views.AcknowledgmentRegisterView.as_view(), name="acknowledgment_register"),
    # What the KPI "revisions acknowledged within their deadline" counted: due in a period, on time or late.
    path("acknowledgments/due/", views.AcknowledgmentDueView.as_view(), name="acknowledgment_due"),
    # The document's child rows. None is moved by a bare workflow button: each step has its form.
    *child_urlpatterns(Revision, prefix="revisions", detail_view=views.RevisionDetailView, steps=False),
    *child_urlpatterns(
        RevisionFile,
        prefix="files",
        name="revision_file",
        form=forms.RevisionFileForm,
        add=services.revision_file_add,
        remove=services.revision_file_remove,
        kw="file",
        steps=False,
    ),
    *child_urlpatterns(Acknowledgment, prefix="acknowledgments", steps=False),
    *child_urlpatterns(ChangeRequest, prefix="change-requests", steps=False),
    # Forms that are pages of their own.
    *form_urlpatterns(
        Document,
        name="new_revision",
        form=forms.RevisionCreateForm,
        service=services.revision_create,
        view=views.NewRevisionPage,
    ),
    *form_urlpatterns(
        Document,
        name="periodic_review",
        form=forms.PeriodicReviewForm,
        service=services.document_periodic_review,
        view=views.PeriodicReviewPage,
    ),
    *form_urlpatterns(
        Document,
        name="change_request",
        form=forms.ChangeRequestForm,
        service=services.change_request_raise,
        may=views.may_request_change,
        success="Change request raised; the document owner decides on it.",
        view=views.ChangeRequestPage,
    ),
    *form_urlpatterns(
        Revision,
        name="edit",
        form=forms.RevisionEditForm,
        service=services.revision_update,
        success="Draft saved.",
        may=views.may_edit_draft,
        view=views.EditDraftPage,
    ),
    *form_urlpatterns(
        Revision,
        name="submit",
        form=forms.SubmitForm,
        service=services.revision_submit,
        may=views.may_edit_draft,
        view=views.SubmitPage,
    ),
    *form_urlpatterns(
        Revision,
        name="sign",
        form=forms.SignForm,
        service=services.revision_sign,
        may=views.may_sign,
        view=views.SignPage,
    ),
    *form_urlpatterns(
        ChangeRequest,
        name="decide",
        form=forms.ChangeRequestDecisionForm,
        service=services.change_request_decide,
        may=views.may_decide,
        kw="request",
        view=views.ChangeRequestDecidePage,
    ),
    # "I have read it": a button on the revision's and the document's page.
    *form_urlpatterns(
        Acknowledgment,
        name="confirm",
        form=forms.AcknowledgeForm,
        service=services.acknowledgment_confirm,
        may=views.may_acknowledge,
        kw="ack",
        view=views.AcknowledgeAction,
    ),
]
