"""The calibration module's pages: the kernel's record, child-row and register views, declared,
and the label sheet, the suspect list and the charts."""

from .instruments import (
    AssessmentCreateView,
    AssessmentDetailView,
    AssessmentListView,
    CalibrationDetailView,
    ChartsView,
    InstrumentCreateView,
    InstrumentDetailView,
    InstrumentListView,
    InstrumentUpdateView,
    LabelsView,
    SuspectListView,
)
from .machines import MachineCreateView, MachineDetailView, MachineListView, MachineUpdateView, PlanDetailView

__all__ = [
    "AssessmentCreateView",
    "AssessmentDetailView",
    "AssessmentListView",
    "CalibrationDetailView",
    "ChartsView",
    "InstrumentCreateView",
    "InstrumentDetailView",
    "InstrumentListView",
    "InstrumentUpdateView",
    "LabelsView",
    "MachineCreateView",
    "MachineDetailView",
    "MachineListView",
    "MachineUpdateView",
    "PlanDetailView",
    "SuspectListView",
]
