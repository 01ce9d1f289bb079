"""Pages of the CAPA module: the registers, of effectiveness checks across CAPAs too
(``registers``), the NCR and CAPA pages (``pages``), the 8D report and the analysis charts
(``reports``). Every page finds its record through ``qms.access.restrict`` (outside the user's
scope is a 404) and reads through ``capa.selectors``; the forms on the pages and the rows inside
a CAPA are kernel views declared in ``capa.urls``."""

from .pages import CapaDetailView, NonconformityDetailView
from .registers import (
    CapaCreateView,
    CapaListView,
    CapaUpdateView,
    EffectivenessCheckListView,
    NonconformityListView,
)
from .reports import AnalysisView, EightDReportView

__all__ = [
    "AnalysisView",
    "CapaCreateView",
    "CapaDetailView",
    "CapaListView",
    "CapaUpdateView",
    "EffectivenessCheckListView",
    "EightDReportView",
    "NonconformityDetailView",
    "NonconformityListView",
]
