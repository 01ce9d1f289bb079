"""The audits module's pages."""

from .audits import (
    AuditCreateView,
    AuditDetailView,
    AuditListView,
    AuditReportPdfView,
    AuditUpdateView,
    FindingCreateView,
    FindingDetailView,
    FindingListView,
    ItemDetailView,
    ProgrammeDetailView,
    may_report,
)
from .risks import (
    OverviewView,
    ProposalDetailView,
    ProposalListView,
    RiskCreateView,
    RiskDetailView,
    RiskListView,
    RiskUpdateView,
    may_assess,
    may_decide,
)

__all__ = [
    "AuditCreateView",
    "AuditDetailView",
    "AuditListView",
    "AuditReportPdfView",
    "AuditUpdateView",
    "FindingCreateView",
    "FindingDetailView",
    "FindingListView",
    "ItemDetailView",
    "OverviewView",
    "ProgrammeDetailView",
    "ProposalDetailView",
    "ProposalListView",
    "RiskCreateView",
    "RiskDetailView",
    "RiskListView",
    "RiskUpdateView",
    "may_assess",
    "may_decide",
    "may_report",
]
