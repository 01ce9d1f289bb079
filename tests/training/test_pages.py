"""The training pages as people use them: the person's training file, a competence with its
coverage chart, the coverage page with its charts, the registers with their filters and CSV, and
bad input refused beside its field with nothing changed."""

import datetime as dt

import pytest

from tests.helpers import body, field_error
from tests.training import factories as f
from training import services
from training.models import Absence, Competence, RoleAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def furnace(dept, head, hardening, zimmer, yilmaz):
    f.train(zimmer, hardening, 3, on=f.days(-30), by=head)
    f.train(yilmaz, hardening, 1, on=f.days(-5), by=head, expires_on=f.days(700))
    f.absent(zimmer, f.days(0), f.days(2))
    role = f.job_role(dept, title="Furnace operator", by=head, needs=[(hardening, 2)])
    services.job_role_take(file=f.file_of(yilmaz), by=head, job_role=role, since=f.days(-2))
    return role


def test_the_persons_training_file(client_for, furnace, yilmaz, head, hardening):
    file = f.file_of(yilmaz)
    html = client_for(head).get(file.get_absolute_url()).content.decode()
    assert "Furnace operator" in html and hardening.title in html
    assert "Gap" in html  # level 1 where the role needs 2
    need = file.needs.get()
    assert f"?need={need.pk}#record-form" in html
    prefilled = client_for(head).get(f"{file.get_absolute_url()}?need={need.pk}").content.decode()
    assert f'<option value="{hardening.pk}" selected>' in prefilled
    assert 'data-testid="needs-who"' not in html  # the head records it: the button says so
    # Emre sees his need on My work and on his file, and nothing he could do closes it: the page
    # says who does.
    own = client_for(yilmaz).get(file.get_absolute_url())
    assert own.status_code == 200  # his own
    assert (
        f"These close when your training is recorded, not by you: by {head}, head of {file.department}, "
        "or the training department. Tell them when you have had it." in body(own)
    )


def test_a_competence_shows_its_coverage_over_the_next_four_weeks(client_for, furnace, hardening, staff):
    html = client_for(staff).get(hardening.get_absolute_url()).content.decode()
    assert 'data-testid="coverage-alarm"' in html and "only Oliver Zimmer is qualified" in html
    assert "<svg" in html and "Qualified people available" in html
    assert "Emre Yilmaz" in html  # in training


def test_the_coverage_page_with_its_heat_map_and_requalifications_per_month(
    client_for, furnace, head, hardening
):
    html = client_for(head).get("/training/coverage/").content.decode()
    assert 'data-testid="alarms"' in html and "only Oliver Zimmer" in html
    assert (
        "Qualified people available per competence" in html
        and "Requalifications falling due per month" in html
    )
    # The competence short of its minimum is red in the table, as in the heat map above it.
    table = html[html.index('data-testid="coverage-table"') :]
    row = table[: table.index(hardening.title)].rsplit("<tr", 1)[1]
    assert 'class="table-danger"' in row


def test_the_requalification_bars_lead_to_the_qualifications_behind_them(
    client_for, furnace, head, dept, zimmer
):
    """Each bar opens the department's matrix narrowed to the month's requalifications (the
    numbers against the rows, for every reader: tests/training/test_figure_links.py)."""
    record = f.file_of(zimmer).records.get()
    month = f"{record.expires_on:%Y-%m}"
    html = client_for(head).get("/training/coverage/").content.decode()
    assert f"/training/?department={dept.pk}&amp;expires={month}" in html
    page = client_for(head).get(f"/training/?department={dept.pk}&expires={month}").content.decode()
    listed = page[
        page.index('data-testid="expires-list"') : page.index("</table>", page.index("expires-list"))
    ]
    assert "Oliver Zimmer" in listed and "Emre Yilmaz" not in listed


def test_the_registers_filter_and_export(client_for, furnace, head, hardening):
    records = client_for(head).get(f"/training/records/?competence={hardening.pk}&method=external")
    assert records.status_code == 200 and "Oliver Zimmer" in records.content.decode()
    export = body(client_for(head).get("/training/records/?format=csv"))
    assert export.splitlines()[0].startswith("Date,Person,Department,Competence")
    needs = client_for(head).get("/training/needs/?status=open").content.decode()
    assert "Emre Yilmaz" in needs and "Job role taken" in needs
    files = body(client_for(head).get("/training/files/?format=csv"))
    assert "Furnace operator" in files
    assert client_for(head).get("/training/competences/?format=csv").status_code == 200


def test_the_job_roles_register_counts_each_roles_competences_and_people_holding_it(
    client_for, dept, head, hardening, zimmer, yilmaz
):
    """Counted for each role shown, an ended role not held, and not over a join of both lists,
    which multiplied every role of the register by its competences times its holders and grouped
    them all before the first page could be chosen."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qms.services import transition

    turning = f.competence(dept, title="CNC turning", by=head)
    machinist = f.job_role(dept, title="CNC machinist", by=head, needs=[(turning, 2), (hardening, 1)])
    f.job_role(dept, title="Furnace helper", by=head)
    for person in (zimmer, yilmaz):
        services.job_role_take(file=f.file_of(person), by=head, job_role=machinist, since=f.days(-9))
    third = f.person(dept, username="lkraus", first_name="Lena", last_name="Kraus")
    ended = services.job_role_take(file=f.file_of(third), by=head, job_role=machinist, since=f.days(-9))
    transition(obj=ended, name="end", by=head)
    with CaptureQueriesContext(connection) as ctx:
        page = client_for(head).get("/training/job-roles/")
    rows = {row[1]: row for row in _table_rows(page.content.decode())}
    assert rows["CNC machinist"][3:5] == ["2", "2"]  # two competences, two people holding it
    assert rows["Furnace helper"][3:5] == ["0", "0"]
    joined = [q["sql"] for q in ctx.captured_queries if 'JOIN "training_role' in q["sql"]]
    assert not joined, joined


def _table_rows(html: str) -> list[list[str]]:
    """The register's rows, each as its cells' texts."""
    import re

    body_html = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body_html, re.S)
    ]


def test_an_absence_that_ends_before_it_starts_is_refused_beside_its_field(client_for, zimmer, head):
    file = f.file_of(zimmer)
    url = f"/training/files/{file.pk}/absences/add/"
    response = client_for(head).post(
        url, {"absence-starts_on": f.days(5).isoformat(), "absence-ends_on": f.days(2).isoformat()}
    )
    assert response.status_code == 400 and "ends before it starts" in field_error(response, "ends_on")
    assert not Absence.objects.exists()
    client_for(head).post(
        url, {"absence-starts_on": f.days(1).isoformat(), "absence-ends_on": f.days(3).isoformat()}
    )
    overlap = client_for(head).post(
        url, {"absence-starts_on": f.days(3).isoformat(), "absence-ends_on": f.days(4).isoformat()}
    )
    assert overlap.status_code == 400 and "absent" in field_error(overlap, "starts_on")
    assert Absence.objects.count() == 1


def test_a_job_role_of_another_department_is_refused(client_for, zimmer, head, other_dept, other_head):
    foreign = f.job_role(other_dept, title="Buyer", by=other_head)
    file = f.file_of(zimmer)
    response = client_for(head).post(
        f"/training/files/{file.pk}/roles/add/",
        {"role-job_role": foreign.pk, "role-since": f.days(0).isoformat()},
    )
    assert response.status_code == 400 and field_error(response, "job_role")
    assert not RoleAssignment.objects.exists()


def test_a_competence_form_refuses_a_duplicate_name_and_a_calibration_without_instrument_type(
    client_for, hardening, head
):
    data = {
        "title": hardening.title.upper(),
        "process": hardening.process_id,
        "evidence": "training",
        "min_coverage": "2",
        "authorises": "",
        "owner": head.pk,
    }
    response = client_for(head).post("/training/competences/new/", data)
    assert response.status_code == 400 and "exists already" in field_error(response, "title")
    data.update(title="Calibration of gauges", authorises="calibration")
    response = client_for(head).post("/training/competences/new/", data)
    assert "instrument type" in field_error(response, "instrument_type")
    data.update(min_coverage="0", authorises="")
    response = client_for(head).post("/training/competences/new/", data)
    assert field_error(response, "min_coverage")
    assert Competence.objects.count() == 1


def test_opening_a_training_file_for_someone_who_has_one_is_refused(client_for, zimmer, head):
    file = f.file_of(zimmer)
    response = client_for(head).post("/training/files/new/", {"owner": zimmer.pk, "note": ""})
    assert "has a training file already" in field_error(response, "owner") and file.reference in field_error(
        response, "owner"
    )


def test_an_old_certificate_can_be_recorded(hardening, zimmer, head):
    record = f.train(zimmer, hardening, 2, on=dt.date(2012, 5, 1), by=head)
    assert record.expires_on == dt.date(2013, 5, 1)


def test_editing_a_training_file_changes_its_note_never_whose_file_it_is(client_for, zimmer, yilmaz, head):
    file = f.file_of(zimmer)
    url = f"/training/files/{file.pk}/edit/"
    assert 'name="owner"' not in client_for(head).get(url).content.decode()
    client_for(head).post(url, {"note": "Apprenticeship as industrial mechanic", "owner": yilmaz.pk})
    file.refresh_from_db()
    assert file.note == "Apprenticeship as industrial mechanic" and file.owner == zimmer


def test_a_person_moved_to_another_department_takes_their_training_file_along(
    client_for, admin_user, zimmer, other_dept, other_head, django_capture_on_commit_callbacks
):
    """Moved to production, Sina's file and its open need stayed in Surface Treatment, whose
    new head could read it and do nothing with it."""
    file = f.file_of(zimmer)
    data = {
        "username": zimmer.username,
        "first_name": zimmer.first_name,
        "last_name": zimmer.last_name,
        "email": zimmer.email,
        "role": zimmer.role,
        "department": other_dept.pk,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "is_active": "on",
        "receive_alerts": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(f"/admin/qms/user/{zimmer.pk}/change/", data)
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.department == other_dept
    assert file.history.latest().history_change_reason == f"Moved with {zimmer} to {other_dept}"
    page = client_for(other_head).get(file.get_absolute_url()).content.decode()
    assert 'data-testid="record-form"' in page  # the new head records their training


def test_a_leavers_file_closes_and_the_alarms_they_answered_go_to_their_successor(
    client_for, admin_user, dept, head, zimmer, django_capture_on_commit_callbacks
):
    """Hannah's work was handed over, yet the coverage alarm still said "answered by Hannah
    Bauer" and her own training need stayed overdue under an account that cannot log in."""
    from qms.models import Role
    from tests.factories import UserFactory
    from training.models import CoverageAlarm

    f.competence(dept, title="Case-hardening furnace", by=head, min_coverage=1)
    (alarm,) = CoverageAlarm.objects.filter(status="open")
    assert alarm.owner == head
    file = f.file_of(head)
    successor = UserFactory(username="successor", role=Role.DEPARTMENT_HEAD, department=dept)
    data = {
        "username": head.username,
        "first_name": head.first_name,
        "last_name": head.last_name,
        "email": head.email,
        "role": head.role,
        "department": dept.pk,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "receive_alerts": "on",
        "hand_over_to": successor.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(f"/admin/qms/user/{head.pk}/change/", data)
    assert response.status_code == 302
    file.refresh_from_db()
    alarm.refresh_from_db()
    assert file.status == "closed" and alarm.owner == successor
