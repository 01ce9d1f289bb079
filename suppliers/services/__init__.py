"""The supplier module's writes: the approved supplier list (approval with signatures, tiers,
certificates, evaluations), supplier change notifications and SCARs. Importing this module
registers the workflow effects."""

from .changes import CHANGE_OPENED, change_approve, change_create, change_evaluate, change_reject
from .scars import scar_answer, scar_create, scar_reject, scar_send
from .suppliers import (
    certificate_add,
    certificate_import,
    certificates_expire,
    daily,
    evaluation_record,
    supplier_approve,
    supplier_approve_conditionally,
    supplier_create,
    supplier_disqualify,
    supplier_import,
    supplier_update,
)

__all__ = [
    "CHANGE_OPENED",
    "certificate_add",
    "certificate_import",
    "certificates_expire",
    "change_approve",
    "change_create",
    "change_evaluate",
    "change_reject",
    "daily",
    "evaluation_record",
    "scar_answer",
    "scar_create",
    "scar_reject",
    "scar_send",
    "supplier_approve",
    "supplier_approve_conditionally",
    "supplier_create",
    "supplier_disqualify",
    "supplier_import",
    "supplier_update",
]
