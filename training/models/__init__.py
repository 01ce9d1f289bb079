"""Training and competence (ISO 9001 7.2, 7.3): the competence catalogue and job roles, the
people's training files with their records, needs and absences, and the coverage alarms computed
from them."""

from .alarms import CoverageAlarm
from .catalogue import (
    LEVEL_VALIDATORS,
    Authorises,
    Competence,
    Evidence,
    JobRole,
    Level,
    RoleDocument,
    RoleRequirement,
)
from .files import (
    MANAGERS,
    Absence,
    Evaluation,
    Method,
    NeedKind,
    Result,
    RoleAssignment,
    TrainingEvidence,
    TrainingFile,
    TrainingNeed,
    TrainingRecord,
)

__all__ = [
    "LEVEL_VALIDATORS",
    "MANAGERS",
    "Absence",
    "Authorises",
    "Competence",
    "CoverageAlarm",
    "Evaluation",
    "Evidence",
    "JobRole",
    "Level",
    "Method",
    "NeedKind",
    "Result",
    "RoleAssignment",
    "RoleDocument",
    "RoleRequirement",
    "TrainingEvidence",
    "TrainingFile",
    "TrainingNeed",
    "TrainingRecord",
]
