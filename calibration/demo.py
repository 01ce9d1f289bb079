"""Demo records of the calibration module: the story's two gaps. The outside micrometer used at
final inspection of the complaint part had lapsed; its calibration this month found it out of
tolerance as found, so an impact assessment is open and linked to the customer-complaint CAPA.
The gauge-block set it is calibrated against in-house; the CNC machine at cell 4 whose spindle
maintenance was postponed twice because of the backlog."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from qms.services import link_add, transition

from . import services
from .models import Instrument, Postponement

COMPLAINT_CAPA_REFERENCE = "KA-2291"  # the customer's complaint number on the CAPA (capa demo)
LAB_NAME = "Präzisa Kalibrierdienst GmbH"  # the laboratory of the suppliers demo


def _lab():
    """The calibration laboratory of the suppliers demo, looked up by what it is."""
    from suppliers.models import Supplier

    labs = Supplier.objects.filter(calibration_lab=True).exclude(status="disqualified").order_by("pk")
    return labs.filter(name__iexact=LAB_NAME).first() or labs.first()


def _lab_of_our_own(company):
    """The laboratory, when the suppliers demo names none: added to the supplier list through the
    kernel, as the quality manager would."""
    from qms.services import record_create
    from suppliers.models import Supplier

    qm = company.quality_manager
    name = "Kalibrierlabor Nord GmbH"
    return record_create(
        model=Supplier,
        by=qm,
        title=name,
        name=name,
        calibration_lab=True,
        processes="Calibration of dimensional gauges (DAkkS D-K-15040)",
        owner=company.heads["PROC"],
        department=company.departments["PROC"],
    )


def _calibrate(
    instrument, *, by, on, points, standards=(), technician=None, lab=None, adjusted=False, **extra
):
    """Record and complete a calibration: points are (characteristic, nominal, ±, as found, as left)."""
    source = "external" if lab is not None else "internal"
    calibration = services.calibration_add(
        instrument=instrument,
        by=by,
        calibrated_on=on,
        source=source,
        lab=lab,
        performed_by=technician,
        adjusted=adjusted,
        temperature=Decimal("20.1"),
        humidity=Decimal("45"),
        **extra,
    )
    for characteristic, nominal, tol, found, left in points:
        nominal, tol = Decimal(nominal), Decimal(tol)
        services.point_add(
            calibration=calibration,
            by=by,
            characteristic=characteristic,
            unit="mm",
            nominal=nominal,
            lower_limit=nominal - tol,
            upper_limit=nominal + tol,
            as_found=Decimal(found),
            as_left=Decimal(left) if left is not None else None,
        )
    for standard in standards:
        services.standard_add(calibration=calibration, by=by, standard=standard)
    transition(obj=calibration, name="complete", by=by)
    calibration.refresh_from_db()
    return calibration


def load(company) -> None:
    metrology, qc, qm = company.heads["CAL"], company.heads["QC"], company.quality_manager
    today = company.today
    lab = _lab() or _lab_of_our_own(company)
    good_micrometer_points = [
        ("Length", "25.000", "0.002", "25.001", None),
        ("Length", "37.500", "0.002", "37.501", None),
        ("Length", "50.000", "0.002", "50.001", None),
    ]

    blocks = services.instrument_create(
        by=metrology,
        tag="GB-01",
        title="Gauge block set, grade 0, 1–100 mm (112 pcs)",
        type_name="Gauge block set",
        manufacturer="Mitutoyo",
        serial_number="516-940-10/1187",
        measuring_range="1–100 mm",
        required_accuracy="±0.00012 mm (grade 0, 25 mm)",
        location="Metrology lab, cabinet 1",
        source="external" if lab else "internal",
        lab=lab,
        interval_value=24,
        interval_unit="months",
        is_reference_standard=True,
        owner=metrology,
        department=company.departments["CAL"],
    )
    block_points = [("Deviation from nominal", "25.000", "0.00012", "25.00003", None)]
    for months in (20, 8):
        _calibrate(
            blocks,
            by=metrology,
            on=today - relativedelta(months=months),
            points=block_points,
            lab=lab,
            technician=None if lab else metrology,
            certificate_number=f"DAkkS-D-K-15040-{today.year - (1 if months > 12 else 0)}-{months:03d}",
            uncertainty=Decimal("0.00003"),
        )

    micrometer = services.instrument_create(
        by=metrology,
        tag="MM-07",
        title="Outside micrometer 25–50 mm",
        type_name="Micrometer",
        manufacturer="Mitutoyo",
        serial_number="293-241-30/88412",
        measuring_range="25–50 mm",
        resolution="0.001 mm",
        required_accuracy="±0.002 mm",
        location="Final inspection, cell 4",
        source="internal",
        interval_value=12,
        interval_unit="months",
        owner=qc,
        department=company.departments["QC"],
    )
    last_good = today - relativedelta(months=13, days=15)
    _calibrate(
        micrometer,
        by=metrology,
        on=last_good,
        points=good_micrometer_points,
        standards=[blocks],
        technician=metrology,
        uncertainty=Decimal("0.0004"),
    )
    # Found six weeks past its due date at final inspection of the complaint part: calibrated now.
    failed = _calibrate(
        micrometer,
        by=metrology,
        on=today - dt.timedelta(days=min(3, today.day - 1)),
        points=[
            ("Length", "25.000", "0.002", "25.003", "25.000"),
            ("Length", "37.500", "0.002", "37.504", "37.501"),
            ("Length", "50.000", "0.002", "50.005", "50.001"),
        ],
        standards=[blocks],
        technician=metrology,
        adjusted=True,
        uncertainty=Decimal("0.0006"),
        note="Spindle worn; anvils relapped and zero reset.",
    )
    assessment = failed.assessments.get()
    services.item_add(
        assessment=assessment,
        by=qc,
        used_on=today - dt.timedelta(days=20),
        what="Final inspection",
        reference="Lot 24-1187",
        title="Housing H-220: outside Ø checked with MM-07 (10,000 pcs, shipped)",
    )
    services.item_add(
        assessment=assessment,
        by=qc,
        used_on=today - dt.timedelta(days=9),
        what="Final inspection",
        reference="Lot 24-1203",
        title="Housing H-220 (4,000 pcs, in the warehouse)",
        decision="hold",
        reason="Not shipped: held for re-inspection with a calibrated micrometer.",
    )
    from capa.models import Capa

    capa = Capa.objects.filter(customer_reference=COMPLAINT_CAPA_REFERENCE).first()
    if capa is not None:
        link_add(source=assessment, target=capa, by=qm, note="The gauge used at final inspection of the lot")

    # The rest of the register: a caliper checked out, a height gauge overdue, a bore gauge.
    caliper = services.instrument_create(
        by=metrology,
        tag="CAL-101",
        title="Digital caliper 0–150 mm",
        type_name="Caliper",
        measuring_range="0–150 mm",
        resolution="0.01 mm",
        location="Cell 4",
        interval_value=6,
        interval_unit="months",
        usage_limit=2000,
        owner=company.heads["PROD"],
        department=company.departments["PROD"],
    )
    caliper_points = [("Outside jaws", "100.00", "0.03", "100.01", None)]
    _calibrate(
        caliper,
        by=metrology,
        on=today - relativedelta(months=5, days=20),
        points=caliper_points,
        standards=[blocks],
        technician=metrology,
    )
    services.instrument_check_out(
        instrument=caliper, by=company.heads["PROD"], holder=company.users["eyilmaz"], note="Cell 4 set-up"
    )
    # Calibrated by the laboratory a year ago, due five days ago; the bore gauge's six-monthly
    # calibration lapsed six weeks ago (the story of the CAPA and the internal audit).
    for tag, title, type_name, location, months, points, lapsed in (
        (
            "HG-03",
            "Height gauge 0–300 mm",
            "Height gauge",
            "Quality lab",
            12,
            [("Height", "150.00", "0.02", "150.01", None)],
            5,
        ),
        (
            "BG-12",
            "Bore gauge Ø12 H7",
            "Bore gauge",
            "Cell 4",
            6,
            [("Bore Ø", "12.000", "0.002", "12.001", None)],
            45,
        ),
    ):
        gauge = services.instrument_create(
            by=metrology,
            tag=tag,
            title=title,
            type_name=type_name,
            location=location,
            source="external" if lab else "internal",
            lab=lab,
            interval_value=months,
            interval_unit="months",
            owner=qc,
            department=company.departments["QC"],
        )
        _calibrate(
            gauge,
            by=metrology,
            on=today - relativedelta(months=months, days=lapsed),
            points=points,
            lab=lab,
            technician=None if lab else metrology,
            standards=() if lab else [blocks],
            certificate_number=f"{tag}-{today.year - 1}" if lab else "",
        )

    _registered_at_their_first_calibration(
        [blocks, micrometer, caliper, *Instrument.objects.filter(tag__in=("HG-03", "BG-12"))]
    )
    _machines(company)


def _registered_at_their_first_calibration(instruments) -> None:
    """Each instrument in the register since its first calibration, as the story has it (they are
    loaded today): the KPI "Instruments overdue" counts an instrument from the day it was
    registered, so its months show the micrometer and the bore gauge lapsed in the autumn."""
    for instrument in instruments:
        first = (
            instrument.calibrations.order_by("calibrated_on").values_list("calibrated_on", flat=True).first()
        )
        if first is None:
            continue
        when = timezone.make_aware(dt.datetime.combine(first, dt.time(8, 0)))
        # Its history stays as recorded (today): the gate reads a day before it as the instrument
        # stands, which is what the story's calibrations, recorded today, made of it.
        Instrument.objects.filter(pk=instrument.pk).update(created_at=when)


def _machines(company) -> None:
    production, maintenance = company.heads["PROD"], company.heads["MAINT"]
    today = company.today
    cnc = services.machine_create(
        by=production,
        asset_number="CNC-04",
        title="CNC turning centre DMG MORI CLX 450",
        location="Cell 4",
        manufacturer="DMG MORI",
        model_name="CLX 450",
        serial_number="1187-2291",
        counter_unit="hours",
        counter_value=18450,
        owner=production,
        department=company.departments["PROD"],
    )
    spindle = services.plan_add(
        machine=cnc,
        by=production,
        name="Spindle maintenance",
        checklist="Check spindle run-out (≤ 3 µm)\nReplace spindle lubricant\nCheck drawbar clamping force\n"
        "Inspect spindle bearings for noise and temperature",
        interval_days=90,
        interval_counter=500,
        responsible=maintenance,
        next_due=today - dt.timedelta(days=130),
        postponement_limit=14,
    )
    services.maintenance_record(
        machine=cnc,
        plan=spindle,
        by=maintenance,
        done_on=today - dt.timedelta(days=130),
        done_by=maintenance,
        work_done="Spindle serviced to plan.",
        checklist_results={task: "done" for task in spindle.tasks},
        parts="Spindle grease Kluber NBU 15 (1 cartridge)",
        downtime_hours=Decimal("3.5"),
        counter_reading=17980,
    )
    spindle.refresh_from_db()
    # Twice postponed because of the backlog: 14 days, approved by the head; 14 more, 28 past the
    # original date and beyond the plan's limit, approved by the quality manager under pressure.
    for asked_ago, reason, approver in [
        (42, "Backlog: the Kessler rush order runs on cell 4 around the clock.", production),
        (
            27,
            "Backlog: lot 24-1187 must ship first; the spindle cannot stop this week.",
            company.quality_manager,
        ),
    ]:
        row = services.postponement_request(
            plan=spindle, by=maintenance, new_due=spindle.next_due + dt.timedelta(days=14), reason=reason
        )
        transition(obj=row, name="approve", by=approver, reason="Agreed: production first")
        Postponement.objects.filter(pk=row.pk).update(
            requested_on=today - dt.timedelta(days=asked_ago),
            decided_on=today - dt.timedelta(days=asked_ago - 1),
        )
        spindle.refresh_from_db()
    services.plan_add(
        machine=cnc,
        by=production,
        name="Coolant and way lube",
        checklist="Check coolant concentration\nTop up way lube\nClean chip conveyor",
        interval_days=30,
        responsible=maintenance,
        next_due=today + dt.timedelta(days=12),
        postponement_limit=7,
    )
    mill = services.machine_create(
        by=production,
        asset_number="CNC-05",
        title="Vertical machining centre Hermle C 22",
        location="Cell 5",
        manufacturer="Hermle",
        model_name="C 22",
        owner=production,
        department=company.departments["PROD"],
    )
    services.plan_add(
        machine=mill,
        by=production,
        name="Spindle maintenance",
        checklist="Check spindle run-out\nReplace spindle lubricant",
        interval_days=90,
        responsible=maintenance,
        next_due=today + dt.timedelta(days=40),
        postponement_limit=14,
    )
