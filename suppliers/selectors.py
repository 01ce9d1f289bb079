"""Reads of the supplier module: what a supplier must hold and is missing, and the lists the
pages and the other modules' questions need."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import CERTIFICATE_KINDS, CertificateKind, Supplier, TierPolicy


def policy_for(tier: str) -> TierPolicy | None:
    return TierPolicy.objects.filter(tier=tier).first()


def required_kinds(supplier: Supplier, policy: TierPolicy | None = None) -> list[str]:
    """The certificates the supplier's tier requires, and ISO/IEC 17025 of a calibration lab."""
    policy = policy if policy is not None else policy_for(supplier.tier)
    kinds = list(policy.required_certificates) if policy else []
    if supplier.calibration_lab and CertificateKind.ISO17025 not in kinds:
        kinds.append(CertificateKind.ISO17025)
    return kinds


def missing_certificates(supplier: Supplier, *, on: dt.date | None = None) -> list[str]:
    """The names of the required certificates the supplier does not hold valid on the date."""
    on = on or timezone.localdate()
    held = {
        c.kind
        for c in supplier.certificates.all()
        if c.status == "current" and c.issued_on <= on and (c.expires_on is None or c.expires_on >= on)
    }
    return [CERTIFICATE_KINDS[k] for k in required_kinds(supplier) if k not in held]
