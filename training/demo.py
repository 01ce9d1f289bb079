"""The demo company's training: a plausible matrix for every department, and gap 4 of the story.
Heat treatment has exactly one qualified person, Oliver Zimmer, recorded absent this week: the
production manager's own furnace qualification lapsed ten days ago and the backup, Emre Yilmaz,
is still in training, so the coverage alarm has been on since. Emre (cell 4) also still owes his
training on drawing DRW-40512 revision C; a few requalifications fall due in the coming weeks.

Everything is created through the services, as of the dates the story says (a training two years
ago is recorded with that date, and its history row carries it)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from documents.models import Document
from qms.demo import DEMO_PASSWORD
from qms.models import Process
from qms.registry import find_by_reference
from qms.services import child_add

from . import services
from .demo_data import COMPETENCES, HOLDERS, JOB_ROLES, PROCESSES
from .models import CoverageAlarm, Evaluation, RoleDocument, TrainingRecord


def years(n: int) -> relativedelta:
    return relativedelta(years=n)


def load(company) -> None:
    today = company.today
    hr, qm = company.heads["HR"], company.quality_manager
    processes = {
        name: Process.objects.get_or_create(name=name, defaults={"department": company.departments[code]})[0]
        for name, code in PROCESSES
    }
    competences = {}
    for name, process, fields in COMPETENCES:
        owner = processes[process].department.head or qm
        competences[name] = services.competence_create(
            by=hr, title=name, process=processes[process], owner=owner, **fields
        )

    people = {**company.users, "qm": qm}
    files = {u: services.file_for(people[u], by=hr if u != "ckoch" else qm) for u in HOLDERS}
    keeper = {u: (people[u].department.head if people[u].role == "staff" else hr) for u in HOLDERS}
    keeper["ckoch"] = qm

    def train(
        username,
        competence,
        level,
        *,
        ago=None,
        on=None,
        trainer=None,
        provider="",
        method=None,
        evaluate=False,
    ):
        trained_on = on or today - ago
        return services.training_record_add(
            file=files[username],
            by=keeper[username],
            competence=competences[competence],
            trained_on=trained_on,
            method=method or ("external" if provider else "on_the_job"),
            trainer=people[trainer] if trainer else None,
            provider=provider,
            result="passed",
            level=level,
            evaluate=evaluate,
        )

    # Production: the managers' own qualifications from outside, the machinists trained by them.
    train("hbauer", "CNC turning: set-up and operation", 3, ago=years(6), provider="DMG MORI Academy")
    train("hbauer", "CNC milling: operation", 3, ago=years(6), provider="DMG MORI Academy")
    # His furnace qualification lapsed ten days ago: since then one person holds the process.
    train(
        "hbauer",
        "Heat treatment: case-hardening furnace",
        2,
        on=today - relativedelta(months=12) - dt.timedelta(days=10),
        provider="AWT Bremen, heat-treatment practice",
    )
    train("ozimmer", "CNC turning: set-up and operation", 3, ago=years(4), trainer="hbauer")
    train("ozimmer", "CNC milling: operation", 2, ago=years(3), trainer="hbauer")
    train(
        "ozimmer",
        "Heat treatment: case-hardening furnace",
        3,
        on=today - relativedelta(months=12) + dt.timedelta(days=45),
        provider="AWT Bremen, heat-treatment practice",
    )
    train("eyilmaz", "CNC turning: set-up and operation", 2, ago=years(2), trainer="ozimmer")
    train("eyilmaz", "CNC milling: operation", 2, ago=relativedelta(months=18), trainer="hbauer")
    # The backup in the making: supervised at the furnace for a month.
    train(
        "eyilmaz",
        "Heat treatment: case-hardening furnace",
        1,
        ago=dt.timedelta(days=30),
        trainer="ozimmer",
        evaluate=True,
    )

    # Quality control: the supervisor qualified outside, her inspectors by her.
    for competence in (
        "First-article inspection",
        "Incoming inspection to AQL (ISO 2859-1)",
        "Final inspection and release",
    ):
        train("sklein", competence, 3, ago=years(5), provider="DGQ training centre")
    train("sklein", "CMM measurement", 2, ago=relativedelta(months=8), provider="ZEISS Academy Metrology")
    train("sklein", "Hardness testing (Rockwell)", 3, ago=years(5), provider="DGQ training centre")
    train("sklein", "Internal auditing (ISO 19011)", 2, ago=years(1), provider="TÜV academy")
    train("kmaier", "First-article inspection", 2, ago=years(3), trainer="sklein")
    train("kmaier", "Final inspection and release", 2, ago=years(3), trainer="sklein")
    train("kmaier", "Hardness testing (Rockwell)", 2, ago=years(2), trainer="sklein")
    train(
        "kmaier",
        "CMM measurement",
        2,
        on=today - relativedelta(months=24) + dt.timedelta(days=20),
        provider="ZEISS Academy Metrology",
    )
    train(
        "dlang",
        "Incoming inspection to AQL (ISO 2859-1)",
        2,
        ago=dt.timedelta(days=120),
        trainer="sklein",
        evaluate=True,
    )
    train("dlang", "Final inspection and release", 2, ago=years(1), trainer="sklein")
    train("dlang", "CMM measurement", 2, ago=relativedelta(months=10), provider="ZEISS Academy Metrology")
    train("dlang", "First-article inspection", 1, ago=dt.timedelta(days=20), trainer="sklein")

    # Warehouse: the forklift licence is renewed every year.
    train("tfischer", "Goods receipt and identification", 3, ago=years(7), provider="IHK logistics course")
    train("tfischer", "Forklift driving", 2, ago=relativedelta(months=3), provider="DEKRA forklift licence")
    train(
        "fwolf",
        "Goods receipt and identification",
        2,
        ago=dt.timedelta(days=100),
        trainer="tfischer",
        evaluate=True,
    )
    train(
        "fwolf",
        "Forklift driving",
        2,
        on=today - relativedelta(months=12) + dt.timedelta(days=35),
        provider="DEKRA forklift licence",
    )

    # One person each in the smaller departments.
    train("mweber", "Supplier evaluation", 3, ago=years(4), provider="BME purchasing academy")
    train(
        "lwagner", "Contract and order review", 3, ago=years(3), provider="In-house, previous sales manager"
    )
    train(
        "jschulz",
        "Preventive maintenance of CNC machines",
        3,
        ago=years(5),
        provider="DMG MORI service training",
    )
    train(
        "pbecker",
        "In-house calibration of micrometers",
        3,
        on=today - relativedelta(months=24) + dt.timedelta(days=50),
        provider="DKD calibration course",
    )
    train("pbecker", "In-house calibration of calipers", 3, ago=years(3), provider="DKD calibration course")
    train(
        "ahoffmann", "Drawing release and change control", 3, ago=years(6), provider="VDI drawing standards"
    )
    train("ahoffmann", "PFMEA", 3, ago=years(4), provider="VDA QMC")
    train("nroth", "Drawing release and change control", 2, ago=years(2), trainer="ahoffmann")
    train("nroth", "PFMEA", 2, ago=years(1), trainer="ahoffmann")
    train("ckoch", "Training needs analysis", 3, ago=years(4), provider="DGFP HR academy")
    train("qm", "Internal auditing (ISO 19011)", 3, ago=years(1), provider="TÜV academy")

    # The documents the machinists and inspectors work to, and their training on them.
    drawing = find_by_reference("DRW-40512")
    instruction = find_by_reference("WI-PROD-012")
    rev_c = drawing.revisions.get(status="effective")
    for username, days_ago in (("ozimmer", 4), ("kmaier", 4), ("dlang", 3)):
        services.training_record_add(
            file=files[username],
            by=keeper[username],
            revision=rev_c,
            trained_on=today - dt.timedelta(days=days_ago),
            method="classroom",
            trainer=people["nroth"],
            result="passed",
            note="Bore now Ø12 H7: new bore gauge, check every 10th part.",
            evaluate=False,
        )
    current_wi = instruction.revisions.get(status="effective")
    for username in ("ozimmer", "eyilmaz"):
        services.training_record_add(
            file=files[username],
            by=keeper[username],
            revision=current_wi,
            trained_on=today,
            method="read",
            result="passed",
            evaluate=False,
        )

    # The job roles, what they need, the documents they work to, and who holds them.
    roles = {}
    for title, code, needs, _ in JOB_ROLES:
        department = company.departments[code]
        role = services.job_role_create(
            by=hr, title=title, department=department, owner=department.head or qm
        )
        for competence, level in needs:
            services.requirement_add(job_role=role, by=hr, competence=competences[competence], level=level)
        roles[title] = role
    for username, titles in HOLDERS.items():
        for title in titles:
            since = (
                today - relativedelta(months=2)
                if username == "eyilmaz" and "Heat" in title
                else today - years(2)
            )
            services.job_role_take(file=files[username], by=hr, job_role=roles[title], since=since)
    for title, _, _, documents in JOB_ROLES:
        for number in documents:
            # Rows of roles people held before the revisions came: the document's own event is
            # what brings their training needs (below).
            child_add(model=RoleDocument, by=hr, job_role=roles[title], document=find_by_reference(number))
    # What document control's "documents.revision_effective" brings (delivered again after the
    # demo commits, it changes nothing): Emre still owes his training on DRW-40512 revision C.
    for document in Document.objects.filter(requires_training=True):
        for revision in document.revisions.filter(status="effective"):
            services.needs_for_revision(revision_id=revision.pk, document_id=document.pk)

    # Oliver Zimmer, the one qualified furnace operator, is away this week.
    monday = today - dt.timedelta(days=today.weekday()) if today.weekday() < 5 else today
    services.absence_add(
        file=files["ozimmer"],
        by=company.heads["PROD"],
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=4),
    )

    # David Lang's incoming-inspection training was judged effective by her supervisor.
    evaluation = Evaluation.objects.get(
        record__file=files["dlang"], record__competence=competences["Incoming inspection to AQL (ISO 2859-1)"]
    )
    services.evaluation_record(
        evaluation=evaluation,
        by=company.heads["QC"],
        result="effective",
        note="Samples drawn and judged to ISO 2859-1 on three lots without help.",
        password=DEMO_PASSWORD,
    )

    services.daily(today=today)
    _as_of_the_story(company, files)


def _as_of_the_story(company, files) -> None:
    """Give the story its own dates: each training's history row the day it was given, and the
    heat-treatment alarm the day the production manager's qualification lapsed (the demo is
    loaded in one go today; the alarm would otherwise say it was raised this morning)."""
    for record_id, trained_on in TrainingRecord.objects.values_list("pk", "trained_on"):
        when = timezone.make_aware(dt.datetime.combine(trained_on, dt.time(10, 0)))
        TrainingRecord.history.filter(id=record_id, history_type="+").update(history_date=when)
    # Loading the catalogue one training at a time raised alarms that cleared a moment later:
    # they never happened in the story.
    CoverageAlarm.objects.filter(status="cleared").delete()
    lapsed = company.today - dt.timedelta(days=9)
    CoverageAlarm.objects.filter(status="open", competence__title__startswith="Heat treatment").update(
        since=lapsed, raised_at=timezone.make_aware(dt.datetime.combine(lapsed, dt.time(5, 30)))
    )
