"""Writes of the CAPA module. Views, the demo and tests all call these, so the rules hold
everywhere: NCRs (``ncr``), the CAPA record (``capa``), its analysis (``analysis``) and what it
does about the problem (``actions``). Importing this package registers the workflow effects."""

from .actions import (
    action_add,
    action_update,
    check_update,
    containment_add,
    containment_update,
    effectiveness_check_record,
)
from .analysis import cause_add, cause_update, discipline_set, why_add, why_remove, why_update
from .capa import (
    OWNER_CANNOT_JUDGE,
    capa_close,
    capa_create,
    capa_root_cause_set,
    capa_update,
    capa_verification_start,
    change_requests_available,
    check_verifier,
    verifier_problem,
)
from .ncr import ncr_disposition

__all__ = [
    "OWNER_CANNOT_JUDGE",
    "action_add",
    "action_update",
    "capa_close",
    "capa_create",
    "capa_root_cause_set",
    "capa_update",
    "capa_verification_start",
    "cause_add",
    "cause_update",
    "change_requests_available",
    "check_update",
    "check_verifier",
    "containment_add",
    "containment_update",
    "discipline_set",
    "effectiveness_check_record",
    "ncr_disposition",
    "why_add",
    "why_remove",
    "why_update",
    "verifier_problem",
]
