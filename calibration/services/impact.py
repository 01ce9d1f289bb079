"""Out-of-tolerance impact assessments: opened by a failed calibration, filled from the kernel's
where-used registry (or by hand), decided item by item, and the cascade from a failed reference
standard to every instrument calibrated against it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from qms import access, events, history, whereused
from qms.models import User, next_reference
from qms.rules import reason_text
from qms.services import child_add, child_update

from ..models import AffectedItem, Calibration, ImpactAssessment, Instrument, ReferenceUse
from ..models.impact import Cause

DUE_DAYS = 10  # an impact assessment is due within ten days of the finding
ITEM_DECIDED = "calibration.item_decided"


def _decided(item: AffectedItem) -> None:
    """Tell whoever subscribed what was decided for an affected item (the lots module emails a
    recall of a lot already released or shipped), once the decision commits. ``named`` is what
    the item names, as the ``measurements_stand`` gate compares it (no case, no leading "Lot")."""
    from ..gates import _normal

    if item.decision:
        events.publish(
            ITEM_DECIDED,
            item_id=item.pk,
            assessment_id=item.assessment_id,
            decision=item.decision,
            named=_normal(item.reference or ""),
            item=str(item),
            reason=item.reason,
        )


def assessment_open(
    *,
    instrument: Instrument,
    by: User,
    until: dt.date,
    since: dt.date | None,
    calibration: Calibration | None = None,
    cause: str = Cause.OUT_OF_TOLERANCE,
    standard: Instrument | None = None,
    origin: ImpactAssessment | None = None,
    summary: str = "",
) -> ImpactAssessment:
    """Open the impact assessment of an instrument, owned by whoever owns the instrument and
    due in ten days. It is a consequence of a finding, not a choice: no creation right is asked."""
    if cause == Cause.SUSPECT:
        title = f"Calibration suspect: {instrument.tag} {instrument.title} (standard {standard.tag})"
    else:
        title = f"Out of tolerance: {instrument.tag} {instrument.title}"
    assessment = ImpactAssessment(
        title=title[:200],
        owner_id=instrument.owner_id,
        department_id=instrument.department_id,
        due_date=timezone.localdate() + dt.timedelta(days=DUE_DAYS),
        status=ImpactAssessment.workflow.initial,
        created_by=by,
        instrument=instrument,
        calibration=calibration,
        cause=cause,
        standard=standard,
        origin=origin,
        period_from=since,
        period_to=until,
        summary=summary,
    )
    assessment.reference = next_reference(ImpactAssessment.reference_prefix, timezone.localdate().year)
    if calibration is not None:
        reason = f"Opened by the calibration of {until:%-d %b %Y}"
    elif standard is not None:
        reason = f"Opened: reference standard {standard.tag} failed"
    else:
        reason = "Opened by hand"
    history.save(assessment, by=by, reason=reason, validate=True)
    items_from_where_used(assessment=assessment, by=by)
    return assessment


def items_from_where_used(*, assessment: ImpactAssessment, by: User, **ignored) -> int:
    """Ask the kernel's where-used registry what was done with the instrument in the period and
    add each use not listed yet; returns how many were added."""
    uses = whereused.find(
        assessment.instrument,
        date_from=assessment.period_from,
        date_to=max(assessment.period_to, timezone.localdate()),
        user=by,
    )
    known = set(assessment.items.values_list("what", "reference"))
    added = 0
    for use in uses:
        if (use.what, use.reference) in known:
            continue
        item = AffectedItem(
            assessment=assessment,
            used_on=use.when,
            what=use.what[:100],
            reference=use.reference[:60],
            title=use.title[:200],
            url=use.url[:300],
            from_where_used=True,
        )
        history.save(item, by=by, reason=f"Found by where-used: {use.what} {use.reference}")
        known.add((use.what, use.reference))
        added += 1
    return added


def cascade(
    *,
    standard: Instrument,
    since: dt.date | None,
    until: dt.date,
    origin: ImpactAssessment,
    by: User,
    seen=None,
) -> list[ImpactAssessment]:
    """A reference standard found out of tolerance makes suspect every instrument calibrated
    against it since its last good calibration, each with its own impact assessment, and so on
    down the chain (an instrument flagged here that is itself a standard passes it on)."""
    seen = set() if seen is None else seen
    seen.add(standard.pk)
    uses = ReferenceUse.objects.filter(standard=standard, calibration__status="completed")
    uses = uses.filter(calibration__calibrated_on__lte=until)
    if since is not None:
        uses = uses.filter(calibration__calibrated_on__gte=since)
    first_use: dict[int, dt.date] = {}
    for instrument_id, day in uses.order_by("calibration__calibrated_on").values_list(
        "calibration__instrument_id", "calibration__calibrated_on"
    ):
        first_use.setdefault(instrument_id, day)
    opened = []
    for instrument in Instrument.objects.filter(pk__in=first_use).exclude(pk__in=seen).order_by("pk"):
        seen.add(instrument.pk)
        if instrument.is_closed:
            continue
        day = first_use[instrument.pk]
        instrument.suspect = True
        history.save(
            instrument,
            by=by,
            reason=f"Calibration suspect: calibrated against {standard.tag} on {day:%-d %b %Y}",
        )
        assessment = assessment_open(
            instrument=instrument,
            by=by,
            since=day,
            until=timezone.localdate(),
            cause=Cause.SUSPECT,
            standard=standard,
            origin=origin,
        )
        opened.append(assessment)
        opened += cascade(
            standard=instrument, since=day, until=timezone.localdate(), origin=assessment, by=by, seen=seen
        )
    return opened


@transaction.atomic
def item_add(*, assessment: ImpactAssessment, by: User, **fields) -> AffectedItem:
    """An affected item listed by hand (until the inspection module answers where-used), with
    its decision and the reason for it when they are known already. ``child_add``'s own
    ``reason`` is the history's: the item's is kept on it after it is added."""
    why = (fields.pop("reason", "") or "").strip()
    item = child_add(model=AffectedItem, by=by, assessment=assessment, **fields)
    if why:
        item.reason = why
        history.save(item, by=by, reason=reason_text(f"{item}: {item.get_decision_display().lower()}: {why}"))
    _decided(item)
    return item


@transaction.atomic
def item_decide(
    *, affecteditem: AffectedItem, by: User, decision: str, reason: str, **ignored
) -> AffectedItem:
    from django.core.exceptions import ValidationError

    if not decision:
        raise ValidationError({"decision": "Choose what is decided for this item."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why: the auditor reads it."})
    # The item keeps the reason beside its decision (the page, the audit pack and release read
    # it); ``child_update``'s own ``reason`` is the history's.
    affecteditem.reason = reason.strip()
    item = child_update(child=affecteditem, by=by, reason=reason.strip(), decision=decision)
    _decided(item)
    return item


@ImpactAssessment.workflow.on("close")
def _closed(assessment: ImpactAssessment, *, by: User, **kwargs) -> None:
    """Closing the last open assessment of a quarantined instrument releases it when its last
    calibration left it in tolerance (and it is not suspect); otherwise it stays out of service."""
    assessment.closed_at = timezone.now()
    instrument = Instrument.objects.select_for_update().get(pk=assessment.instrument_id)
    others = instrument.assessments.filter(status="open").exclude(pk=assessment.pk).exists()
    if instrument.status != "quarantined" or others:
        return
    last = instrument.calibrations.filter(status="completed").order_by("-calibrated_on", "-pk").first()
    good = last is not None and last.as_left_ok and not instrument.suspect
    instrument.status = "in_service" if good else "out_of_service"
    then = "released to service" if good else "out of service until calibrated in tolerance"
    history.save(instrument, by=by, reason=f"{assessment.reference} closed: {then}")


@ImpactAssessment.workflow.on("reopen")
def _reopened(assessment: ImpactAssessment, **kwargs) -> None:
    assessment.closed_at = None


def may_refill(user: User, assessment: ImpactAssessment) -> bool:
    return access.can_change(user, assessment) and not assessment.is_closed
