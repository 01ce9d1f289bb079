"""Quality objectives: created and changed by top management and the quality manager, their
monthly values entered by their owners, each entered value planning when the next one is due."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from qms import history, kpis
from qms.models import User
from qms.services import child_add, child_update, record_create, record_update

from ..models import Objective, ObjectiveValue

# A month's value is due from its owner by this day of the following month.
VALUE_DUE_DAY = 7


def _check_measure(fields: dict) -> None:
    key = fields.get("measure_key") or ""
    if key and kpis.get(key) is None:
        raise ValidationError({"measure_key": "No installed module measures this; choose another measure."})


def next_value_due(objective: Objective, *, today: dt.date | None = None) -> dt.date | None:
    """When the owner owes the next monthly value: the 7th of the month after the first month
    without one (from the month the objective was set), None once the deadline's month has its
    value, and never for a KPI a module measures."""
    if not objective.is_entered or objective.is_closed:
        return None
    today = today or timezone.localdate()
    last = objective.values.order_by("-month").values_list("month", flat=True).first()
    start = timezone.localtime(objective.created_at).date() if objective.created_at else today
    month = (last + relativedelta(months=1)) if last else start.replace(day=1)
    if objective.due_date and month > objective.due_date:
        return None
    return month + relativedelta(months=1, day=VALUE_DUE_DAY)


def _plan_next_value(objective: Objective, *, by: User) -> None:
    due = next_value_due(objective)
    if due != objective.value_due_on:
        objective.value_due_on = due
        history.save(objective, by=by, reason="Next monthly value planned", update_fields=["value_due_on"])


@transaction.atomic
def objective_create(*, by: User, **fields: Any) -> Objective:
    """Set a quality objective: its target, deadline (the due date) and how it is measured."""
    _check_measure(fields)
    objective = record_create(model=Objective, by=by, **fields)
    _plan_next_value(objective, by=by)
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, by: User, reason: str = "", **fields: Any) -> Objective:
    """Change an objective (its target, deadline, measure), replanning the values its owner owes."""
    _check_measure(fields)
    record_update(record=objective, by=by, reason=reason, **fields)
    _plan_next_value(objective, by=by)
    return objective


def _check_month(month: dt.date, today: dt.date) -> dt.date:
    month = month.replace(day=1)
    if month > today.replace(day=1) - dt.timedelta(days=1):
        raise ValidationError({"month": "A month's value is entered once the month is over."})
    return month


@transaction.atomic
def objective_value_enter(
    *, objective: Objective, by: User, month: dt.date, value: Decimal, note: str = ""
) -> ObjectiveValue:
    """The owner enters the value of one month (a survey result, say); the next one is planned."""
    if not objective.is_entered:
        raise ValidationError(
            {"value": f"This objective is measured by “{objective.measure_label}”: nothing to enter."}
        )
    month = _check_month(month, timezone.localdate())
    if objective.values.filter(month=month).exists():
        raise ValidationError({"month": f"The value of {month:%B %Y} is entered already: correct it there."})
    row = child_add(
        model=ObjectiveValue,
        by=by,
        objective=objective,
        month=month,
        value=value,
        note=note,
        entered_by=by,
        reason=f"Value of {month:%b %Y} entered",
    )
    _plan_next_value(objective, by=by)
    return row


@transaction.atomic
def objective_value_update(
    *, entry: ObjectiveValue, by: User, value: Decimal, note: str = ""
) -> ObjectiveValue:
    """Correct an entered value; the history keeps the old one."""
    return child_update(
        child=entry, by=by, value=value, note=note, reason=f"Value of {entry.month:%b %Y} corrected"
    )
