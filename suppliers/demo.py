"""Demo records of the supplier module, the first gap of DOMAIN.md's story: the bar-stock
supplier notified that it changed its steel mill ("within nominal tolerance"); the change is open,
not evaluated, and affects the housing H-220 of the customer complaint and its drawing DRW-40512.
Its rusty delivery 4471 (the IQC NCR of the CAPA demo) has a SCAR, sent and now late. The zinc
plater is conditional on its own since its ISO 9001 certificate expired; the calibration
laboratory holds its ISO/IEC 17025 accreditation (the calibration demo looks it up by name)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone

from qms.demo import DEMO_PASSWORD, backdate, happened_on
from qms.services import child_add, link_add

from . import services
from .models import Supplier, SupplierContact

BAR_STOCK = "Hüttenstahl Brenner GmbH"
PLATER = "Galvanik Schmitt GmbH & Co. KG"
CALIBRATION_LAB = "Präzisa Kalibrierdienst GmbH"

SUPPLIERS = [
    # name, VAT, tier, calibration lab, supplies, processes, part numbers, country, contact
    (
        BAR_STOCK,
        "DE811234567",
        "critical",
        False,
        "Bar stock 42CrMo4 and C45, Ø10–Ø60, drawn and peeled",
        "Cutting to length",
        "Bar stock 42CrMo4 Ø20\nH-220\nH-240",
        "Germany",
        ("Petra Brenner", "Quality manager", "p.brenner@huettenstahl-brenner.example"),
    ),
    (
        PLATER,
        "DE298765432",
        "major",
        False,
        "Zinc and zinc-nickel plating of machined parts",
        "Electroplating, passivation",
        "B-115\nB-118",
        "Germany",
        ("Jan Schmitt", "Managing director", "j.schmitt@galvanik-schmitt.example"),
    ),
    (
        CALIBRATION_LAB,
        "DE304455667",
        "major",
        True,
        "Calibration of dimensional gauges, torque tools and reference standards",
        "Calibration (DAkkS accredited)",
        "",
        "Germany",
        ("Dr. Irene Falk", "Head of laboratory", "labor@praezisa-kalibrierdienst.example"),
    ),
    (
        "Schrauben Krause GmbH",
        "DE123498765",
        "minor",
        False,
        "Standard fasteners (ISO 4762, ISO 7380)",
        "",
        "",
        "Germany",
        ("Tom Krause", "Sales", "t.krause@schrauben-krause.example"),
    ),
    (
        "Alu-Profile Nord GmbH",
        "DE556677889",
        "major",
        False,
        "Aluminium bar and profiles EN AW-6082",
        "Extrusion, sawing",
        "A-300",
        "Germany",
        ("Lena Hansen", "Quality", "quality@aluprofile-nord.example"),
    ),
]


def load(company) -> None:
    purchasing, qm = company.heads["PROC"], company.quality_manager
    proc = company.departments["PROC"]
    made: dict[str, Supplier] = {}
    for name, vat, tier, lab, supplies, processes, parts, country, contact in SUPPLIERS:
        supplier = services.supplier_create(
            by=purchasing,
            name=name,
            vat_number=vat,
            tier=tier,
            calibration_lab=lab,
            commodities=supplies,
            processes=processes,
            part_numbers=parts,
            country=country,
            owner=purchasing,
            department=proc,
        )
        person, role, email = contact
        child_add(
            model=SupplierContact,
            by=purchasing,
            supplier=supplier,
            name=person,
            role=role,
            email=email,
            quality_contact=True,
        )
        made[name] = supplier

    # Certificates: ISO 9001 for all but the fastener dealer (minor tier needs none); the lab's
    # 17025 accreditation; the plater's ISO 9001 expired ten days ago.
    for name, supplier in made.items():
        if name == "Schrauben Krause GmbH":
            continue
        expires = company.days(-10) if name == PLATER else company.days(400)
        services.certificate_add(
            by=purchasing,
            supplier=supplier,
            kind="iso9001",
            number=f"QM-{supplier.pk:03d}-2023",
            issuer="TÜV Rheinland Cert GmbH" if name != CALIBRATION_LAB else "DQS GmbH",
            scope=supplier.commodities[:300],
            issued_on=(expires - dt.timedelta(days=3 * 365)),
            expires_on=expires,
        )
    services.certificate_add(
        by=purchasing,
        supplier=made[CALIBRATION_LAB],
        kind="iso17025",
        number="D-K-15092-01-00",
        issuer="DAkkS (Deutsche Akkreditierungsstelle)",
        scope="Length: gauge blocks, micrometers, bore gauges, callipers; torque 1–1000 N·m",
        issued_on=company.days(-700),
        expires_on=company.days(1100),
    )

    # Approvals by the quality manager (signed), and an evaluation each, last spring.
    for name in (BAR_STOCK, PLATER, CALIBRATION_LAB, "Schrauben Krause GmbH", "Alu-Profile Nord GmbH"):
        supplier = made[name]
        if name == PLATER:
            # Approved while its certificate was valid: lift the expiry for the moment of approval.
            certificate = supplier.certificates.get(kind="iso9001")
            backdate(certificate, expires_on=company.days(30))
            services.supplier_approve(
                supplier=supplier, by=qm, password=DEMO_PASSWORD, reason="Initial approval"
            )
            backdate(certificate, expires_on=company.days(-10))
        else:
            services.supplier_approve(
                supplier=supplier, by=qm, password=DEMO_PASSWORD, reason="Initial approval"
            )
        score = {BAR_STOCK: (4, 4, 3, 4), PLATER: (3, 4, 3, 3), CALIBRATION_LAB: (5, 4, 5, 5)}.get(
            name, (4, 4, 4, 4)
        )
        services.evaluation_record(
            supplier=supplier,
            by=purchasing,
            evaluated_on=company.days(-200),
            evaluator=purchasing,
            criteria=list(
                zip(
                    [
                        "Quality (rejections, NCRs)",
                        "Delivery (on time, complete)",
                        "Responsiveness",
                        "Cooperation",
                    ],
                    [40, 30, 15, 15],
                    score,
                    strict=True,
                )
            ),
            note="Annual evaluation.",
        )
    # A prospective supplier, proposed by purchasing, not approved yet.
    services.supplier_create(
        by=purchasing,
        name="Laserteile Vogt e.K.",
        vat_number="DE667788990",
        tier="minor",
        commodities="Laser-cut sheet metal blanks",
        country="Germany",
        owner=purchasing,
        department=proc,
    )
    # The morning job: the plater's expired ISO 9001 makes it conditional on its own.
    services.certificates_expire()

    _steel_mill_change(company, made[BAR_STOCK])
    _rust_scar(company, made[BAR_STOCK])


def _steel_mill_change(company, supplier: Supplier) -> None:
    """The notification nobody evaluated: open, and holding back lots of H-220."""
    purchasing = company.heads["PROC"]
    change = services.change_create(
        by=purchasing,
        supplier=supplier,
        kind="material",
        source="notified",
        title="Steel mill changed for 42CrMo4 bar stock (“within nominal tolerance”)",
        description="Letter of the supplier: from the next deliveries the 42CrMo4 Ø20 bars come from "
        "another steel mill. Chemical composition and hardness “within nominal tolerance” of EN 10083-3. "
        "No samples sent.",
        received_on=company.days(-40),
        effective_from=company.days(-35),
        affected_parts="Bar stock 42CrMo4 Ø20\nH-220",
        owner=company.quality_manager,  # quality evaluates and decides it
        department=company.departments["PROC"],
        due_date=company.days(-26),
    )
    backdate(change, created_at=timezone.now() - dt.timedelta(days=40))
    if apps.is_installed("documents"):
        from documents.models import Document

        drawing = Document.objects.filter(number="DRW-40512").first()
        if drawing is not None:
            link_add(source=change, target=drawing, by=purchasing, note="Machined from the changed bar stock")


def _rust_scar(company, supplier: Supplier) -> None:
    """The IQC NCR of the rusty delivery names the bar-stock supplier; a SCAR went out and is late."""
    from capa.models import Nonconformity

    ncr = Nonconformity.objects.filter(title__startswith="Surface rust on bar stock delivery 4471").first()
    qc_head = company.heads["QC"]
    if ncr is not None:
        link_add(source=ncr, target=supplier, by=ncr.owner, note="Supplier of the delivery")
    contact = supplier.contacts.first()
    # Raised three weeks ago, sent the next day with two weeks to answer: six days late now, as its
    # page, its history and the email the supplier got all say.
    with happened_on(company.days(-21), dt.time(10, 0)):
        scar = services.scar_create(
            by=qc_head,
            supplier=supplier,
            contact=contact,
            title="SCAR: surface rust on bar stock delivery 4471",
            problem="Incoming inspection found surface rust on 40 of 300 bars 42CrMo4 Ø20, delivery 4471 "
            "(NCR " + (ncr.reference if ncr else "") + "). Bars were stored outdoors or packed wet.",
            owner=qc_head,
            department=company.departments["QC"],
        )
        if ncr is not None:
            link_add(source=scar, target=ncr, by=qc_head, note="Raised from the IQC NCR")
    with happened_on(company.days(-20), dt.time(8, 30)):
        services.scar_send(scar=scar, by=qc_head, due_date=company.days(-6))
