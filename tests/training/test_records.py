"""Recording a training: the expiry computed from the competence, the evidence kept in the file
store, the effectiveness evaluation planned for the head, and every bad input refused beside its
field with nothing changed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import field_error
from tests.training import factories as f
from tests.uploads import pdf_bytes
from training import services
from training.models import Evaluation, TrainingRecord

pytestmark = pytest.mark.django_db


def add_url(file) -> str:
    return f"/training/files/{file.pk}/records/add/"


def posted(**fields) -> dict:
    """The record form as the page posts it (its fields carry the form's prefix)."""
    data = {
        "trained_on": f.days(-3).isoformat(),
        "method": "external",
        "provider": "AWT Bremen",
        "result": "passed",
        "level": "2",
    }
    data.update(fields)
    return {f"record-{name}": value for name, value in data.items()}


def test_a_training_expires_after_the_competences_requalification_period(hardening, zimmer, head):
    record = f.train(zimmer, hardening, 2, on=dt.date(2026, 1, 31), by=head)
    assert record.expires_on == dt.date(2027, 1, 31)
    assert record.recorded_by == head
    own_date = f.train(zimmer, hardening, 2, on=dt.date(2026, 2, 2), by=head, expires_on=dt.date(2026, 8, 1))
    assert own_date.expires_on == dt.date(2026, 8, 1)  # a certificate's own date wins


def test_recording_keeps_the_evidence_and_plans_the_evaluation_by_the_head(
    client_for, hardening, zimmer, head, settings
):
    settings.TRAINING_EVALUATION_DAYS = 90
    file = f.file_of(zimmer)
    upload = SimpleUploadedFile("certificate.pdf", pdf_bytes("Certificate"))
    response = client_for(head).post(
        add_url(file), {**posted(competence=hardening.pk), "record-evidence": upload}
    )
    record = TrainingRecord.objects.get(file=file)
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    evidence = record.evidence.get()
    assert evidence.original_name == "certificate.pdf" and len(evidence.sha256) == 64
    evaluation = record.evaluations.get()
    assert evaluation.evaluator == head and evaluation.status == "pending"
    assert evaluation.due_date == f.days(-3) + dt.timedelta(days=90)
    page = client_for(head).get(record.get_absolute_url()).content.decode()
    assert "certificate.pdf" in page and "Evaluate" in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"trained_on": "2099-01-01"}, "trained_on", "Check the year"),
        ({"trained_on": "1970-01-01"}, "trained_on", "Check the year"),
        ({"trained_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "trained_on", "in the future"),
        ({"expires_on": "2025-06-01", "trained_on": "2026-01-10"}, "expires_on", "before the training date"),
        ({"level": "7"}, "level", "scale 0 to 3"),
        ({"level": "-1"}, "level", "scale 0 to 3"),
        ({"result": "failed", "level": "2"}, "level", "cannot make someone qualified"),
        ({"provider": "", "method": "classroom"}, "trainer", "Name the trainer"),
        ({"competence": ""}, "competence", "Choose the competence"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_changes(
    client_for, hardening, zimmer, head, fields, field, message
):
    file = f.file_of(zimmer)
    data = posted(**{"competence": hardening.pk, **fields})
    response = client_for(head).post(add_url(file), data)
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert not TrainingRecord.objects.exists() and not Evaluation.objects.exists()


@pytest.mark.parametrize(
    "evidence, fields, field, message",
    [
        ("certificate", {}, "evidence", "qualifies on a certificate held: attach the certificate"),
        ("assessment", {"result": "not_assessed"}, "result", "qualifies on an assessment passed"),
    ],
)
def test_a_qualification_without_the_evidence_its_competence_names_is_refused(
    client_for, hardening, zimmer, head, evidence, fields, field, message
):
    hardening.evidence = evidence
    hardening.save()
    file = f.file_of(zimmer)
    response = client_for(head).post(add_url(file), posted(competence=hardening.pk, **fields))
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert not TrainingRecord.objects.exists()
    # Level 1 (in training) asks for no such evidence; a certificate attached qualifies.
    assert (
        client_for(head).post(add_url(file), posted(competence=hardening.pk, level="1", **fields)).status_code
        == 302
    )
    if evidence == "certificate":
        upload = SimpleUploadedFile("certificate.pdf", pdf_bytes("Certificate"))
        response = client_for(head).post(
            add_url(file), {**posted(competence=hardening.pk), "record-evidence": upload}
        )
        assert response.status_code == 302
        assert file.records.filter(level=2).exists()


def test_a_trainee_cannot_be_their_own_trainer(client_for, hardening, zimmer, head):
    f.train(zimmer, hardening, 3, on=f.days(-400), by=head)  # he could train others
    file = f.file_of(zimmer)
    response = client_for(head).post(
        add_url(file), posted(competence=hardening.pk, trainer=zimmer.pk, provider="", method="on_the_job")
    )
    assert response.status_code == 400
    assert "own trainer" in field_error(response, "trainer")
    assert file.records.count() == 1


def test_a_trainer_must_hold_level_3_in_what_they_train(client_for, hardening, zimmer, yilmaz, head):
    f.train(zimmer, hardening, 2, on=f.days(-100), by=head)
    file = f.file_of(yilmaz)
    data = posted(competence=hardening.pk, trainer=zimmer.pk, provider="", method="on_the_job", level="1")
    response = client_for(head).post(add_url(file), data)
    assert response.status_code == 400
    error = field_error(response, "trainer")
    assert (
        "Oliver Zimmer holds" in error
        and "level 2" in error
        and "level 3 (can train and assess others)" in error
    )
    assert not file.records.exists()
    f.train(zimmer, hardening, 3, on=f.days(-50), by=head)
    assert client_for(head).post(add_url(file), data).status_code == 302
    assert file.records.get().trainer == zimmer


def test_nobody_records_their_own_training(hardening, head):
    own = f.file_of(head, by=head)
    with pytest.raises(ValidationError) as refused:
        services.training_record_add(
            file=own,
            by=head,
            competence=hardening,
            trained_on=f.days(-1),
            method="external",
            provider="AWT",
            result="passed",
            level=2,
        )
    assert "Nobody records their own training" in str(refused.value)
    assert not own.records.exists()


def test_a_head_is_offered_the_training_form_on_their_peoples_files_not_on_their_own(
    client_for, hardening, head, zimmer
):
    """The page offers only what would be saved: on the head's own file neither the form nor a
    need's "Record the training" button, both there on the file of a person of the department."""
    own, theirs = f.file_of(head, by=head), f.file_of(zimmer, by=head)
    for file in (own, theirs):
        services.need_identify(file=file, by=head, competence=hardening, level=2, due_date=f.days(20))
    client = client_for(head)
    mine = client.get(own.get_absolute_url()).content.decode()
    assert 'data-testid="record-form"' not in mine and "Record the training" not in mine
    page = client.get(theirs.get_absolute_url()).content.decode()
    assert 'data-testid="record-form"' in page and page.count("Record the training") >= 2


def test_staff_cannot_record_training_not_even_their_own(client_for, hardening, staff):
    file = f.file_of(staff)
    response = client_for(staff).post(add_url(file), posted(competence=hardening.pk))
    assert response.status_code == 403
    assert not file.records.exists()
    with pytest.raises(PermissionDenied):
        services.training_record_add(
            file=file,
            by=staff,
            competence=hardening,
            trained_on=f.days(-1),
            method="external",
            provider="AWT",
            result="passed",
            level=2,
        )


def test_a_withdrawn_record_no_longer_counts(client_for, hardening, zimmer, yilmaz, head):
    f.train(zimmer, hardening, 2, by=head)
    wrong = f.train(yilmaz, hardening, 2, by=head)
    assert not hardening.alarms.filter(status="open").exists()
    step = f"/training/files/{wrong.file_id}/records/{wrong.pk}/step/"
    client_for(head).post(step, {"transition": "withdraw", "reason": "Recorded for the wrong person"})
    wrong.refresh_from_db()
    assert wrong.status == "withdrawn"
    alarm = hardening.alarms.get(status="open")
    assert "only Oliver Zimmer is qualified" in alarm.title


def _read_wi7(person, head, **fields):
    """``person`` read work instruction WI-7, revision issued today; the record and revision."""
    from tests.documents.factories import DocumentFactory, approver, issue

    document = DocumentFactory(owner=head, department=head.department, number="WI-7")
    revision = issue(document, approver(username="qm-approver"))
    record = services.training_record_add(
        file=f.file_of(person),
        by=head,
        revision=revision,
        trained_on=f.days(0),
        method="read",
        result="passed",
        **fields,
    )
    return record, revision


def test_a_training_on_a_document_revision_has_no_level(head, zimmer):
    record, revision = _read_wi7(zimmer, head, level=2)
    assert record.level is None and record.subject == str(revision)
    assert not record.evaluations.exists()


def test_the_records_register_names_competence_document_revision_and_trainer(
    client_for, monkeypatch, head, hardening, zimmer, yilmaz
):
    """The register reads its rows as values and the competence, the document revision and the
    trainer after its page, one statement each for the ids on it (``late_names``): it shows
    exactly what reading the records shows, a row without a trainer or a revision included."""
    from training.views.files import TrainingRecordListView

    f.train(yilmaz, hardening, 3, by=head)  # by a training centre: no trainer, no revision
    f.train(zimmer, hardening, 2, by=head, trainer=yilmaz)
    _, revision = _read_wi7(yilmaz, head)
    client = client_for(head)
    response = client.get("/training/records/")
    view = response.context["view"]
    assert view.cells is not None and len(view.cells.late) == 3
    as_values = str(response.context["rows_html"])
    monkeypatch.setattr(TrainingRecordListView, "read_as_values", False)
    as_records = client.get("/training/records/")
    assert as_records.context["view"].cells is None
    assert as_values == str(as_records.context["rows_html"])
    for shown in (hardening.title, str(yilmaz), "WI-7", revision.label, "Training centre"):
        assert shown in as_values
