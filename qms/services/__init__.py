"""Services: every write that matters goes through here, whether it comes from a view, a task or
a management command, so the rules hold everywhere. Modules' own services build on these."""

from ..uploads import safe_filename, validate_upload
from .records import (
    child_add,
    child_remove,
    child_update,
    get_system_user,
    reason_needed,
    record_create,
    record_transition,
    record_update,
    transition,
    transition_to,
)
from .signatures import (
    WRONG_PASSWORD,
    content_hash,
    password_problem,
    signature_record,
    signature_rows,
    signature_sign,
    signatures_of,
)
from .social import (
    attachment_add,
    attachments_of,
    comment_add,
    comments_of,
    link_add,
    link_on_behalf,
    link_raised,
    link_remove,
)

__all__ = [
    "WRONG_PASSWORD",
    "attachment_add",
    "attachments_of",
    "child_add",
    "child_remove",
    "child_update",
    "comment_add",
    "comments_of",
    "content_hash",
    "get_system_user",
    "link_add",
    "link_on_behalf",
    "link_raised",
    "link_remove",
    "password_problem",
    "reason_needed",
    "record_create",
    "record_transition",
    "record_update",
    "safe_filename",
    "signature_record",
    "signature_rows",
    "signature_sign",
    "signatures_of",
    "transition",
    "transition_to",
    "validate_upload",
]
