"""Document control, ISO 9001 7.5.3: controlled documents, their revisions with files, review and
approval with electronic signatures, distribution with read-and-acknowledge, periodic review and
change requests.

A ``Document`` is a kernel record (company-wide visibility); its ``due_date`` is the next periodic
review. Everything else is a child row of it (``qms.models.ChildRecord``): each ``Revision`` has
its own workflow (draft → in review → approved → effective → superseded / obsolete / withdrawn),
moved only by ``documents.services``; the database guarantees that a document never has two
effective revisions at once.
"""

from .changes import ChangeRequest, PeriodicReview
from .copies import IssuedCopy
from .documents import FREE_LABEL_TYPES, LETTER_TYPES, QUALITY_APPROVAL_TYPES, Document, DocumentType
from .revisions import Acknowledgment, ReviewStep, Revision, RevisionFile

__all__ = [
    "FREE_LABEL_TYPES",
    "LETTER_TYPES",
    "QUALITY_APPROVAL_TYPES",
    "Acknowledgment",
    "ChangeRequest",
    "Document",
    "DocumentType",
    "IssuedCopy",
    "PeriodicReview",
    "ReviewStep",
    "Revision",
    "RevisionFile",
]
