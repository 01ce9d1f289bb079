"""Release of a production lot (ISO 9001 8.6): the seven checks of the story in DOMAIN.md, each
asked on the lot's own dates. Five go through the kernel's gates and are answered by the module
that knows (suppliers, document control, training, calibration); a gate no installed module
answers shows "not checked". The schedule and the sampling are this module's own.

Release is refused while a check has a finding that no deviation accepted by the quality manager
covers; a deviation covers the finding it was signed for, word for word, so a new finding needs
a new deviation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils import timezone

from qms import gates

from .models import ProductionLot, ReleaseDeviation, ShipmentLine


@dataclass(frozen=True, slots=True)
class Finding:
    message: str
    url: str = ""
    checked: bool = True


@dataclass
class Check:
    key: str
    number: int
    title: str
    why: str
    fix: str  # what to do about a finding
    findings: list[Finding] = field(default_factory=list)
    deviation: ReleaseDeviation | None = None

    @property
    def text(self) -> str:
        """The findings as one text: what a deviation signs."""
        return "\n".join(f.message for f in self.findings if f.checked)

    @property
    def state(self) -> str:
        """clear, failed, accepted (a deviation covers it) or not_checked."""
        real = [f for f in self.findings if f.checked]
        if real:
            return "accepted" if self.deviation is not None else "failed"
        if self.findings:
            return "not_checked"
        return "clear"

    @property
    def blocks(self) -> bool:
        return self.state == "failed"

    def as_snapshot(self) -> dict:
        return {
            "key": self.key,
            "number": self.number,
            "title": self.title,
            "state": self.state,
            "findings": [{"message": f.message, "url": f.url, "checked": f.checked} for f in self.findings],
            "deviation": self.deviation.pk if self.deviation else None,
        }


CHECKS = (
    (
        "supplier_change",
        "Supplier changes evaluated",
        "Material changed by a supplier must be evaluated before it is used (8.4).",
        "Evaluate the supplier's change notification, or accept the deviation.",
    ),
    (
        "drawing",
        "Effective drawing revision, read by the operators",
        "Work to an old drawing is the most common way a good shop ships bad parts (7.5.3).",
        "Rework to the effective revision, or have the operators acknowledge it.",
    ),
    (
        "schedule",
        "Schedule changes recorded and approved",
        "A date changed informally leaves planning and the customer out of step (8.5.6).",
        "Record the change of date on the lot and have it approved.",
    ),
    (
        "competence",
        "Operators and inspectors competent",
        "Only a qualified person may perform or sign off the work (7.2).",
        "Have a qualified person do or sign off the work, or record the training.",
    ),
    (
        "maintenance",
        "Machine maintenance in order",
        "Postponed maintenance is a cause waiting to happen (7.1.3).",
        "Carry out the overdue maintenance, or accept the deviation.",
    ),
    (
        "gauges",
        "Gauges usable on the inspection date",
        "A measurement with an overdue, quarantined or suspect gauge proves nothing (7.1.5).",
        "Re-inspect with a calibrated gauge.",
    ),
    (
        "sampling",
        "Sample size and plan as ISO 2859-1 requires",
        "Two parts out of a lot of 100,000 tell nothing about the lot (8.6, ISO 2859-1).",
        "Inspect the sample the plan requires, or re-assess the plan.",
    ),
)
CHECK_TITLES = {key: title for key, title, _, _ in CHECKS}


def _gate(name: str, *, on: dt.date, **subject) -> list[Finding]:
    return [Finding(r.message, r.url, r.checked) for r in gates.check(name, on=on, **subject)]


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f.message not in seen:
            seen.add(f.message)
            out.append(f)
    # A gate that could not answer once could not answer at all: say it once, after real findings.
    return sorted(out, key=lambda f: not f.checked)


def _supplier_changes(lot, days) -> list[Finding]:
    found = []
    for use in lot.materials.all():
        for day in days:
            found += _gate(
                "supplier_change_open",
                on=day,
                supplier=use.receipt.supplier,
                part=use.receipt.part_number,
                delivered_on=use.receipt.received_on,  # material received before a change is not of it
            )
    return found


def _drawing(lot, days) -> list[Finding]:
    people = [o.person_id for o in lot.operators.all()]
    found = []
    for day in days:
        found += _gate("revision_effective", on=day, revision=lot.drawing_revision, people=people)
    return found


def _schedule(lot) -> list[Finding]:
    """Proposed changes not yet approved, and any change of a planned date the lot's history shows
    that no approved schedule change records."""
    url = lot.get_absolute_url() + "#schedule"
    found = []
    approved = set()
    for change in lot.schedule_changes.all():
        if change.status == "proposed":
            found.append(Finding(f"Schedule change “{change}” awaits approval.", url))
        elif change.status == "approved":
            approved.add((change.field, change.old_date, change.new_date))
    history = list(
        lot.history.order_by("history_date", "history_id").values(
            "delivery_date", "planned_finish", "history_date"
        )
    )
    for name, label in (
        ("delivery_date", "customer delivery date"),
        ("planned_finish", "planned completion"),
    ):
        for before, after in zip(history, history[1:], strict=False):
            old, new = before[name], after[name]
            if old is not None and old != new and (name, old, new) not in approved:
                when = after["history_date"]
                found.append(
                    Finding(
                        f"The {label} changed from {old:%-d %b %Y} to "
                        f"{new:%-d %b %Y} on {when:%-d %b %Y} without an approved schedule change."
                        if new
                        else f"The {label} {old:%-d %b %Y} was removed without an approved schedule change.",
                        url,
                    )
                )
    return found


def _competence(lot, days) -> list[Finding]:
    found = []
    operators = list(lot.operators.all())
    if operators and lot.competence_id is None:
        found.append(
            Finding("No competence is named for the work of this lot: operators not checked.", checked=False)
        )
    elif lot.competence_id:
        for op in operators:
            for day in days:
                found += _gate("competence", on=day, person=op.person, competence=lot.competence)
    for inspection in lot.inspections.all():
        # Signing off is a competence of the inspection's own process (the plan's: final
        # inspection), else of the process that made the lot.
        process = inspection.plan.process or lot.process
        if process is None:
            found.append(
                Finding(
                    "No process is named for this lot or its inspection plan: inspectors not checked.",
                    checked=False,
                )
            )
            break
        if "inspection_signoff" in {g.name for g, _ in gates.catalogue()}:  # declared by training
            found += _gate(
                "inspection_signoff",
                on=inspection.inspected_on,
                person=inspection.inspector,
                process=process,
            )
    return found


def _maintenance(lot, days) -> list[Finding]:
    if lot.machine_id is None:
        return [Finding("No machine is named for this lot.", checked=False)]
    found = []
    for day in days:
        found += _gate("maintenance_in_order", on=day, machine=lot.machine)
    return found


def _gauges(lot) -> list[Finding]:
    """Each gauge usable on its inspection's date, and what the gauges measured not held,
    recalled, to be re-inspected or undecided by an out-of-tolerance assessment. An inspection
    the lot was re-inspected after, and accepted on, no longer counts (the fix this check names)."""
    inspections = list(lot.inspections.all())
    in_force = [i for i in inspections if not _accepted_on_reinspection(i, inspections)]
    found = []
    for inspection in in_force:
        for use in inspection.gauges.all():
            found += _gate("instrument_usable", on=inspection.inspected_on, instrument=use.instrument)
    return found + _measurements(lot, inspections, in_force)


def _measurements(lot, inspections, in_force) -> list[Finding]:
    """What the out-of-tolerance assessments of the lot's gauges decided of its measurements."""
    if not inspections:
        return []
    return _gate("measurements_stand", on=timezone.localdate(), **_measured(lot, inspections, in_force))


def _measured(lot, inspections, in_force) -> dict:
    """The lot's measurements as the ``measurements_stand`` gate asks of them."""
    uses = [(use.instrument_id, i.inspected_on, i.reference) for i in in_force for use in i.gauges.all()]
    again = [i.inspected_on for i in inspections if not i.original and i.status == "accepted"]
    names = [lot.lot_number, lot.reference, *lot.shipped_as]
    return {"names": names, "uses": uses, "reinspected": max(again, default=None)}


def _accepted_on_reinspection(rejected, inspections) -> bool:
    """The lot was resubmitted after ``rejected`` and accepted on re-inspection at the same stage
    (ISO 2859-1: a resubmitted lot is inspected again; the rejection stays on its record)."""
    return any(
        not i.original
        and i.status == "accepted"
        and i.stage == rejected.stage
        and (i.inspected_on, i.pk) > (rejected.inspected_on, rejected.pk)
        for i in inspections
    )


def _sampling(lot) -> list[Finding]:
    found = []
    inspections = list(lot.inspections.all())
    finals = [i for i in inspections if i.stage == "final"]
    if not finals:
        found.append(
            Finding("No final inspection of this lot is recorded.", lot.get_absolute_url() + "#inspections")
        )
    for i in inspections:
        url = i.get_absolute_url()
        if i.below_sample:
            found.append(
                Finding(
                    f"{i.reference}: {i.sample_size} inspected of a lot of {i.lot_size:,}; "
                    f"ISO 2859-1 requires {i.required_sample} ({i.plan_text()}).",
                    url,
                )
            )
        if i.status == "open" and i.stage == "final":
            found.append(Finding(f"{i.reference} is not decided yet.", url))
        if i.status == "rejected" and not _accepted_on_reinspection(i, inspections):
            found.append(Finding(f"{i.reference} rejected the lot.", url))
        plan = i.plan
        change = plan.pending_change(list(plan.changes.all()))
        if change is not None:
            found.append(
                Finding(
                    f"Sampling of {plan.reference} not re-assessed since {change.changed_on:%-d %b %Y} "
                    f"({change.get_kind_display().lower()}: {change.what}).",
                    plan.get_absolute_url() + "#changes",
                )
            )
        if plan.discontinued:
            found.append(
                Finding(
                    f"Acceptance inspection under {plan.reference} is discontinued (ISO 2859-1, 9.4).",
                    plan.get_absolute_url(),
                )
            )
    return found


def _loaded(lot: ProductionLot) -> ProductionLot:
    """The lot with everything its checks read, read once while a page that changes nothing is
    answered (its checks and what holds it read the same rows)."""
    return _loaded_each([lot.pk])[0]


def _loaded_each(pks: list[int]) -> list[ProductionLot]:
    """``_loaded`` of several lots (a shipment's), those not read yet in one reading."""
    from qms.scoped import read_only

    def load(keys: list) -> dict:
        lots = (
            ProductionLot.objects.select_related(
                "drawing_revision__document", "competence", "machine", "process"
            )
            .prefetch_related(
                "operators__person",
                "materials__receipt__supplier",
                "schedule_changes",
                "inspections__gauges__instrument",
                "inspections__plan__changes",
                "inspections__plan__process",
                "inspections__inspector",
                "deviations",
            )
            # The shipments that carried it: a recall decided for a shipment is one for its lots.
            .annotate(
                shipped_as=ArraySubquery(
                    ShipmentLine.objects.filter(lot=OuterRef("pk")).values("shipment__reference")
                )
            )
            .in_bulk([pk for _, pk in keys])
        )
        return {key: lots[key[1]] for key in keys}

    return read_only.get_many([("release_lot", pk) for pk in pks], load)


def held(lot: ProductionLot) -> list[Finding]:
    """What keeps the lot from release and from delivery whatever a deviation says: an NCR on
    the lot, one of its inspections or the material it was made from that has no disposition
    yet (8.7; its disposition is the decision, a concession included), and, once released, what
    an out-of-tolerance assessment decided of its measurements since (held, recalled, to be
    re-inspected or undecided). Only what a module could answer: no module, nothing held."""
    return held_each([lot.pk])[lot.pk]


def held_each(pks) -> dict[int, list[Finding]]:
    """``held`` of each of several lots (a shipment's lines), by id: the lots read together and
    each gate asked once for all of them, so a page of many lots runs each statement once."""
    lots = _loaded_each(list(dict.fromkeys(pks)))
    today = timezone.localdate()
    undecided, measured = {}, {}
    for lot in lots:
        inspections = list(lot.inspections.all())
        records = [lot, *inspections, *(use.receipt for use in lot.materials.all())]
        undecided[lot.pk] = {"records": records, "names": [lot.lot_number, lot.reference]}
        if lot.status in ("released", "shipped") and inspections:
            in_force = [i for i in inspections if not _accepted_on_reinspection(i, inspections)]
            measured[lot.pk] = _measured(lot, inspections, in_force)
    refusals = gates.check_each("nonconformity_undecided", on=today, subjects=undecided)
    stand = gates.check_each("measurements_stand", on=today, subjects=measured) if measured else {}
    found = {}
    for lot in lots:
        answers = [*refusals[lot.pk], *stand.get(lot.pk, ())]
        findings = [Finding(r.message, r.url, r.checked) for r in answers]
        found[lot.pk] = [f for f in _unique(findings) if f.checked]
    return found


def checks_for(lot: ProductionLot) -> list[Check]:
    """The seven release checks of a lot, as things stand now on the lot's own dates."""
    lot = _loaded(lot)
    days = lot.production_days
    found = {
        "supplier_change": _supplier_changes(lot, days),
        "drawing": _drawing(lot, days),
        "schedule": _schedule(lot),
        "competence": _competence(lot, days),
        "maintenance": _maintenance(lot, days),
        "gauges": _gauges(lot),
        "sampling": _sampling(lot),
    }
    deviations = {}
    for d in lot.deviations.all():
        deviations[(d.check_key, d.finding)] = d
    checks = []
    for number, (key, title, why, fix) in enumerate(CHECKS, start=1):
        check = Check(key, number, title, why, fix, _unique(found[key]))
        check.deviation = deviations.get((key, check.text)) if check.text else None
        checks.append(check)
    return checks


def checks_now(lot: ProductionLot) -> list[Check]:
    """``checks_for(lot)``, worked out once while a page that changes nothing is answered (the
    lot's page shows them, and its deviation form offers the refused ones)."""
    from qms.scoped import read_only

    return read_only.get(("release_checks", lot.pk), lambda: checks_for(lot))
