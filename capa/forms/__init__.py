"""Forms of the CAPA module: the record forms (``records``), the forms on the NCR and CAPA pages
(``steps``) and those of the rows inside a CAPA (``rows``). Every form validates what a user can
get wrong and says so beside the field."""

from .records import AnalysisPeriodForm, CapaForm, NonconformityForm, capa_initial, ncr_initial
from .rows import (
    ActionForm,
    ActionProgressForm,
    ActionUpdateForm,
    CauseForm,
    ContainmentForm,
    ContainmentProgressForm,
    ContainmentUpdateForm,
    WhyForm,
)
from .steps import (
    CheckPlanForm,
    CheckResultForm,
    CloseForm,
    DisciplineForm,
    DispositionForm,
    RootCauseForm,
    VerifyForm,
)

__all__ = [
    "ActionForm",
    "ActionProgressForm",
    "ActionUpdateForm",
    "AnalysisPeriodForm",
    "CapaForm",
    "CauseForm",
    "CheckPlanForm",
    "CheckResultForm",
    "CloseForm",
    "ContainmentForm",
    "ContainmentProgressForm",
    "ContainmentUpdateForm",
    "DisciplineForm",
    "DispositionForm",
    "NonconformityForm",
    "RootCauseForm",
    "VerifyForm",
    "WhyForm",
    "capa_initial",
    "ncr_initial",
]
