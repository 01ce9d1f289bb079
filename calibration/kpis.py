"""KPIs of the calibration module for management review (9.3.2 c, monitoring and measurement
results; 7.1.3 for maintenance), per period and, given one, per department:

- Calibrations on time: the share of calibrations completed in the period that were done by the
  date they were due (of those that had one: an instrument's first calibration is not judged).
- Instruments overdue: instruments in use whose calibration had lapsed at the end of the period.
- Out-of-tolerance findings: calibrations in the period that found the instrument out of
  tolerance as found.
- Maintenance postponements: postponements of preventive maintenance approved in the period.
"""

from __future__ import annotations

import bisect
import datetime as dt
from urllib.parse import urlencode

from django.db.models import Max
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from qms import kpis

from .models import Calibration, Instrument, Postponement
from .models.calibrations import JUDGED, ON_TIME

IDLE = ("retired", "lost", "out_of_service")


def _calibrations(subject=None):
    found = Calibration.objects.filter(status="completed")
    return found.filter(instrument__department=subject) if subject is not None else found


def on_time_values(periods, subject=None):
    """Of the calibrations that had a due date, the share done by it: a first calibration, due on
    no date, counts neither as on time nor as late."""
    return kpis.share(_calibrations(subject).filter(JUDGED), "calibrated_on", periods, ON_TIME)


def oot_values(periods, subject=None):
    return kpis.counted(_calibrations(subject).filter(as_found_ok=False), "calibrated_on", periods)


def postponement_values(periods, subject=None):
    found = Postponement.objects.filter(status="approved")
    if subject is not None:
        found = found.filter(plan__machine__department=subject)
    return kpis.counted(found, "requested_on", periods)


def overdue_values(periods, subject=None) -> list[int]:
    """Instruments in use at the end of each period whose last calibration by then was due before
    it (or that had none): how many ``overdue_ids`` finds."""
    return [len(ids) for ids in overdue_ids(periods, subject)]


def overdue_on(day: dt.date) -> list[int]:
    """The instruments the figure counts on ``day`` (its period's last day, today for the month
    still running): the register's "Overdue on" filter, so a past month's point opens the
    instruments it counted, not today's."""
    return overdue_ids([kpis.Period(day, day)])[0]


def overdue_ids(periods, subject=None) -> list[list[int]]:
    """For each period, the instruments in use at its end whose last calibration by then was due
    before it (or that had none). Two reads for every period: the instruments, and their completed
    calibrations (when each was done and when the next was due); each period is judged here."""
    if not periods:
        return []
    last = max(p.end for p in periods)
    found = Instrument.objects.exclude(status__in=IDLE).filter(created_at__date__lte=last)
    if subject is not None:
        found = found.filter(department=subject)
    instruments = list(found.values_list("pk", TruncDate("created_at"), "due_date"))
    # Per instrument: the latest next-due date of its completed calibrations by each day they were
    # done, those before the first period folded into one (the database's MAX) on the day before.
    first = min(p.start for p in periods)
    completed = Calibration.objects.filter(instrument__in=found, status="completed")
    done: dict[int, tuple[list, list]] = {
        pk: ([first - dt.timedelta(days=1)], [latest])
        for pk, latest in completed.filter(calibrated_on__lt=first)
        .values("instrument_id")
        .annotate(latest=Max("next_due"))
        .values_list("instrument_id", "latest")
    }
    for instrument_id, calibrated_on, next_due in (
        completed.filter(calibrated_on__range=(first, last))
        .order_by("instrument_id", "calibrated_on")
        .values_list("instrument_id", "calibrated_on", "next_due")
    ):
        dates, latest = done.setdefault(instrument_id, ([], []))
        before = latest[-1] if latest else None
        dates.append(calibrated_on)
        latest.append(before if next_due is None or (before is not None and before >= next_due) else next_due)
    # An instrument in use before the first period and not calibrated during them stands on one
    # date throughout: its last calibration's next due date, else its own due date; never
    # calibrated, it is overdue from the start whatever due date it was given (as the register
    # reads it). Each period takes those by bisecting, and judges the others one by one.
    steady, changing = [], []
    for pk, created_on, due_date in instruments:
        dates, latest = done.get(pk, ((), ()))
        if created_on < first and (not dates or dates[-1] < first):
            standing = (latest[0] if latest[0] is not None else due_date) if latest else None
            steady.append((dt.date.min if standing is None else standing, pk))
        else:
            changing.append((pk, created_on, due_date, dates, latest))
    steady.sort()
    standings = [standing for standing, _ in steady]
    today = timezone.localdate()
    out = []
    for period in periods:
        # The current month is judged as of today: what falls due later this month is not overdue yet.
        end = min(period.end, today)
        ids = [pk for _, pk in steady[: bisect.bisect_left(standings, end)]]
        for pk, created_on, due_date, dates, latest in changing:
            if created_on > period.end:
                continue
            i = bisect.bisect_right(dates, period.end)
            last_due = latest[i - 1] if i else None
            if not i:  # not calibrated by then
                ids.append(pk)
            elif last_due is None:
                if due_date is None or due_date < end:
                    ids.append(pk)
            elif last_due < end:
                ids.append(pk)
        out.append(ids)
    return out


def _one(values):
    return lambda period, subject=None: values([period], subject)[0]


def overdue_url(period: kpis.Period, subject=None) -> str:
    """The instruments the figure counted on the period's last day (today for the month still
    running), of the department given one."""
    query = urlencode({"overdue_on": period.judged_on()})
    return kpis.records_url(reverse("calibration:instrument_list") + "?" + query, subject)


def _calibrations_url(period, subject=None, **narrowed) -> str:
    """The register of calibrations narrowed to those a figure counted: completed, calibrated in
    the period, of the department's instruments (``_calibrations``)."""
    query = {"status": "completed", "calibrated_from": period.start, "calibrated_to": period.end, **narrowed}
    return kpis.records_url(reverse("calibration:calibration_register") + "?" + urlencode(query), subject)


def on_time_url(period, subject=None) -> str:
    """Every calibration the share is of (those with a due date), each saying whether it was on
    time."""
    return _calibrations_url(period, subject, on_time="due")


def oot_url(period, subject=None) -> str:
    """The calibrations of the period that found the instrument out of tolerance as found (each
    page names the impact assessment it opened)."""
    return _calibrations_url(period, subject, as_found="out")


def postponements_url(period, subject=None) -> str:
    """The postponements counted: approved, asked for in the period, of the department's machines;
    a machine postponed twice is two rows."""
    query = {"status": "approved", "requested_from": period.start, "requested_to": period.end}
    return kpis.records_url(reverse("calibration:postponement_register") + "?" + urlencode(query), subject)


MEASURES = [
    kpis.Measure(
        "calibration.on_time",
        "Calibrations on time",
        "%",
        _one(on_time_values),
        subject="department",
        clause="7.1.5",
        values=on_time_values,
        url=on_time_url,
    ),
    kpis.Measure(
        "calibration.overdue",
        "Instruments overdue for calibration",
        "count",
        _one(overdue_values),
        better="lower",
        subject="department",
        clause="7.1.5",
        values=overdue_values,
        url=overdue_url,
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
        url=oot_url,
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
        url=postponements_url,
    ),
]
