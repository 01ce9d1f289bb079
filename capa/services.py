"""Writes of the CAPA module. Views, the demo and tests all call these, so the rules hold everywhere.

Record-level moves go through ``qms.services.record_transition`` (the workflow's guards and effects
in ``capa.models`` carry the close gates); rows inside a CAPA (containment, whys, fishbone causes,
8D texts, actions, effectiveness checks) are changed here, always after checking the CAPA may be
changed by the user and is not closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from qms import access, history
from qms.models import Role, User
from qms.services import record_create, record_transition, record_update
from qms.workflow import TransitionError

from .models import (
    OPEN_ACTION_STATUSES,
    Action,
    Capa,
    CauseCategory,
    ContainmentAction,
    Discipline,
    EffectivenessCheck,
    FishboneCause,
    Nonconformity,
    Why,
)

# --- helpers -------------------------------------------------------------------------------------

# The longest note the history keeps whole (the kernel's transition form allows the same).
REASON_MAX = 1000


def history_reason(text: str) -> str:
    """A reason that fits the history; the full text is kept on the record itself."""
    text = " ".join(text.split())
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _check_reason(reason: str, field: str = "reason") -> None:
    if len(reason.strip()) > REASON_MAX:
        raise ValidationError({field: f"Keep the note for the history to {REASON_MAX} characters."})


def _require_open(by: User, capa: Capa) -> None:
    """The user may change the CAPA and it is not closed."""
    access.require_change(by, capa)
    if capa.is_closed:
        raise ValidationError("This CAPA is closed; it must be reopened before it can be changed.")


def _check_person(user: User | None, field: str) -> None:
    if user is None:
        raise ValidationError({field: "Choose a person."})
    if not user.is_active or user.is_system or user.role == Role.AUDITOR:
        raise ValidationError({field: f"{user} cannot own actions (inactive, auditor or system account)."})


def _save(obj: models.Model, by: User, reason: str) -> None:
    obj.full_clean()
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def _touch(capa: Capa, by: User, reason: str) -> None:
    """A note in the CAPA's own history that something inside it changed."""
    capa._history_user = by
    capa._change_reason = reason[:100]
    capa.save(update_fields=["updated_at"])


# --- workflow effects (run inside the transition, registered on the models' workflows) ---------


@Nonconformity.workflow.on("disposition")
def _ncr_disposition(ncr: Nonconformity, *, by, disposition: str = "", note: str = "", **kw) -> None:
    """Record who decided what happens to the nonconforming product, and when."""
    if disposition not in Nonconformity.Disposition.values:
        raise TransitionError(
            "Choose the disposition of the nonconforming product (scrap, rework, use as is under "
            "concession or return to supplier).",
            field="disposition",
        )
    ncr.disposition = disposition
    ncr.disposition_note = note.strip()
    ncr.disposition_by = by
    ncr.disposition_at = timezone.now()


@Nonconformity.workflow.on("close")
def _mark_closed(record, *, by, **kw) -> None:
    record.closed_at = timezone.now()


@Nonconformity.workflow.on("reopen")
def _clear_closed(record, *, by, **kw) -> None:
    record.closed_at = None


@Capa.workflow.on("verify")
def _plan_check(capa: Capa, *, by, planned_date=None, criteria: str = "", verifier=None, **kw) -> None:
    """Actions finished: the effectiveness check is planned now (ISO 9001 10.2.1 d)."""
    if planned_date is None or not criteria.strip() or verifier is None:
        raise TransitionError(
            "Plan the effectiveness check: its date, the criteria that show the fix worked and who "
            "will judge it.",
            field="planned_date",
        )
    if planned_date <= timezone.localdate():
        raise TransitionError("The effectiveness check must be planned in the future.", field="planned_date")
    EffectivenessCheck.objects.filter(capa=capa, result=EffectivenessCheck.Result.PENDING).delete()
    check = EffectivenessCheck(
        capa=capa, planned_date=planned_date, criteria=criteria.strip(), planned_by=by, verifier=verifier
    )
    history.save(check, by=by, reason="Effectiveness check planned")


@Capa.workflow.on("close")
def _close(
    capa: Capa,
    *,
    by,
    risks_change: bool | None = None,
    risks_note: str = "",
    documents_change: bool | None = None,
    documents_note: str = "",
    **kw,
) -> None:
    """Closing asks whether risks and documents must change (ISO 9001 10.2.1 e–f)."""
    if risks_change is None or documents_change is None:
        raise TransitionError(
            "Answer whether risks and opportunities and the documented information must change "
            "(ISO 9001 10.2.1 e–f) before closing.",
            field="risks_change",
        )
    capa.risks_change = risks_change
    capa.risks_note = risks_note.strip()
    capa.documents_change = documents_change
    capa.documents_note = documents_note.strip()
    capa.closed_by = by
    capa.closed_at = timezone.now()


@Capa.workflow.on("reopen")
def _reopen(capa: Capa, *, by, **kw) -> None:
    # The earlier closing stays in the history; the record shows the current state only.
    capa.closed_by = None
    capa.closed_at = None


# --- nonconformities ----------------------------------------------------------------------------


@transaction.atomic
def ncr_disposition(*, ncr: Nonconformity, by: User, disposition: str, note: str = "") -> Nonconformity:
    """Decide what happens to the nonconforming product; records who decided and when."""
    label = dict(Nonconformity.Disposition.choices).get(disposition, disposition)
    return record_transition(
        record=ncr,
        name="disposition",
        by=by,
        reason=history_reason(f"Disposition: {label}" + (f" ({note.strip()})" if note.strip() else "")),
        disposition=disposition,
        note=note,
    )


# --- CAPA record --------------------------------------------------------------------------------


def _visible_ncrs(by: User, ncrs: Iterable[Nonconformity]) -> list[Nonconformity]:
    ncrs = list(ncrs)
    visible = set(
        access.restrict(Nonconformity.objects.filter(pk__in=[n.pk for n in ncrs]), by).values_list(
            "pk", flat=True
        )
    )
    if any(n.pk not in visible for n in ncrs):
        raise ValidationError({"nonconformities": "Choose only nonconformities you can see."})
    return ncrs


def _propagate_cause(capa: Capa, by: User) -> None:
    """NCRs without a cause category take the CAPA's root cause category (for the Pareto chart)."""
    if not capa.cause_category:
        return
    for ncr in capa.nonconformities.filter(cause_category=""):
        ncr.cause_category = capa.cause_category
        ncr._history_user = by
        ncr._change_reason = f"Cause category from {capa.reference}"
        ncr.save(update_fields=["cause_category", "updated_at"])


@transaction.atomic
def capa_create(*, by: User, nonconformities: Iterable[Nonconformity] = (), **fields: Any) -> Capa:
    """Raise a CAPA, from one or more NCRs or on its own (preventive action, improvement)."""
    ncrs = _visible_ncrs(by, nonconformities)
    capa = record_create(model=Capa, by=by, **fields)
    if ncrs:
        capa.nonconformities.set(ncrs)
        _touch(capa, by, "Raised from " + ", ".join(n.reference for n in ncrs))
        _propagate_cause(capa, by)
    return capa


@transaction.atomic
def capa_update(
    *,
    capa: Capa,
    by: User,
    reason: str = "",
    nonconformities: Iterable[Nonconformity] | None = None,
    **fields,
) -> Capa:
    """Edit the CAPA's own fields and the NCRs it deals with; the reason goes into the history."""
    _check_reason(reason)
    capa = record_update(record=capa, by=by, reason=reason, **fields)
    if nonconformities is not None:
        new = _visible_ncrs(by, nonconformities)
        old = set(capa.nonconformities.values_list("reference", flat=True))
        if {n.reference for n in new} != old:
            capa.nonconformities.set(new)
            _touch(capa, by, "NCRs: " + (", ".join(sorted(n.reference for n in new)) or "none"))
    _propagate_cause(capa, by)
    return capa


@transaction.atomic
def capa_root_cause_set(*, capa: Capa, by: User, root_cause: str, cause_category: str = "") -> Capa:
    """Record the conclusion of the analysis: the root cause and its 6M category."""
    _require_open(by, capa)
    root_cause = root_cause.strip()
    errors = {}
    if not root_cause:
        errors["root_cause"] = "Describe the root cause."
    if cause_category and cause_category not in CauseCategory.values:
        errors["cause_category"] = "Choose one of the 6M categories."
    if errors:
        raise ValidationError(errors)
    capa.root_cause = root_cause
    capa.cause_category = cause_category
    capa.full_clean(exclude=["reference", "status", "created_by"])
    capa._history_user = by
    capa._change_reason = "Root cause recorded"
    capa.save()
    _propagate_cause(capa, by)
    return capa


@transaction.atomic
def capa_verification_start(
    *, capa: Capa, by: User, planned_date: dt.date, criteria: str, verifier: User, reason: str = ""
) -> Capa:
    """Actions finished: move to verification and plan the effectiveness check (date, criteria and
    who will judge it, never the CAPA owner). Refused while any action is open."""
    _check_verifier(capa, verifier)
    _check_reason(reason)
    return record_transition(
        record=capa,
        name="verify",
        by=by,
        reason=reason,
        planned_date=planned_date,
        criteria=criteria,
        verifier=verifier,
    )


def _check_verifier(capa: Capa, verifier: User | None) -> None:
    _check_person(verifier, "verifier")
    if verifier.pk == capa.owner_id:
        raise ValidationError(
            {"verifier": "The CAPA owner cannot verify their own CAPA; choose someone independent."}
        )


@transaction.atomic
def check_update(
    *, check: EffectivenessCheck, by: User, planned_date: dt.date, criteria: str, verifier: User
) -> EffectivenessCheck:
    """Re-plan a pending effectiveness check (new date, criteria or verifier)."""
    capa = check.capa
    access.require_change(by, capa)
    if check.result != EffectivenessCheck.Result.PENDING:
        raise ValidationError("This effectiveness check has its result already.")
    _check_verifier(capa, verifier)
    if planned_date is None or planned_date <= timezone.localdate():
        raise ValidationError({"planned_date": "The effectiveness check must be planned in the future."})
    check.planned_date, check.criteria, check.verifier = planned_date, criteria.strip(), verifier
    _save(check, by, "Effectiveness check re-planned")
    return check


def _raise_change_request(*, capa: Capa, by: User, document, reason: str) -> None:
    """Ask document control for a change (10.2.1 f), when the documents module offers it."""
    if not apps.is_installed("documents"):
        raise ValidationError({"document": "Document control is not installed."})
    try:
        from documents import services as document_services
    except ImportError:
        raise ValidationError({"document": "Document control cannot take change requests yet."}) from None
    raise_fn = getattr(document_services, "change_request_raise", None)
    if raise_fn is None:
        raise ValidationError({"document": "Document control cannot take change requests yet."})
    try:
        raise_fn(document=document, by=by, reason=reason, source=capa)
    except (ValidationError, PermissionDenied) as exc:
        # Shown beside the document field of the closing form, whatever field document control named.
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise ValidationError({"document": messages}) from exc


def change_requests_available() -> bool:
    if not apps.is_installed("documents"):
        return False
    try:
        from documents import services as document_services
    except ImportError:
        return False
    return hasattr(document_services, "change_request_raise")


@transaction.atomic
def capa_close(
    *,
    capa: Capa,
    by: User,
    risks_change: bool,
    documents_change: bool,
    risks_note: str = "",
    documents_note: str = "",
    reason: str = "",
    change_request_document: Any = None,
) -> Capa:
    """Close a verified CAPA: no action open, an effectiveness check planned, and the answers to
    whether risks and documented information must change (ISO 9001 10.2.1 e–f). Optionally raises
    a document change request in document control, in the same transaction."""
    _check_reason(reason)
    if risks_change and not risks_note.strip():
        raise ValidationError({"risks_note": "Say which risks or opportunities must be updated."})
    if documents_change and not documents_note.strip():
        raise ValidationError({"documents_note": "Say which documents must change and how."})
    if change_request_document is not None and not documents_change:
        raise ValidationError(
            {"document": "A change request is only raised when documents must change: tick that first."}
        )
    capa = record_transition(
        record=capa,
        name="close",
        by=by,
        reason=reason,
        risks_change=risks_change,
        risks_note=risks_note,
        documents_change=documents_change,
        documents_note=documents_note,
    )
    if change_request_document is not None:
        _raise_change_request(
            capa=capa,
            by=by,
            document=change_request_document,
            reason=f"{capa.reference}: {documents_note.strip()}",
        )
    return capa


@transaction.atomic
def effectiveness_check_record(
    *, check: EffectivenessCheck, by: User, result: str, notes: str
) -> EffectivenessCheck:
    """Sign off an effectiveness check. Never by the CAPA owner: the person who made the fix does
    not judge it. "Not effective" reopens the CAPA for a new investigation; the history is kept."""
    check = EffectivenessCheck.objects.select_for_update().select_related("capa").get(pk=check.pk)
    capa = check.capa
    if by.pk == capa.owner_id:
        raise PermissionDenied(
            "The CAPA owner cannot sign off its effectiveness check; the verifier or another "
            "department head or the quality manager must."
        )
    if not (access.can_change(by, capa) or by.pk == check.verifier_id) or by.is_auditor:
        raise PermissionDenied("You may not sign off this effectiveness check.")
    if check.result != EffectivenessCheck.Result.PENDING:
        raise ValidationError("This effectiveness check has been signed off already.")
    if capa.status not in ("verification", "closed"):
        raise ValidationError("The effectiveness check is judged once the CAPA is in verification or closed.")
    if result not in (EffectivenessCheck.Result.EFFECTIVE, EffectivenessCheck.Result.NOT_EFFECTIVE):
        raise ValidationError({"result": "Choose effective or not effective."})
    if not notes.strip():
        raise ValidationError({"notes": "Record what was checked and found against the criteria."})
    if result == EffectivenessCheck.Result.NOT_EFFECTIVE:
        # Reopened while the check is still pending, so its verifier may perform the step.
        record_transition(
            record=capa,
            name="reopen",
            by=by,
            reason=history_reason(f"Effectiveness check not effective: {notes.strip()}"),
        )
    else:
        _touch(capa, by, "Effectiveness check: effective")
    check.result = result
    check.result_notes = notes.strip()
    check.verified_by = by
    check.verified_at = timezone.now()
    _save(check, by, f"Effectiveness: {check.get_result_display()}")
    return check


# --- containment ----------------------------------------------------------------------------


@transaction.atomic
def containment_add(
    *, capa: Capa, by: User, description: str, owner: User, due_date: dt.date
) -> ContainmentAction:
    """Add an immediate containment action (sort, quarantine, inform the customer)."""
    _require_open(by, capa)
    _check_person(owner, "owner")
    item = ContainmentAction(capa=capa, description=description.strip(), owner=owner, due_date=due_date)
    _save(item, by, "Containment action added")
    return item


@transaction.atomic
def containment_update(
    *, containment: ContainmentAction, by: User, status: str, result: str = "", **fields: Any
) -> ContainmentAction:
    """Update a containment action: its owner may report status and result; the CAPA's owner,
    head or quality manager may also change what, who and when."""
    capa = containment.capa
    if capa.is_closed:
        raise ValidationError("This CAPA is closed; it must be reopened before it can be changed.")
    if not access.can_change(by, capa):
        if by.pk != containment.owner_id:
            raise PermissionDenied("You may not change this containment action.")
        fields = {}
    if "owner" in fields:
        _check_person(fields["owner"], "owner")
    for name, value in fields.items():
        setattr(containment, name, value)
    if status == ContainmentAction.Status.DONE and not result.strip():
        raise ValidationError({"result": "Record what was done and found before marking it done."})
    if status == ContainmentAction.Status.DONE and containment.status != status:
        containment.done_at = timezone.now()
    elif status != ContainmentAction.Status.DONE:
        containment.done_at = None
    containment.status, containment.result = status, result.strip()
    _save(containment, by, "Containment action updated")
    return containment


# --- root cause analysis -----------------------------------------------------------------------


@transaction.atomic
def why_add(*, capa: Capa, by: User, answer: str) -> Why:
    """Record the next "why?" of the 5 whys."""
    _require_open(by, capa)
    last = capa.whys.aggregate(m=models.Max("number"))["m"] or 0
    why = Why(capa=capa, number=last + 1, answer=answer.strip())
    _save(why, by, f"Why {why.number} recorded")
    return why


@transaction.atomic
def why_update(*, why: Why, by: User, answer: str) -> Why:
    _require_open(by, why.capa)
    why.answer = answer.strip()
    _save(why, by, f"Why {why.number} changed")
    return why


@transaction.atomic
def why_delete(*, why: Why, by: User) -> None:
    """Remove a why; the ones after it move up so the chain stays 1, 2, 3 …"""
    capa = why.capa
    _require_open(by, capa)
    number = why.number
    why._history_user = by
    why._change_reason = f"Why {number} removed"
    why.delete()
    for later in capa.whys.filter(number__gt=number).order_by("number"):
        later.number -= 1
        later._history_user = by
        later._change_reason = "Renumbered"
        later.save()


@transaction.atomic
def cause_add(
    *, capa: Capa, by: User, category: str, description: str, is_root_cause: bool = False
) -> FishboneCause:
    """Put a possible cause on the fishbone under one of the 6M."""
    _require_open(by, capa)
    cause = FishboneCause(
        capa=capa, category=category, description=description.strip(), is_root_cause=is_root_cause
    )
    _save(cause, by, "Fishbone cause added")
    return cause


@transaction.atomic
def cause_update(
    *, cause: FishboneCause, by: User, category: str, description: str, is_root_cause: bool
) -> FishboneCause:
    _require_open(by, cause.capa)
    cause.category, cause.description, cause.is_root_cause = category, description.strip(), is_root_cause
    _save(cause, by, "Fishbone cause changed")
    return cause


@transaction.atomic
def cause_delete(*, cause: FishboneCause, by: User) -> None:
    _require_open(by, cause.capa)
    cause._history_user = by
    cause._change_reason = "Fishbone cause removed"
    cause.delete()


@transaction.atomic
def discipline_set(*, capa: Capa, by: User, discipline: str, text: str) -> Discipline:
    """Write (or rewrite) the text of one 8D discipline for the customer's report."""
    _require_open(by, capa)
    if discipline not in Discipline.D.values:
        raise ValidationError({"discipline": "Choose one of D1 to D8."})
    item = capa.disciplines.filter(discipline=discipline).first() or Discipline(
        capa=capa, discipline=discipline
    )
    item.text = text.strip()
    _save(item, by, f"{discipline} written")
    return item


# --- actions ------------------------------------------------------------------------------------


@transaction.atomic
def action_add(*, capa: Capa, by: User, kind: str, title: str, owner: User, due_date: dt.date) -> Action:
    """Add a correction, corrective or preventive action with its owner and due date."""
    _require_open(by, capa)
    _check_person(owner, "owner")
    capa = Capa.objects.select_for_update().get(pk=capa.pk)  # numbers A1, A2 … without races
    last = capa.actions.aggregate(m=models.Max("number"))["m"] or 0
    action = Action(
        capa=capa, number=last + 1, kind=kind, title=title.strip(), owner=owner, due_date=due_date
    )
    _save(action, by, f"Action A{action.number} added")
    return action


def action_fields_for(by: User, action: Action) -> str:
    """ "all" when the user may change every field, "progress" when only status and evidence
    (the action's owner from outside the CAPA), "" when nothing."""
    if by.is_auditor or action.capa.is_closed:
        return ""
    if access.can_change(by, action.capa):
        return "all"
    return "progress" if by.pk == action.owner_id else ""


@transaction.atomic
def action_update(
    *, action: Action, by: User, status: str, evidence: str = "", reason: str = "", **fields: Any
) -> Action:
    """Update an action. Its owner reports progress and evidence; the CAPA's owner, head or
    quality manager may also change what, who and when. "Done" needs evidence."""
    if action.capa.is_closed:
        raise ValidationError("This CAPA is closed; it must be reopened before it can be changed.")
    allowed = action_fields_for(by, action)
    if not allowed:
        raise PermissionDenied("You may not change this action.")
    if allowed == "progress":
        fields = {}
    if "owner" in fields:
        _check_person(fields["owner"], "owner")
    for name, value in fields.items():
        setattr(action, name, value)
    if status not in Action.Status.values:
        raise ValidationError({"status": "Choose a status."})
    if status == Action.Status.DONE and not evidence.strip():
        raise ValidationError({"evidence": "Record the evidence that the action was done."})
    if status == Action.Status.CANCELLED and not reason.strip() and action.status != status:
        raise ValidationError({"reason": "Say why the action is cancelled."})
    if status == Action.Status.DONE and action.status != status:
        action.completed_at = timezone.now()
    elif status != Action.Status.DONE:
        action.completed_at = None
    action.status, action.evidence = status, evidence.strip()
    _save(action, by, reason.strip()[:100] or f"A{action.number}: {action.get_status_display()}")
    return action


def open_actions(capa: Capa):
    return capa.actions.filter(status__in=OPEN_ACTION_STATUSES)
