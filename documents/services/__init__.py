"""Document control services: every write of the module goes through here (views, the hourly
task, the demo and other modules such as CAPA call the same functions).

Locking order, everywhere: the document row first, then its revisions, then steps. Two people
signing the last approvals at once, or the hourly task running while someone approves, serialize
on the document row; the partial unique index on ``Revision`` is the last line of defence. Status
changes go through the kernel's ``transition`` (a person's own step) or, for the rows a service
moves under its locks, through ``_common.move``: either way along the declared workflows.
"""

from ._common import CHANGE_REQUEST_DECIDE_DAYS, DEFAULT_RESPONSE_DAYS, add_months, distribution_users
from .copies import issued_copies, may_take_original, revision_file_copy, stamp_text
from .documents import (
    DOCUMENT_OBSOLETE,
    change_request_decide,
    change_request_raise,
    distribution_parts,
    document_create,
    document_make_obsolete,
    document_obsolete_effect,
    document_periodic_review,
    document_update,
)
from .effective import (
    REVISION_EFFECTIVE,
    acknowledgment_confirm,
    acknowledgments_end_when_person_leaves,
    make_due_revisions_effective,
    revision_make_effective,
)
from .review import active_steps, revision_sign, revision_submit, step_for, submit_date_problems
from .revisions import (
    content_hash,
    next_label,
    revision_create,
    revision_file_add,
    revision_file_remove,
    revision_update,
    validate_label,
)

__all__ = [
    "CHANGE_REQUEST_DECIDE_DAYS",
    "DEFAULT_RESPONSE_DAYS",
    "DOCUMENT_OBSOLETE",
    "REVISION_EFFECTIVE",
    "acknowledgment_confirm",
    "acknowledgments_end_when_person_leaves",
    "issued_copies",
    "may_take_original",
    "revision_file_copy",
    "stamp_text",
    "active_steps",
    "add_months",
    "change_request_decide",
    "change_request_raise",
    "content_hash",
    "distribution_parts",
    "distribution_users",
    "document_create",
    "document_make_obsolete",
    "document_obsolete_effect",
    "document_periodic_review",
    "document_update",
    "make_due_revisions_effective",
    "next_label",
    "revision_create",
    "revision_file_add",
    "revision_file_remove",
    "revision_make_effective",
    "revision_sign",
    "revision_submit",
    "revision_update",
    "step_for",
    "submit_date_problems",
    "validate_label",
]
