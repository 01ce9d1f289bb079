"""KPIs of the calibration module for management review (9.3.2 c, monitoring and measurement
results; 7.1.3 for maintenance), per period and, given one, per department:

- Calibrations on time: the share of calibrations completed in the period that were done by the
  date they were due.
- Instruments overdue: instruments in use whose calibration had lapsed at the end of the period.
- Out-of-tolerance findings: calibrations in the period that found the instrument out of
  tolerance as found.
- Maintenance postponements: postponements of preventive maintenance approved in the period.
"""

from __future__ import annotations

from django.db.models import F, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from qms import kpis

from .models import Calibration, Instrument, Postponement

IDLE = ("retired", "lost", "out_of_service")


def _calibrations(subject=None):
    found = Calibration.objects.filter(status="completed")
    return found.filter(instrument__department=subject) if subject is not None else found


def on_time_values(periods, subject=None):
    return kpis.share(
        _calibrations(subject),
        "calibrated_on",
        periods,
        Q(due_on__isnull=True) | Q(calibrated_on__lte=F("due_on")),
    )


def oot_values(periods, subject=None):
    return kpis.counted(_calibrations(subject).filter(as_found_ok=False), "calibrated_on", periods)


def postponement_values(periods, subject=None):
    found = Postponement.objects.filter(status="approved")
    if subject is not None:
        found = found.filter(plan__machine__department=subject)
    return kpis.counted(found, "requested_on", periods)


def overdue(period: kpis.Period, subject=None) -> int:
    """Instruments in use at the end of the period whose last calibration by then was due before
    it (or that had none)."""
    last_due = Subquery(
        Calibration.objects.filter(
            instrument=OuterRef("pk"), status="completed", calibrated_on__lte=period.end
        )
        .values("instrument")
        .annotate(m=Max("next_due"))
        .values("m")[:1]
    )
    found = Instrument.objects.exclude(status__in=IDLE).filter(created_at__date__lte=period.end)
    if subject is not None:
        found = found.filter(department=subject)
    # The current month is judged as of today: what falls due later this month is not overdue yet.
    end = min(period.end, timezone.localdate())
    found = found.annotate(last_due=last_due)
    never = Q(last_due__isnull=True) & (Q(due_date__isnull=True) | Q(due_date__lt=end))
    return found.filter(Q(last_due__lt=end) | never).count()


def _one(values):
    return lambda period, subject=None: values([period], subject)[0]


def _register(standing: str):
    return lambda period, subject=None: reverse("calibration:instrument_list") + f"?standing={standing}"


MEASURES = [
    kpis.Measure(
        "calibration.on_time",
        "Calibrations on time",
        "%",
        _one(on_time_values),
        subject="department",
        clause="7.1.5",
        values=on_time_values,
    ),
    kpis.Measure(
        "calibration.overdue",
        "Instruments overdue for calibration",
        "count",
        overdue,
        better="lower",
        subject="department",
        clause="7.1.5",
        url=_register("overdue"),
    ),
    kpis.Measure(
        "calibration.out_of_tolerance",
        "Out-of-tolerance findings (as found)",
        "count",
        _one(oot_values),
        better="lower",
        subject="department",
        clause="7.1.5",
        values=oot_values,
        url=lambda period, subject=None: reverse("calibration:impactassessment_list"),
    ),
    kpis.Measure(
        "calibration.postponements",
        "Maintenance postponements",
        "count",
        _one(postponement_values),
        better="lower",
        subject="department",
        clause="7.1.3",
        values=postponement_values,
        url=lambda period, subject=None: reverse("calibration:machine_list"),
    ),
]
