"""Demo documents for the demo company: a quality manual, procedures, work instructions, a form,
an external standard, and drawing DRW-40512 at revision C whose revision B is superseded while
one machinist (Emre Yilmaz, cell 4) has not yet acknowledged C — gap 2 of the story."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from qms.demo import DEMO_PASSWORD
from qms.models import Role
from qms.pdf import render_pdf
from qms.services import record_update

from . import services
from .models import Acknowledgment, Document, DocumentType


def _pdf(document: Document, label: str, summary: str, sections) -> SimpleUploadedFile:
    pdf = render_pdf(
        "documents/demo_document.html",
        {
            "number": document.number,
            "title": document.title,
            "doc_type": document.get_doc_type_display(),
            "label": label,
            "summary": summary,
            "sections": sections,
        },
    )
    return SimpleUploadedFile(f"{document.number} rev {label}.pdf", pdf, content_type="application/pdf")


def _sign(revision, user, meaning: str) -> None:
    services.revision_sign(revision=revision, by=user, password=DEMO_PASSWORD, meaning=meaning)


def _revision(document, *, author, approvers, summary, sections, label=None, reviewers=(), approve=True):
    """Draft → review → approval (→ effective) through the services, with a real PDF."""
    label = label or services.next_label(document)
    revision = services.revision_create(
        document=document,
        by=author,
        label=label,
        change_summary=summary,
        file=_pdf(document, label, summary, sections),
    )
    services.revision_submit(revision=revision, by=author, reviewers=reviewers, approvers=approvers)
    for user in reviewers:
        _sign(revision, user, "reviewed")
    if approve:
        for user in approvers:
            _sign(revision, user, "approved")
    revision.refresh_from_db()
    return revision


def _document(company, *, owner, dept, people=(), departments=(), roles=(), **fields) -> Document:
    return services.document_create(
        by=owner,
        owner=owner,
        department=company.departments[dept],
        distribution_people=[company.users[u] for u in people],
        distribution_departments=[company.departments[d] for d in departments],
        distribution_roles=list(roles),
        **fields,
    )


def load(company) -> None:
    qm = company.quality_manager
    u = company.users
    h = company.heads

    manual = _document(
        company,
        owner=qm,
        dept="QM",
        roles=[Role.DEPARTMENT_HEAD, Role.QUALITY_MANAGER],
        number="QM-001",
        title="Quality manual",
        doc_type=DocumentType.POLICY,
        scope="Scope of the QMS, quality policy, process map and responsibilities (ISO 9001 4–10).",
        review_period_months=12,
    )
    _revision(
        manual,
        author=qm,
        approvers=[company.top_management],
        summary="Issue 1: quality policy and process map.",
        sections=[
            (
                "Scope",
                "Precision machining and assembly of steel and aluminium parts for industrial customers.",
            ),
            ("Quality policy", "We deliver parts right first time, on time, and improve every month."),
        ],
    )

    doc_control = _document(
        company,
        owner=qm,
        dept="QM",
        roles=[Role.DEPARTMENT_HEAD],
        number="QP-7.5-01",
        title="Control of documented information",
        doc_type=DocumentType.PROCEDURE,
        processes="All processes",
        review_period_months=24,
    )
    _revision(
        doc_control,
        author=qm,
        reviewers=[h["ENG"]],
        approvers=[company.top_management],
        summary="Issue 1.",
        sections=[
            ("Purpose", "How documents are numbered, reviewed, approved, distributed and withdrawn."),
            ("Approval", "Procedures are approved by the quality manager with an electronic signature."),
        ],
    )

    ncr_proc = _document(
        company,
        owner=h["QC"],
        dept="QC",
        departments=["QC", "PROD"],
        number="QP-8.7-01",
        title="Control of nonconforming output",
        doc_type=DocumentType.PROCEDURE,
        processes="IPQC, OQC, customer complaints",
        review_period_months=24,
    )
    _revision(
        ncr_proc,
        author=h["QC"],
        approvers=[qm],
        summary="Issue 1.",
        sections=[("Identification", "Nonconforming parts are tagged red and moved to the quarantine rack.")],
    )

    wi = _document(
        company,
        owner=h["PROD"],
        dept="PROD",
        departments=["PROD"],
        number="WI-PROD-012",
        title="CNC turning of bracket 40512",
        doc_type=DocumentType.WORK_INSTRUCTION,
        requires_training=True,
        processes="CNC turning",
        workstations="Cell 3, Cell 4",
        review_period_months=12,
    )
    _revision(
        wi,
        author=h["PROD"],
        approvers=[qm],
        summary="Issue 1.",
        sections=[
            ("Set-up", "Clamp in soft jaws, zero on the datum face A."),
            ("Checks", "Bore every 20th part."),
        ],
    )
    _revision(
        wi,
        author=h["PROD"],
        approvers=[qm],
        summary="Bore check every 10th part after the process change on cell 4.",
        sections=[
            ("Set-up", "Clamp in soft jaws, zero on the datum face A."),
            ("Checks", "Bore every 10th part."),
        ],
    )
    # Revision 3 is reviewed and waits for the quality manager's approval ("My work").
    _revision(
        wi,
        author=h["PROD"],
        reviewers=[u["nroth"]],
        approvers=[qm],
        summary="New insert grade; cutting data updated.",
        sections=[("Cutting data", "Vc 180 m/min, f 0.12 mm/rev with insert grade P25.")],
        approve=False,
    )

    # The drawing has a past, told on its own dates: released two years ago, the chamfer in
    # March, the tighter bore last week (every record, signature, upload and history row of a
    # revision carries the day it happened).
    with company.on(-705):
        drawing = _document(
            company,
            owner=u["nroth"],
            dept="ENG",
            people=["ozimmer", "eyilmaz", "kmaier", "dlang"],
            number="DRW-40512",
            title="Bracket, machined",
            doc_type=DocumentType.DRAWING,
            requires_training=True,  # a tightened tolerance is trained, not only read
            processes="CNC turning, IPQC",
            workstations="Cell 3, Cell 4, IPQC bench",
            review_period_months=36,
        )
    for days, summary, bore in (
        (-700, "First release.", "Ø12 H8"),
        (-240, "Chamfer 0.5×45° added on the bore.", "Ø12 H8"),
        (-5, "Bore tolerance tightened to Ø12 H7 at the customer's request.", "Ø12 H7"),
    ):
        with company.on(days):
            _revision(
                drawing,
                author=u["nroth"],
                reviewers=[h["QC"]],
                approvers=[h["ENG"]],
                summary=summary,
                sections=[("Bore", f"{bore}, Ra 0.8"), ("Material", "S355J2+N")],
            )
    current = drawing.revisions.get(status="effective")
    for days, username in ((-4, "ozimmer"), (-4, "kmaier"), (-3, "dlang")):
        with company.on(days, dt.time(7, 30)):
            services.acknowledgment_confirm(ack=current.acknowledgments.get(user=u[username]), by=u[username])
    # Emre Yilmaz at cell 4 has not acknowledged revision C: he may still work to B.
    assert Acknowledgment.objects.filter(revision=current, user=u["eyilmaz"], status="pending").exists()
    services.change_request_raise(
        document=drawing,
        by=u["kmaier"],
        reason="Add the inspection characteristic numbers (balloons) for the first-article report.",
    )

    inspection = _document(
        company,
        owner=h["QC"],
        dept="QC",
        departments=["QC"],
        number="WI-QC-004",
        title="First-article inspection (IPQC)",
        doc_type=DocumentType.WORK_INSTRUCTION,
        workstations="IPQC bench",
        review_period_months=12,
    )
    _revision(
        inspection,
        author=h["QC"],
        approvers=[qm],
        summary="Issue 1.",
        sections=[("Frequency", "First part of every lot and after every tool change.")],
    )
    # Its periodic review is overdue (aligned with last year's audit programme).
    inspection.refresh_from_db()
    record_update(
        record=inspection,
        by=h["QC"],
        reason="Review date aligned with the audit programme",
        due_date=company.days(-4),
    )

    form = _document(
        company,
        owner=h["QC"],
        dept="QC",
        departments=["QC"],
        number="F-QC-011",
        title="First-article inspection report",
        doc_type=DocumentType.FORM,
        review_period_months=24,
    )
    _revision(
        form,
        author=h["QC"],
        approvers=[qm],
        summary="Issue 1.",
        sections=[("Fields", "Part number, drawing revision, characteristic, nominal, tolerance, measured.")],
    )

    standard = _document(
        company,
        owner=h["QC"],
        dept="QC",
        people=["kmaier", "dlang"],
        number="EXT-ISO-2859-1",
        title="Sampling procedures for inspection by attributes — Part 1 (AQL)",
        doc_type=DocumentType.EXTERNAL,
        issuer="ISO",
        review_period_months=36,
    )
    _revision(
        standard,
        author=h["QC"],
        approvers=[qm],
        label="1999+A1:2011",
        summary="Edition in use; licensed copy held by QC.",
        sections=[("Note", "Reference copy register entry; the licensed PDF is held by the QC supervisor.")],
    )
