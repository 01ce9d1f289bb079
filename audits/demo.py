"""The demo company's internal audits and risk register: last year's programme with its eight
audits done (the calibration audit's major finding became the gauge CAPA), this year's with the
purchasing audit overdue, one under way and one coming; and a register whose top risk — heat
treatment hangs on one qualified person — was proposed by the training module's coverage alarm
and accepted by the production manager."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from qms import history
from qms.demo import backdate
from qms.models import Process
from qms.services import link_on_behalf, record_create, record_transition

from . import services
from .models import Audit, ChecklistItem, Finding, Proposal, Risk, RiskAction, RiskAssessment
from .services.audits import auditor_competence
from .services.signals import from_coverage_alarm

# Last year: (month, process, lead, clauses, findings [(grade, clause, title, evidence)])
LAST_YEAR = [
    (
        2,
        "Purchasing",
        "nroth",
        ["8.4", "7.5"],
        [
            (
                "minor",
                "8.4",
                "Two suppliers without a current evaluation",
                "Supplier list: Stahlhandel Nord and Härterei Süd last evaluated 2022.",
            )
        ],
    ),
    (
        3,
        "CNC turning",
        "qm",
        ["8.5", "7.5", "7.2"],
        [
            (
                "observation",
                "7.5",
                "Drawing copies kept in a drawer at cell 4",
                "Uncontrolled printouts of DRW-40512 found in the cell 4 drawer; none in use.",
            )
        ],
    ),
    (4, "Heat treatment", "qm", ["8.5", "7.2", "7.1.5"], []),
    (
        5,
        "Calibration",
        "nroth",
        ["7.1.5"],
        [
            (
                "major",
                "7.1.5",
                "Gauges used past their calibration date",
                "Bore gauge BG-12 used on lot 24-1187, six weeks past its due date; "
                "due dates kept in a spreadsheet.",
            )
        ],
    ),
    (6, "Incoming inspection (IQC)", "nroth", ["8.4", "8.6"], []),
    (
        8,
        "Order review",
        "qm",
        ["8.2"],
        [
            (
                "ofi",
                "8.2",
                "Confirm changed delivery dates to planning in writing",
                "Two customer date changes in June reached planning by phone only.",
            )
        ],
    ),
    (9, "Final inspection (OQC)", "nroth", ["8.6", "8.7"], []),
    (10, "Training and competence", "qm", ["7.2", "7.3"], []),
]


def load(company) -> None:
    from training.models import Competence

    today = company.today
    qm, hr = company.quality_manager, company.heads["HR"]
    competence = Competence.objects.filter(title=auditor_competence()).first()
    if competence is None:  # the training module's catalogue is not there: no auditor can be qualified
        return
    _qualify(company, competence, "nroth", today - relativedelta(months=30), by=hr)
    _qualify(company, competence, "qm", today - relativedelta(years=4), by=hr)  # requalified a year ago
    people = {**company.users, "qm": qm}
    processes = {p.name: p for p in Process.objects.all()}

    # --- last year: eight audits done, the year closed ------------------------------------------
    last = today.year - 1
    programme = record_create(
        model=_programme_model(),
        by=qm,
        title=f"Internal audit programme {last}",
        year=last,
        owner=qm,
        department=company.departments["QM"],
        due_date=dt.date(last, 12, 31),
        notes="Every process once a year; calibration and purchasing first after last year's NCRs.",
    )
    major = None
    for month, name, lead, clauses, findings in LAST_YEAR:
        day = dt.date(last, month, 14)
        audit = _audit(programme, processes[name], people[lead], clauses, day, by=qm)
        made = _run(audit, people[lead], findings, day)
        major = next((f for f in made if f.grade == Finding.Grade.MAJOR), major)
        for finding in made:
            # The minor one waits for its CAPA still: purchasing is audited again this year.
            if not finding.needs_action:
                record_transition(record=finding, name="close", by=qm, reason="Answered by the auditee")
    _major_became_the_gauge_capa(major, qm)
    for audit in programme.audits.filter(status="reported"):
        if not audit.findings.filter(status="open").exists():
            record_transition(record=audit, name="close", by=qm)
    record_transition(record=programme, name="close", by=qm)

    # --- this year: one done, one overdue, one under way, one coming ----------------------------
    year = today.year
    current = record_create(
        model=_programme_model(),
        by=qm,
        title=f"Internal audit programme {year}",
        year=year,
        owner=qm,
        department=company.departments["QM"],
        due_date=dt.date(year, 12, 31),
        notes=(
            "Heat treatment every six months: its top risk scores 20. "
            "Purchasing after last year's minor finding."
        ),
    )
    start = dt.date(year, 1, 2)
    done = _audit(
        current, processes["Heat treatment"], qm, ["7.2", "8.5"], max(start, today - dt.timedelta(60)), by=qm
    )
    _run(done, qm, [], done.due_date)
    record_transition(record=done, name="close", by=qm)
    overdue = _audit(
        current,
        processes["Purchasing"],
        people["nroth"],
        ["8.4"],
        max(start, today - dt.timedelta(20)),
        by=qm,
        title="Purchasing: supplier changes and evaluations (8.4)",
    )
    under_way = _audit(
        current,
        processes["CNC turning"],
        people["sklein"],
        ["7.5", "8.5"],
        max(start, today - dt.timedelta(1)),
        by=qm,
        title="Document control at the cells (7.5)",
    )
    record_transition(record=under_way, name="start", by=people["sklein"])
    first = under_way.items.order_by("position").first()
    first.answer, first.notes = ChecklistItem.Answer.CONFORMING, "Cell 3: revision C at the machine."
    history.save(first, by=people["sklein"], reason="Answered")
    _audit(
        current,
        processes["Internal audit"],
        people["sklein"],
        ["9.2"],
        today + dt.timedelta(14),
        by=qm,
        title="The internal audit process itself (9.2)",
    )
    assert overdue.is_overdue or overdue.due_date >= today

    # --- the risk register -----------------------------------------------------------------------
    _register(company, processes)


def _programme_model():
    from .models import Programme

    return Programme


def _qualify(company, competence, username, on, *, by) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils.html import escape
    from weasyprint import HTML

    from training import services as training

    person = company.quality_manager if username == "qm" else company.users[username]
    file = training.file_for(person, by=by)
    # The competence qualifies on a certificate held: the academy's, kept with the record.
    certificate = HTML(
        string=f"<h1>TÜV academy</h1><p>{escape(person.get_full_name())} completed “{escape(competence)}” "
        f"on {on:%-d %B %Y}.</p>"
    ).write_pdf()
    training.training_record_add(
        file=file,
        by=by,
        competence=competence,
        trained_on=on,
        method="external",
        provider="TÜV academy",
        result="passed",
        level=2,
        evidence=SimpleUploadedFile(
            f"Certificate {person.last_name}.pdf", certificate, content_type="application/pdf"
        ),
    )


def _audit(programme, process, lead, clauses, day, *, by, title=""):
    return services.audit_plan(
        by=by,
        programme=programme,
        owner=lead,
        clauses=clauses,
        audited_departments=[process.department],
        process=process,
        title=title or f"{process.name}: process audit",
        department=programme.department,
        due_date=day,
        criteria="ISO 9001:2015 and the company's procedures",
    )


def _run(audit: Audit, lead, findings, day: dt.date) -> list[Finding]:
    """Start, answer, find and report an audit on its planned day."""
    record_transition(record=audit, name="start", by=lead)
    clauses_found = {clause for _, clause, _, _ in findings}
    for item in audit.items.all():
        item.answer = "finding" if item.clause in clauses_found else "conforming"
        item.notes = "Records sampled: three of the last month." if item.answer == "conforming" else ""
        history.save(item, by=lead, reason="Answered")
    made = []
    for grade, clause, title, evidence in findings:
        department = audit.audited_departments.get()
        made.append(
            services.finding_record(
                by=lead,
                audit=audit,
                grade=grade,
                clause=clause,
                title=title,
                evidence=evidence,
                owner=department.head or lead,
                department=department,
                due_date=day + dt.timedelta(days=14 if grade == "major" else 30),
                item=audit.items.filter(clause=clause).first(),
            )
        )
    summary = (
        f"{len(made)} finding{'s' if len(made) != 1 else ''}; the rest of the scope conforms."
        if made
        else "The scope conforms; no findings."
    )
    services.audit_report(audit=audit, by=lead, summary=summary)
    backdate(audit, started_on=day, reported_on=day + dt.timedelta(days=2))
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    Finding.objects.filter(audit=audit).update(created_at=when)
    Audit.history.filter(id=audit.pk).update(history_date=when)
    audit.refresh_from_db()
    return made


def _major_became_the_gauge_capa(major: Finding | None, qm) -> None:
    """The calibration audit's major finding is what the gauge CAPA answered; that CAPA is closed,
    so the finding is too."""
    from capa.models import Capa

    if major is None:
        return
    capa = Capa.objects.filter(title="Gauges used past their calibration date").first()
    if capa is None:
        return
    link_on_behalf(source=capa, target=major, by=qm, note="Raised from here")
    if capa.is_closed:
        record_transition(record=major, name="close", by=qm, reason=f"Closed with {capa.reference}")


def _written_on(risk: Risk, day: dt.date) -> None:
    """The risk's rows just written, dated on the story's ``day`` as its assessment is: recorded
    at last year's review, re-assessed in the autumn. The KPI "Risks above the threshold" reads
    each month from the risks' history."""
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    Risk.history.filter(id=risk.pk, history_date__gt=when).update(history_date=when)
    Risk.objects.filter(pk=risk.pk, created_at__gt=when).update(created_at=when)


def _register(company, processes) -> None:
    """The register as written at last year's review, re-assessed since; and the top risk, proposed
    by the coverage alarm of heat treatment and accepted by the production manager."""
    from capa.models import Capa
    from training.models import Competence

    today = company.today
    year_ago = today - relativedelta(years=1)
    rows = [
        (
            "Supplier substitutes material without notification",
            "Purchasing",
            "PROC",
            (2, 4),
            (3, 4),
            "A supplier changed bar stock 'within tolerance'; nobody evaluated the change (8.4).",
        ),
        (
            "Gauge used past its calibration date",
            "Calibration",
            "CAL",
            (4, 4),
            (2, 4),
            "Measurements with an overdue gauge prove nothing (7.1.5). Lower since due-date alerts.",
        ),
        (
            "Old drawing revision at a workstation",
            "CNC turning",
            "PROD",
            (3, 3),
            (3, 3),
            "A revised drawing not withdrawn at every cell (7.5.3).",
        ),
        (
            "Sampling not reassessed after a process change",
            "Final inspection (OQC)",
            "QC",
            (2, 3),
            (3, 3),
            "Two parts inspected out of 100,000 after the process changed (8.6).",
        ),
    ]
    risks = {}
    for title, process, code, before, now, description in rows:
        owner = company.heads[code]
        risk = services.risk_record(
            by=owner,
            title=title,
            process=processes[process],
            owner=owner,
            department=company.departments[code],
            likelihood=before[0],
            severity=before[1],
            description=description,
            note="Management review",
            due_date=today + dt.timedelta(days=120),
        )
        RiskAssessment.objects.filter(risk=risk).update(assessed_on=year_ago)
        _written_on(risk, year_ago)
        if now != before:
            services.risk_assess(
                risk=risk,
                by=owner,
                likelihood=now[0],
                severity=now[1],
                on=today - dt.timedelta(days=60),
                note="Re-assessed after the CAPA",
                next_review=today + dt.timedelta(days=120),
            )
            _written_on(risk, today - dt.timedelta(days=60))
        risks[title] = risk
    opportunity = services.risk_record(
        by=company.heads["CAL"],
        title="Gauges recalled automatically from the QMS",
        kind=Risk.Kind.OPPORTUNITY,
        process=processes["Calibration"],
        owner=company.heads["CAL"],
        department=company.departments["CAL"],
        likelihood=4,
        severity=3,
        description="Due-date alerts could also lock the gauge at the crib.",
    )
    RiskAssessment.objects.filter(risk=opportunity).update(assessed_on=year_ago)
    _written_on(opportunity, year_ago)
    capa = Capa.objects.filter(title="Gauges used past their calibration date").first()
    if capa is not None:
        link_on_behalf(
            source=capa,
            target=risks["Gauge used past its calibration date"],
            by=company.quality_manager,
            note="Treated by this CAPA",
        )

    # Heat treatment hangs on one person: the alarm proposed it, the production manager accepted.
    heat = Competence.objects.filter(title__startswith="Heat treatment", alarms__status="open").first()
    if heat is None:
        return
    from_coverage_alarm(competence_id=heat.pk)
    proposal = Proposal.objects.get(kind=Proposal.Kind.COVERAGE, source_id=heat.pk, status="proposed")
    head = company.heads["PROD"]
    services.proposal_accept(
        proposal=proposal,
        by=head,
        title="Sole qualified person in heat treatment",
        process=heat.process,
        owner=head,
        likelihood=4,
        severity=5,
        note="Only Oliver Zimmer is qualified on the furnace, and he is away this week: hardening stops.",
    )
    risk = Proposal.objects.get(pk=proposal.pk).risk
    from qms.services import child_add

    child_add(
        model=RiskAction,
        by=head,
        risk=risk,
        title="Qualify Emre Yilmaz on the furnace (assessed backup)",
        owner=head,
        due_date=today + dt.timedelta(days=30),
    )
