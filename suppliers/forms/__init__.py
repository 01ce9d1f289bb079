"""One form per thing a user types in: the approved supplier list (suppliers, their contacts,
sites, certificates and evaluations, the signed decisions, tier policies) in ``suppliers``;
change notifications and SCARs in ``changes``."""

from .changes import (
    ChangeApproveForm,
    ChangeEvaluateForm,
    ChangeForm,
    ScarAnswerForm,
    ScarForm,
    ScarRejectForm,
    ScarSendForm,
)
from .suppliers import (
    CRITERIA_ROWS,
    DEFAULT_CRITERIA,
    ApproveForm,
    CertificateForm,
    ConditionalForm,
    ContactForm,
    DisqualifyForm,
    EvaluationForm,
    SiteForm,
    SupplierForm,
    TierPolicyForm,
)

__all__ = [
    "CRITERIA_ROWS",
    "DEFAULT_CRITERIA",
    "ApproveForm",
    "CertificateForm",
    "ChangeApproveForm",
    "ChangeEvaluateForm",
    "ChangeForm",
    "ConditionalForm",
    "ContactForm",
    "DisqualifyForm",
    "EvaluationForm",
    "ScarAnswerForm",
    "ScarForm",
    "ScarRejectForm",
    "ScarSendForm",
    "SiteForm",
    "SupplierForm",
    "TierPolicyForm",
]
