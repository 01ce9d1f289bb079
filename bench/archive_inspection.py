"""The lots, inspection and release share of the ten-year archive: 300 inspection plans (120
incoming plans for a supplier's part, 120 final and 60 in-process plans for parts made here, drawn
from document control's drawings) with about 1,000 characteristics; 25,000 goods receipts from
the archive's suppliers, a third inspected on arrival, the rest accepted without inspection (a few
rejected); 40,000 production lots, each made to the drawing revision effective on its first day,
in a cell on one of calibration's machines, by people of that cell, from material of the receipts;
about 50,000 inspections (a final inspection of every finished lot, in-process and incoming ones,
re-inspections of the lots a final inspection rejected, released with a signed deviation) with
about 150,000 results and 45,000 gauges used, sampled by ISO 2859-1 with the switching rules run
lot by lot; 15,000 shipments of the released lots. Almost everything was released and shipped
long ago; the lots in production, awaiting release or shipment and the open inspections are of
the last days, and a few lots a final inspection rejected are held, overdue.

Written with bulk_create; reference numbers are allocated per prefix and year after any already
handed out, and the kernel's counters set after them so that records created later through the
services continue after them.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from bench.archive import Archive, References, as_given_dates, history

PLANS_IQC, PLANS_IPQC, PLANS_FINAL = 120, 60, 120
RECEIPTS, LOTS, SHIPMENTS = 25_000, 40_000, 15_000
IQC_SHARE = 0.33  # receipts of a supplier's part that has an incoming plan: inspected on arrival
IPQC_SHARE = 0.15  # lots of a part with an in-process plan inspected during production
REJECT_IQC, REJECT_FINAL, REJECT_BY_HAND = 0.03, 0.015, 0.004
HELD = 0.08  # lots started 15 to 120 days ago whose final inspection rejected them: still held
RETIRED_PLANS, DRAFT_PLANS, REDUCED_APPROVED = 0.06, 0.03, 0.3
BELOW_SAMPLE = 0.01  # incoming inspections of past years that inspected fewer items than required

KINDS = [
    ("Housing", "H"), ("Shaft", "W"), ("Flange", "FL"), ("Bracket", "BR"), ("Cover", "C"),
    ("Bushing", "BU"), ("Gear", "Z"), ("Pin", "P"), ("Lever", "L"), ("Hub", "N"),
]  # fmt: skip
# name, nominal, lower, upper, unit (a variable); the attributes are counted.
MADE_VARIABLES = [
    ("Bore Ø{n} H7", [8, 10, 12, 16, 20, 25], "0", "0.018", "mm"),
    ("Outer Ø{n} h6", [20, 25, 32, 40, 50], "-0.016", "0", "mm"),
    ("Length {n} ±0.1", [30, 45, 60, 80, 120], "-0.1", "0.1", "mm"),
    ("Groove width {n} +0.05", [2, 3, 4], "0", "0.05", "mm"),
    ("Hole distance {n} ±0.02", [24, 36, 48], "-0.02", "0.02", "mm"),
]
MADE_ATTRIBUTES = [
    "Thread M8 go/no-go",
    "Surface Ra 0.8 in the bore",
    "Visual: no burrs on the cross bores",
    "Marking legible and complete",
]
BOUGHT_VARIABLES = [
    ("Diameter Ø{n} h9", [20, 30, 42], "-0.052", "0", "mm"),
    ("Length {n} ±5", [3000, 6000], "-5", "5", "mm"),
    ("Hardness {n} HRC ±2", [30, 45], "-2", "2", "HRC"),
]
BOUGHT_ATTRIBUTES = [
    "Material certificate 3.1 matches the heat",
    "Labels and packaging intact",
    "Surface: no rust or damage",
]
CUSTOMERS = [
    "Meyer Pumpen GmbH", "Kessler Hydraulik AG", "Bauer Antriebstechnik GmbH", "Nordwind Kompressoren",
    "Hahn Landtechnik KG", "Vogel Fördertechnik GmbH", "Albrecht Armaturen GmbH", "Seidel Getriebe AG",
    "Roth Ventiltechnik GmbH", "Franke Maschinenbau", "Lorenz Automotive s.r.o.", "Jung Medizintechnik",
    "Brandt Baumaschinen GmbH", "Kühn Schienenfahrzeuge", "Winter Pneumatik GmbH", "Graf Turbinen AG",
    "Sommer Robotics GmbH", "Berger Aufzüge GmbH", "Pohl Energietechnik", "Haas Werkzeugmaschinen",
]  # fmt: skip
TASKS = ["Setter", "Operator", "Operator, second shift", "Deburring and washing", "Final assembly"]
STAGE_WORD = {"iqc": "Incoming", "ipqc": "In-process", "final": "Final"}


@dataclass
class Part:
    """A part made here: its drawing and the revisions it was made to, when it came and went."""

    number: str
    kind: str
    drawing: object
    revisions: list
    dates: list
    intro: dt.date
    ends: dt.date | None = None
    draft: bool = False
    cell: object = None
    process: object = None
    customers: list = field(default_factory=list)
    final: object = None
    ipqc: object = None


def populate(archive: Archive) -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse
    from django.utils import timezone

    from calibration.models import Instrument, Machine
    from documents.models import Revision
    from inspection import sampling
    from inspection.models import (
        CharacteristicResult,
        GaugeUse,
        GoodsReceipt,
        Inspection,
        InspectionPlan,
        LotOperator,
        MaterialUse,
        PlanChange,
        PlanCharacteristic,
        ProductionLot,
        ReleaseDeviation,
        SeverityChange,
        Shipment,
        ShipmentLine,
    )
    from inspection.release import CHECKS
    from qms.models import Signature
    from qms.services.signatures import content_hash
    from suppliers.models import Supplier, TierPolicy
    from training.models import Competence

    rng, today, quality, made = archive.rng, archive.today, archive.quality, {}
    now = timezone.now()
    refs = References()

    def days(n: int) -> dt.timedelta:
        return dt.timedelta(days=n)

    def at(day: dt.date, early: int = 7, late: int = 16) -> dt.datetime:
        """A moment of ``day`` between the hours given (never later than now)."""
        moment = dt.datetime.combine(day, dt.time(rng.randint(early, late), rng.randint(0, 59)))
        return min(timezone.make_aware(moment), now)

    def between(first: dt.date, last: dt.date) -> dt.date:
        return first + days(rng.randint(0, max(0, (last - first).days)))

    # --- who: quality control keeps the plans and inspects, the warehouse receives and ships ----
    by_code = {d.code: d for d in archive.departments}
    people_of: dict[int, list] = {}
    for person in archive.people:
        people_of.setdefault(person.department_id, []).append(person)

    def head_of(department):
        return archive.heads.get(department.pk) or quality

    def staff(code: str, most: int) -> tuple[object, list]:
        department = by_code.get(code) or quality.department or archive.departments[0]
        head = head_of(department)
        members = [head] + [p for p in people_of.get(department.pk, []) if p != head][: most - 1]
        return department, members

    qc, inspectors = staff("QC", 12)
    wh, clerks = staff("WH", 8)
    qc_head = head_of(qc)
    cells = [d for d in archive.departments if d.code == "PROD" or d.code.startswith("CELL")]
    cells = cells or archive.departments[:1]
    machines = list(Machine.objects.filter(status="in_service").order_by("pk"))
    machines_of = {c.pk: rng.sample(machines, min(2, len(machines))) for c in cells}
    competences_of: dict[int, list] = {}
    for c in Competence.objects.filter(status="active").order_by("pk"):
        competences_of.setdefault(c.department_id, []).append(c)
    processes = archive.processes or [None]

    # --- parts made here, from document control's drawings ---------------------------------------
    timeline: dict[int, list] = {}
    for r in (
        Revision.objects.select_related("document")
        .exclude(status__in=("draft", "in_review"))
        .filter(effective_date__isnull=False)
        .order_by("document_id", "effective_date", "pk")
    ):
        timeline.setdefault(r.document_id, []).append(r)
    if not timeline:
        raise RuntimeError("The inspection archive needs document control's drawings: build documents first.")
    # The drawings of longest standing first, so that parts are made over all ten years.
    ordered = sorted(
        timeline.values(), key=lambda revs: (revs[0].document.doc_type != "drawing", revs[0].effective_date)
    )
    parts: list[Part] = []
    for i in range(archive.n(PLANS_FINAL)):
        revisions = ordered[i % len(ordered)]
        kind, letter = rng.choice(KINDS)
        cell = rng.choice(cells)
        intro = min(today - days(30), revisions[0].effective_date + days(rng.randint(5, 30)))
        part = Part(
            number=f"{letter}-{revisions[0].document.number.split('-')[-1]}{'' if i < len(ordered) else i}",
            kind=kind,
            drawing=revisions[0].document,
            revisions=revisions,
            dates=[r.effective_date for r in revisions],
            intro=intro,
            cell=cell,
            process=rng.choice(processes),
            customers=rng.sample(CUSTOMERS, rng.randint(1, 3)),
        )
        roll = rng.random()
        if roll < DRAFT_PLANS:
            part.draft, part.intro = True, today - days(rng.randint(1, 30))
        elif roll < DRAFT_PLANS + RETIRED_PLANS and (today - intro).days > 500:
            part.ends = between(intro + days(365), today - days(60))
        parts.append(part)

    # --- suppliers' parts and their incoming plans ------------------------------------------------
    policies = {p.tier: p for p in TierPolicy.objects.all()}
    suppliers = list(
        Supplier.objects.filter(status__in=("approved", "conditional", "disqualified"), calibration_lab=False)
        .select_related("owner")
        .order_by("pk")
    )
    window, materials = {}, {}
    for s in suppliers:
        first = max(s.created_at.date() + days(30), today - days(365 * archive.years))
        last = s.updated_at.date() if s.status == "disqualified" else today
        if first >= last:
            continue
        window[s.pk] = (first, last)
        materials[s.pk] = s.part_number_list or [
            f"N-{rng.randint(100, 999)}" for _ in range(rng.randint(1, 2))
        ]
    suppliers = [s for s in suppliers if s.pk in window]
    usable = [s for s in suppliers if s.status != "disqualified" and s.tier in ("critical", "major")]
    usable = usable or [s for s in suppliers if s.status != "disqualified"]
    pairs = [(s, m) for s in usable for m in materials[s.pk]]
    pairs = rng.sample(pairs, min(archive.n(PLANS_IQC), len(pairs)))

    # --- plans and their characteristics -----------------------------------------------------------
    plans, characteristics = [], []

    def plan(title, part_number, stage, intro, *, supplier=None, drawing=None, process=None, level="II"):
        found = InspectionPlan(
            title=title[:200],
            part_number=part_number,
            stage=stage,
            supplier=supplier,
            drawing=drawing,
            process=process,
            level=level,
            aql=Decimal(rng.choice(["0.65", "1.0", "1.0", "1.5", "2.5"])),
            owner=qc_head,
            department=qc,
            created_by=qc_head,
            created_at=at(intro - days(rng.randint(3, 20))),
            reduced_approved=rng.random() < REDUCED_APPROVED,
            reassessed_on=intro,
        )
        found.intro, found.ends = intro, None
        found.characteristics_ = []
        plans.append(found)
        return found

    def characteristic(found, variables, attributes, n_var, n_attr):
        for k, (name, nominals, lower, upper, unit) in enumerate(rng.sample(variables, n_var)):
            n = rng.choice(nominals)
            row = PlanCharacteristic(
                plan=found,
                name=name.format(n=n),
                nominal=Decimal(n),
                lower=Decimal(lower),
                upper=Decimal(upper),
                unit=unit,
                critical=k == 0,
            )
            found.characteristics_.append(row)
        for name in rng.sample(attributes, n_attr):
            found.characteristics_.append(PlanCharacteristic(plan=found, name=name, unit=""))
        characteristics.extend(found.characteristics_)

    for part in parts:
        part.final = plan(
            f"Final inspection, {part.kind.lower()} {part.number}",
            part.number,
            "final",
            part.intro,
            drawing=part.drawing,
            process=part.process,
            level=rng.choice(["II", "II", "II", "I", "III"]),
        )
        characteristic(part.final, MADE_VARIABLES, MADE_ATTRIBUTES, rng.randint(1, 3), rng.randint(1, 2))
    made_here = [p for p in parts if not p.draft]
    for part in rng.sample(made_here, min(archive.n(PLANS_IPQC), len(made_here))):
        part.ipqc = plan(
            f"In-process inspection, {part.kind.lower()} {part.number}",
            part.number,
            "ipqc",
            part.intro,
            drawing=part.drawing,
            process=part.process,
            level=rng.choice(["S-3", "S-4", "I"]),
        )
        characteristic(part.ipqc, MADE_VARIABLES, MADE_ATTRIBUTES, rng.randint(1, 2), 0)
    for part in parts:
        for found in (part.final, part.ipqc):
            if found is not None:
                found.ends = part.ends
                found.status = "draft" if part.draft else "retired" if part.ends else "active"
    iqc_of = {}
    for s, material in pairs:
        first, last = window[s.pk]
        policy = policies.get(s.tier)
        found = plan(
            f"Incoming inspection, {material} from {s.name}",
            material,
            "iqc",
            min(today - days(30), first + days(rng.randint(0, 30))),
            supplier=s,
            level=policy.inspection_level if policy else "II",
        )
        found.status = "active"
        characteristic(found, BOUGHT_VARIABLES, BOUGHT_ATTRIBUTES, rng.randint(1, 2), rng.randint(1, 2))
        iqc_of[(s.pk, material)] = found
    refs.number(plans, "IPL")
    for found in plans:
        found.updated_at = found.created_at
    with as_given_dates(InspectionPlan):
        InspectionPlan.objects.bulk_create(plans, batch_size=2000)
    PlanCharacteristic.objects.bulk_create(characteristics, batch_size=5000)
    made["inspection plans"] = len(plans)
    made["plan characteristics"] = len(characteristics)

    # A new drawing revision after the plan was made asks for re-assessment; done within weeks.
    changes = []
    for part in parts:
        for found in (part.final, part.ipqc):
            if found is None or found.status == "draft":
                continue
            for revision in part.revisions[1:]:
                when = revision.effective_date
                if when <= found.intro or when > today or (found.ends and when > found.ends):
                    continue
                changes.append(
                    PlanChange(
                        plan=found,
                        kind=PlanChange.Kind.DRAWING,
                        changed_on=when,
                        what=f"{part.drawing.number} rev. {revision.label} became effective",
                        source_url=reverse(
                            "documents:revision_detail", args=[revision.document_id, revision.pk]
                        ),
                    )
                )
                reassessed = when + days(rng.randint(2, 25))
                if reassessed <= today and rng.random() < 0.97:
                    found.reassessed_on = reassessed
    PlanChange.objects.bulk_create(changes, batch_size=5000)
    made["plan changes"] = len(changes)

    # --- goods receipts ---------------------------------------------------------------------------
    weights = {"critical": 3, "major": 2, "minor": 1}
    cumulative, total = [], 0
    for s in suppliers:
        total += weights.get(s.tier, 1)
        cumulative.append(total)
    iqc_plans = list(iqc_of.items())
    receipts = []
    for _ in range(archive.n(RECEIPTS) if suppliers else 0):
        if iqc_plans and rng.random() < IQC_SHARE:
            (supplier_pk, material), found = rng.choice(iqc_plans)
            s = found.supplier
            day = between(found.intro, window[supplier_pk][1])
        else:
            s = rng.choices(suppliers, cum_weights=cumulative)[0]
            material = rng.choice(materials[s.pk])
            day = between(*window[s.pk])
            found = iqc_of.get((s.pk, material))
            if found is not None and day < found.intro:
                found = None
        clerk = rng.choice(clerks)
        lot_no = f"{rng.randint(1000, 99999)}"
        late = rng.random() < 0.1
        receipt = GoodsReceipt(
            title=f"{material}, supplier lot {lot_no}"[:200],
            owner_id=clerk.pk,
            department_id=wh.pk,
            created_by_id=clerk.pk,
            created_at=at(day, 6, 12),
            supplier_id=s.pk,
            part_number=material,
            po_reference=f"PO-{day:%y}-{rng.randint(10000, 99999)}",
            quantity=rng.randint(10, 160) * 50,
            promised_on=None
            if rng.random() < 0.05
            else day - days(rng.randint(1, 12))
            if late
            else day + days(rng.randint(0, 7)),
            received_on=day,
            supplier_lot=lot_no,
            status="received",
        )
        receipt.plan_, receipt.decided_, receipt.reason_, receipt.inspection_ = found, None, "", None
        if found is not None:
            inspected = day + days(rng.randint(0, 2))
            if inspected <= today:
                outcome = "rejected" if rng.random() < REJECT_IQC else "accepted"
                if inspected >= today - days(7) and rng.random() < 0.4:  # awaiting a decision
                    outcome = "open"
                receipt.inspection_ = (inspected, outcome)
                if outcome != "open":
                    receipt.status, receipt.decided_ = outcome, inspected
        elif day < today - days(1) or rng.random() < 0.4:
            if rng.random() < REJECT_BY_HAND:
                receipt.status, receipt.decided_ = "rejected", day
                receipt.reason_ = "Damaged in transit: returned to the supplier"
            else:
                receipt.status, receipt.decided_ = "accepted", day
                receipt.reason_ = rng.choice(
                    [
                        "Delivery note and certificate checked; no incoming plan for this part",
                        "Catalogue goods from an approved supplier: checked against the order",
                    ]
                )
        receipt.updated_at = at(receipt.decided_, 12, 16) if receipt.decided_ else receipt.created_at
        receipts.append(receipt)
    refs.number(receipts, "GR")
    with as_given_dates(GoodsReceipt):
        GoodsReceipt.objects.bulk_create(receipts, batch_size=5000)
    made["goods receipts"] = len(receipts)

    # --- production lots ----------------------------------------------------------------------------
    live = sorted((p for p in parts if not p.draft), key=lambda p: p.intro)
    intros = [p.intro for p in live]
    stock = sorted((r for r in receipts if r.status == "accepted"), key=lambda r: r.decided_)
    stock_days = [r.decided_ for r in stock]
    left = [r.quantity for r in stock]

    def part_on(day: dt.date) -> Part:
        k = max(1, bisect.bisect_right(intros, day))
        for _ in range(20):
            part = live[rng.randrange(k)]
            if part.ends is None or day <= part.ends:
                return part
        return part

    lots, operators, uses, inspections = [], [], [], []

    def inspect(found, day, lot=None, receipt=None, *, outcome, original=True):
        subject = lot or receipt
        inspector = rng.choice(inspectors)
        row = Inspection(
            owner_id=inspector.pk,
            department_id=qc.pk,
            created_by_id=inspector.pk,
            created_at=at(day, 8, 12),
            due_date=day + days(1),
            stage=found.stage,
            plan=found,
            lot=lot,
            receipt=receipt,
            inspector_id=inspector.pk,
            inspected_on=day,
            lot_size=subject.quantity,
            original=original,
            status="open" if outcome == "open" else outcome,
        )
        row.decided_ = None if outcome == "open" else at(day, 12, 16)
        row.updated_at = row.decided_ or row.created_at
        inspections.append(row)
        return row

    recent = today - days(120)
    first_day = intros[0] if intros else today
    for _ in range(archive.n(LOTS) if live else 0):
        started = between(first_day, today)
        part = part_on(started)
        revision = part.revisions[max(0, bisect.bisect_right(part.dates, started) - 1)]
        cell = part.cell if rng.random() < 0.9 else rng.choice(cells)
        owner = head_of(cell)
        crew = people_of.get(cell.pk, []) or [owner]
        length = rng.randint(0, 4)
        finished = started + days(length)
        checked = finished + days(rng.randint(0, 1))
        quantity = rng.choice([100, 200, 250, 500, 500, 1000, 1000, 2000, 2500, 5000, 10000])
        competences = competences_of.get(cell.pk, [])
        lot = ProductionLot(
            owner_id=owner.pk,
            department_id=cell.pk,
            created_by_id=owner.pk,
            created_at=at(started, 6, 9),
            part_number=part.number,
            drawing_revision_id=revision.pk,
            quantity=quantity,
            work_centre=f"Cell {cell.code[-2:]}" if cell.code.startswith("CELL") else "Assembly",
            process_id=part.process.pk if part.process else None,
            competence_id=rng.choice(competences).pk if competences else None,
            machine_id=rng.choice(machines_of[cell.pk]).pk if machines_of[cell.pk] else None,
            started_on=started,
            planned_finish=max(started, finished + days(rng.randint(-1, 2))),
            customer=rng.choice(part.customers),
            release_checks=[],
        )
        lot.part_, lot.deviation_ = part, None
        lot.delivery_date = checked + days(rng.randint(4, 21))
        lot.due_date = lot.delivery_date
        lots.append(lot)
        for person in rng.sample(crew, min(len(crew), rng.choice([1, 1, 2, 2, 3]))):
            operators.append((lot, person.pk, rng.choice(TASKS)))
        hi = bisect.bisect_left(stock_days, started)
        lo = bisect.bisect_left(stock_days, started - days(120))
        taken = set()
        for _ in range(rng.choice([1, 1, 1, 2])):
            for _ in range(6):
                k = rng.randrange(lo, hi) if hi > lo else None
                if k is not None and left[k] > 0 and k not in taken:
                    amount = min(left[k], rng.randint(20, 400))
                    left[k] -= amount
                    taken.add(k)
                    uses.append((lot, stock[k].pk, amount))
                    break
        if part.ipqc is not None and rng.random() < IPQC_SHARE:
            day = min(today, started + days(rng.randint(0, length)))
            open_ = day >= today - days(1) and finished > today and rng.random() < 0.5
            inspect(part.ipqc, day, lot, outcome="open" if open_ else "accepted")
        lot.status, released = "open", None
        if finished > today:
            continue
        lot.finished_on, lot.status = finished, "finished"
        if checked > today:
            continue
        held = recent <= started <= today - days(15) and rng.random() < HELD
        if checked >= today - days(1) and rng.random() < 0.5:
            inspect(part.final, checked, lot, outcome="open")
            continue
        if held or rng.random() < REJECT_FINAL:
            final = inspect(part.final, checked, lot, outcome="rejected")
            again = checked + days(rng.randint(1, 3))
            if held or again > today:
                continue
            inspect(part.final, again, lot, outcome="accepted", original=False)
            lot.deviation_ = final
            released = again + days(rng.randint(0, 1))
        else:
            inspect(part.final, checked, lot, outcome="accepted")
            released = checked + days(rng.randint(0, 1))
        if released <= today:
            lot.status, lot.released_at, lot.released_by_id = "released", at(released, 13, 17), quality.pk
    for receipt in receipts:
        if receipt.inspection_ is not None:
            day, outcome = receipt.inspection_
            receipt.inspection_ = inspect(receipt.plan_, day, receipt=receipt, outcome=outcome)

    # --- shipments: each customer's released lots in deliveries of a few lots ----------------------
    released_of: dict[str, list] = {}
    for lot in lots:
        if lot.status == "released":
            released_of.setdefault(lot.customer, []).append(lot)
    to_ship = sum(len(v) for v in released_of.values())
    shipments, lines = [], []
    for customer in sorted(released_of):
        group = sorted(released_of[customer], key=lambda lot: lot.released_at)
        count = min(len(group), max(1, round(len(group) * archive.n(SHIPMENTS) / max(1, to_ship))))
        cuts = [0, *sorted(rng.sample(range(1, len(group)), count - 1)), len(group)]
        for a, b in zip(cuts, cuts[1:], strict=False):
            chunk = group[a:b]
            packed = max(lot.released_at for lot in chunk)
            day = packed.date() + days(rng.randint(0, 3))
            clerk = rng.choice(clerks)
            shipment = Shipment(
                owner_id=clerk.pk,
                department_id=wh.pk,
                created_by_id=clerk.pk,
                created_at=packed + dt.timedelta(minutes=rng.randint(5, 90)),
                customer=customer,
                customer_order=f"{customer[:2].upper()}-{rng.randint(1000, 9999)}",
                status="shipped" if day <= today else "draft",
                shipped_on=day if day <= today else None,
            )
            shipment.created_at = min(shipment.created_at, now)
            shipment.updated_at = at(day, 12, 17) if day <= today else shipment.created_at
            shipment.lots_ = chunk
            shipments.append(shipment)
            for lot in chunk:
                lines.append((shipment, lot))
                if shipment.status == "shipped":
                    lot.status, lot.shipment_ = "shipped", shipment
    refs.number(shipments, "SHP")
    for shipment in shipments:
        shipment.delivery_note = f"LS-{shipment.reference.split('-', 1)[1]}"
        shipment.title = f"Delivery {shipment.delivery_note} to {shipment.customer}"[:200]

    # The seven checks as they stood on release day: clear, but what could not be checked.
    def snapshot(lot, deviation=None, finding="", url=""):
        found = []
        for number, (key, title, _, _) in enumerate(CHECKS, start=1):
            rows, state = [], "clear"
            if key == "competence" and lot.competence_id is None:
                message = "No competence is named for the work of this lot: operators not checked."
                rows, state = [{"message": message, "url": "", "checked": False}], "not_checked"
            if key == "maintenance" and lot.machine_id is None:
                rows = [{"message": "No machine is named for this lot.", "url": "", "checked": False}]
                state = "not_checked"
            if key == "sampling" and deviation is not None:
                rows, state = [{"message": finding, "url": url, "checked": True}], "accepted"
            found.append(
                {
                    "key": key,
                    "number": number,
                    "title": title,
                    "state": state,
                    "findings": rows,
                    "deviation": deviation.pk if key == "sampling" and deviation is not None else None,
                }
            )
        return found

    refs.number(lots, "LOT")
    serial: dict[int, int] = {}
    for lot in lots:
        year = lot.started_on.year
        serial[year] = serial.get(year, 0) + 1
        lot.lot_number = f"{year % 100:02d}-{serial[year]:04d}"
        lot.title = f"{lot.part_.kind} {lot.part_number}, lot {lot.lot_number}"[:200]
        lot.updated_at = max(
            lot.created_at,
            lot.released_at or lot.created_at,
            at(lot.shipment_.shipped_on, 12, 17) if getattr(lot, "shipment_", None) else lot.created_at,
        )
    with as_given_dates(ProductionLot):
        ProductionLot.objects.bulk_create(lots, batch_size=5000)
    operators = [LotOperator(lot_id=lot.pk, person_id=person, task=task) for lot, person, task in operators]
    LotOperator.objects.bulk_create(operators, batch_size=5000)
    uses = [MaterialUse(lot_id=lot.pk, receipt_id=receipt, quantity=n) for lot, receipt, n in uses]
    MaterialUse.objects.bulk_create(uses, batch_size=5000)
    with as_given_dates(Shipment):
        Shipment.objects.bulk_create(shipments, batch_size=5000)
    lines = [ShipmentLine(shipment_id=s.pk, lot_id=lot.pk, quantity=lot.quantity) for s, lot in lines]
    ShipmentLine.objects.bulk_create(lines, batch_size=5000)
    made["production lots"] = len(lots)
    made["lot operators"] = len(operators)
    made["material uses"] = len(uses)
    made["shipments"] = len(shipments)
    made["shipment lines"] = len(lines)

    # --- inspections: the sampling plan of the day, the switching rules lot by lot -----------------
    refs.number(inspections, "INSP")
    for row in inspections:
        subject, name = (row.lot, row.lot.lot_number) if row.lot else (row.receipt, row.receipt.reference)
        row.title = f"{STAGE_WORD[row.stage]} inspection of {name} · {subject.part_number}"[:200]
    switches, tighter = [], {}
    by_plan: dict[int, list] = {}
    for row in inspections:
        by_plan.setdefault(id(row.plan), []).append(row)
    for rows in by_plan.values():
        found = rows[0].plan
        aql = found.aql.normalize()
        state = sampling.State()
        for row in rows:
            p = sampling.plan(row.lot_size, found.level, aql, state.severity)
            row.severity, row.code_letter, row.required_sample, row.ac, row.re = (
                p.severity,
                p.letter,
                p.sample_size,
                p.ac,
                p.re,
            )
            sample = p.sample_size
            if row.status == "rejected":
                bad = min(sample, (p.re if p.re is not None else 1) + rng.choice([0, 0, 1]))
            elif row.status == "accepted" and row.original and p.ac and rng.random() < 0.15:
                bad = rng.randint(1, p.ac)
            else:
                bad = 0
            if row.status == "accepted" and row.receipt is not None and rng.random() < BELOW_SAMPLE:
                sample = max(1, sample // 2) if row.inspected_on < today - days(365) else sample
            row.sample_size, row.nonconforming = sample, min(bad, sample)
            if row.status == "open":
                row.sample_size, row.nonconforming = rng.choice([0, max(1, sample // 3)]), 0
            if row.status == "open" or not row.original:
                continue
            if (p.letter, aql) not in tighter:
                tighter[(p.letter, aql)] = sampling.tighter_ac(p.letter, aql)
            step = sampling.switch(
                state,
                sampling.Lot(
                    accepted=row.status == "accepted",
                    ac=p.ac,
                    nonconforming=bad,
                    tighter_ac=tighter[(p.letter, aql)],
                    reduced_approved=found.reduced_approved,
                ),
            )
            if step.changed:
                switches.append(
                    SeverityChange(
                        plan=found,
                        changed_on=row.inspected_on,
                        from_severity=state.severity,
                        to_severity=step.state.severity,
                        reason=step.reason,
                        inspection=row,
                        discontinued=step.state.discontinued,
                    )
                )
            state = step.state
            if state.discontinued:  # the supplier acted within the week; resumed tightened (9.4)
                resumed = sampling.resume(state)
                switches.append(
                    SeverityChange(
                        plan=found,
                        changed_on=row.inspected_on + days(7),
                        from_severity=state.severity,
                        to_severity=resumed.state.severity,
                        reason=resumed.reason,
                    )
                )
                state = resumed.state
        found.set_state(state)
    with as_given_dates(Inspection):
        Inspection.objects.bulk_create(inspections, batch_size=5000)
    SeverityChange.objects.bulk_create(switches, batch_size=5000)
    InspectionPlan.objects.bulk_update(
        plans,
        [
            "severity",
            "normal_results",
            "switching_score",
            "tightened_accepted_run",
            "tightened_not_accepted",
            "discontinued",
            "reassessed_on",
        ],
        batch_size=1000,
    )
    made["inspections"] = len(inspections)
    made["severity switches"] = len(switches)

    # Results per characteristic: every characteristic over the sample, the nonconforming items
    # found on one of them; measured values typed in where the sample is small.
    results, gauges = [], []
    instruments = sorted(Instrument.objects.exclude(status="lost"), key=lambda i: i.created_at)
    bought = [i.created_at.date() for i in instruments]
    usable_now = [
        i
        for i in instruments
        if i.status == "in_service" and not i.suspect and (i.due_date or today) >= today
    ] or instruments

    def values(row, n, bad) -> str:
        low, high = float(row.nominal + row.lower), float(row.nominal + row.upper)
        width = high - low
        found = [f"{rng.uniform(low + width * 0.15, high - width * 0.15):.4f}" for _ in range(n - bad)]
        found += [f"{high + width * rng.uniform(0.05, 0.5):.4f}" for _ in range(bad)]
        rng.shuffle(found)
        return " ".join(found)

    for row in inspections:
        rows = row.plan.characteristics_
        if row.status == "open":
            rows = rows[: rng.randint(1, len(rows))] if row.sample_size else []
        carrier = rng.randrange(len(rows)) if rows else 0
        for k, c in enumerate(rows):
            bad = row.nonconforming if k == carrier else 0
            text = values(c, row.sample_size, bad) if c.nominal is not None and row.sample_size <= 13 else ""
            results.append(
                CharacteristicResult(
                    inspection_id=row.pk,
                    characteristic_id=c.pk,
                    values=text,
                    inspected=row.sample_size,
                    nonconforming=bad,
                )
            )
        if instruments and any(c.nominal is not None for c in rows):
            pool = usable_now if row.inspected_on >= today - days(60) else instruments
            k = len(pool) if pool is usable_now else max(1, bisect.bisect_right(bought, row.inspected_on))
            for n in rng.sample(range(k), min(k, rng.choice([1, 1, 2]))):
                gauges.append(GaugeUse(inspection_id=row.pk, instrument_id=pool[n].pk))
    CharacteristicResult.objects.bulk_create(results, batch_size=5000)
    GaugeUse.objects.bulk_create(gauges, batch_size=5000)
    made["inspection results"] = len(results)
    made["gauges used"] = len(gauges)

    # Lots a final inspection rejected, reworked and accepted on re-inspection: released with the
    # quality manager's signed deviation on the sampling check.
    deviations = []
    for lot in lots:
        final = lot.deviation_
        if final is None or lot.released_at is None:
            continue
        deviation = ReleaseDeviation(
            lot=lot,
            check_key="sampling",
            finding=f"{final.reference} rejected the lot.",
            reason="Lot sorted 100 % and reworked; accepted on re-inspection of the resubmitted lot.",
            accepted_by=quality,
            accepted_at=lot.released_at - dt.timedelta(minutes=rng.randint(10, 120)),
        )
        deviations.append(deviation)
    ReleaseDeviation.objects.bulk_create(deviations, batch_size=2000)
    deviation_type = ContentType.objects.get_for_model(ReleaseDeviation)
    Signature.objects.bulk_create(
        [
            Signature(
                content_type=deviation_type,
                object_id=d.pk,
                signer=quality,
                printed_name=quality.get_full_name() or quality.username,
                meaning="Deviation accepted",
                signed_at=d.accepted_at,
                content_hash=content_hash(d),
                reason=d.reason,
            )
            for d in deviations
        ],
        batch_size=2000,
    )
    for d in deviations:
        url = reverse("inspection:inspection_detail", args=[d.lot.deviation_.pk])
        d.lot.release_checks = snapshot(d.lot, d, d.finding, url)
    ProductionLot.objects.bulk_update([d.lot for d in deviations], ["release_checks"], batch_size=2000)
    made["release deviations"] = len(deviations)

    # --- history ------------------------------------------------------------------------------------
    def chunked(objs, entries, user_of) -> int:
        return sum(
            history(objs[k : k + 10_000], entries, user_of=user_of) for k in range(0, len(objs), 10_000)
        )

    fresh_plan = {
        "status": "draft",
        "severity": "normal",
        "normal_results": "",
        "switching_score": 0,
        "tightened_accepted_run": 0,
        "tightened_not_accepted": 0,
        "discontinued": False,
    }

    def plan_rows(p):
        rows = [(p.created_at, "+", "Created", dict(fresh_plan))]
        if p.status != "draft":
            rows.append((at(p.intro), "~", "Put in use", {**fresh_plan, "status": "active"}))
        if p.status == "retired":
            rows.append((at(p.ends, 12, 16), "~", "Part discontinued: no more lots", {}))
        return rows

    made["history rows"] = chunked(plans, plan_rows, lambda p: p.owner_id)

    def receipt_rows(r):
        rows = [(r.created_at, "+", "Created", {"status": "received"})]
        if r.decided_ is not None:
            reason = r.reason_ or f"{r.inspection_.reference}: {r.status}"
            rows.append((r.updated_at, "~", reason, {}))
        return rows

    made["history rows"] += chunked(receipts, receipt_rows, lambda r: r.owner_id)

    started = {"status": "open", "finished_on": None, "released_at": None, "released_by_id": None}

    def lot_rows(lot):
        rows = [(lot.created_at, "+", "Created", {**started, "release_checks": []})]
        if lot.finished_on is not None and lot.released_at is None:
            done = {"status": "finished", "released_at": None, "released_by_id": None, "release_checks": []}
            rows.append((at(lot.finished_on, 14, 18), "~", "Production finished", done))
        if lot.released_at is not None and lot.status != "shipped":
            rows.append((lot.released_at, "~", "Released", {"status": "released"}))
        if lot.status == "shipped":
            rows.append((lot.updated_at, "~", f"Shipped with {lot.shipment_.reference}", {}))
        rows[-1] = (*rows[-1][:3], {})
        return rows

    made["history rows"] += chunked(lots, lot_rows, lambda lot: lot.owner_id)

    def inspection_rows(i):
        rows = [(i.created_at, "+", "Created", {"status": "open", "sample_size": 0, "nonconforming": 0})]
        if i.decided_ is not None:
            rows.append((i.decided_, "~", "Accept" if i.status == "accepted" else "Reject", {}))
        elif i.sample_size:
            rows.append((i.created_at + dt.timedelta(minutes=30), "~", "Result recorded", {}))
        return rows

    made["history rows"] += chunked(inspections, inspection_rows, lambda i: i.inspector_id)
    made["history rows"] += chunked(
        shipments,
        lambda s: (
            [(s.created_at, "+", "Created", {"status": "draft", "shipped_on": None})]
            + ([(s.updated_at, "~", "Ship", {})] if s.status == "shipped" else [])
        ),
        lambda s: s.owner_id,
    )
    made["history rows"] += history(
        deviations,
        lambda d: [
            (d.accepted_at, "+", "Deviation accepted: Sample size and plan as ISO 2859-1 requires", {})
        ],
        user_of=lambda d: d.accepted_by_id,
    )

    # The release snapshots of the other released lots differ only in what could not be checked:
    # written in four updates, on the lots and on their history rows from release on.
    span, deviated = (lots[0].pk, lots[-1].pk) if lots else (0, 0), [d.lot_id for d in deviations]
    historical = ProductionLot.history.model.objects.filter(
        id__range=span, status__in=("released", "shipped")
    )
    for no_competence in (False, True):
        for no_machine in (False, True):
            lot = ProductionLot(
                competence_id=None if no_competence else 0, machine_id=None if no_machine else 0
            )
            unchecked = {"competence_id__isnull": no_competence, "machine_id__isnull": no_machine}
            checks = snapshot(lot)
            ProductionLot.objects.filter(pk__range=span, released_at__isnull=False, **unchecked).exclude(
                pk__in=deviated
            ).update(release_checks=checks)
            historical.filter(**unchecked).exclude(id__in=deviated).update(release_checks=checks)

    refs.save()
    return made
