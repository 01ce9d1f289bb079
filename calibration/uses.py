"""The where-used answer this module gives: what was calibrated against a reference standard in
a period (an out-of-tolerance standard asks it; so does its impact assessment)."""

from __future__ import annotations

from qms.access import restrict
from qms.whereused import Use

from .models import Calibration, Instrument


def calibrated_against(standard: Instrument, *, date_from, date_to, user) -> list[Use]:
    """Where-used: the completed calibrations made against the standard in the period, as far
    as the user may see."""
    found = Calibration.objects.filter(
        standards__standard=standard, status="completed", calibrated_on__lte=date_to
    )
    if date_from is not None:
        found = found.filter(calibrated_on__gte=date_from)
    found = restrict(found, user).select_related("instrument")
    return [
        Use(
            c.calibrated_on,
            "Calibrated against it",
            c.instrument.tag,
            c.instrument.title,
            c.get_absolute_url(),
            c,
        )
        for c in found.order_by("calibrated_on", "pk")
    ]
