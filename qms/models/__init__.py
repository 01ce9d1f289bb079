"""The kernel's models: people and processes, records and their child rows, the one file store,
comments and links, electronic signatures."""

from .auditpacks import AuditPack, AuditPackDownload, AuditPackFile
from .files import Attachment, StoredFile, stored_file_path
from .lookups import AnyOf, IdArray
from .people import Department, Process, Role, User
from .records import (
    ChildRecord,
    Record,
    RecordQuerySet,
    ReferenceCounter,
    due_index,
    next_reference,
    owner_due_index,
    search_index,
)
from .security import AccessEvent, RecoveryCode
from .signatures import Signature
from .social import Comment, RecordLink

__all__ = [
    "AnyOf",
    "IdArray",
    "AuditPack",
    "AuditPackDownload",
    "AuditPackFile",
    "AccessEvent",
    "RecoveryCode",
    "Attachment",
    "ChildRecord",
    "Comment",
    "Department",
    "Process",
    "Record",
    "RecordLink",
    "RecordQuerySet",
    "ReferenceCounter",
    "Role",
    "Signature",
    "StoredFile",
    "User",
    "due_index",
    "owner_due_index",
    "next_reference",
    "search_index",
    "stored_file_path",
]
