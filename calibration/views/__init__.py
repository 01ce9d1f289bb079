"""The calibration module's pages: the kernel's record, child-row and register views, declared,
the registers of calibrations and postponements across records, and the label sheet, the suspect
list and the charts."""

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
from .registers import CalibrationRegisterView, PostponementRegisterView

__all__ = [
    "AssessmentCreateView",
    "AssessmentDetailView",
    "AssessmentListView",
    "CalibrationDetailView",
    "CalibrationRegisterView",
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
    "PostponementRegisterView",
    "SuspectListView",
]
