"""Views of document control: the kernel's views, declared. Every rule is in
``documents.services`` and every read the pages assemble in ``documents.selectors``; views find
nothing themselves (the kernel looks rows up within the user's scope) and say little."""

from .documents import DocumentCreateView, DocumentDetailView, DocumentListView, DocumentUpdateView
from .pages import (
    AcknowledgeAction,
    ChangeRequestDecidePage,
    ChangeRequestPage,
    EditDraftPage,
    NewRevisionPage,
    PeriodicReviewPage,
    SignPage,
    SubmitPage,
    may_acknowledge,
    may_decide,
    may_edit_draft,
    may_request_change,
    may_sign,
)
from .revisions import AcknowledgmentDueView, AcknowledgmentRegisterView, RevisionDetailView

__all__ = [
    "AcknowledgeAction",
    "AcknowledgmentDueView",
    "AcknowledgmentRegisterView",
    "ChangeRequestDecidePage",
    "ChangeRequestPage",
    "DocumentCreateView",
    "DocumentDetailView",
    "DocumentListView",
    "DocumentUpdateView",
    "EditDraftPage",
    "NewRevisionPage",
    "PeriodicReviewPage",
    "RevisionDetailView",
    "SignPage",
    "SubmitPage",
    "may_acknowledge",
    "may_decide",
    "may_edit_draft",
    "may_request_change",
    "may_sign",
]
