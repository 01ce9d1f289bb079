"""Route-walker builders of the audits module: a programme with a question of its own; an audit in
progress led by the builder's owner (qualified) of another department, with its checklist, a photo
and a finding; a risk with an action; a proposal of a new risk waiting for the owner's decision."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.walker import builder


def _elsewhere(department):
    """A department of its own, neither the walker's nor the other one it checks scope with."""
    from tests.factories import DepartmentFactory

    return DepartmentFactory()


@builder("audits.programme")
def build_programme(owner, department) -> dict:
    import datetime as dt

    from audits.models import Programme, ProgrammeQuestion
    from qms.services import child_add, record_create
    from tests.audits.factories import quality_manager

    year = 2000 + Programme.objects.count()
    found = record_create(
        model=Programme,
        by=quality_manager(),
        title=f"Programme {year}",
        year=year,
        owner=owner,
        department=department,
        due_date=dt.date(year, 12, 31),
    )
    question = child_add(
        model=ProgrammeQuestion,
        by=quality_manager(),
        programme=found,
        clause="7.5",
        text="Are copies controlled?",
    )
    return {"pk": found.pk, "question_pk": question.pk, "_record": found}


@builder("audits.audit")
def build_audit(owner, department) -> dict:
    from audits.models import ChecklistPhoto, Finding
    from qms.services import child_add
    from tests.audits import factories as af
    from tests.uploads import image_bytes

    audited = _elsewhere(department)
    found = af.audit(lead=owner, audited=[audited], department=department, start=True)
    item = found.items.order_by("position").first()
    photo = child_add(
        model=ChecklistPhoto, by=owner, item=item, file=SimpleUploadedFile("cell3.png", image_bytes())
    )
    finding = af.finding(found, department=audited)
    # The walk's owner owns every record it builds (the access table's "owner" column); a finding
    # is answered by someone of the audited department, so it is handed over after the service.
    Finding.objects.filter(pk=finding.pk).update(owner=owner)
    finding.owner = owner
    return {
        "pk": found.pk,
        "item_pk": item.pk,
        "checklistphoto_pk": photo.pk,
        "_record": found,
        "_finding": finding,
    }


@builder("audits.checklistitem")
def build_item(owner, department) -> dict:
    return build_audit(owner, department)


@builder("audits.finding")
def build_finding(owner, department) -> dict:
    """A finding answered by the builder's owner, for their department (audited by someone else)."""
    from tests.audits import factories as af
    from tests.factories import UserFactory

    lead = UserFactory(department=_elsewhere(department))
    found = af.audit(lead=lead, audited=[department], start=True)
    finding = af.finding(found, owner=owner, department=department)
    return {"pk": finding.pk, "_record": finding}


@builder("audits.risk")
def build_risk(owner, department) -> dict:
    from audits.models import RiskAction
    from qms.services import child_add
    from tests.audits import factories as af

    found = af.risk(process=af.process(department), owner=owner)
    action = child_add(
        model=RiskAction,
        by=af.quality_manager(),
        risk=found,
        title="Train a second operator",
        owner=owner,
        due_date=af.days(30),
    )
    return {"pk": found.pk, "action_pk": action.pk, "_record": found}


@builder("audits.proposal")
def build_proposal(owner, department) -> dict:
    from audits.models import Proposal
    from audits.services import propose
    from qms import history
    from qms.models import Department
    from tests.audits import factories as af

    process = af.process(department)
    (found,) = propose(
        kind=Proposal.Kind.REPEATED_NCR,
        title="Three NCRs in a month",
        text="NCR-1, NCR-2, NCR-3",
        source_label="capa.nonconformity",
        source_id=10_000 + Proposal.objects.count(),
        process=process,
    )
    # The walker's owner decides it, for their department.
    found.owner, found.department = owner, Department.objects.get(pk=department.pk)
    history.save(found, by=af.quality_manager(), reason="Handed to the walker's owner")
    return {"pk": found.pk, "_record": found}


@builder("audits.checklistphoto")
def build_photo(owner, department) -> dict:
    kwargs = build_audit(owner, department)
    return {"pk": kwargs["checklistphoto_pk"], "_record": kwargs["_record"]}
