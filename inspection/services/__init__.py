"""The inspection module's writes: inspections and their results, the switching rules, lots and
their material, schedule changes, deviations, release and shipment. Importing this package
registers the workflow effects."""

from .inspections import (
    characteristic_result_add,
    gauge_use_add,
    inspection_create,
    inspection_update,
)
from .lots import (
    LOT_HELD,
    LOT_RELEASED,
    deviation_accept,
    lot_release,
    material_use_add,
    may_accept_deviation,
    may_propose_schedule_change,
    may_release,
    schedule_change_propose,
    shipment_line_add,
)
from .plans import (
    plan_change_record,
    plan_changes_for_revision,
    plan_changes_for_supplier_change,
    plan_reassess,
    plan_reduced_approve,
    plan_resume,
)
from .recalls import RECALL_EMAIL, lots_recalled

__all__ = [
    "LOT_HELD",
    "LOT_RELEASED",
    "RECALL_EMAIL",
    "characteristic_result_add",
    "deviation_accept",
    "gauge_use_add",
    "inspection_create",
    "inspection_update",
    "lot_release",
    "lots_recalled",
    "material_use_add",
    "may_accept_deviation",
    "may_release",
    "plan_change_record",
    "plan_changes_for_revision",
    "plan_changes_for_supplier_change",
    "plan_reassess",
    "plan_reduced_approve",
    "plan_resume",
    "may_propose_schedule_change",
    "schedule_change_propose",
    "shipment_line_add",
]
