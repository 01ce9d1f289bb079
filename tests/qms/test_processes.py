"""The process catalogue: everyone reads it, the quality manager keeps it; records name active
processes only."""

import pytest

from qms.models import Process

pytestmark = pytest.mark.django_db


@pytest.fixture
def turning(dept):
    return Process.objects.create(name="CNC turning", department=dept, description="Cells 3 and 4")


def test_everyone_reads_the_catalogue_and_only_the_quality_manager_is_offered_to_edit(
    client_for, staff, auditor, quality_manager, turning
):
    for user in (staff, auditor):
        html = client_for(user).get("/processes/").content.decode()
        assert "CNC turning" in html and "Cells 3 and 4" in html
        assert "/processes/new/" not in html and f"/processes/{turning.pk}/edit/" not in html
    html = client_for(quality_manager).get("/processes/").content.decode()
    assert "/processes/new/" in html and f"/processes/{turning.pk}/edit/" in html


def test_only_the_quality_manager_edits_the_catalogue(client_for, head, quality_manager, dept, turning):
    data = {"name": "Heat treatment", "department": dept.pk, "description": "", "active": "on"}
    assert client_for(head).get("/processes/new/").status_code == 403
    assert client_for(head).post("/processes/new/", data).status_code == 403
    assert not Process.objects.filter(name="Heat treatment").exists()
    response = client_for(quality_manager).post("/processes/new/", data)
    assert response.status_code == 302 and response["Location"] == "/processes/"
    created = Process.objects.get(name="Heat treatment")
    assert created.history.get().history_user == quality_manager


def test_a_duplicate_or_multi_line_name_is_refused_beside_the_field(
    client_for, quality_manager, dept, turning
):
    client = client_for(quality_manager)
    for name in ("CNC turning", "Deburring\nand washing"):
        response = client.post("/processes/new/", {"name": name, "department": dept.pk})
        assert response.status_code == 400
        assert 'data-field="name"' in response.content.decode()
    assert Process.objects.count() == 1


def test_a_widget_names_only_active_processes_but_keeps_one_since_retired(
    client_for, head, widget, dept, turning
):
    retired = Process.objects.create(name="Manual deburring", department=dept, active=False)
    client = client_for(head)
    form = client.get("/kernel/widgets/new/").content.decode()
    assert "CNC turning" in form and "Manual deburring" not in form
    type(widget).objects.filter(pk=widget.pk).update(process=retired)
    assert "Manual deburring" in client.get(f"/kernel/widgets/{widget.pk}/edit/").content.decode()
