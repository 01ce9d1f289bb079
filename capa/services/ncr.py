"""Writes of nonconformance reports: the disposition of the nonconforming product, and what the
NCR's workflow steps stamp on it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from qms import events
from qms.models import User
from qms.rules import reason_text
from qms.services import handover, record_transition
from qms.workflow import TransitionError

from ..models import Nonconformity

NCR_RAISED = "capa.ncr_raised"


@Nonconformity.workflow.on_create
def _raised(ncr: Nonconformity, *, by: User, **kw) -> None:
    """An NCR raised anywhere (its page, an inspection, an audit finding, the API) tells whoever
    subscribed, once it commits."""
    events.publish(NCR_RAISED, nonconformity_id=ncr.pk)


@Nonconformity.workflow.on("disposition")
def _ncr_disposition(ncr: Nonconformity, *, by, disposition: str = "", note: str = "", **kw) -> None:
    """Record who decided what happens to the nonconforming product, and when."""
    if disposition not in Nonconformity.Disposition.values:
        raise TransitionError(
            "Choose the disposition of the nonconforming product (scrap, rework, use as is under "
            "concession or return to supplier).",
            field="disposition",
        )
    if disposition == Nonconformity.Disposition.RETURN and ncr.source != Nonconformity.Source.SUPPLIER:
        raise TransitionError(
            f"Return to supplier is for a supplier's nonconformity; this NCR's source is "
            f"{ncr.get_source_display().lower()}: set it to Supplier first, or choose another disposition.",
            field="disposition",
        )
    if disposition == Nonconformity.Disposition.CONCESSION and not note.strip():
        # Who granted the use as is, and its reference, is what ISO 9001 8.7.2 c keeps: asked
        # here, not only by the page's form, so a disposition recorded by any caller holds it.
        raise TransitionError("A concession needs a note: who granted it and its reference.", field="note")
    ncr.disposition = disposition
    ncr.disposition_note = note.strip()
    ncr.disposition_by = by
    ncr.disposition_at = timezone.now()


NO_CAPA_REASON = (
    "No CAPA deals with this NCR: raise one from this page, or say in the note why no action on "
    "its cause is needed (ISO 9001 10.2.1 b)."
)


@Nonconformity.workflow.on("close")
def _mark_closed(record, *, by, reason: str = "", **kw) -> None:
    # 10.2.1 b: the need for action on the cause is evaluated before the NCR is closed; either a
    # CAPA deals with it, or who closes it says why none is needed (kept in the history).
    if not reason.strip() and not record.capas.exists():
        raise TransitionError(NO_CAPA_REASON, field="reason")
    record.closed_at = timezone.now()


@handover.refuses(Nonconformity)
def _ncrs_taken_over(ncrs, to: User) -> list[str]:
    # As the NCR's own form: its owner decides the disposition and closes it.
    if handover.may_head(to):
        return []
    return [
        f"{reference}: {to} cannot decide a disposition or close an NCR "
        "(a department head or the quality manager can)."
        for reference in ncrs.values_list("reference", flat=True)
    ]


@Nonconformity.workflow.on("reopen")
def _clear_closed(record, *, by, **kw) -> None:
    record.closed_at = None


@transaction.atomic
def ncr_disposition(*, ncr: Nonconformity, by: User, disposition: str, note: str = "") -> Nonconformity:
    """Decide what happens to the nonconforming product; records who decided and when. The note is
    kept whole on the NCR; the history keeps as much of it as a reason holds."""
    label = dict(Nonconformity.Disposition.choices).get(disposition, disposition)
    return record_transition(
        record=ncr,
        name="disposition",
        by=by,
        reason=reason_text(f"Disposition: {label}" + (f" ({note.strip()})" if note.strip() else "")),
        disposition=disposition,
        note=note,
    )
