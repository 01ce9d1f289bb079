"""Reads of the calibration module: what an instrument's, a standard's and a machine's page
show, the suspect chain, the charts' figures. Everything through ``restrict`` with the reader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from qms import gates
from qms.access import restrict
from qms.charts import bar_chart
from qms.kpis import Period
from qms.scoped import read_once

from .models import Calibration, ImpactAssessment, Instrument, MaintenancePlan, Postponement


def accreditation(lab, on: dt.date | None = None):
    """The laboratory's ISO/IEC 17025 accreditation current on the date (None when it holds none):
    read from the supplier's certificates."""
    if lab is None:
        return None
    on = on or timezone.localdate()
    return (
        lab.certificates.filter(kind="iso17025", status="current", issued_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .order_by("-expires_on")
        .first()
    )


@dataclass
class Node:
    """One instrument in a suspect chain: its assessment, what it measured, and what was in turn
    calibrated against it."""

    assessment: ImpactAssessment
    children: list[Node] = field(default_factory=list)


def chain(standard: Instrument, user, roots: list[ImpactAssessment] | None = None) -> list[Node]:
    """The suspect chain below a standard: standard → instruments calibrated against it since
    its last good calibration → what they measured, level by level (one query per level). The
    standard's own assessments the user may read, newest first, are ``roots`` when the caller has
    read them already."""
    if roots is None:
        own = restrict(ImpactAssessment.objects.filter(instrument=standard), user)
        roots = list(own.order_by("-created_at"))
    nodes = {a.pk: Node(a) for a in roots}
    level = list(nodes)
    while level:
        below = list(
            restrict(ImpactAssessment.objects.filter(origin_id__in=level), user)
            .select_related("instrument")
            .prefetch_related("items")
            .order_by("instrument__tag")
        )
        level = []
        for a in below:
            if a.pk in nodes:
                continue
            nodes[a.pk] = Node(a)
            nodes[a.origin_id].children.append(nodes[a.pk])
            level.append(a.pk)
    return [nodes[a.pk] for a in roots if nodes[a.pk].children]


def usable_refusals_today(instrument: Instrument) -> list:
    """Why the instrument may not be used today (the ``instrument_usable`` gate), asked once while
    a page that changes nothing is answered: its page shows them, and its Check out is offered
    only without them."""
    from qms.scoped import read_only

    today = timezone.localdate()
    return read_only.get(
        ("instrument_usable", instrument.pk, today),
        lambda: gates.check("instrument_usable", on=today, instrument=instrument),
    )


def instrument_page(instrument: Instrument, user) -> dict:
    today = timezone.localdate()
    assessments = list(restrict(instrument.assessments.all(), user).order_by("-created_at"))
    calibrations = list(
        instrument.calibrations.select_related("performed_by", "lab").order_by("-calibrated_on", "-pk")
    )
    return {
        "standing": instrument.standing_on(today),
        "refusals": usable_refusals_today(instrument),
        "calibrations": calibrations,
        "assessments": assessments,
        "suspect_chain": chain(instrument, user, roots=assessments),
        "accreditation": accreditation(instrument.lab) if instrument.lab_id else None,
        "open_checkout": instrument.checkouts.filter(returned_on__isnull=True)
        .select_related("holder")
        .first(),
        "used_as_standard": instrument.reference_uses.filter(calibration__status="completed").count(),
    }


def calibration_page(calibration: Calibration) -> dict:
    points = read_once(calibration.points.all())  # the statement the page's point rows read
    for p in points:
        p.calibration = calibration
    return {
        "points": points,
        "tur_warnings": [p for p in points if p.tur_low],
        "accreditation": accreditation(calibration.lab, calibration.calibrated_on)
        if calibration.lab_id
        else None,
        "previous": calibration.instrument.calibrations.filter(
            status="completed", calibrated_on__lt=calibration.calibrated_on
        )
        .order_by("-calibrated_on")
        .first(),
    }


def postponements_by_month(
    machine=None, *, user=None, months: int = 12, today: dt.date | None = None
) -> list[tuple]:
    """Approved postponements per month over the last ``months`` months, of one machine or of
    every machine the user may see (one query)."""
    today = today or timezone.localdate()
    periods = Period.months_to(today, months)
    rows = Postponement.objects.filter(status="approved", requested_on__gte=periods[0].start)
    if machine is not None:
        rows = rows.filter(plan__machine=machine)
    if user is not None:
        rows = restrict(rows, user)
    counts = dict(
        rows.annotate(m=TruncMonth("requested_on")).values("m").annotate(n=Count("pk")).values_list("m", "n")
    )
    out = []
    for p in periods:
        n = sum(v for k, v in counts.items() if p.start <= (k.date() if hasattr(k, "date") else k) <= p.end)
        out.append((p.start.strftime("%b %Y"), n))
    return out


def due_per_month(user, *, months: int = 12, today: dt.date | None = None) -> list[tuple]:
    """Calibrations falling due per month for the next ``months`` months (the lab's workload),
    each bar linking to the register filtered to its month (one query)."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    found = restrict(Instrument.objects.exclude(status__in=("retired", "lost", "out_of_service")), user)
    counts = dict(
        found.filter(due_date__gte=start)
        .annotate(m=TruncMonth("due_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    # The same rule as the register's standing filter the bar links to (never calibrated included).
    overdue = found.with_standing(today).filter(standing="overdue").count()
    base = reverse("calibration:instrument_list")
    out = [("Overdue", overdue, f"{base}?standing=overdue")]
    day = start
    for _ in range(months):
        nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        n = next((v for k, v in counts.items() if (k.date() if hasattr(k, "date") else k) == day), 0)
        out.append(
            (
                day.strftime("%b %Y"),
                n,
                f"{base}?due_from={day:%Y-%m-%d}&due_to={nxt - dt.timedelta(days=1):%Y-%m-%d}",
            )
        )
        day = nxt
    return out


def oot_rate_by_type(user, *, since: dt.date | None = None) -> list[tuple]:
    """Out-of-tolerance rate (as found) per instrument type, over completed calibrations."""
    since = since or timezone.localdate() - dt.timedelta(days=730)
    rows = (
        restrict(Calibration.objects.filter(status="completed", calibrated_on__gte=since), user)
        .values("instrument__type_name")
        .annotate(total=Count("pk"), failed=Count("pk", filter=Q(as_found_ok=False)))
        .order_by("instrument__type_name")
    )
    base = reverse("calibration:instrument_list")
    return [
        (
            r["instrument__type_name"],
            round(100 * r["failed"] / r["total"], 1),
            f"{base}?type_name={r['instrument__type_name']}",
        )
        for r in rows
        if r["total"]
    ]


def machine_page(machine, user) -> dict:
    today = timezone.localdate()
    plans = list(machine.plans.all())
    postponed = (
        Postponement.objects.filter(plan__machine=machine)
        .select_related("plan", "requested_by", "decided_by")
        .order_by("-requested_on", "-pk")
    )
    return {
        "refusals": gates.check("maintenance_in_order", on=today, machine=machine),
        "postponements": list(postponed),
        "postponement_count": sum(1 for p in postponed if p.status == "approved"),
        "postponement_chart": bar_chart(
            postponements_by_month(machine),
            title="Postponements per month",
            columns=("Month", "Postponements"),
        ),
        "overdue_plans": [p for p in plans if p.status == "active" and p.next_due < today],
    }


def plan_page(plan: MaintenancePlan) -> dict:
    return {
        "events": list(plan.events.select_related("done_by").order_by("-done_on", "-pk")),
        "postponed_times": plan.postponements.filter(status="approved").count(),
        "today": timezone.localdate(),
    }


def suspect_instruments(user):
    return restrict(Instrument.objects.filter(suspect=True), user).select_related("department", "owner")
