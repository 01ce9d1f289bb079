"""Who sees and changes training: the HR steward department every department's training files;
heads their department's; staff their own file and their department's matrix; auditors read
everything and write nothing; nobody signs their own training or evaluation."""

import pytest

from qms.models import Role
from tests.factories import UserFactory
from tests.training import factories as f
from training.models import Absence, TrainingRecord

pytestmark = pytest.mark.django_db


def page(client, url):
    return client.get(url).status_code


def test_the_hr_steward_keeps_every_departments_training_files(client_for, hr_head, hardening, other_staff):
    file = f.file_of(other_staff, by=hr_head)
    client = client_for(hr_head)
    assert page(client, file.get_absolute_url()) == 200
    response = client.post(
        f"/training/files/{file.pk}/absences/add/",
        {"absence-starts_on": f.days(1).isoformat(), "absence-ends_on": f.days(2).isoformat()},
    )
    assert response.status_code == 302 and Absence.objects.filter(file=file).exists()
    assert other_staff.get_full_name() in client.get("/training/files/").content.decode()


def test_hr_staff_read_every_file_but_do_not_keep_them(client_for, hr, other_staff, other_head):
    clerk = UserFactory(role=Role.STAFF, department=hr)
    file = f.file_of(other_staff, by=other_head)
    client = client_for(clerk)
    assert page(client, file.get_absolute_url()) == 200
    response = client.post(
        f"/training/files/{file.pk}/absences/add/",
        {"absence-starts_on": f.days(1).isoformat(), "absence-ends_on": f.days(2).isoformat()},
    )
    assert response.status_code == 403 and not Absence.objects.exists()


def test_a_head_keeps_their_departments_files_only(client_for, head, staff, other_staff, other_head):
    own, other = f.file_of(staff, by=head), f.file_of(other_staff, by=other_head)
    client = client_for(head)
    assert page(client, own.get_absolute_url()) == 200
    assert page(client, other.get_absolute_url()) == 404
    response = client.post(
        f"/training/files/{other.pk}/absences/add/",
        {"absence-starts_on": f.days(1).isoformat(), "absence-ends_on": f.days(2).isoformat()},
    )
    assert response.status_code == 404 and not Absence.objects.exists()
    # By the files' addresses, not the people's names: two generated people may share a name.
    register = client.get("/training/files/").content.decode()
    assert f'href="{own.get_absolute_url()}"' in register
    assert f'href="{other.get_absolute_url()}"' not in register


def test_staff_see_their_own_file_and_their_departments_matrix_not_colleagues_files(
    client_for, head, staff, dept, other_dept, hardening
):
    colleague = f.person(dept)
    mine, theirs = f.file_of(staff, by=head), f.file_of(colleague, by=head)
    f.train(colleague, hardening, 2, by=head)
    client = client_for(staff)
    assert page(client, mine.get_absolute_url()) == 200
    assert page(client, theirs.get_absolute_url()) == 404
    register = client.get("/training/records/").content.decode()
    assert colleague.get_full_name() not in register
    matrix = client.get(f"/training/?department={dept.pk}")
    assert matrix.status_code == 200 and colleague.get_full_name() in matrix.content.decode()
    assert f'href="{theirs.get_absolute_url()}"' not in matrix.content.decode()  # no way into their file
    assert page(client, f"/training/?department={other_dept.pk}") == 404
    # The company's matrix, asked for (a review's figure): their own department's part, no more.
    stranger = f.person(other_dept, first_name="Otto", last_name="Fremd")
    f.file_of(stranger)
    company = client.get("/training/?scope=company&format=csv")
    assert company.status_code == 200
    csv = b"".join(company.streaming_content).decode("utf-8-sig")
    assert colleague.get_full_name() in csv and stranger.get_full_name() not in csv
    assert page(client, f"/training/coverage/?department={other_dept.pk}") == 404


def test_auditors_read_everything_and_write_nothing(client_for, auditor, head, staff, hardening, other_dept):
    record = f.train(staff, hardening, 2, by=head)
    client = client_for(auditor)
    assert page(client, record.file.get_absolute_url()) == 200
    assert page(client, record.get_absolute_url()) == 200
    assert page(client, f"/training/?department={other_dept.pk}") == 200
    assert page(client, "/training/?scope=company&format=xlsx") == 200
    response = client.post(
        f"/training/files/{record.file_id}/records/{record.pk}/step/", {"transition": "withdraw"}
    )
    assert response.status_code == 403
    assert TrainingRecord.objects.get().status == "recorded"


def test_nobody_evaluates_their_own_training(client_for, hardening, head, quality_manager, password):
    record = f.train(head, hardening, 2, by=quality_manager)
    evaluation = record.evaluations.get()
    assert evaluation.evaluator != head  # a head's training is judged by their manager or the QM
    url = f"/training/files/{record.file_id}/records/{record.pk}/evaluations/{evaluation.pk}/evaluate/"
    response = client_for(head).get(url)
    assert response.status_code == 403 and "Nobody evaluates their own training" in response.content.decode()
    response = client_for(head).post(url, {"result": "effective", "note": "", "password": password})
    assert response.status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.status == "pending"


def test_the_evaluator_signs_the_evaluation_with_their_password(client_for, hardening, staff, head, password):
    record = f.train(staff, hardening, 2, by=head)
    evaluation = record.evaluations.get()
    url = f"/training/files/{record.file_id}/records/{record.pk}/evaluations/{evaluation.pk}/evaluate/"
    wrong = client_for(head).post(url, {"result": "effective", "password": "nope"})
    assert wrong.status_code == 400 and "password is not correct" in wrong.content.decode()
    assert client_for(head).post(url, {"result": "effective", "password": password}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "effective" and evaluation.evaluated_on == f.today()
    page_html = client_for(head).get(record.get_absolute_url()).content.decode()
    assert "Evaluated: training effective" in page_html and "Valid" in page_html


def test_the_evaluation_is_a_due_item_of_the_head_leading_to_its_form(client_for, hardening, staff, head):
    from qms.due import registry

    record = f.train(staff, hardening, 2, by=head)
    (item,) = [i for i in registry.for_user(head, days_ahead=120) if i.kind == "Effectiveness evaluation"]
    assert item.reference == record.file.reference and staff.get_full_name() in item.title
    assert item.url.endswith(f"/records/{record.pk}/evaluations/{record.evaluations.get().pk}/evaluate/")
    page = client_for(head).get(item.url)
    assert page.status_code == 200 and "Sign the evaluation" in page.content.decode()


def test_a_head_hands_an_evaluation_to_someone_else_never_to_the_trainee(
    client_for, hardening, staff, head, dept
):
    leader = f.person(dept, first_name="Team", last_name="Leader")
    record = f.train(staff, hardening, 2, by=head)
    evaluation = record.evaluations.get()
    url = f"/training/files/{record.file_id}/records/{record.pk}/evaluations/{evaluation.pk}/edit/"
    refused = client_for(head).post(url, {"evaluator": staff.pk})
    assert refused.status_code == 400 and "Nobody evaluates their own training" in refused.content.decode()
    assert client_for(head).post(url, {"evaluator": leader.pk}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.evaluator == leader
    # The team leader now reads the file to judge the training; the staff member's colleagues not.
    assert client_for(leader).get(record.file.get_absolute_url()).status_code == 200
    assert client_for(leader).post(url, {"evaluator": leader.pk}).status_code == 403
