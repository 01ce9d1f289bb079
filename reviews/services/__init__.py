"""The management review module's writes: objectives and their monthly values, reviews from
planning through holding (the inputs frozen) to the chair's signature, decisions and actions."""

from .decisions import action_add, decision_add, decision_update
from .objectives import objective_create, objective_update, objective_value_enter, objective_value_update
from .reviews import (
    review_create,
    review_hold,
    review_inputs_enter,
    review_minutes_write,
    review_sign,
    review_update,
)

__all__ = [
    "action_add",
    "decision_add",
    "decision_update",
    "objective_create",
    "objective_update",
    "objective_value_enter",
    "objective_value_update",
    "review_create",
    "review_hold",
    "review_inputs_enter",
    "review_minutes_write",
    "review_sign",
    "review_update",
]
