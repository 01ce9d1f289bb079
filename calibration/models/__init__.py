"""Calibration and equipment (ISO 9001 7.1.5, 7.1.3): the instruments and gauges with their
calibrations, check-outs and out-of-tolerance impact assessments, and the production machines
with their preventive-maintenance plans, events and postponements."""

from .calibrations import Calibration, CalibrationCertificate, MeasurementPoint, ReferenceUse
from .impact import AffectedItem, Decision, ImpactAssessment
from .instruments import CheckOut, Instrument, IntervalUnit, Source, Standing
from .machines import Machine, MaintenanceEvent, MaintenancePlan, Postponement

__all__ = [
    "AffectedItem",
    "Calibration",
    "CalibrationCertificate",
    "CheckOut",
    "Decision",
    "ImpactAssessment",
    "Instrument",
    "IntervalUnit",
    "Machine",
    "MaintenanceEvent",
    "MaintenancePlan",
    "MeasurementPoint",
    "Postponement",
    "ReferenceUse",
    "Source",
    "Standing",
]
