"""The audits module's writes: the programme, audits with their checklists and findings, the risk
register with its assessments and actions, and the proposals live signals make to it."""

from . import signals
from .audits import (
    audit_plan,
    audit_report,
    audit_update,
    check_auditors,
    checklist_build,
    checklist_question_add_row,
    finding_record,
    findings_close_for,
    impartiality_refusals,
    may_record_finding,
)
from .risks import check_scores, proposal_accept, propose, risk_assess, risk_record, risk_update

__all__ = [
    "audit_plan",
    "audit_report",
    "audit_update",
    "check_auditors",
    "check_scores",
    "checklist_build",
    "checklist_question_add_row",
    "finding_record",
    "findings_close_for",
    "impartiality_refusals",
    "may_record_finding",
    "proposal_accept",
    "propose",
    "risk_assess",
    "risk_record",
    "risk_update",
    "signals",
]
