"""Writes of what a CAPA does about the problem: containment actions, actions and the
effectiveness check. A status chosen on an edit page moves the row by its workflow (the kernel's
one transition service), so who may, the reason and the history hold as for any step; what the
steps stamp on the row is registered here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from qms import access, history
from qms.models import ChildRecord, User
from qms.rules import reason_text
from qms.services import transition, transition_to
from qms.services.signatures import content_hash, password_problem, signature_record
from qms.workflow import TransitionError

from ..models import PLAN_FIELDS, Action, Capa, ContainmentAction, EffectivenessCheck, plan_frozen
from ._common import CLOSED, check_person, require_open
from .capa import check_verifier, verifier_problem

# What a row needs before it counts as done: the field and what the user is told.
DONE_NEEDS = {
    Action: ("evidence", "Record the evidence that the action was done."),
    ContainmentAction: ("result", "Record what was done and found before marking it done."),
}
DONE_AT = {Action: "completed_at", ContainmentAction: "done_at"}


def _done_problem(row: ChildRecord) -> tuple[str, str] | None:
    field, message = DONE_NEEDS[type(row)]
    return (field, message) if not getattr(row, field).strip() else None


# --- workflow effects of actions and containment actions -----------------------------------------


@Action.workflow.on("start", "finish", "cancel", "reopen")
@ContainmentAction.workflow.on("finish", "cancel", "reopen")
def _apply_changes(row: ChildRecord, *, changes: dict | None = None, **kw) -> None:
    """The fields changed on the same edit page go into the same history row as the step."""
    for name, value in (changes or {}).items():
        setattr(row, name, value)
    row.full_clean()


@Action.workflow.on("finish")
@ContainmentAction.workflow.on("finish")
def _mark_done(row: ChildRecord, **kw) -> None:
    problem = _done_problem(row)
    if problem:
        raise TransitionError(problem[1], field=problem[0])
    setattr(row, DONE_AT[type(row)], timezone.now())


@Action.workflow.on("start", "cancel", "reopen")
@ContainmentAction.workflow.on("cancel", "reopen")
def _mark_not_done(row: ChildRecord, **kw) -> None:
    setattr(row, DONE_AT[type(row)], None)


def _row_update(
    row: ChildRecord, *, by: User, status: str, reason: str, fields: dict[str, Any], default_reason: str
) -> ChildRecord:
    """Change a row of a CAPA, as whoever may change the CAPA (every field) or as the person it is
    assigned to (only what they report: ``fields`` is ignored), and move it to ``status`` by its
    workflow when another one was chosen: one history row either way."""
    capa = row.capa
    if capa.is_closed:
        raise ValidationError(CLOSED)
    if not access.can_change(by, capa):
        if by.pk != row.assignee_id:
            raise PermissionDenied(f"You may not change this {row._meta.verbose_name}.")
        reported = DONE_NEEDS[type(row)][0]
        fields = {name: value for name, value in fields.items() if name == reported}
    if "owner" in fields:
        check_person(fields["owner"], "owner")
    if isinstance(row, Action):
        _plan_kept(row, status, fields)
    if isinstance(row, Action) and fields.get("due_date", row.due_date) != row.due_date:
        _within_target(capa, fields["due_date"])
    if status not in dict(row.workflow.statuses):
        raise ValidationError({"status": "Choose a status."})
    if status != row.status_value:
        return transition_to(obj=row, status=status, by=by, reason=reason, changes=fields)
    for name, value in fields.items():
        setattr(row, name, value)
    problem = _done_problem(row) if row.status_value == "done" else None
    if problem:
        raise ValidationError({problem[0]: problem[1]})
    history.save(row, by=by, reason=reason or default_reason, validate=True)
    return row


# --- containment ---------------------------------------------------------------------------------


@transaction.atomic
def containment_add(
    *, capa: Capa, by: User, description: str, owner: User, due_date: dt.date
) -> ContainmentAction:
    """Add an immediate containment action (sort, quarantine, inform the customer)."""
    require_open(by, capa)
    check_person(owner, "owner")
    _within_target(capa, due_date)  # containment is the first thing done, never after the target
    item = ContainmentAction(capa=capa, description=description.strip(), owner=owner, due_date=due_date)
    history.save(item, by=by, reason="Containment action added", validate=True)
    return item


@transaction.atomic
def containment_update(
    *,
    containment: ContainmentAction,
    by: User,
    status: str,
    result: str = "",
    reason: str = "",
    **fields: Any,
) -> ContainmentAction:
    """Update a containment action: its owner may report status and result; the CAPA's owner,
    head or quality manager may also change what, who and when."""
    return _row_update(
        containment,
        by=by,
        status=status,
        reason=reason,
        fields={**fields, "result": result.strip()},
        default_reason="Containment action updated",
    )


# --- actions -------------------------------------------------------------------------------------


def _plan_kept(action: Action, status: str, fields: dict[str, Any]) -> None:
    """Under a CAPA in verification an action keeps what it is, whose and by when, and is not
    reopened (``plan_frozen``): a corrective action turned into a correction, or given to the
    verifier, would make the verifier judge their own fix. Refused beside each field changed."""
    frozen = plan_frozen(action.capa)
    if frozen is None:
        return
    changed = [name for name in PLAN_FIELDS if name in fields and fields[name] != getattr(action, name)]
    errors = dict.fromkeys(changed, frozen)
    step = action.workflow.between(action.status_value, status)
    if step is not None and action.transition_refused(step.name, None):
        errors["status"] = frozen
    if errors:
        raise ValidationError(errors)


def _within_target(capa: Capa, due_date: dt.date | None) -> None:
    """An action due after the CAPA's target date would make the CAPA late by plan: move the
    target (with a reason, in its history) first, so the slip is seen."""
    if due_date and capa.due_date and due_date > capa.due_date:
        raise ValidationError(
            {
                "due_date": f"After the CAPA’s target date ({capa.due_date:%-d %b %Y}). "
                "Choose an earlier date, or move the CAPA’s target first."
            }
        )


@transaction.atomic
def action_add(*, capa: Capa, by: User, kind: str, title: str, owner: User, due_date: dt.date) -> Action:
    """Add a correction, corrective or preventive action with its owner and due date; not once
    the CAPA is in verification (``plan_frozen``)."""
    require_open(by, capa)
    if frozen := Action.add_refused(capa):
        raise ValidationError(frozen)
    check_person(owner, "owner")
    _within_target(capa, due_date)
    capa = Capa.objects.select_for_update().get(pk=capa.pk)  # numbers A1, A2 … without races
    last = capa.actions.aggregate(m=models.Max("number"))["m"] or 0
    action = Action(
        capa=capa, number=last + 1, kind=kind, title=title.strip(), owner=owner, due_date=due_date
    )
    history.save(action, by=by, reason=f"Action A{action.number} added", validate=True)
    return action


@transaction.atomic
def action_update(
    *, action: Action, by: User, status: str, evidence: str = "", reason: str = "", **fields: Any
) -> Action:
    """Update an action. Its owner reports progress and evidence; the CAPA's owner, head or
    quality manager may also change what, who and when. "Done" needs evidence, "cancelled" a
    reason."""
    return _row_update(
        action,
        by=by,
        status=status,
        reason=reason,
        fields={**fields, "evidence": evidence.strip()},
        default_reason=f"A{action.number}: {action.workflow.label(status)}",
    )


# --- the effectiveness check ---------------------------------------------------------------------


@EffectivenessCheck.workflow.on("effective", "not_effective")
def _judge(check: EffectivenessCheck, *, by: User, notes: str = "", **kw) -> None:
    """Sign the check off: never by the CAPA owner or an action owner, and with what was found."""
    problem = verifier_problem(check.capa, by, signing=True)
    if problem:
        raise PermissionDenied(problem)
    if not notes.strip():
        raise TransitionError("Record what was checked and found against the criteria.", field="notes")
    check.result_notes = notes.strip()
    check.verified_by = by
    check.verified_at = timezone.now()


@EffectivenessCheck.workflow.on("effective")
def _effective(check: EffectivenessCheck, *, by: User, **kw) -> None:
    history.touch(check.capa, by=by, reason="Effectiveness check: effective")


@EffectivenessCheck.workflow.on("not_effective")
def _not_effective(check: EffectivenessCheck, *, by: User, **kw) -> None:
    """Not effective: the CAPA is reopened for a new investigation (its history is kept). It runs
    while the check is still pending in the database, so its verifier may perform the step."""
    transition(
        obj=check.capa,
        name="reopen",
        by=by,
        reason=reason_text(f"Effectiveness check not effective: {check.result_notes}"),
    )


@transaction.atomic
def effectiveness_check_record(
    *, check: EffectivenessCheck, by: User, result: str, notes: str, password: str, early_reason: str = ""
) -> EffectivenessCheck:
    """Sign off an effectiveness check with an electronic signature (the signer's password, as for
    approving a revision). Never by the CAPA owner or the owner of one of its corrective or
    preventive actions: the people who made the fix do not judge it.
    Signed before its due date, it needs a reason, kept in the history and on the signature.
    "Not effective" reopens the CAPA for a new investigation; the history is kept."""
    errors: dict[str, str] = {}
    if result not in (EffectivenessCheck.Result.EFFECTIVE, EffectivenessCheck.Result.NOT_EFFECTIVE):
        errors["result"] = "Choose effective or not effective."
    today = timezone.localdate()
    early_reason = (early_reason or "").strip()
    if check.planned_date > today and not early_reason:
        errors["early_reason"] = (
            f"The check is due on {check.planned_date:%-d %b %Y}: say why it is judged before then."
        )
    if not (notes or "").strip():
        errors["notes"] = "Record what was checked and found against the criteria."
    # Refused before the password is checked; the verifier chosen may since have been given one
    # of the CAPA's actions, so the rule is asked again now.
    problem = verifier_problem(check.capa, by, signing=True)
    if problem:
        raise PermissionDenied(problem)
    problem = password_problem(by, password)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    label = EffectivenessCheck.workflow.label(result)
    reason = f"Effectiveness: {label}"
    if check.planned_date > today:
        reason += f"; signed before its due date {check.planned_date:%-d %b %Y}: {early_reason}"
    check = transition(obj=check, name=result, by=by, reason=reason, notes=notes)
    signature_record(
        obj=check,
        by=by,
        meaning=f"Effectiveness verified: {label.lower()}",
        content_hash=content_hash(check),
        reason=early_reason,
    )
    return check


@transaction.atomic
def check_update(
    *, check: EffectivenessCheck, by: User, planned_date: dt.date, criteria: str, verifier: User
) -> EffectivenessCheck:
    """Re-plan a pending effectiveness check (new date, criteria or verifier)."""
    capa = check.capa
    access.require_change(by, capa)
    if check.result != EffectivenessCheck.Result.PENDING:
        raise ValidationError("This effectiveness check has its result already.")
    check_verifier(capa, verifier)
    if planned_date is None or planned_date <= timezone.localdate():
        raise ValidationError({"planned_date": "The effectiveness check must be planned in the future."})
    check.planned_date, check.criteria, check.verifier = planned_date, criteria.strip(), verifier
    history.save(check, by=by, reason="Effectiveness check re-planned", validate=True)
    return check
