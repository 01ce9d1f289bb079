"""Lots, inspection and release (ISO 9001 8.5.2, 8.6, 8.7): goods receipts and production lots
with their material, people, machine and drawing revision; shipments; inspection plans sampled by
ISO 2859-1; inspections with results per characteristic and the gauges used; schedule changes and
the deviations a release was accepted with."""

from .inspections import CharacteristicResult, GaugeUse, Inspection
from .lots import (
    GoodsReceipt,
    LotOperator,
    MaterialUse,
    ProductionLot,
    ReceiptCertificate,
    ReleaseDeviation,
    ScheduleChange,
    Shipment,
    ShipmentLine,
)
from .plans import InspectionPlan, PlanChange, PlanCharacteristic, SeverityChange

__all__ = [
    "CharacteristicResult",
    "GaugeUse",
    "GoodsReceipt",
    "Inspection",
    "InspectionPlan",
    "LotOperator",
    "MaterialUse",
    "PlanChange",
    "PlanCharacteristic",
    "ProductionLot",
    "ReceiptCertificate",
    "ReleaseDeviation",
    "ScheduleChange",
    "SeverityChange",
    "Shipment",
    "ShipmentLine",
]
