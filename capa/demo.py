"""Demo records for the CAPA module: the story of DOMAIN.md. A customer rejects a shipped lot for
an oversize bore; the CAPA is under investigation, its 5 whys reach the supplier's material
substitution and the stale drawing at cell 4, its actions are in several states (one overdue). A
second CAPA, on a lapsed gauge calibration, is closed with its effectiveness check coming up."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from qms.services import attachment_add, record_create, record_transition

from . import services
from .models import Capa, Nonconformity


def load(company) -> None:
    qc, qm = company.heads["QC"], company.quality_manager
    purchasing, engineering = company.heads["PROC"], company.heads["ENG"]
    calibration = company.heads["CAL"]
    inspector, machinist = company.users["kmaier"], company.users["ozimmer"]

    # --- the customer complaint ---------------------------------------------------------------
    with company.on(-12):
        complaint = record_create(
            model=Nonconformity,
            by=qc,
            title="Bore diameter out of tolerance on shipped lot 24-1187",
            source=Nonconformity.Source.CUSTOMER,
            severity=Nonconformity.Severity.MAJOR,
            part="Housing H-220, bore Ø12 H7",
            lot="24-1187",
            quantity_affected=6200,
            description="Customer rejected 62% of lot 24-1187 (10,000 pcs): Ø12 H7 bore measured "
            "12.021–12.030 mm against 12.000–12.018 mm. Complaint KA-2291.",
            owner=qc,
            department=company.departments["QC"],
            due_date=company.days(7),
        )
        services.ncr_disposition(
            ncr=complaint,
            by=qc,
            disposition=Nonconformity.Disposition.SCRAP,
            note="Returned parts scrapped after sorting; good parts re-delivered from sorted stock.",
        )
        attachment_add(
            record=complaint,
            upload=_bore_photo(),
            by=qc,
            description="Returned part, bore gauge reading 12.027 mm",
        )

    with company.on(-11):
        capa = services.capa_create(
            by=qm,
            nonconformities=[complaint],
            title="Oversize bore on housing H-220 (customer complaint KA-2291)",
            kind=Capa.Kind.CORRECTIVE,
            source=Capa.Source.CUSTOMER,
            severity=Capa.Severity.MAJOR,
            description="A shipped lot was rejected for an oversize Ø12 H7 bore. Nobody broke a procedure; "
            "several small gaps lined up.",
            customer="Kessler Antriebstechnik GmbH",
            customer_reference="KA-2291",
            eight_d=True,
            owner=qc,
            department=company.departments["QC"],
            due_date=company.days(45),
        )
        record_transition(record=capa, name="contain", by=qc, reason="Customer complaint received")
        _link_story_documents(capa, by=qc)
        for text, owner, due, result in [
            (
                "Quarantine and 100% sort all H-220 stock and WIP",
                inspector,
                company.days(-10),
                "1,240 parts sorted, 310 rejected.",
            ),
            (
                "Inform the customer and agree on a replacement delivery",
                company.heads["SALES"],
                company.days(-9),
                "Replacement lot agreed for week 3.",
            ),
        ]:
            item = services.containment_add(capa=capa, by=qc, description=text, owner=owner, due_date=due)
            services.containment_update(containment=item, by=qc, status="done", result=result)
        services.containment_add(
            capa=capa,
            by=qc,
            description="Bore gauge check every 50 parts at cell 4 until the fix is in",
            owner=machinist,
            due_date=company.days(20),
        )

    with company.on(-10):
        record_transition(record=capa, name="investigate", by=qc, reason="Containment in place")
        for answer in [
            "The bore came out 0.02–0.03 mm oversize on lot 24-1187.",
            "The boring offsets were set for the usual bar stock; the new bars were a softer grade.",
            "The supplier substituted the raw material “within nominal tolerance”; "
            "nobody evaluated the change.",
            "Cell 4 still worked to drawing rev B: the released rev C (tighter bore, in-process check) "
            "never reached the workstation.",
            "Old drawing printouts are not withdrawn when a revision is released, and only 2 of 100,000 "
            "parts were sampled after the process changed.",
        ]:
            services.why_add(capa=capa, by=qc, answer=answer)
        for category, text, root in [
            ("material", "Supplier substituted the bar stock grade", True),
            ("method", "Stale drawing rev B at cell 4", True),
            ("measurement", "Sampling plan not reassessed after the process change (2 of 100,000)", False),
            ("measurement", "Calibration of bore gauge BG-12 had lapsed", False),
            ("man", "Only qualified setter off sick; no assessed backup", False),
            ("machine", "Preventive maintenance of the boring spindle postponed", False),
            ("environment", "Planning not updated after the customer moved delivery dates", False),
        ]:
            services.cause_add(capa=capa, by=qc, category=category, description=text, is_root_cause=root)
        services.capa_root_cause_set(
            capa=capa,
            by=qc,
            root_cause="An unevaluated supplier material substitution met a workstation still using "
            "the superseded drawing revision B.",
            cause_category="material",
        )
        services.discipline_set(
            capa=capa,
            by=qc,
            discipline="D1",
            text="Sofia Klein (QC, leader), Markus Weber (purchasing), Anna Hoffmann (engineering), "
            "Hannah Bauer (production).",
        )

    with company.on(-9):
        a1 = services.action_add(
            capa=capa,
            by=qc,
            kind="correction",
            title="Re-inspect all H-220 stock and WIP with the bore gauge",
            owner=inspector,
            due_date=company.days(-6),
        )
        a2 = services.action_add(
            capa=capa,
            by=qc,
            kind="corrective",
            title="Require supplier change notifications (PCN) in purchase conditions",
            owner=purchasing,
            due_date=company.days(14),
        )
        services.action_add(
            capa=capa,
            by=qc,
            kind="corrective",
            title="Withdraw old drawing copies at release; read-and-acknowledge for cell 4",
            owner=engineering,
            due_date=company.days(-4),
        )
        services.action_add(
            capa=capa,
            by=qc,
            kind="preventive",
            title="Reassess the bore sampling plan (ISO 2859-1) after process changes",
            owner=inspector,
            due_date=company.days(30),
        )
    with company.on(-7):
        services.action_update(
            action=a1, by=inspector, status="done", evidence="Inspection record IR-2291, 1,240 pcs."
        )
        services.action_update(action=a2, by=purchasing, status="in_progress", evidence="")

    # --- a closed CAPA with its effectiveness check coming up ---------------------------------
    with company.on(-95):
        gauge = record_create(
            model=Nonconformity,
            by=calibration,
            title="Bore gauge BG-12 used past its calibration due date",
            source=Nonconformity.Source.CALIBRATION,
            severity=Nonconformity.Severity.MINOR,
            part="Bore gauge BG-12",
            description="BG-12 was found 3 weeks past its calibration date; as-found within tolerance.",
            cause_category="measurement",
            owner=calibration,
            department=company.departments["CAL"],
            due_date=company.days(-20),
        )
        services.ncr_disposition(
            ncr=gauge,
            by=calibration,
            disposition=Nonconformity.Disposition.CONCESSION,
            note="As-found in tolerance: measurements since the last calibration stand (QM).",
        )
        record_transition(record=gauge, name="close", by=calibration, reason="Impact assessed")

    with company.on(-90):
        closed = services.capa_create(
            by=calibration,
            nonconformities=[gauge],
            title="Gauges used past their calibration date",
            kind=Capa.Kind.CORRECTIVE,
            source=Capa.Source.CALIBRATION,
            severity=Capa.Severity.MINOR,
            description="Calibration due dates were tracked in a spreadsheet nobody was alerted from.",
            owner=calibration,
            department=company.departments["CAL"],
            due_date=company.days(-10),
        )
        record_transition(record=closed, name="investigate", by=calibration)
        services.why_add(capa=closed, by=calibration, answer="Nobody was reminded of the due date.")
        services.capa_root_cause_set(
            capa=closed,
            by=calibration,
            root_cause="No due-date alert for calibrations.",
            cause_category="measurement",
        )
        record_transition(record=closed, name="plan_actions", by=calibration)

    with company.on(-80):
        action = services.action_add(
            capa=closed,
            by=calibration,
            kind="corrective",
            title="Remind the calibration team before each gauge's due date",
            owner=calibration,
            due_date=company.days(-40),
        )

    with company.on(-45):
        services.action_update(
            action=action,
            by=calibration,
            status="done",
            evidence="Each gauge's calibration due date is now a reminder to the calibration team "
            "two weeks ahead.",
        )

    with company.on(-40):
        services.capa_verification_start(
            capa=closed,
            by=calibration,
            planned_date=company.days(21),
            criteria="No gauge used past its due date in the next 3 months (calibration records).",
            verifier=qm,
        )

    with company.on(-38):
        services.capa_close(
            capa=closed,
            by=calibration,
            risks_change=False,
            documents_change=True,
            documents_note="Calibration procedure QP-7.1.5 rev 3 issued.",
        )

    # --- a supplier NCR still open, overdue ----------------------------------------------------
    with company.on(-19):
        record_create(
            model=Nonconformity,
            by=company.users["dlang"],
            title="Surface rust on bar stock delivery 4471 (IQC)",
            source=Nonconformity.Source.SUPPLIER,
            severity=Nonconformity.Severity.MINOR,
            part="Bar stock 42CrMo4 Ø20",
            lot="4471",
            quantity_affected=40,
            description="Incoming inspection found surface rust on 40 of 300 bars.",
            owner=company.users["dlang"],
            department=company.departments["QC"],
            due_date=company.days(-5),
        )


def _link_story_documents(capa, *, by) -> None:
    """Link the complaint's CAPA to the drawing that did not reach cell 4 (document demo)."""
    from django.apps import apps

    from qms.services import link_add

    if not apps.is_installed("documents"):
        return
    from documents.models import Document

    drawing = Document.objects.filter(number="DRW-40512").first()
    if drawing is not None:
        link_add(source=capa, target=drawing, by=by, note="Cell 4 worked to superseded rev B")


def _bore_photo() -> SimpleUploadedFile:
    """A small picture for the complaint NCR: a housing with its bore and the gauge reading."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (228, 230, 233))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 420, 260), fill=(160, 166, 173), outline=(90, 95, 100), width=4)
    draw.ellipse((190, 110, 290, 210), fill=(60, 63, 66), outline=(30, 30, 30), width=3)
    draw.rectangle((300, 24, 470, 56), fill=(255, 255, 255), outline=(200, 30, 30), width=3)
    draw.text((310, 32), "Ø 12.027 mm  NOK", fill=(200, 30, 30))
    draw.text((70, 272), "H-220, lot 24-1187, returned part 17", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("KA-2291 returned part 17.png", buffer.getvalue(), content_type="image/png")
