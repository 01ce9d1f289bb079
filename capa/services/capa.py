"""Writes of the CAPA record itself: raise, edit, record the root cause, move to verification with
the effectiveness check planned, close with the 10.2.1 e–f answers, and what those workflow steps
stamp on the record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, events, history
from qms.models import User
from qms.scoped import read_once
from qms.services import handover, record_create, record_transition, record_update
from qms.workflow import TransitionError

from ..models import (
    CHECK_JUDGED_STATUSES,
    IMPLEMENTING_KINDS,
    Action,
    Capa,
    CauseCategory,
    EffectivenessCheck,
    Nonconformity,
    analysis_frozen,
)
from ._common import check_person, require_open

RISKS_AFFECTED = "capa.risks_affected"

# --- workflow effects (run inside the transition) ------------------------------------------------


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
    # A plan from an earlier verification that went back to actions gives way to this one.
    for earlier in capa.checks.filter(result=EffectivenessCheck.Result.PENDING):
        history.delete(earlier, by=by, reason="Replaced by a new plan")
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
    if risks_change:
        # Which risks is not kept here: the risk register (if installed) hears it and proposes a
        # kernel link between this CAPA and each risk named, or a new risk, to the risk's owner.
        events.publish(RISKS_AFFECTED, capa_id=capa.pk, note=risks_note.strip())
    capa.documents_change = documents_change
    capa.documents_note = documents_note.strip()
    capa.closed_by = by
    capa.closed_at = timezone.now()


@Capa.workflow.on("reopen")
def _reopen(capa: Capa, *, by, **kw) -> None:
    # The earlier closing stays in the history; the record shows the current state only.
    capa.closed_by = None
    capa.closed_at = None


# --- the record ----------------------------------------------------------------------------------


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


def _not_in_another_open_capa(ncrs: list[Nonconformity], capa: Capa | None = None) -> None:
    """An NCR is dealt with by one open CAPA at a time: a second one splits its actions and its
    effectiveness check. Once the first is closed (its actions done and verified), a new one may
    take the NCR up, say when the problem comes back. (A CAPA reopened later, by hand or by an
    effectiveness check judged not effective, is not refused: its NCRs stay as they were.)"""
    taken = (
        Capa.objects.filter(nonconformities__in=ncrs)
        .exclude(status__in=Capa.workflow.closed)
        .exclude(pk=getattr(capa, "pk", None))
        .values_list("nonconformities__reference", "reference")
        .order_by("reference")
    )
    if not ncrs:
        return
    wanted = {n.reference for n in ncrs}
    found = [(ncr, other) for ncr, other in taken if ncr in wanted]
    if found:
        said = "; ".join(f"{ncr} by {other}" for ncr, other in found)
        raise ValidationError(
            {"nonconformities": f"Already dealt with by an open CAPA: {said}. Add the work to that CAPA."}
        )


def _propagate_cause(capa: Capa, by: User) -> None:
    """NCRs without a cause category take the CAPA's root cause category (for the Pareto chart)."""
    if not capa.cause_category:
        return
    for ncr in capa.nonconformities.filter(cause_category=""):
        ncr.cause_category = capa.cause_category
        history.save(
            ncr,
            by=by,
            reason=f"Cause category from {capa.reference}",
            update_fields=["cause_category", "updated_at"],
        )


@transaction.atomic
def capa_create(*, by: User, nonconformities: Iterable[Nonconformity] = (), **fields: Any) -> Capa:
    """Raise a CAPA, from one or more NCRs or on its own (preventive action, improvement)."""
    ncrs = _visible_ncrs(by, nonconformities)
    _not_in_another_open_capa(ncrs)
    capa = record_create(model=Capa, by=by, **fields)
    if ncrs:
        capa.nonconformities.set(ncrs)
        history.touch(capa, by=by, reason="Raised from " + ", ".join(n.reference for n in ncrs))
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
    """Edit the CAPA's own fields and the NCRs it deals with; the reason goes into the history.
    Its owner is never the verifier of its effectiveness check (``_owner_not_verifier``)."""
    capa = record_update(record=capa, by=by, reason=reason, **fields)
    _owner_not_verifier(capa)  # after the access check; refused, the transaction rolls back
    if nonconformities is not None:
        new = _visible_ncrs(by, nonconformities)
        old = set(capa.nonconformities.values_list("reference", flat=True))
        _not_in_another_open_capa([n for n in new if n.reference not in old], capa)
        if {n.reference for n in new} != old:
            if refused := analysis_frozen(capa):
                raise ValidationError({"nonconformities": refused})
            capa.nonconformities.set(new)
            history.touch(
                capa, by=by, reason="NCRs: " + (", ".join(sorted(n.reference for n in new)) or "none")
            )
    _propagate_cause(capa, by)
    return capa


def _owner_not_verifier(capa: Capa) -> None:
    """The CAPA owner does not judge their own CAPA: once its check is planned and judged (in
    verification, or closed), the CAPA is not given to that check's verifier."""
    if capa.status not in CHECK_JUDGED_STATUSES:
        return  # verifying again plans the check anew, its verifier checked again
    if capa.checks.filter(result=EffectivenessCheck.Result.PENDING, verifier_id=capa.owner_id).exists():
        raise ValidationError(
            {
                "owner": f"{capa.owner} verifies the effectiveness check of this CAPA, and the CAPA "
                "owner cannot judge their own CAPA: choose another owner, or re-plan the check with "
                "another verifier first."
            }
        )


@transaction.atomic
def capa_root_cause_set(*, capa: Capa, by: User, root_cause: str, cause_category: str = "") -> Capa:
    """Record the conclusion of the analysis: the root cause and its 6M category."""
    require_open(by, capa)
    if refused := analysis_frozen(capa):
        raise ValidationError({"root_cause": refused})
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
    history.save(capa, by=by, reason="Root cause recorded")
    _propagate_cause(capa, by)
    return capa


OWNER_CANNOT_VERIFY = "The CAPA owner cannot verify their own CAPA; choose someone independent."
OWNER_CANNOT_JUDGE = (
    "The CAPA owner cannot sign off its effectiveness check; the verifier or another department "
    "head or the quality manager must."
)
# The actions whose owners may not judge the effectiveness check: those that remove the cause
# (``IMPLEMENTING_KINDS``; ISO 9001 10.2.1 d reviews "the effectiveness of any corrective action
# taken"). A correction (re-work the lot) or a containment action (sort the stock) deals with the
# parts, not the cause, so whoever did it may still judge whether the cause is gone; a cancelled
# action was not done.


def verifier_problem(capa: Capa, person: User, *, signing: bool = False) -> str | None:
    """Why ``person`` is not independent enough to judge the CAPA's effectiveness check, or None.
    The one rule for choosing the verifier (the forms and services that plan the check) and for
    signing it off (the sign-off form and service, since an action may be given to the verifier
    after the check was planned): never the CAPA owner, nor the owner of any of its corrective or
    preventive actions still counted (not cancelled)."""
    if person.pk == capa.owner_id:
        return OWNER_CANNOT_JUDGE if signing else OWNER_CANNOT_VERIFY
    numbers = read_once(  # the CAPA's page asks it for its forms and for its sentence
        capa.actions.filter(owner=person, kind__in=IMPLEMENTING_KINDS)
        .exclude(status=Action.Status.CANCELLED)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if not numbers:
        return None
    owned = f"{person} owns action{'s' if len(numbers) > 1 else ''} " + ", ".join(f"A{n}" for n in numbers)
    if signing:
        return (
            f"{owned} of this CAPA; its effectiveness check is signed off by someone independent of "
            "its corrective and preventive actions: re-plan the check with another verifier."
        )
    return (
        f"{owned} of this CAPA; the verifier must be independent of its corrective and preventive "
        "actions: choose someone else."
    )


def check_verifier(capa: Capa, verifier: User | None) -> None:
    """Who judges the effectiveness check: someone who may, and independent of the CAPA (see
    ``verifier_problem``)."""
    check_person(verifier, "verifier")
    problem = verifier_problem(capa, verifier)
    if problem:
        raise ValidationError({"verifier": problem})


@transaction.atomic
def capa_verification_start(
    *, capa: Capa, by: User, planned_date: dt.date, criteria: str, verifier: User, reason: str = ""
) -> Capa:
    """Actions finished: move to verification and plan the effectiveness check (date, criteria and
    who will judge it, independent of the CAPA and its actions). Refused while any action is open."""
    check_verifier(capa, verifier)
    return record_transition(
        record=capa,
        name="verify",
        by=by,
        reason=reason,
        planned_date=planned_date,
        criteria=criteria,
        verifier=verifier,
    )


# --- closing, with a change request to document control -------------------------------------------


def _document_services():
    """Document control's services, when it is installed and takes change requests (10.2.1 f)."""
    if not apps.is_installed("documents"):
        return None
    try:
        from documents import services as document_services
    except ImportError:
        return None
    return document_services if hasattr(document_services, "change_request_raise") else None


def change_requests_available() -> bool:
    return _document_services() is not None


def _raise_change_request(*, capa: Capa, by: User, document, reason: str) -> None:
    """Ask document control for a change (10.2.1 f)."""
    document_services = _document_services()
    if document_services is None:
        raise ValidationError({"document": "Document control cannot take change requests yet."})
    try:
        document_services.change_request_raise(document=document, by=by, reason=reason, source=capa)
    except (ValidationError, PermissionDenied) as exc:
        # Shown beside the document field of the closing form, whatever field document control named.
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise ValidationError({"document": messages}) from exc


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
    document: Any = None,
) -> Capa:
    """Close a verified CAPA: no action open, an effectiveness check planned, and the answers to
    whether risks and documented information must change (ISO 9001 10.2.1 e–f). Optionally raises
    a document change request in document control, in the same transaction."""
    if risks_change and not risks_note.strip():
        raise ValidationError({"risks_note": "Say which risks or opportunities must be updated."})
    if documents_change and not documents_note.strip():
        raise ValidationError({"documents_note": "Say which documents must change and how."})
    if document is not None and not documents_change:
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
    if document is not None:
        _raise_change_request(
            capa=capa,
            by=by,
            document=document,
            reason=f"{capa.reference}: {documents_note.strip()}",
        )
    return capa


# --- a leaver's CAPA work handed over (``qms.services.handover``) ---------------------------------


def _verified_by(person: User):
    """The CAPAs whose effectiveness check, still pending, ``person`` verifies (a subquery)."""
    pending = EffectivenessCheck.Result.PENDING
    return EffectivenessCheck.objects.filter(result=pending, verifier_id=person.pk).values("capa_id")


@handover.refuses(Capa)
def _capas_taken_over(capas, to: User) -> list[str]:
    judged = capas.filter(status__in=CHECK_JUDGED_STATUSES, pk__in=_verified_by(to))
    return [
        f"{reference}: {to} verifies its effectiveness check, and the CAPA owner cannot judge their own CAPA."
        for reference in judged.values_list("reference", flat=True)
    ]


@handover.refuses(Action)
def _actions_taken_over(actions, to: User) -> list[str]:
    implementing = actions.filter(kind__in=IMPLEMENTING_KINDS, capa_id__in=_verified_by(to))
    return [
        f"{reference} A{number}: {to} verifies the CAPA's effectiveness check, which is judged "
        "independent of its corrective and preventive actions."
        for reference, number in implementing.values_list("capa__reference", "number")
    ]


@handover.refuses(EffectivenessCheck)
def _checks_taken_over(checks, to: User) -> list[str]:
    # The one rule on who may verify (``verifier_problem``), asked of each check the leaver was to
    # verify: a handful, where a leaver's CAPAs and actions may be hundreds.
    return [
        f"{check.capa.reference}, effectiveness check: {problem}"
        for check in checks.select_related("capa")
        if (problem := verifier_problem(check.capa, to))
    ]
