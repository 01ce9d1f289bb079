"""The kernel gates this module answers, on a date:

- ``instrument_usable``: was this instrument usable for measuring on that date? Calibrated, not
  overdue, not out of service, quarantined, retired, lost or suspect.
- ``measurements_stand``: do these measurements (a lot's, by the names it goes by and the gauges
  its inspections used on their dates) stand after the gauges' out-of-tolerance impact
  assessments? Not while an assessment holds, recalls or re-inspects them, has not decided them,
  or covers a date a gauge measured on without listing them.
- ``maintenance_in_order``: was this machine's preventive maintenance in order on that date? In
  service, no active plan overdue (by date or by counter), and none running on a postponement
  (approved, but "postponed maintenance is a cause waiting to happen": the story's fifth gap).

A date before today is judged as things stood at the end of that day (from the history)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Func, Value
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from qms import gates
from qms.scoped import read_once

from .models import AffectedItem, ImpactAssessment, Instrument, Machine, MaintenancePlan, Postponement
from .models.impact import Cause, Decision

STATE_SENTENCES = {
    "out_of_service": "is out of service",
    "quarantined": "is quarantined",
    "retired": "is retired",
    "lost": "is reported lost",
}


def _as_of(obj, day: dt.date):
    """``obj`` as it stood at the end of ``day``: itself for today or later; for a day before it
    entered the register (an instrument imported with its past calibrations), as it entered it,
    never as it is today (a gauge quarantined this morning was not quarantined last month)."""
    if day >= timezone.localdate():
        return obj
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    row = obj.history.filter(history_date__lt=end).order_by("-history_date", "-history_id").first()
    if row is None:  # read once for a lot's many days
        first = read_once(obj.history.order_by("history_date", "history_id")[:1])
        row = first[0] if first else None
    return row.instance if row is not None else obj


def _instrument(value) -> Instrument:
    return value if isinstance(value, Instrument) else Instrument.objects.get(pk=value)


def instrument_usable(*, on: dt.date, instrument) -> list[gates.Refusal]:
    """Gate ``instrument_usable``: the instrument's state and calibration on that date."""
    current = _instrument(instrument)
    url = current.get_absolute_url()
    then = _as_of(current, on)
    name = f"{current.tag} {current.title}"
    refusals = []
    if then.status in STATE_SENTENCES:
        refusals.append(gates.Refusal(f"{name} {STATE_SENTENCES[then.status]} ({on:%-d %b %Y}).", url))
    if current.suspect or then.suspect:
        refusals.append(
            gates.Refusal(f"The calibration of {name} is suspect: its reference standard failed.", url)
        )
    calibration = (
        current.calibrations.filter(status="completed", calibrated_on__lte=on)
        .order_by("-calibrated_on", "-pk")
        .first()
    )
    if calibration is None:
        refusals.append(gates.Refusal(f"{name} had not been calibrated by {on:%-d %b %Y}.", url))
    elif calibration.next_due and calibration.next_due < on:
        refusals.append(
            gates.Refusal(f"{name} was overdue for calibration since {calibration.next_due:%-d %b %Y}.", url)
        )
    elif not calibration.as_left_ok:
        refusals.append(
            gates.Refusal(f"{name} was left out of tolerance on {calibration.calibrated_on:%-d %b %Y}.", url)
        )
    if then.usage_limit and then.uses >= then.usage_limit:
        refusals.append(gates.Refusal(f"{name} reached its {then.usage_limit} uses since calibration.", url))
    return refusals


# What a decision on an affected item means for its measurements: None, they stand.
_DECISION_SENTENCES = {
    Decision.PENDING: "waits for a decision",
    Decision.HOLD: "is on hold",
    Decision.REINSPECT: "is to be re-inspected (a re-inspection accepted since settles it)",
    Decision.RECALL: "is recalled",
    Decision.NO_IMPACT: None,
    Decision.NOTIFY: None,
}


# "Lot 24-1203", "lot no. 24-1203", "Lot: 24-1203" and "24-1203" name the same lot.
_LOT_WORD = r"^lot\s*(no\.?|number|#)?\s*[:#-]?\s*"


def _name(reference) -> Func:
    """How an affected item names what it is about, compared without case, outer spaces or a
    leading "Lot" (``_LOT_WORD``): an item typed by hand as "Lot 24-1203" names lot 24-1203."""
    return Func(Lower(Trim(reference)), Value(_LOT_WORD), Value(""), function="regexp_replace")


def _normal(name: str) -> str:
    return re.sub(_LOT_WORD, "", name.strip().lower())


def _found(a: ImpactAssessment) -> str:
    """What the assessment is about, in a sentence's words."""
    if a.cause == Cause.SUSPECT:
        return f"{a.instrument.tag}'s calibration became suspect on {a.period_to:%-d %b %Y}"
    return f"{a.instrument.tag} was found out of tolerance on {a.period_to:%-d %b %Y}"


def measurements_stand(
    *, on: dt.date, names, uses, reinspected: dt.date | None = None
) -> list[gates.Refusal]:
    """Gate ``measurements_stand``: ``names`` are what the measurements go by as a whole (a lot's
    number and reference), ``uses`` the (instrument or id, date, reference) of each measurement
    (a gauge on an inspection), ``reinspected`` the date the lot was last re-inspected and
    accepted, if it was. Refused for each affected item naming them that is undecided, on hold,
    recalled, or to be re-inspected (unless re-inspected since the finding), and for each use on
    a date an assessment of its instrument covers (since the last good calibration until the
    finding) that names neither it nor the whole. Asked of a day, only what had been found by then
    counts (a lot shipped on 10 Nov did not wait for a gauge found out of tolerance on 3 Dec). Two
    queries."""
    subject = {"names": names, "uses": uses, "reinspected": reinspected}
    return measurements_stand_each(on=on, subjects={0: subject})[0]


def measurements_stand_each(*, on: dt.date, subjects: dict) -> dict:
    """The gate for many subjects ({key: {names, uses, reinspected}}: a shipment's lots) in one
    reading: the items naming any of them and the assessments of any of their gauges, then each
    subject judged on its own. Two queries, however many subjects."""
    asked = {}
    for key, s in subjects.items():
        uses = [(getattr(i, "pk", i), day, reference) for i, day, reference in s["uses"]]
        whole = {_normal(n) for n in s["names"] if n and n.strip()}
        wanted = whole | {_normal(reference) for _, _, reference in uses if reference}
        asked[key] = (whole, wanted, uses, s.get("reinspected"))
    items = list(
        AffectedItem.objects.annotate(named=_name("reference"))
        .filter(named__in=set().union(*(w for _, w, _, _ in asked.values())), assessment__period_to__lte=on)
        .select_related("assessment__instrument")
        .order_by("assessment__reference", "pk")
    )
    instruments = {pk for _, _, uses, _ in asked.values() for pk, _, _ in uses}
    assessments = list(
        ImpactAssessment.objects.filter(instrument_id__in=instruments, period_to__lte=on).select_related(
            "instrument"
        )
    )
    return {
        key: _judged([i for i in items if i.named in wanted], assessments, whole, uses, reinspected)
        for key, (whole, wanted, uses, reinspected) in asked.items()
    }


def _judged(items, assessments, whole, uses, reinspected) -> list[gates.Refusal]:
    """``measurements_stand`` of one subject, from the items naming it and the assessments read."""
    refusals = []
    for item in items:
        a = item.assessment
        sentence = _DECISION_SENTENCES.get(item.decision)
        settled = (
            item.decision == Decision.REINSPECT and reinspected is not None and reinspected >= a.period_to
        )
        if sentence is None or settled:
            continue
        why = f": {item.reason}" if item.reason and item.decision else ""
        closed = f" ({a.reference} is closed: reopen it to change the decision)" if a.is_closed else ""
        refusals.append(
            gates.Refusal(
                f"{a.reference} ({_found(a)}): {item} {sentence}{why}{closed}",
                a.get_absolute_url() + "#items",
            )
        )
    named = {(item.assessment_id, item.named) for item in items}
    for a in assessments:
        covered = sorted(
            day
            for pk, day, reference in uses
            if pk == a.instrument_id
            and (a.period_from or day) <= day <= a.period_to
            and not any((a.pk, n) in named for n in (*whole, _normal(reference or "")))
        )
        if covered:
            refusals.append(
                gates.Refusal(
                    f"{a.reference}: {_found(a)}; its measurement of {covered[0]:%-d %b %Y} is not assessed.",
                    a.get_absolute_url() + "#items",
                )
            )
    return refusals


measurements_stand.each = measurements_stand_each


def maintenance_in_order(*, on: dt.date, machine) -> list[gates.Refusal]:
    """Gate ``maintenance_in_order``: the machine in service and none of its active plans overdue
    on that date, nor waiting past its due date on an approved postponement."""
    current = machine if isinstance(machine, Machine) else Machine.objects.get(pk=machine)
    url = current.get_absolute_url()
    then = _as_of(current, on)
    name = f"{current.asset_number} {current.title}"
    refusals = []
    if then.status != "in_service":
        refusals.append(
            gates.Refusal(f"{name} was {then.get_status_display().lower()} on {on:%-d %b %Y}.", url)
        )
    # The postponed dates, each with the postponement that set it (once for a lot's days).
    postponed = {
        (p.plan_id, p.new_due): p
        for p in read_once(
            Postponement.objects.filter(plan__machine=current, status="approved").order_by("pk")
        )
    }
    for plan in read_once(
        MaintenancePlan.objects.filter(machine=current).order_by("pk")
    ):  # once for a lot's days
        was = _as_of(plan, on)
        if was.status != "active":
            continue
        if was.next_due < on:
            refusals.append(
                gates.Refusal(f"{name}: {was.name} was overdue since {was.next_due:%-d %b %Y}.", url)
            )
        elif was.next_due_counter is not None and then.counter_value >= was.next_due_counter:
            refusals.append(
                gates.Refusal(
                    f"{name}: {was.name} was due at {was.next_due_counter} "
                    f"{current.get_counter_unit_display()} (read {then.counter_value}).",
                    url,
                )
            )
        elif (p := postponed.get((plan.pk, was.next_due))) is not None and p.original_due < on:
            refusals.append(
                gates.Refusal(
                    f"{name}: {was.name} ran on a postponement (due {p.original_due:%-d %b %Y}, "
                    f"postponed to {p.new_due:%-d %b %Y}).",
                    url,
                )
            )
    return refusals


ANSWERS = {
    "instrument_usable": instrument_usable,
    "measurements_stand": measurements_stand,
    "maintenance_in_order": maintenance_in_order,
}
