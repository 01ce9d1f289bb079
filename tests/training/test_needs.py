"""Training needs are created by what makes training necessary, owned by the person as a due item,
and closed by recording the training: a job role taken, a requalification falling due, a document
revision that requires training becoming effective (end to end, from document control's event),
a training judged not effective."""

import datetime as dt

import pytest

from documents.models import DocumentType
from qms.due import registry
from tests.documents.factories import DocumentFactory, approver, issue
from tests.training import factories as f
from training import services
from training.models import TrainingNeed

pytestmark = pytest.mark.django_db


@pytest.fixture
def machinist_role(dept, head, hardening):
    turning = f.competence(dept, title="CNC turning", by=head)
    return f.job_role(dept, title="CNC machinist", by=head, needs=[(turning, 2), (hardening, 1)])


def test_taking_a_job_role_brings_a_need_for_every_competence_not_held(
    machinist_role, yilmaz, head, hardening
):
    f.train(yilmaz, hardening, 2, by=head)  # held already: no need
    file = f.file_of(yilmaz)
    services.job_role_take(file=file, by=head, job_role=machinist_role, since=f.days(0))
    (need,) = file.needs.all()
    assert need.competence.title == "CNC turning" and need.level == 2 and need.kind == "role"
    assert need.person == yilmaz and need.job_role == machinist_role
    assert "CNC machinist" in need.title
    # A due item of the person, on their My work.
    (item,) = [i for i in registry.for_user(yilmaz) if i.kind == "Training need"]
    assert item.title == need.title and item.url.endswith("#needs")


def test_recording_the_training_closes_the_need(machinist_role, yilmaz, head):
    file = f.file_of(yilmaz)
    services.job_role_take(file=file, by=head, job_role=machinist_role, since=f.days(0))
    need = file.needs.get(competence__title="CNC turning")
    f.train(yilmaz, need.competence, 1, by=head)  # below the level needed: still open
    need.refresh_from_db()
    assert need.status == "open"
    record = f.train(yilmaz, need.competence, 2, by=head)
    need.refresh_from_db()
    assert need.status == "closed" and need.closed_by == record
    assert not [i for i in registry.for_user(yilmaz) if i.key == f"training.trainingneed:{need.pk}"]


def test_a_need_is_never_closed_by_hand(client_for, machinist_role, yilmaz, head):
    file = f.file_of(yilmaz)
    services.job_role_take(file=file, by=head, job_role=machinist_role, since=f.days(0))
    need = file.needs.first()
    client_for(head).post(f"/training/files/{file.pk}/needs/{need.pk}/step/", {"transition": "close"})
    need.refresh_from_db()
    assert need.status == "open"
    client_for(head).post(
        f"/training/files/{file.pk}/needs/{need.pk}/step/",
        {"transition": "cancel", "reason": "Moves to sales"},
    )
    need.refresh_from_db()
    assert need.status == "cancelled"


def test_ending_a_job_role_cancels_the_needs_it_alone_brought(machinist_role, yilmaz, head):
    file = f.file_of(yilmaz)
    held = services.job_role_take(file=file, by=head, job_role=machinist_role, since=f.days(-10))
    from qms.services import transition

    transition(obj=held, name="end", by=head)
    held.refresh_from_db()
    assert held.status == "ended" and held.until == f.today()
    assert set(file.needs.values_list("status", flat=True)) == {"cancelled"}


def test_a_requirement_added_to_a_role_reaches_everyone_holding_it(
    machinist_role, yilmaz, zimmer, head, dept
):
    for person in (yilmaz, zimmer):
        services.job_role_take(file=f.file_of(person), by=head, job_role=machinist_role, since=f.days(0))
    milling = f.competence(dept, title="CNC milling", by=head)
    services.requirement_add(job_role=machinist_role, by=head, competence=milling, level=2)
    assert TrainingNeed.objects.filter(competence=milling, status="open").count() == 2


def test_a_requalification_falling_due_becomes_a_need_once(hardening, zimmer, head, settings):
    settings.TRAINING_REQUALIFY_LEAD_DAYS = 60
    far = f.train(zimmer, hardening, 2, on=f.today() - dt.timedelta(days=200), by=head)
    assert not TrainingNeed.objects.exists()  # expires in ~165 days
    today = far.expires_on - dt.timedelta(days=59)
    assert services.needs_for_requalification(today=today) == 1
    assert services.needs_for_requalification(today=today) == 0  # safe to run twice
    need = TrainingNeed.objects.get()
    assert need.kind == "requalification" and need.due_date == far.expires_on and need.level == 2
    assert "expires" in need.title
    f.train(zimmer, hardening, 2, by=head)
    need.refresh_from_db()
    assert need.status == "closed"


@pytest.fixture
def drawing_for_machinists(head, dept, machinist_role):
    drawing = DocumentFactory(
        owner=head,
        department=dept,
        number="DRW-40512",
        title="Bracket",
        doc_type=DocumentType.DRAWING,
        requires_training=True,
    )
    services.role_document_add(job_role=machinist_role, by=head, document=drawing)
    return drawing


def test_a_revision_that_requires_training_brings_a_need_to_everyone_whose_role_uses_it(
    django_capture_on_commit_callbacks, drawing_for_machinists, machinist_role, yilmaz, zimmer, staff, head
):
    for person in (yilmaz, zimmer):
        services.job_role_take(file=f.file_of(person), by=head, job_role=machinist_role, since=f.days(-100))
    TrainingNeed.objects.all().delete()
    checker = approver(username="qm-approver")
    # Document control makes revision A effective and publishes its event; training subscribes.
    with django_capture_on_commit_callbacks(execute=True):
        revision = issue(drawing_for_machinists, checker)
    needs = TrainingNeed.objects.filter(revision=revision)
    assert sorted(n.person.username for n in needs) == ["eyilmaz", "ozimmer"]
    need = needs.get(person=yilmaz)
    assert need.kind == "revision" and "revision A effective" in need.title
    assert need.due_date == revision.effective_date + dt.timedelta(
        days=drawing_for_machinists.effective_ack_days
    )
    # Delivered twice, it changes nothing; someone without the role gets nothing.
    services.needs_for_revision(revision_id=revision.pk, document_id=drawing_for_machinists.pk)
    assert needs.count() == 2 and not TrainingNeed.objects.filter(person=staff).exists()
    # Recording the training on the revision closes the need.
    services.training_record_add(
        file=need.file,
        by=head,
        revision=revision,
        trained_on=f.days(0),
        method="classroom",
        provider="Engineering",
        result="passed",
    )
    need.refresh_from_db()
    assert need.status == "closed"
    # Revision B: a new need; revision A's is not reopened.
    with django_capture_on_commit_callbacks(execute=True):
        rev_b = issue(drawing_for_machinists, checker, summary="Tolerance tightened")
    assert TrainingNeed.objects.filter(revision=rev_b, status="open").count() == 2
    # Revision C before Zimmer trained on B: his need on B is cancelled, saying why, and only C's
    # is on his work; Yilmaz's trained need on A stays closed.
    with django_capture_on_commit_callbacks(execute=True):
        rev_c = issue(drawing_for_machinists, checker, summary="Chamfer added")
    on_b = TrainingNeed.objects.get(revision=rev_b, person=zimmer)
    assert on_b.status == "cancelled"
    assert on_b.history.first().history_change_reason == "Revision C effective: B is replaced"
    assert TrainingNeed.objects.filter(person=zimmer, status="open").get().revision == rev_c
    assert TrainingNeed.objects.get(revision=revision, person=yilmaz).status == "closed"
    # Made obsolete, the document asks nobody to train on it any more.
    from documents.services import document_make_obsolete

    with django_capture_on_commit_callbacks(execute=True):
        document_make_obsolete(document=drawing_for_machinists, by=head, reason="Bracket discontinued")
    on_c = TrainingNeed.objects.filter(revision=rev_c)
    assert set(on_c.values_list("status", flat=True)) == {"cancelled"}
    assert on_c.first().history.first().history_change_reason == "The document was made obsolete"


def test_a_document_that_only_needs_reading_brings_no_training_need(
    django_capture_on_commit_callbacks, drawing_for_machinists, machinist_role, yilmaz, head
):
    services.job_role_take(file=f.file_of(yilmaz), by=head, job_role=machinist_role, since=f.days(-100))
    drawing_for_machinists.requires_training = False
    drawing_for_machinists.save()
    with django_capture_on_commit_callbacks(execute=True):
        revision = issue(drawing_for_machinists, approver(username="qm-approver"))
    assert not TrainingNeed.objects.filter(revision=revision).exists()


def test_the_document_setting_sits_beside_read_and_acknowledge(client_for, head, dept):
    html = client_for(head).get("/documents/new/").content.decode()
    assert 'name="requires_training"' in html and 'name="ack_days"' in html


def test_a_training_judged_not_effective_brings_a_need_to_train_again(
    client_for, hardening, yilmaz, head, password
):
    record = f.train(yilmaz, hardening, 2, by=head)
    evaluation = record.evaluations.get()
    url = f"/training/files/{record.file_id}/records/{record.pk}/evaluations/{evaluation.pk}/evaluate/"
    response = client_for(head).post(url, {"result": "not_effective", "note": "", "password": password})
    assert response.status_code == 400 and "Say what was not effective" in response.content.decode()
    response = client_for(head).post(
        url, {"result": "not_effective", "note": "Furnace log kept wrongly twice.", "password": password}
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "not_effective" and evaluation.evaluated_by == head
    need = TrainingNeed.objects.get(person=yilmaz, status="open")
    assert need.kind == "not_effective" and need.competence == hardening
