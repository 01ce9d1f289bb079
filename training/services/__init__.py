"""Training services: every write of the module goes through here (views, the daily task, the
import, the demo and the subscriber to document control's events call the same functions)."""

from ._common import SELF_RECORDING, evaluator_for, file_for, training_file_of
from .catalogue import (
    competence_create,
    competence_update,
    job_role_create,
    job_role_update,
    requirement_add,
    requirement_remove,
    requirement_update,
    role_document_add,
)
from .coverage import alarms_refresh, refresh_for_files
from .files import (
    absence_add,
    absence_remove,
    absence_update,
    file_closes_when_person_leaves,
    file_follows_person,
    job_role_take,
    training_file_open,
)
from .imports import assignment_import, record_import, requirement_import
from .needs import (
    need_identify,
    needs_close,
    needs_for_assignment,
    needs_for_obsolete_document,
    needs_for_requalification,
    needs_for_revision,
)
from .records import (
    SELF_EVALUATION,
    evaluation_plan,
    evaluation_reassign,
    evaluation_record,
    evidence_add,
    expiry_of,
    may_evaluate,
    may_record_training,
    record_problems,
    training_record_add,
)

__all__ = [
    "SELF_EVALUATION",
    "SELF_RECORDING",
    "absence_add",
    "absence_remove",
    "absence_update",
    "alarms_refresh",
    "assignment_import",
    "competence_create",
    "competence_update",
    "evaluation_plan",
    "evaluation_reassign",
    "evaluation_record",
    "evaluator_for",
    "evidence_add",
    "expiry_of",
    "file_closes_when_person_leaves",
    "file_follows_person",
    "file_for",
    "job_role_create",
    "job_role_take",
    "job_role_update",
    "may_evaluate",
    "need_identify",
    "needs_close",
    "needs_for_assignment",
    "needs_for_requalification",
    "needs_for_obsolete_document",
    "needs_for_revision",
    "record_import",
    "record_problems",
    "refresh_for_files",
    "requirement_add",
    "requirement_import",
    "requirement_remove",
    "requirement_update",
    "role_document_add",
    "training_file_of",
    "training_file_open",
    "may_record_training",
    "training_record_add",
]


def daily(today=None) -> dict:
    """The daily run (``training.tasks.daily``): requalifications falling due become needs, and the
    coverage alarms of every competence are computed afresh. Safe to run twice."""
    made = needs_for_requalification(today=today)
    return {"requalification_needs": made, **alarms_refresh(today=today)}
