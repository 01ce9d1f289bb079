"""Demo records of the inspection module: the story of DOMAIN.md end to end.

Lot 24-1187 of housing H-220 (10,000 pcs) was made a month ago from bar stock of the steel mill
whose material change nobody evaluated, final-inspected with two parts, and shipped to the
customer who rejected it twelve days ago. It was released before this system was introduced: its
release is recorded as forced, every check that failed that day accepted with a deviation
("reconstructed"), so its page shows the flags as they stood. Lot 24-1203, made this week at
cell 4 the same way, is held now: all seven checks refuse — the open supplier change, drawing
revision B worked to while C is effective (and not acknowledged by Emre Yilmaz), a delivery date
moved without a recorded change, Emre not qualified for the furnace, the lathe's maintenance
overdue, the bore gauge's calibration lapsed, and two parts inspected out of 100,000 by a plan
not re-assessed since the process changed. The complaint's CAPA links to both lots and to the
shipment, so every gap is one click away from it."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone

from qms import history
from qms.demo import happened_on
from qms.services import child_add, link_add, record_create, record_transition, record_update

from . import services
from .models import (
    GaugeUse,
    GoodsReceipt,
    InspectionPlan,
    LotOperator,
    PlanCharacteristic,
    ProductionLot,
    ReleaseDeviation,
    Shipment,
)
from .release import checks_for

PART = "H-220"
BAR = "Bar stock 42CrMo4 Ø20"


def _supplier(company):
    from suppliers.models import Supplier

    found = (
        Supplier.objects.filter(name__icontains="Brenner").first() or Supplier.objects.order_by("pk").first()
    )
    if found is None:
        found = record_create(
            model=Supplier,
            by=company.heads["PROC"],
            title="Hüttenstahl Brenner GmbH",
            name="Hüttenstahl Brenner GmbH",
            part_numbers=BAR,
            owner=company.heads["PROC"],
            department=company.departments["PROC"],
        )
    return found


def _revisions():
    from documents.models import Document

    drawing = Document.objects.filter(number="DRW-40512").first()
    if drawing is None:
        return None, None, None
    revisions = {r.label: r for r in drawing.revisions.all()}
    return (
        drawing,
        revisions.get("B"),
        revisions.get("C") or drawing.revisions.filter(status="effective").first(),
    )


def _machine(company):
    from calibration.models import Machine

    found = (
        Machine.objects.filter(location__icontains="cell 4").first() or Machine.objects.order_by("pk").first()
    )
    if found is None:
        head = company.heads["MAINT"]
        found = record_create(
            model=Machine,
            by=head,
            title="CNC lathe, cell 4",
            asset_number="M-0412",
            location="Cell 4",
            owner=head,
            department=company.departments["MAINT"],
        )
    if not found.plans.exists():
        from calibration.models import MaintenancePlan

        child_add(
            model=MaintenancePlan,
            by=company.heads["MAINT"],
            machine=found,
            name="Spindle and chuck maintenance",
            checklist="Check spindle run-out\nClean and grease chuck",
            interval_days=90,
            responsible=company.heads["MAINT"],
            next_due=company.days(-12),  # postponed because of the backlog
        )
    return found


def _gauge(company):
    from calibration.models import Instrument

    found = (
        Instrument.objects.filter(tag="BG-12").first()
        or Instrument.objects.filter(type_name__icontains="bore").first()
    )
    if found is None:
        head = company.heads["CAL"]
        found = record_create(
            model=Instrument,
            by=head,
            title="Bore gauge Ø12",
            tag="BG-12",
            type_name="Bore gauge",
            measuring_range="10–18 mm",
            resolution="0.001 mm",
            location="IPQC bench",
            owner=head,
            department=company.departments["CAL"],
            due_date=company.days(-45),  # the calibration lapsed six weeks ago
        )
    return found


def _competence():
    from training.models import Competence

    return Competence.objects.filter(title__startswith="Heat treatment").first()


def _process(name):
    from qms.models import Process

    return Process.objects.filter(name__icontains=name).first()


def _active_plan(company, *, characteristics: list[dict], **fields) -> InspectionPlan:
    """A plan of the quality control head's with its characteristics, put in use."""
    qc = company.heads["QC"]
    plan = record_create(
        model=InspectionPlan, by=qc, owner=qc, department=company.departments["QC"], **fields
    )
    for characteristic in characteristics:
        child_add(model=PlanCharacteristic, by=qc, plan=plan, **characteristic)
    record_transition(record=plan, name="activate", by=qc)
    return plan


def _plan(company, drawing) -> InspectionPlan:
    plan = _active_plan(
        company,
        title="Final inspection, housing H-220",
        part_number=PART,
        stage="final",
        drawing=drawing,
        process=_process("Final inspection"),
        level="II",
        aql="0.65",
        characteristics=[
            {"name": "Bore Ø12 H7", "nominal": "12", "lower": "0", "upper": "0.018", "critical": True},
            {"name": "Surface Ra 0.8 in the bore"},
        ],
    )
    plan.reassessed_on = company.days(-400)
    history.save(plan, by=company.heads["QC"], reason="Sampling assessed when the part was introduced")
    return plan


def _other_plans(company) -> None:
    """The incoming inspection of the bar stock (introduced now: the receipts of the story were let
    in without one) and the in-process check of the housing: what the IQC and IPQC inspectors open
    when a receipt or a lot comes to them."""
    _active_plan(
        company,
        title=f"Incoming inspection, bar stock {BAR}",
        part_number=BAR,
        stage="iqc",
        level="S-3",
        aql="1.0",
        characteristics=[
            {"name": "Diameter Ø20 h9", "nominal": "20", "lower": "-0.052", "upper": "0"},
            {"name": "Material certificate 3.1 matches the heat"},
        ],
    )
    _active_plan(
        company,
        title="In-process inspection, housing H-220 (first off and every 500)",
        part_number=PART,
        stage="ipqc",
        level="S-2",
        aql="1.0",
        characteristics=[
            {"name": "Bore Ø12 H7 (first off)", "nominal": "12", "lower": "0", "upper": "0.018"},
            {"name": "Burr-free edges"},
        ],
    )


def _receipt(company, supplier, *, lot_no, received, promised, quantity, accept=True) -> GoodsReceipt:
    clerk = company.users.get("fwolf") or company.heads["WH"]
    # Received and let in on the day it arrived, as its page and the audit pack then say.
    with happened_on(received, dt.time(7, 30)):
        receipt = record_create(
            model=GoodsReceipt,
            by=company.heads["WH"],
            title=f"{BAR}, supplier lot {lot_no}",
            supplier=supplier,
            part_number=BAR,
            po_reference=f"PO-26-{lot_no}",
            quantity=quantity,
            promised_on=promised,
            received_on=received,
            supplier_lot=lot_no,
            owner=clerk,
            department=company.departments["WH"],
        )
        if accept:
            record_transition(
                record=receipt,
                name="accept",
                by=company.quality_manager,
                reason="Critical supplier: certificate checked, no IQC plan yet",
            )
    return receipt


def _lot(
    company, *, number, revision, started, finished, quantity, receipt, operator, machine, delivery
) -> ProductionLot:
    production = company.heads["PROD"]
    # Opened the day production started, its date moved the day after: the history and the
    # release check tell the story's days, not the day the demo was loaded.
    with happened_on(started):
        lot = _lot_opened(
            company, number, revision, started, finished, quantity, receipt, operator, machine, delivery
        )
    with happened_on(started + dt.timedelta(days=1)):
        # The customer moved the date by phone; planning changed it without recording why.
        record_update(
            record=lot, by=production, reason="Customer phoned", delivery_date=delivery - dt.timedelta(days=7)
        )
    return lot


def _lot_opened(
    company, number, revision, started, finished, quantity, receipt, operator, machine, delivery
) -> ProductionLot:
    production = company.heads["PROD"]
    lot = record_create(
        model=ProductionLot,
        by=production,
        title=f"Housing {PART}, lot {number}",
        lot_number=number,
        part_number=PART,
        drawing_revision=revision,
        quantity=quantity,
        work_centre="Cell 4",
        process=_process("Heat treatment") or _process("CNC turning"),
        competence=_competence(),
        machine=machine,
        started_on=started,
        finished_on=finished,
        delivery_date=delivery,
        customer="Meyer Pumpen GmbH",
        owner=production,
        department=company.departments["PROD"],
    )
    services.material_use_add(lot=lot, by=production, receipt=receipt, quantity=min(receipt.quantity, 400))
    child_add(model=LotOperator, by=production, lot=lot, person=operator, task="Turning and bore finishing")
    return lot


def _final(company, lot, plan, gauge, on) -> None:
    inspector = company.users["kmaier"]
    inspection = services.inspection_create(
        by=company.heads["QC"],
        plan=plan,
        inspector=inspector,
        inspected_on=on,
        lot_size=lot.quantity,
        lot=lot,
        owner=inspector,
        department=company.departments["QC"],
        note="First and last part of the lot measured.",
    )
    bore = plan.characteristics.get(name__startswith="Bore")
    services.characteristic_result_add(
        inspection=inspection, by=inspector, characteristic=bore, values="12.012 12.016"
    )
    surface = plan.characteristics.get(name__startswith="Surface")
    services.characteristic_result_add(
        inspection=inspection, by=inspector, characteristic=surface, inspected=2, nonconforming=0
    )
    history.save(
        GaugeUse(inspection=inspection, instrument=gauge), by=inspector, reason="Gauge used", validate=True
    )
    record_transition(record=inspection, name="accept", by=inspector)


def load(company) -> None:
    drawing, rev_b, rev_c = _revisions()
    if rev_b is None:
        return  # the story needs document control's drawing
    qm, qc = company.quality_manager, company.heads["QC"]
    supplier = _supplier(company)
    machine = _machine(company)
    gauge = _gauge(company)
    plan = _plan(company, drawing)
    _other_plans(company)
    emre = company.users["eyilmaz"]

    # --- lot 24-1187: shipped a month ago, released by force before the system ------------------
    old_receipt = _receipt(
        company,
        supplier,
        lot_no="4468",
        received=company.days(-33),
        promised=company.days(-36),
        quantity=3000,
    )
    shipped = _lot(
        company,
        number="24-1187",
        revision=rev_b,
        started=company.days(-31),
        finished=company.days(-29),
        quantity=10_000,
        receipt=old_receipt,
        operator=emre,
        machine=machine,
        delivery=company.days(-18),
    )
    with company.on(-29):
        record_transition(record=shipped, name="finish", by=company.heads["PROD"])
    with company.on(-28):
        _final(company, shipped, plan, gauge, company.days(-28))
    with company.on(-27):  # released on the story's day, as the checks stood then
        for check in checks_for(shipped):
            if check.state == "failed":
                row = ReleaseDeviation(
                    lot=shipped,
                    check_key=check.key,
                    finding=check.text,
                    reason="Released by planning before this system was introduced (reconstructed from "
                    "the shipping papers): nobody checked this.",
                    accepted_by=qm,
                    accepted_at=timezone.now(),
                )
                history.save(
                    row, by=qm, reason="Deviation reconstructed for the forced release", validate=True
                )
        services.lot_release(lot=shipped, by=qm, note="Forced release reconstructed: see the deviations")
    with company.on(-26):  # shipped the day after, before anyone knew of the gauge
        shipment = record_create(
            model=Shipment,
            by=company.heads["WH"],
            title="Delivery 24-1187 to Meyer Pumpen",
            customer="Meyer Pumpen GmbH",
            customer_order="MP-4711",
            delivery_note="LS-26-0815",
            owner=company.heads["WH"],
            department=company.departments["WH"],
        )
        services.shipment_line_add(shipment=shipment, by=company.heads["WH"], lot=shipped, quantity=10_000)
        record_transition(record=shipment, name="ship", by=company.heads["WH"])

    # --- the process changed; nobody re-assessed the sampling -----------------------------------
    services.plan_change_record(
        plan=plan,
        by=qc,
        kind="process",
        changed_on=company.days(-20),
        what="New insert grade and cutting data at cell 4",
    )

    # --- lot 24-1203: made this week the same way, held now ------------------------------------
    new_receipt = _receipt(
        company, supplier, lot_no="4490", received=company.days(-6), promised=company.days(-8), quantity=2500
    )
    held = _lot(
        company,
        number="24-1203",
        revision=rev_b,
        started=company.days(-3),
        finished=company.days(-1),
        quantity=100_000,
        receipt=new_receipt,
        operator=emre,
        machine=machine,
        delivery=company.days(14),
    )
    _final(company, held, plan, gauge, company.days(-1))
    record_transition(record=held, name="finish", by=company.heads["PROD"])

    # --- delivered yesterday, under the IQC plan now: due for its incoming inspection -----------
    _receipt(
        company,
        supplier,
        lot_no="4507",
        received=company.days(-1),
        promised=company.days(-1),
        quantity=2000,
        accept=False,
    )

    # --- the complaint's CAPA links to the lots and the shipment --------------------------------
    if apps.is_installed("capa"):
        from capa.models import Capa, Nonconformity

        capa = Capa.objects.filter(title__icontains="H-220").first()
        complaint = Nonconformity.objects.filter(lot="24-1187").first()
        for source in (capa, complaint):
            if source is None:
                continue
            link_add(source=source, target=shipped, by=qm, note="The lot the customer rejected")
            link_add(source=source, target=held, by=qm, note="Made the same way this week: held at release")
        if capa is not None:
            link_add(source=capa, target=shipment, by=qm, note="The delivery the complaint is about")
