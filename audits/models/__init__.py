"""Internal audits (9.2) and risks and opportunities (6.1)."""

from .audits import Audit, ChecklistItem, ChecklistPhoto, Programme, ProgrammeQuestion
from .findings import Finding
from .risks import Proposal, Risk, RiskAction, RiskAssessment, scale, threshold

__all__ = [
    "Audit",
    "ChecklistItem",
    "ChecklistPhoto",
    "Finding",
    "Programme",
    "ProgrammeQuestion",
    "Proposal",
    "Risk",
    "RiskAction",
    "RiskAssessment",
    "scale",
    "threshold",
]
