"""The internal audits and risks share of the ten-year archive: an audit programme a year (ten, the
last still active) with the company's own checklist questions, 60 internal audits a year (600:
every process audited about twice a year, one audit in four of the system clauses), each answered
against about ten checklist questions (about 5,600), 2,000 findings (the major and minor ones linked to the
CAPA that closed them, when the archive has CAPAs), almost all closed; this year's audits planned,
a few overdue, a few under way. A register of 800 risks and opportunities on the processes,
re-assessed about every year (about 4,000 assessments) with 750 actions, and 400 proposals live
records made to it (a CAPA, repeated NCRs, a supplier change, an out-of-tolerance gauge, a coverage
alarm: real records of the archive where their modules built some), a few still waiting.

Bulk-inserted with the dates given; history rows for every record and child row; reference numbers
per prefix and year, the kernel's counters set after them so records created later continue."""

from __future__ import annotations

import bisect
import datetime as dt

from bench.archive import Archive, References, as_given_dates, history

AUDITS, ITEMS_PER_AUDIT, FINDINGS = 600, 10, 2_000
RISKS, ACTIONS, PROPOSALS = 800, 750, 400
AUDITORS = 30  # trained internal auditors across the departments, beside the quality manager
CANCELLED, OPPORTUNITY, RETIRED = 0.02, 0.2, 0.2
OPEN_PROPOSALS = 0.04

PROCESS_CLAUSES = ["7.1", "7.1.5", "7.2", "7.5", "8.1", "8.2", "8.4", "8.5", "8.6", "8.7", "10.2"]
SYSTEM_CLAUSES = ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3", "7.3", "7.4"]
SYSTEM_CLAUSES += ["9.1", "9.2", "9.3", "10.3"]
OWN_QUESTIONS = [
    "Sample three records of the last month: complete, signed and dated?",
    "Ask two operators where the current procedure is and what it says about it.",
    "Is the last change here reviewed, approved and communicated?",
    "Are the open actions of the last audit of this clause done and effective?",
    "Pick one nonconformity of the quarter: traced to this clause's controls?",
]
ADDED_QUESTIONS = [
    "Walk the shop floor: anything seen that the procedure does not cover?",
    "Check the customer-specific requirements of the two largest orders.",
    "Trace one delivered lot back to its material certificate.",
    "Interview the shift leader on the last stoppage.",
]
FINDING_TITLES = [
    "Record incomplete: signature missing",
    "Obsolete revision at the point of use",
    "Check not done at the planned frequency",
    "Training record missing for a task performed",
    "Gauge without a valid calibration label",
    "Supplier evaluation overdue",
    "Nonconforming parts not segregated",
    "Customer change not passed to planning",
    "Objective not measured since the last review",
    "Action of the last audit not followed up",
]
EVIDENCE = [
    "Two of five records sampled at the cell were unsigned.",
    "Revision B of the work instruction found at the machine; C is effective.",
    "The daily check sheet shows gaps on four days of the month.",
    "The operator on the night shift has no record for the task.",
    "One of three gauges at the bench had no label and no entry in the register.",
]
RISK_TITLES = [
    ("risk", "Key supplier fails to deliver"),
    ("risk", "Sole qualified person absent"),
    ("risk", "Gauge used past its calibration date"),
    ("risk", "Old drawing revision at a workstation"),
    ("risk", "Machine breakdown stops the line"),
    ("risk", "Customer requirement missed at order review"),
    ("risk", "Material substituted without notification"),
    ("risk", "Sampling not reassessed after a process change"),
    ("opportunity", "Automate the first-article check"),
    ("opportunity", "Second source for bar stock"),
    ("opportunity", "Recall gauges automatically from the QMS"),
    ("opportunity", "Cross-train operators between cells"),
]
PROPOSAL_SOURCES = {  # kind: the model label of the records that make it
    "capa": "capa.capa",
    "repeated_ncr": "capa.nonconformity",
    "supplier_change": "suppliers.supplierchange",
    "out_of_tolerance": "calibration.instrument",
    "coverage": "training.competence",
}
PROPOSAL_KINDS = ["capa"] * 7 + ["repeated_ncr"] * 4 + ["supplier_change"] * 3
PROPOSAL_KINDS += ["out_of_tolerance"] * 2 + ["coverage"] * 2 + ["by_hand"] * 2


def populate(archive: Archive) -> dict[str, int]:
    from django.utils import timezone

    from audits import clauses as clause_table
    from audits.models import (
        Audit,
        ChecklistItem,
        Finding,
        Programme,
        ProgrammeQuestion,
        Proposal,
        Risk,
        RiskAction,
        RiskAssessment,
        threshold,
    )

    rng, today, made = archive.rng, archive.today, {}
    quality, system = archive.quality, archive.system
    qm_department = quality.department_id or archive.departments[0].pk
    refs = References()
    reference = refs.next

    def at(day: dt.date) -> dt.datetime:
        """A moment of ``day`` in working hours."""
        return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.randint(0, 59))))

    def head_of(department_id: int):
        return archive.heads.get(department_id) or quality

    # --- programmes: one a year, with the company's own questions --------------------------------
    first_year = today.year - archive.years + 1
    programmes, questions = [], []
    for year in range(first_year, today.year + 1):
        created = at(dt.date(year, 1, rng.randint(2, 9)))
        closed = year < today.year
        programmes.append(
            Programme(
                reference=reference("AP", year),
                title=f"Internal audit programme {year}",
                year=year,
                owner=quality,
                department_id=qm_department,
                due_date=dt.date(year, 12, 31),
                status="closed" if closed else "active",
                created_at=created,
                updated_at=at(dt.date(year + 1, 1, rng.randint(10, 25))) if closed else created,
                created_by=quality,
                notes="Every process twice a year, the system clauses in between; more often where "
                "last year's findings, the NCRs or a risk above the threshold say so.",
            )
        )
    with as_given_dates(Programme):
        Programme.objects.bulk_create(programmes)
    for programme in programmes:
        for clause in PROCESS_CLAUSES + SYSTEM_CLAUSES:
            for text in rng.sample(OWN_QUESTIONS, rng.choice([0, 1, 1, 1, 2])):
                questions.append(ProgrammeQuestion(programme=programme, clause=clause, text=text))
    ProgrammeQuestion.objects.bulk_create(questions, batch_size=5000)
    own: dict[tuple[int, str], list[str]] = {}
    for q in questions:
        own.setdefault((q.programme_id, q.clause), []).append(q.text)
    made["audit programmes"] = len(programmes)
    made["programme questions"] = len(questions)
    made["history rows"] = history(
        programmes,
        lambda p: (
            [(p.created_at, "+", "Created", {"status": "active"})]
            + ([(p.updated_at, "~", "Close the year", {})] if p.status == "closed" else [])
        ),
        user_of=lambda p: p.owner_id,
    )
    made["history rows"] += history(
        questions,
        lambda q: [(programmes[q.programme.year - first_year].created_at, "+", "Created", {})],
        user_of=lambda q: quality.pk,
    )

    # --- audits: planned in the programme, started, answered, reported, closed --------------------
    auditors = rng.sample(archive.people, min(len(archive.people), archive.n(AUDITORS)))
    auditors.append(quality)
    processes = archive.processes
    per_year = max(1, archive.n(AUDITS) // archive.years)
    audits, plans = [], {}  # plans: audit -> (departments, team, findings count)
    for programme in programmes:
        year = programme.year
        for k in range(per_year):
            system_audit = k % 4 == 3  # one in four audits the system clauses
            process = None if system_audit else processes[(k + year * 7) % len(processes)]
            if process is None:
                clauses = sorted(rng.sample(SYSTEM_CLAUSES, rng.randint(2, 4)), key=clause_table.sort_key)
                departments = [rng.choice(archive.departments).pk for _ in range(rng.randint(1, 2))]
                departments = sorted(set(departments))
            else:
                clauses = sorted(rng.sample(PROCESS_CLAUSES, rng.randint(3, 4)), key=clause_table.sort_key)
                departments = [process.department_id]
            due = dt.date(year, 1, 15) + dt.timedelta(days=int((k + rng.random()) * 340 / per_year))
            impartial = [
                a
                for a in auditors
                if a.department_id not in departments
                and (process is None or a.department_id != process.department_id)
                and not (a.pk == quality.pk and "9.2" in clauses)
            ] or [quality]
            lead = rng.choice(impartial)
            team = [
                a for a in rng.sample(impartial, min(len(impartial), rng.choice([0, 1, 1, 2]))) if a != lead
            ]
            created = max(programme.created_at, at(due - dt.timedelta(days=rng.randint(30, 120))))
            status, started, reported = "planned", None, None
            if due < today and rng.random() < CANCELLED:
                status = "cancelled"
            elif due <= today:
                started = due - dt.timedelta(days=rng.randint(0, 2))
                if rng.random() < 0.1:
                    started = due + dt.timedelta(days=rng.randint(1, 20))  # started late
                reported = started + dt.timedelta(days=rng.randint(1, 10))
                if started > today or (due > today - dt.timedelta(days=14) and rng.random() < 0.4):
                    status, started, reported = "planned", None, None  # not started yet: overdue
                elif reported >= today:
                    status, reported = "in_progress", None
                else:
                    status = "reported"  # closed below when its findings are
            audit = Audit(
                programme=programme,
                process=process,
                clauses=clauses,
                title=(
                    f"{process.name}: process audit ({', '.join(clauses)})"
                    if process
                    else f"System audit: clauses {', '.join(clauses)}"
                )[:200],
                owner=lead,
                department_id=qm_department,
                due_date=due,
                status=status,
                created_at=created,
                updated_at=created,
                created_by=quality,
                criteria="ISO 9001:2015 and the company's procedures",
                started_on=started,
                reported_on=reported,
                summary="",
            )
            findings = 0
            if status in ("reported", "in_progress"):
                mean = archive.n(FINDINGS) / max(1, archive.n(AUDITS))
                findings = int(rng.uniform(0, 2 * mean) + 0.5)
                if status == "in_progress":
                    findings = min(findings, rng.randint(0, 1))
            plans[id(audit)] = (departments, team, findings)
            audits.append(audit)
    refs.number(audits, "IA")

    # The checklist of every audit started: the standard's question and the company's own per
    # clause, and the lead auditor's own questions.
    items, by_audit = [], {}
    for audit in audits:
        if audit.started_on is None:
            continue
        rows = []
        for clause in audit.clauses:
            for question in [clause_table.QUESTIONS[clause], *own.get((audit.programme.pk, clause), [])]:
                rows.append((clause, question))
        for question in rng.sample(ADDED_QUESTIONS, max(0, min(4, ITEMS_PER_AUDIT - len(rows)))):
            rows.append((rng.choice(audit.clauses), question))
        answered = len(rows) if audit.status != "in_progress" else rng.randint(0, len(rows) - 1)
        for position, (clause, question) in enumerate(rows, start=1):
            done = position <= answered
            items.append(
                ChecklistItem(
                    audit=audit,
                    position=position,
                    clause=clause,
                    question=question,
                    answer=("na" if rng.random() < 0.04 else "conforming") if done else "",
                    notes="Records sampled: three of the last month." if done else "",
                )
            )
            by_audit.setdefault(id(audit), []).append(items[-1])

    # Findings: recorded during the audit against a question of its checklist, closed when the
    # auditee answered (the major and minor ones when the CAPA they raised closed).
    capas = _closed_capas()
    capa_dates = [c[1] for c in capas]
    findings = []
    for audit in audits:
        departments, _, count = plans[id(audit)]
        own_items = by_audit.get(id(audit), [])
        if not own_items:
            continue
        for _ in range(count):
            grade = rng.choices(["major", "minor", "observation", "ofi"], weights=[5, 30, 35, 30])[0]
            item = rng.choice(own_items)
            department = rng.choice(departments)
            found_on = audit.started_on + dt.timedelta(days=rng.randint(0, 1))
            due = (audit.reported_on or today) + dt.timedelta(days=14 if grade == "major" else 30)
            closed_on, capa = None, None
            if audit.status == "reported":
                closed_on = audit.reported_on + dt.timedelta(
                    days=rng.randint(20, 90) if grade in ("major", "minor") else rng.randint(0, 30)
                )
                if grade in ("major", "minor") and capas:
                    start = bisect.bisect_left(capa_dates, at(found_on))
                    if start < len(capas):
                        capa = capas[rng.randint(start, min(len(capas) - 1, start + 50))]
                        closed_on = max(closed_on, capa[2].date())
                if closed_on >= today or rng.random() < 0.003:
                    closed_on = None  # still open: a few
            item.answer = "finding"
            item.notes = "See the finding."
            findings.append(
                Finding(
                    audit=audit,
                    item=item,
                    grade=grade,
                    clause=item.clause,
                    evidence=rng.choice(EVIDENCE),
                    title=rng.choice(FINDING_TITLES),
                    owner=head_of(department),
                    department_id=department,
                    due_date=due,
                    status="open" if closed_on is None else "closed",
                    created_at=at(found_on),
                    updated_at=at(closed_on) if closed_on else at(found_on),
                    created_by=audit.owner,
                    closed_on=closed_on,
                )
            )
            findings[-1]._capa = capa if closed_on is not None else None
    # An audit reported closes once its findings are closed.
    last_closed: dict[int, dt.date | None] = {}
    for f in findings:
        key = id(f.audit)
        if key in last_closed and last_closed[key] is None:
            continue
        last_closed[key] = (
            None if f.closed_on is None else max(f.closed_on, last_closed.get(key) or f.closed_on)
        )
    for audit in audits:
        if audit.status != "reported":
            continue
        n = plans[id(audit)][2]
        audit.summary = (
            f"{n} finding{'s' if n != 1 else ''}; the rest of the scope conforms."
            if n
            else "The scope conforms; no findings."
        )
        if id(audit) in last_closed and last_closed[id(audit)] is None:
            audit.updated_at = at(audit.reported_on)
            continue
        closed = max(last_closed.get(id(audit)) or audit.reported_on, audit.reported_on) + dt.timedelta(
            days=rng.randint(1, 5)
        )
        if closed < today:
            audit.status, audit.updated_at = "closed", at(closed)
        else:
            audit.updated_at = at(audit.reported_on)
    for audit in audits:
        if audit.status == "cancelled":
            audit.updated_at = max(
                audit.created_at, at(audit.due_date - dt.timedelta(days=rng.randint(1, 20)))
            )
        elif audit.status == "in_progress":
            audit.updated_at = at(audit.started_on)

    with as_given_dates(Audit):
        Audit.objects.bulk_create(audits, batch_size=2000)
    Audit.audited_departments.through.objects.bulk_create(
        [
            Audit.audited_departments.through(audit_id=a.pk, department_id=d)
            for a in audits
            for d in plans[id(a)][0]
        ],
        batch_size=5000,
    )
    Audit.team.through.objects.bulk_create(
        [Audit.team.through(audit_id=a.pk, user_id=p.pk) for a in audits for p in plans[id(a)][1]],
        batch_size=5000,
    )
    ChecklistItem.objects.bulk_create(items, batch_size=5000)
    refs.number(findings, "AF")
    with as_given_dates(Finding):
        Finding.objects.bulk_create(findings, batch_size=2000)
    made["internal audits"] = len(audits)
    made["checklist questions"] = len(items)
    made["audit findings"] = len(findings)

    def audit_rows(a):
        blank = {"status": "planned", "started_on": None, "reported_on": None, "summary": ""}
        rows = [(a.created_at, "+", "Created", blank)]
        if a.status == "cancelled":
            rows.append((a.updated_at, "~", "Cancel: the process was moved; planned again", {}))
        if a.started_on:
            rows.append(
                (
                    at(a.started_on),
                    "~",
                    "Start the audit",
                    {**blank, "status": "in_progress", "started_on": a.started_on},
                )
            )
        if a.reported_on:
            rows.append((at(a.reported_on), "~", "Issue the report", {"status": "reported"}))
        if a.status == "closed":
            rows.append((a.updated_at, "~", "Close the audit", {}))
        return rows

    made["history rows"] += history(audits, audit_rows, user_of=lambda a: a.owner_id)
    made["history rows"] += history(
        items,
        lambda i: (
            [
                (
                    at(i.audit.started_on),
                    "+",
                    "Checklist built from the clauses in scope",
                    {"answer": "", "notes": ""},
                )
            ]
            + ([(at(i.audit.started_on), "~", "Answered", {})] if i.answer else [])
        ),
        user_of=lambda i: i.audit.owner_id,
    )
    made["history rows"] += history(
        findings,
        lambda f: (
            [(f.created_at, "+", f"Finding of {f.audit.reference}", {"status": "open", "closed_on": None})]
            + (
                []
                if f.closed_on is None
                else [
                    (
                        f.updated_at,
                        "~",
                        f"Closed with {f._capa[3]} it raised" if f._capa else "Answered by the auditee",
                        {},
                    )
                ]
            )
        ),
        user_of=lambda f: f.audit.owner_id,
    )
    made["raised CAPA links"] = _link_raised(findings)

    # --- the risk register -----------------------------------------------------------------------
    risks, assessments, actions = [], [], []
    start = today - dt.timedelta(days=365 * archive.years)
    limit = threshold()
    for _ in range(archive.n(RISKS)):
        process = rng.choice(processes)
        owner = head_of(process.department_id)
        kind = "opportunity" if rng.random() < OPPORTUNITY else "risk"
        title = rng.choice([t for k, t in RISK_TITLES if k == kind])
        created = start + dt.timedelta(days=rng.randint(0, 365 * archive.years - 1))
        retired = None
        if rng.random() < RETIRED and (today - created).days > 400:
            retired = created + dt.timedelta(days=rng.randint(200, (today - created).days - 30))
        likelihood, severity = rng.randint(1, 5), rng.randint(1, 5)
        points = [(created, likelihood, severity, "First assessment")]
        review = created + dt.timedelta(days=365 + rng.randint(-30, 30))
        while review < (retired or today - dt.timedelta(days=rng.randint(0, 45))):
            likelihood = max(1, min(5, likelihood + rng.choice([-1, -1, 0, 0, 0, 1])))
            severity = max(1, min(5, severity + rng.choice([0, 0, 0, 0, -1, 1])))
            points.append((review, likelihood, severity, "Yearly review: controls checked, records sampled"))
            review += dt.timedelta(days=365 + rng.randint(-30, 60))
        risk = Risk(
            title=f"{title} ({process.name})",
            kind=kind,
            process=process,
            description="Cause, event and consequence as seen at the process review.",
            likelihood=likelihood,
            severity=severity,
            score=likelihood * severity,
            owner=owner,
            department_id=process.department_id,
            due_date=review,
            status="retired" if retired else "active",
            created_at=at(created),
            updated_at=at(retired or points[-1][0]),
            created_by=owner,
        )
        risk._points, risk._retired = points, retired
        risks.append(risk)
    refs.number(risks, "RISK")
    with as_given_dates(Risk):
        Risk.objects.bulk_create(risks, batch_size=2000)
    per_risk = archive.n(ACTIONS) / max(1, archive.n(RISKS))
    for risk in risks:
        for on, likelihood, severity, note in risk._points:
            assessments.append(
                RiskAssessment(
                    risk=risk,
                    assessed_on=on,
                    likelihood=likelihood,
                    severity=severity,
                    score=likelihood * severity,
                    note=note,
                    assessed_by=risk.owner,
                )
            )
        first = risk._points[0][1] * risk._points[0][2]
        count = max(int(rng.uniform(0, 2 * per_risk) + 0.5), 1 if first >= limit else 0)
        end = risk._retired or today
        for _ in range(count):
            made_on = rng.choice(risk._points)[0]
            due = made_on + dt.timedelta(days=rng.randint(30, 120))
            open_ = risk._retired is None and due > today - dt.timedelta(days=60) and rng.random() < 0.6
            if open_:
                due = today + dt.timedelta(days=rng.randint(-45, 60))
            status = "open" if open_ else ("cancelled" if rng.random() < 0.05 else "done")
            actions.append(
                RiskAction(
                    risk=risk,
                    title=rng.choice(
                        [
                            "Qualify a second person on the task",
                            "Add the check to the control plan",
                            "Agree a safety stock with the supplier",
                            "Put the gauge on the automatic recall list",
                            "Review the sampling plan with the customer",
                        ]
                    ),
                    owner=rng.choice([risk.owner, risk.owner, archive.person()]),
                    due_date=due,
                    status=status,
                    note="" if open_ else "Done and checked at the next review.",
                    done_on=min(end, due - dt.timedelta(days=rng.randint(0, 20)))
                    if status == "done"
                    else None,
                )
            )
    RiskAssessment.objects.bulk_create(assessments, batch_size=5000)
    RiskAction.objects.bulk_create(actions, batch_size=5000)
    made["risks and opportunities"] = len(risks)
    made["risk assessments"] = len(assessments)
    made["risk actions"] = len(actions)

    def risk_rows(r):
        on, likelihood, severity, _ = r._points[0]
        rows = [
            (
                r.created_at,
                "+",
                "Created",
                {
                    "status": "active",
                    "likelihood": likelihood,
                    "severity": severity,
                    "score": likelihood * severity,
                    "due_date": r._points[1][0] if len(r._points) > 1 else r.due_date,
                },
            )
        ]
        for k, (on, likelihood, severity, _) in enumerate(r._points[1:], start=1):
            rows.append(
                (
                    at(on),
                    "~",
                    f"Assessed: {likelihood} × {severity} = {likelihood * severity}",
                    {
                        "status": "active",
                        "likelihood": likelihood,
                        "severity": severity,
                        "score": likelihood * severity,
                        "due_date": r._points[k + 1][0] if k + 1 < len(r._points) else r.due_date,
                    },
                )
            )
        if r._retired:
            rows.append((r.updated_at, "~", "Retire: the process no longer works this way", {}))
        return rows

    made["history rows"] += history(risks, risk_rows, user_of=lambda r: r.owner_id)
    made["history rows"] += history(
        assessments, lambda a: [(at(a.assessed_on), "+", "Assessed", {})], user_of=lambda a: a.assessed_by_id
    )
    made["history rows"] += history(
        actions,
        lambda a: (
            [
                (
                    at(a.due_date - dt.timedelta(days=30)),
                    "+",
                    "Created",
                    {"status": "open", "done_on": None, "note": ""},
                )
            ]
            + (
                [
                    (
                        at(a.done_on or a.due_date),
                        "~",
                        "Done" if a.status == "done" else "Cancel: replaced by a CAPA",
                        {},
                    )
                ]
                if a.status != "open"
                else []
            )
        ),
        user_of=lambda a: a.risk.owner_id,
    )

    # --- proposals: what live records proposed, decided by the risk's owner ----------------------
    sources = {kind: _sources(label) for kind, label in PROPOSAL_SOURCES.items()}
    risks_by_process: dict[int, list] = {}
    for risk in risks:
        risks_by_process.setdefault(risk.process_id, []).append(risk)
    proposals = []
    for _ in range(archive.n(PROPOSALS)):
        kind = rng.choice(PROPOSAL_KINDS)
        pool = sources.get(kind) or []
        waiting = rng.random() < OPEN_PROPOSALS
        if kind != "by_hand" and not pool:
            kind = "by_hand"
        if kind == "by_hand":
            label, source_id, source_ref, title = "", None, "", "Issue raised at the management review"
            made_on = start + dt.timedelta(days=rng.randint(30, 365 * archive.years))
            text = "A new customer's requirements change how orders are reviewed (4.1)."
        else:
            pk, source_ref, source_title, source_at = rng.choice(pool)
            label, source_id = PROPOSAL_SOURCES[kind], pk
            made_on = min(today, source_at.date() + dt.timedelta(days=rng.randint(1, 90)))
            title = f"{source_ref}: {source_title}"
            text = f"{source_ref} says the risks of its process must be looked at again."
        if waiting:
            made_on = today - dt.timedelta(days=rng.randint(0, 30))
        elif made_on > today - dt.timedelta(days=20):
            made_on = today - dt.timedelta(days=rng.randint(20, 200))
        process = rng.choice(processes)
        known = [r for r in risks_by_process.get(process.pk, []) if r.created_at.date() <= made_on]
        risk = rng.choice(known) if known and rng.random() < 0.7 else None
        owner = risk.owner if risk else head_of(process.department_id)
        decided = None if waiting else made_on + dt.timedelta(days=rng.randint(1, 20))
        status = "proposed" if waiting else ("accepted" if rng.random() < 0.65 else "dismissed")
        if status == "accepted" and risk is None and known:
            risk = rng.choice(known)  # the new risk recorded from it (or found to be one already)
        proposals.append(
            Proposal(
                kind=kind,
                source_label=label,
                source_id=source_id,
                source_reference=source_ref[:60],
                text=text,
                risk=risk,
                process=process,
                title=title[:200],
                owner=owner,
                department_id=(risk.department_id if risk else process.department_id),
                due_date=made_on + dt.timedelta(days=14),
                status=status,
                created_at=at(made_on),
                updated_at=at(decided) if decided else at(made_on),
                created_by=quality if kind == "by_hand" else system,
                decided_on=decided,
            )
        )
    refs.number(proposals, "RP")
    with as_given_dates(Proposal):
        Proposal.objects.bulk_create(proposals, batch_size=2000)
    made["risk proposals"] = len(proposals)
    made["history rows"] += history(
        proposals,
        lambda p: (
            [
                (
                    p.created_at,
                    "+",
                    f"Proposed by {p.source_reference or 'the quality manager'}",
                    {"status": "proposed", "decided_on": None},
                )
            ]
            + (
                []
                if p.status == "proposed"
                else [
                    (
                        p.updated_at,
                        "~",
                        "Accept" if p.status == "accepted" else "Dismiss: the register covers it already",
                        {},
                    )
                ]
            )
        ),
        user_of=lambda p: p.owner_id,
    )

    refs.save()  # later records created through the services continue after the archive's numbers
    return made


def _closed_capas() -> list[tuple]:
    """The archive's closed CAPAs (pk, created_at, closed_at, reference) by creation, when the CAPA
    module built some: what the major and minor findings raised."""
    from django.apps import apps

    if not apps.is_installed("capa"):
        return []
    from capa.models import Capa

    return list(
        Capa.objects.filter(status="closed", closed_at__isnull=False)
        .order_by("created_at", "pk")
        .values_list("pk", "created_at", "closed_at", "reference")
    )


def _sources(label: str) -> list[tuple]:
    """(pk, reference, title, created_at) of up to 2,000 records of ``label``, when its module is
    installed and built some."""
    from qms.registry import model_by_label

    model = model_by_label(label)
    if model is None:
        return []
    return list(
        model._default_manager.order_by("-pk").values_list("pk", "reference", "title", "created_at")[:2000]
    )


def _link_raised(findings) -> int:
    """Kernel links from each closed major or minor finding's CAPA to the finding ("Raised from
    here"), so the finding's page shows the record that closed it."""
    raised = [f for f in findings if f._capa]
    if not raised:
        return 0
    from django.contrib.contenttypes.models import ContentType

    from capa.models import Capa
    from qms.models import RecordLink

    capa_type = ContentType.objects.get_for_model(Capa)
    finding_type = ContentType.objects.get_for_model(type(findings[0]))
    links = [
        RecordLink(
            source_type=capa_type,
            source_id=f._capa[0],
            target_type=finding_type,
            target_id=f.pk,
            note="Raised from here",
            created_by_id=f.owner_id,
            created_at=f.created_at + dt.timedelta(days=3),
        )
        for f in raised
    ]
    with as_given_dates(RecordLink):
        RecordLink.objects.bulk_create(links, batch_size=5000)
    history(
        links, lambda link: [(link.created_at, "+", "Linked", {})], user_of=lambda link: link.created_by_id
    )
    return len(links)
