"""Import of existing training records and job roles from the spreadsheet the shop kept its
matrix in, through the kernel's import: a preview with the errors beside each row, nothing saved
until confirmed, and the same file again changes nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.training import factories as f
from training.models import JobRole, RoleAssignment, TrainingFile, TrainingRecord

pytestmark = pytest.mark.django_db

RECORDS = "/import/training.records/"
HEADER = "Person,Competence,Date,Method,Trainer,Provider,Result,Level,Expires\n"


def upload(text: str, name: str = "matrix.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def row_errors(response, line: int) -> str:
    rows = re.findall(r"<tr[^>]*>\s*<td>(\d+)</td>(.*?)</tr>", response.content.decode(), re.S)
    return next(body for number, body in rows if int(number) == line)


@pytest.fixture
def sheet(hardening, zimmer, yilmaz):
    return (
        HEADER
        + f"ozimmer,{hardening.title},2025-03-10,External course,,AWT Bremen,Passed,3,\n"
        + f"eyilmaz,{hardening.title.upper()},10.02.2026,On the job,ozimmer,,Passed,1,\n"
    )


def test_records_are_previewed_then_imported_and_the_same_file_again_changes_nothing(
    client_for, hr_head, sheet, hardening
):
    client = client_for(hr_head)
    preview = client.post(RECORDS, {"file": upload(sheet)})
    assert preview.status_code == 200 and "2 new, 0 changed, 0 unchanged" in preview.content.decode()
    assert not TrainingRecord.objects.exists()  # a preview saves nothing
    done = client.post(RECORDS, {"payload": payload_of(preview)})
    assert done.status_code == 302
    zimmer_record = TrainingRecord.objects.get(file__owner__username="ozimmer")
    assert zimmer_record.level == 3 and zimmer_record.provider == "AWT Bremen"
    assert str(zimmer_record.expires_on) == "2026-03-10"  # from the competence's 12 months
    emre = TrainingRecord.objects.get(file__owner__username="eyilmaz")
    assert emre.trainer.username == "ozimmer"  # Oliver held level 3 by then: the gate let it pass
    assert not emre.evaluations.exists()  # history, not a training just given
    assert TrainingFile.objects.count() == 2  # their files were opened
    again = client.post(RECORDS, {"file": upload(sheet)})
    assert "0 new, 0 changed, 2 unchanged" in again.content.decode()
    client.post(RECORDS, {"payload": payload_of(again)})
    assert TrainingRecord.objects.count() == 2


def test_every_row_error_is_shown_beside_its_row_and_nothing_is_imported(
    client_for, hr_head, hardening, zimmer, yilmaz
):
    text = (
        HEADER
        + f"ozimmer,{hardening.title},2025-03-10,External course,,AWT,Passed,3,\n"  # fine
        + f"nobody,{hardening.title},2025-03-10,External course,,AWT,Passed,2,\n"  # unknown person
        + "ozimmer,Welding,2025-03-10,External course,,AWT,Passed,2,\n"  # unknown competence
        + f"ozimmer,{hardening.title},2025-04-10,External course,,AWT,Passed,5,\n"  # off the scale
        + f"eyilmaz,{hardening.title},2099-01-01,External course,,AWT,Passed,2,\n"  # a mistyped year
        + f"eyilmaz,{hardening.title},2025-04-10,On the job,eyilmaz,,Passed,1,\n"  # own trainer
        + f"eyilmaz,{hardening.title},2025-04-11,External course,,AWT,Passed,2,2025-01-01\n"  # expiry first
        + f"ozimmer,{hardening.title},2025-03-10,External course,,AWT,Passed,3,\n"  # the first row again
        + f"eyilmaz,{hardening.title},2025-05-10,Juggling,,AWT,Passed,2,\n"  # unknown method
    )
    response = client_for(hr_head).post(RECORDS, {"file": upload(text)})
    assert response.status_code == 400 and 'name="payload"' not in response.content.decode()
    assert "No person with the username “nobody”" in row_errors(response, 3)
    assert "No competence “Welding”" in row_errors(response, 4)
    assert "from 0 to 3" in row_errors(response, 5)
    assert "Check the year" in row_errors(response, 6)
    assert "own trainer" in row_errors(response, 7)
    assert "before the training date" in row_errors(response, 8)
    assert "Row 2 already describes" in row_errors(response, 9)
    assert "Unknown method “Juggling”" in row_errors(response, 10)
    assert "error" not in row_errors(response, 2).lower()
    assert not TrainingRecord.objects.exists() and not TrainingFile.objects.exists()


def test_a_file_with_missing_or_unknown_columns_is_refused_as_a_whole(client_for, hr_head, hardening):
    response = client_for(hr_head).post(
        RECORDS, {"file": upload("Person,Competence,Date,Colour\nozimmer,x,2025-01-01,red\n")}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Columns missing: Method, Level." in html and "Unknown columns: Colour." in html


def test_a_head_imports_only_their_departments_people(client_for, head, hardening, other_staff):
    text = HEADER + f"{other_staff.username},{hardening.title},2025-03-10,External course,,AWT,Passed,2,\n"
    response = client_for(head).post(RECORDS, {"file": upload(text)})
    assert response.status_code == 400 and not TrainingRecord.objects.exists()


def test_a_head_imports_job_roles_of_their_own_department_only(client_for, head, dept, other_dept, hardening):
    """A row for another department made a job role its importer could then not open (a 404)."""
    roles = "Job role,Department,Competence,Minimum level\n"
    theirs = f"Inspector,{other_dept.code},{hardening.title},2\n"
    response = client_for(head).post("/import/training.job_roles/", {"file": upload(roles + theirs)})
    assert response.status_code == 400 and "only file job roles for your own department" in row_errors(
        response, 2
    )
    assert not JobRole.objects.exists()
    own = client_for(head).post(
        "/import/training.job_roles/", {"file": upload(roles + f"Setter,{dept.code},{hardening.title},2\n")}
    )
    assert "1 new" in own.content.decode()


def test_job_roles_and_who_holds_them_are_imported(client_for, hr_head, dept, hardening, zimmer, yilmaz):
    client = client_for(hr_head)
    roles = (
        f"Job role,Department,Competence,Minimum level\nFurnace operator,{dept.code},{hardening.title},2\n"
    )
    preview = client.post("/import/training.job_roles/", {"file": upload(roles)})
    client.post("/import/training.job_roles/", {"payload": payload_of(preview)})
    role = JobRole.objects.get(title="Furnace operator", department=dept)
    assert role.requirements.get().competence == hardening
    held = "Person,Job role,Since\nozimmer,Furnace operator,2024-01-15\neyilmaz,furnace operator,2025-06-01\n"
    preview = client.post("/import/training.assignments/", {"file": upload(held)})
    assert "2 new" in preview.content.decode()
    client.post("/import/training.assignments/", {"payload": payload_of(preview)})
    assert RoleAssignment.objects.filter(job_role=role, status="held").count() == 2
    # Taking the role brought the training it needs.
    assert f.file_of(yilmaz).needs.filter(competence=hardening, status="open").exists()
    again = client.post("/import/training.assignments/", {"file": upload(held)})
    assert "0 new, 0 changed, 2 unchanged" in again.content.decode()
    unknown = client.post(
        "/import/training.assignments/",
        {"file": upload("Person,Job role,Since\nozimmer,Astronaut,2024-01-15\n")},
    )
    assert "has no job role “Astronaut”" in unknown.content.decode()


def test_the_import_is_offered_on_the_registers(client_for, hr_head, staff):
    assert f'href="{RECORDS}"' in client_for(hr_head).get("/training/records/").content.decode()
    assert f'href="{RECORDS}"' not in client_for(staff).get("/training/records/").content.decode()
    assert client_for(staff).get(RECORDS).status_code == 403
