"""Calibration and equipment services: every write of the module goes through here (views,
the import, the demo call the same functions)."""

from .impact import assessment_open, cascade, item_add, item_decide, items_from_where_used, may_refill
from .instruments import (
    calibration_add,
    calibration_update,
    certificate_add,
    instrument_check_in,
    instrument_check_out,
    instrument_create,
    instrument_update,
    last_good_before,
    point_add,
    standard_add,
    upstream_of,
)
from .machines import (
    counter_read,
    machine_create,
    machine_update,
    maintenance_record,
    plan_add,
    plan_update,
    postponement_request,
)

__all__ = [
    "assessment_open",
    "calibration_add",
    "calibration_update",
    "cascade",
    "certificate_add",
    "counter_read",
    "instrument_check_in",
    "instrument_check_out",
    "instrument_create",
    "instrument_update",
    "item_add",
    "item_decide",
    "items_from_where_used",
    "last_good_before",
    "machine_create",
    "machine_update",
    "maintenance_record",
    "may_refill",
    "plan_add",
    "plan_update",
    "point_add",
    "postponement_request",
    "standard_add",
    "upstream_of",
]
