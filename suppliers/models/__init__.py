"""Suppliers (ISO 9001 8.4): the approved supplier list with risk tiers and what each tier
requires, the suppliers' contacts, sites, certificates and evaluations, supplier change
notifications and supplier corrective action requests (SCAR)."""

from .changes import ChangeKind, ChangeSource, SupplierChange
from .scars import Scar
from .suppliers import (
    CERTIFICATE_KINDS,
    CertificateKind,
    Evaluation,
    EvaluationScore,
    InspectionLevel,
    Supplier,
    SupplierCertificate,
    SupplierContact,
    SupplierSite,
    Tier,
    TierPolicy,
)

__all__ = [
    "CERTIFICATE_KINDS",
    "CertificateKind",
    "ChangeKind",
    "ChangeSource",
    "Evaluation",
    "EvaluationScore",
    "InspectionLevel",
    "Scar",
    "Supplier",
    "SupplierCertificate",
    "SupplierChange",
    "SupplierContact",
    "SupplierSite",
    "Tier",
    "TierPolicy",
]
