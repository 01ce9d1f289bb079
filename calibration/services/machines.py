"""Writes of production equipment: machines, their maintenance plans, the maintenance done, the
counter people read, and postponements (approved by the head, by the quality manager beyond the
plan's limit, counted)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, history
from qms.models import User
from qms.services import child_add, child_update, record_create, record_update

from ..models import Machine, MaintenanceEvent, MaintenancePlan, Postponement


@transaction.atomic
def machine_create(*, by: User, **fields) -> Machine:
    return record_create(model=Machine, by=by, reason="Added to the machine list", **fields)


@transaction.atomic
def machine_update(*, machine: Machine, by: User, reason: str = "", **fields) -> Machine:
    return record_update(record=machine, by=by, reason=reason, **fields)


def _plan_problems(fields: dict) -> dict:
    if not fields.get("interval_days") and not fields.get("interval_counter"):
        return {"interval_days": "Give the interval in days, or by the counter, or both."}
    return {}


@transaction.atomic
def plan_add(*, machine: Machine, by: User, **fields) -> MaintenancePlan:
    errors = _plan_problems(fields)
    if fields.get("interval_counter") and not machine.counter_unit:
        errors["interval_counter"] = "The machine has no counter: give it one first, or plan by days."
    if errors:
        raise ValidationError(errors)
    if fields.get("interval_counter") and not fields.get("next_due_counter"):
        fields["next_due_counter"] = machine.counter_value + fields["interval_counter"]
    return child_add(model=MaintenancePlan, by=by, machine=machine, **fields)


@transaction.atomic
def plan_update(*, plan: MaintenancePlan, by: User, reason: str = "", **fields) -> MaintenancePlan:
    merged = {"interval_days": plan.interval_days, "interval_counter": plan.interval_counter} | fields
    errors = _plan_problems(merged)
    if errors:
        raise ValidationError(errors)
    if "next_due" in fields and fields["next_due"] != plan.next_due:
        raise ValidationError(
            {"next_due": "A due date is moved by a postponement (approved), not by an edit."}
        )
    return child_update(child=plan, by=by, reason=reason, **fields)


@transaction.atomic
def counter_read(*, machine: Machine, by: User, counter_value: int, **ignored) -> Machine:
    """Whoever works the machine reads its counter (running hours or cycles)."""
    if not machine.counter_unit:
        raise ValidationError({"counter_value": "This machine has no counter."})
    if counter_value < machine.counter_value:
        raise ValidationError(
            {"counter_value": f"The counter read {machine.counter_value} before: it does not run backwards."}
        )
    access.require_change(by, machine)
    machine.counter_value = counter_value
    machine.counter_read_on = timezone.localdate()
    history.save(machine, by=by, reason=f"Counter read: {counter_value} {machine.get_counter_unit_display()}")
    return machine


@transaction.atomic
def maintenance_record(*, machine: Machine, by: User, **fields) -> MaintenanceEvent:
    """Maintenance done: under a plan it moves the plan's next due date (by days from the day it
    was done, by the counter from the reading). The plan's responsible person records it, or
    whoever keeps the machine."""
    plan = fields.get("plan")
    errors = {}
    if fields.get("done_on") and fields["done_on"] > timezone.localdate():
        errors["done_on"] = "Maintenance cannot be recorded before it is done."
    if plan is not None and plan.machine_id != machine.pk:
        errors["plan"] = "This plan belongs to another machine."
    reading = fields.get("counter_reading")
    # A reading taken at a maintenance recorded after the fact may be lower than today's.
    last_read = machine.counter_read_on or timezone.localdate()
    recent = fields.get("done_on") is not None and fields["done_on"] >= last_read
    if reading is not None and reading < machine.counter_value and machine.counter_unit and recent:
        errors["counter_reading"] = (
            f"The counter read {machine.counter_value} before: it does not run backwards."
        )
    if errors:
        raise ValidationError(errors)
    if plan is not None:
        results = fields.get("checklist_results") or {}
        fields["checklist_results"] = {task: results.get(task, "not recorded") for task in plan.tasks}
    if by.is_auditor or not (
        access.can_change(by, machine) or (plan is not None and plan.responsible_id == by.pk)
    ):
        raise PermissionDenied(
            "Only the plan's responsible person or the machine's keepers record maintenance."
        )
    if machine.is_closed:
        raise ValidationError(f"{machine.asset_number} is retired.")
    event = MaintenanceEvent(machine=machine, **fields)
    history.save(event, by=by, reason=f"Maintenance done: {event}", validate=True)
    if reading is not None and machine.counter_unit and reading > machine.counter_value:
        machine.counter_value, machine.counter_read_on = reading, fields["done_on"]
        history.save(machine, by=by, reason=f"Counter read at maintenance: {reading}")
    if plan is not None:
        plan = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
        if plan.interval_days:
            plan.next_due = fields["done_on"] + dt.timedelta(days=plan.interval_days)
        if plan.interval_counter:
            plan.next_due_counter = (
                reading if reading is not None else machine.counter_value
            ) + plan.interval_counter
        plan.last_done_on = fields["done_on"]
        history.save(
            plan, by=by, reason=f"Done on {fields['done_on']:%-d %b %Y}: next due {plan.next_due:%-d %b %Y}"
        )
    return event


@transaction.atomic
def postponement_request(
    *, plan: MaintenancePlan, by: User, new_due: dt.date, reason: str, **ignored
) -> Postponement:
    """Ask to postpone a due maintenance: a reason, a later date; the original due date is kept.
    The plan's responsible person, or whoever keeps the machine, may ask."""
    if by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")
    if not (access.can_change(by, plan) or plan.responsible_id == by.pk):
        raise PermissionDenied("Only the plan's responsible person or the machine's keepers may ask.")
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say why the maintenance cannot be done on time."
    if new_due <= plan.next_due:
        errors["new_due"] = f"The maintenance is due on {plan.next_due:%-d %b %Y}: choose a later date."
    if plan.status != "active":
        errors["new_due"] = "The plan is retired."
    if errors:
        raise ValidationError(errors)
    if plan.postponements.filter(status="requested").exists():
        raise ValidationError({"new_due": "A postponement of this plan is waiting for approval already."})
    row = Postponement(
        plan=plan,
        original_due=_original_due(plan),
        new_due=new_due,
        reason=reason.strip(),
        requested_by=by,
        requested_on=timezone.localdate(),
    )
    row.status = "requested"
    history.save(row, by=by, reason=f"Postponement asked: {reason.strip()}", validate=True)
    return row


def _original_due(plan: MaintenancePlan) -> dt.date:
    """The date the maintenance was due before any postponement of it: a second postponement
    counts from there, not from the first one's new date (three of 14 days each were 42 days
    late, none of them past the limit). One query: the postponements approved since it was last done."""
    approved = plan.postponements.filter(status="approved")
    if plan.last_done_on:
        approved = approved.filter(requested_on__gte=plan.last_done_on)
    moved_from = dict(approved.values_list("new_due", "original_due"))
    due, seen = plan.next_due, set()
    while due in moved_from and due not in seen:
        seen.add(due)
        due = moved_from[due]
    return due


@Postponement.workflow.on("approve")
def _approved(row: Postponement, *, by: User, **kwargs) -> None:
    """Approval moves the plan's due date (who may approve: ``Postponement.transition_refused``)."""
    plan = MaintenancePlan.objects.select_for_update().get(pk=row.plan_id)
    row.decided_by, row.decided_on = by, timezone.localdate()
    plan.next_due = row.new_due
    history.save(
        plan,
        by=by,
        reason=f"Postponed from {row.original_due:%-d %b %Y} to {row.new_due:%-d %b %Y}: {row.reason}",
    )


@Postponement.workflow.on("refuse")
def _refused(row: Postponement, *, by: User, **kwargs) -> None:
    row.decided_by, row.decided_on = by, timezone.localdate()
