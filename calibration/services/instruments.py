"""Writes of the instrument register: instruments, check-out and check-in, calibrations with
their points, standards and certificates, and what completing a calibration does."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, events, gates, history
from qms.models import User
from qms.services import child_add, record_create, record_update, transition
from qms.workflow import TransitionError

from ..models import (
    Calibration,
    CalibrationCertificate,
    CheckOut,
    Instrument,
    MeasurementPoint,
    ReferenceUse,
    Source,
)
from . import impact


@transaction.atomic
def instrument_create(*, by: User, **fields) -> Instrument:
    """A new instrument in the register. Its first calibration is due today unless a date is
    given (an import's): an instrument nobody has calibrated here is not usable, and whoever owns
    it sees it on My work until a calibration, or the certificate it arrived with, is recorded."""
    if fields.get("due_date") is None:
        fields["due_date"] = timezone.localdate()
    return record_create(model=Instrument, by=by, reason="Added to the register", **fields)


@transaction.atomic
def instrument_update(*, instrument: Instrument, by: User, reason: str = "", **fields) -> Instrument:
    return record_update(record=instrument, by=by, reason=reason, **fields)


def upstream_of(instrument_ids: set[int]) -> set[int]:
    """Every instrument the given ones were calibrated against, and what those were calibrated
    against, to the top of the chain (one query per level)."""
    found: set[int] = set()
    level = set(instrument_ids)
    while level:
        above = set(
            ReferenceUse.objects.filter(calibration__instrument_id__in=level).values_list(
                "standard_id", flat=True
            )
        )
        level = above - found
        found |= above
    return found


def _usable_refusals(instrument: Instrument, on: dt.date) -> list[str]:
    return [r.message for r in gates.check("instrument_usable", on=on, instrument=instrument)]


# --- check-out ------------------------------------------------------------------------------


@transaction.atomic
def instrument_check_out(
    *, instrument: Instrument, by: User, holder: User, note: str = "", **ignored
) -> CheckOut:
    """Hand the gauge to someone: they hold it (and are alerted when it falls due) until it is
    checked in. A gauge that may not be used is not handed out."""
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.holder_id:
        raise ValidationError({"holder": f"{instrument.tag} is checked out to {instrument.holder} already."})
    today = timezone.localdate()
    refused = _usable_refusals(instrument, today)
    if refused:
        raise ValidationError({"holder": refused})
    row = child_add(model=CheckOut, by=by, instrument=instrument, holder=holder, out_on=today, note=note)
    instrument.holder = holder
    history.save(instrument, by=by, reason=f"Checked out to {holder}")
    return row


@transaction.atomic
def instrument_check_in(*, instrument: Instrument, by: User, **ignored) -> Instrument:
    """The gauge is back in the crib."""
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    access.require_change(by, instrument)
    row = instrument.checkouts.filter(returned_on__isnull=True).first()
    if row is None:
        raise ValidationError(f"{instrument.tag} is not checked out.")
    row.returned_on = timezone.localdate()
    history.save(row, by=by, reason=f"Checked in from {row.holder}")
    instrument.holder = None
    history.save(instrument, by=by, reason=f"Checked in from {row.holder}")
    return instrument


# --- calibrations ---------------------------------------------------------------------------


def _calibration_problems(instrument: Instrument, fields: dict, *, exclude_pk=None) -> dict:
    errors: dict[str, str | list[str]] = {}
    day = fields.get("calibrated_on")
    today = timezone.localdate()
    if day and day > today:
        errors["calibrated_on"] = "A calibration cannot be dated in the future."
    elif day:
        previous = (
            instrument.calibrations.filter(status="completed")
            .exclude(pk=exclude_pk)
            .order_by("-calibrated_on")
            .first()
        )
        if previous and day < previous.calibrated_on:
            errors["calibrated_on"] = (
                f"The previous calibration is dated {previous.calibrated_on:%-d %b %Y}: "
                "a new one cannot be earlier."
            )
    source = fields.get("source")
    if source == Source.INTERNAL:
        technician = fields.get("performed_by")
        if technician is None:
            errors["performed_by"] = "Name the technician who calibrated it in-house."
        elif day and "calibrated_on" not in errors:
            refusals = gates.check(
                "inhouse_calibration", on=day, person=technician, instrument_type=instrument.type_name
            )
            if refusals:
                errors["performed_by"] = [r.message for r in refusals]
    elif source == Source.EXTERNAL:
        lab = fields.get("lab")
        if lab is None:
            errors["lab"] = "Name the laboratory that calibrated it."
        elif lab.status == "disqualified":
            errors["lab"] = f"{lab} is disqualified: it may not calibrate our instruments."
    return errors


@transaction.atomic
def calibration_add(*, instrument: Instrument, by: User, **fields) -> Calibration:
    """Start recording a calibration (a draft until completed): the technician must be
    qualified for the instrument type on that day (the training module's gate), the lab may not
    be disqualified, and the date lies neither in the future nor before the previous one."""
    fields.setdefault("source", instrument.source)
    if fields["source"] == Source.EXTERNAL:
        fields["performed_by"] = None
        fields.setdefault("lab", instrument.lab)
    else:
        fields["lab"] = None
    errors = _calibration_problems(instrument, fields)
    if errors:
        raise ValidationError(errors)
    return child_add(model=Calibration, by=by, instrument=instrument, **fields)


@transaction.atomic
def calibration_update(*, calibration: Calibration, by: User, reason: str = "", **fields) -> Calibration:
    from qms.services import child_update

    if refused := calibration.edit_refused():
        raise ValidationError(refused)
    merged = {f: getattr(calibration, f) for f in ("calibrated_on", "source", "performed_by", "lab")} | fields
    if merged["source"] == Source.EXTERNAL:
        fields["performed_by"] = merged["performed_by"] = None
    else:
        fields["lab"] = merged["lab"] = None
    errors = _calibration_problems(calibration.instrument, merged, exclude_pk=calibration.pk)
    if errors:
        raise ValidationError(errors)
    return child_update(child=calibration, by=by, reason=reason, **fields)


@transaction.atomic
def point_add(*, calibration: Calibration, by: User, **fields) -> MeasurementPoint:
    """A measurement point: nominal, limits, readings as found and as left."""
    fields.pop("plus_minus", None)
    lower, upper = fields.get("lower_limit"), fields.get("upper_limit")
    if lower is not None and upper is not None and lower > upper:
        raise ValidationError({"lower_limit": "The lower limit is above the upper limit."})
    return child_add(model=MeasurementPoint, by=by, calibration=calibration, **fields)


@transaction.atomic
def standard_add(*, calibration: Calibration, by: User, standard: Instrument, **ignored) -> ReferenceUse:
    """A reference standard the calibration was made against: never the instrument itself,
    directly or through a loop, and usable (calibrated, not suspect) on the calibration date."""
    instrument = calibration.instrument
    if standard.pk == instrument.pk:
        raise ValidationError({"standard": "An instrument cannot be its own reference standard."})
    if not standard.is_reference_standard:
        raise ValidationError(
            {
                "standard": f"{standard.tag} is not marked as a reference standard: a production gauge "
                "carries no traceable certificate for others (mark it first, if it is kept as one)."
            }
        )
    if instrument.pk in upstream_of({standard.pk}):
        raise ValidationError(
            {
                "standard": f"{standard.tag} was itself calibrated against {instrument.tag} (directly or "
                "through other standards): that loop proves nothing."
            }
        )
    if calibration.standards.filter(standard=standard).exists():
        raise ValidationError({"standard": "This standard is listed already."})
    refused = _usable_refusals(standard, calibration.calibrated_on)
    if refused:
        raise ValidationError({"standard": refused})
    return child_add(model=ReferenceUse, by=by, calibration=calibration, standard=standard)


@transaction.atomic
def certificate_add(*, calibration: Calibration, by: User, file, **ignored) -> CalibrationCertificate:
    return child_add(model=CalibrationCertificate, by=by, calibration=calibration, file=file)


def _ready(calibration: Calibration) -> str | None:
    points = list(calibration.points.all())
    if not points:
        return "Record at least one measurement point before completing the calibration."
    missing = [p for p in points if p.as_found is None]
    if missing:
        return f"Point “{missing[0]}” has no as-found reading."
    if calibration.source == Source.EXTERNAL and not calibration.certificate_number.strip():
        return "Give the laboratory's certificate number before completing the calibration."
    return None


INSTRUMENT_QUARANTINED = "calibration.instrument_quarantined"


@Instrument.workflow.on("quarantine", "found")
def _quarantined(instrument: Instrument, *, by: User, reason: str = "", **kwargs) -> None:
    """A quarantined gauge (by hand, found again, or failed as found) tells whoever subscribed:
    a system that plans measurements with it can stop."""
    events.publish(INSTRUMENT_QUARANTINED, instrument_id=instrument.pk, reason=reason)


@Calibration.workflow.on("complete")
def _completed(calibration: Calibration, *, by: User, **kwargs) -> None:
    """Completing judges every point as found and as left, sets the instrument's next due date,
    and on an as-found failure quarantines the instrument, opens its impact assessment, flags
    what was calibrated against it and tells whoever subscribed."""
    problem = _ready(calibration)
    if problem:
        raise TransitionError(problem)
    if calibration.calibrated_on > timezone.localdate():
        raise TransitionError("A calibration cannot be dated in the future.")
    for use in calibration.standards.select_related("standard"):
        refused = _usable_refusals(use.standard, calibration.calibrated_on)
        if refused:
            raise TransitionError(f"Reference standard {use.standard.tag}: {refused[0]}")
    points = list(calibration.points.all())
    calibration.as_found_ok = all(p.as_found_ok for p in points)
    calibration.as_left_ok = all(p.as_left_ok for p in points)
    instrument = Instrument.objects.select_for_update().get(pk=calibration.instrument_id)
    calibration.next_due = instrument.next_due_from(calibration.calibrated_on)
    calibration.completed_at = timezone.now()
    calibration.due_on = _was_due(instrument, calibration)
    latest = not instrument.last_calibrated_on or calibration.calibrated_on >= instrument.last_calibrated_on
    if latest:
        instrument.last_calibrated_on = calibration.calibrated_on
        instrument.due_date = calibration.next_due
        instrument.uses = 0
        instrument.suspect = False  # calibrated again against good standards
        history.save(
            instrument,
            by=by,
            reason=f"Calibrated on {calibration.calibrated_on:%-d %b %Y}: {calibration.result_label}",
        )
    if not calibration.as_found_ok:
        _out_of_tolerance(instrument, calibration, by=by)
    elif not calibration.as_left_ok and instrument.status == "in_service":
        transition(obj=instrument, name="take_out", by=by, reason="Left out of tolerance after calibration")


def _was_due(instrument: Instrument, calibration: Calibration) -> dt.date | None:
    """The due date a calibration answered (its "Was due", and whether it was on time): the next
    due date of the instrument's completed calibration before it. With none on record, the
    instrument's due date when it is the latest (an import's last calibration, or a new gauge's
    registration day, if it was calibrated on or after that day); a certificate dated before the
    gauge was registered answered none (neither on time nor late: not judged, ``JUDGED``)."""
    previous = (
        instrument.calibrations.filter(status="completed", calibrated_on__lt=calibration.calibrated_on)
        .exclude(pk=calibration.pk)
        .order_by("-calibrated_on", "-pk")
        .values_list("next_due", flat=True)
        .first()
    )
    if previous is not None:
        return previous
    last = instrument.last_calibrated_on
    if last is not None and calibration.calibrated_on >= last:
        return instrument.due_date
    if last is None and instrument.due_date and calibration.calibrated_on >= instrument.due_date:
        return instrument.due_date
    return None


def last_good_before(instrument: Instrument, day: dt.date, *, exclude_pk=None) -> Calibration | None:
    """The last completed calibration before ``day`` that left the instrument in tolerance."""
    return (
        instrument.calibrations.filter(status="completed", as_left_ok=True, calibrated_on__lte=day)
        .exclude(pk=exclude_pk)
        .order_by("-calibrated_on", "-pk")
        .first()
    )


def _out_of_tolerance(instrument: Instrument, calibration: Calibration, *, by: User) -> None:
    if instrument.status in ("in_service", "out_of_service"):
        transition(
            obj=instrument,
            name="quarantine",
            by=by,
            reason=f"Found out of tolerance on {calibration.calibrated_on:%-d %b %Y}",
        )
    good = last_good_before(instrument, calibration.calibrated_on, exclude_pk=calibration.pk)
    since = good.calibrated_on if good else None
    assessment = impact.assessment_open(
        instrument=instrument, calibration=calibration, since=since, until=calibration.calibrated_on, by=by
    )
    events.publish("calibration.out_of_tolerance", instrument_id=instrument.pk, event_id=calibration.pk)
    impact.cascade(
        standard=instrument, since=since, until=calibration.calibrated_on, origin=assessment, by=by
    )


def require_keeper(by: User, instrument: Instrument) -> None:
    if not access.can_change(by, instrument):
        raise PermissionDenied("You may not change this instrument.")
