"""The supplier module's pages: the kernel's record views declared for suppliers, change
notifications and SCARs (their own services behind create and edit), the certificate register,
a supplier's scorecard, the ranking of all suppliers and the tier policies."""

from .changes import (
    ChangeCreateView,
    ChangeDetailView,
    ChangeFilter,
    ChangeListView,
    ChangeUpdateView,
    ScarCreateView,
    ScarDetailView,
    ScarFilter,
    ScarListView,
    ScarUpdateView,
    scar_prefill,
)
from .pages import (
    RankingView,
    ScorecardView,
    TierPolicyListView,
    TierPolicyUpdateView,
    evaluation_add,
)
from .suppliers import (
    CertificateFilter,
    CertificateListView,
    SupplierCreateView,
    SupplierDetailView,
    SupplierFilter,
    SupplierListView,
    SupplierUpdateView,
    step_may,
)

__all__ = [
    "CertificateFilter",
    "CertificateListView",
    "ChangeCreateView",
    "ChangeDetailView",
    "ChangeFilter",
    "ChangeListView",
    "ChangeUpdateView",
    "RankingView",
    "ScarCreateView",
    "ScarDetailView",
    "ScarFilter",
    "ScarListView",
    "ScarUpdateView",
    "ScorecardView",
    "SupplierCreateView",
    "SupplierDetailView",
    "SupplierFilter",
    "SupplierListView",
    "SupplierUpdateView",
    "TierPolicyListView",
    "TierPolicyUpdateView",
    "evaluation_add",
    "scar_prefill",
    "step_may",
]
