"""Views of document control: thin subclasses of the kernel's views. Every rule is in
``documents.services``; views only find the rows (through ``access.restrict``), run a form and
show the result."""

from .documents import DocumentCreateView, DocumentDetailView, DocumentListView, DocumentUpdateView
from .pages import (
    ChangeRequestCreateView,
    ChangeRequestDecideView,
    DocumentChildMixin,
    PeriodicReviewView,
    RevisionCreateView,
    RevisionSignView,
    RevisionSubmitView,
    RevisionUpdateView,
)
from .revisions import (
    AcknowledgeView,
    AcknowledgmentRegisterView,
    RevisionDetailView,
    RevisionFileDownloadView,
    RevisionFileRemoveView,
    RevisionFileUploadView,
)

__all__ = [
    "AcknowledgeView",
    "AcknowledgmentRegisterView",
    "ChangeRequestCreateView",
    "ChangeRequestDecideView",
    "DocumentChildMixin",
    "DocumentCreateView",
    "DocumentDetailView",
    "DocumentListView",
    "DocumentUpdateView",
    "PeriodicReviewView",
    "RevisionCreateView",
    "RevisionDetailView",
    "RevisionFileDownloadView",
    "RevisionFileRemoveView",
    "RevisionFileUploadView",
    "RevisionSignView",
    "RevisionSubmitView",
    "RevisionUpdateView",
]
