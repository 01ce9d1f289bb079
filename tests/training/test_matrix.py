"""The competence matrix per department or process: levels, gaps against the job roles, expiring
within 60 days, expired; the same on the screen, in CSV and XLSX and on A4 landscape; a number of
queries that does not grow with people or competences."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from tests.helpers import body
from tests.training import factories as f
from training.matrix import department_matrix, process_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(dept, head, hardening, zimmer, yilmaz):
    """Oliver qualified and expiring soon, Emre in training where his role needs qualified, a
    third person whose qualification expired."""
    turning = f.competence(dept, title="CNC turning", by=head)
    role = f.job_role(dept, title="Furnace operator", by=head, needs=[(hardening, 2)])
    from training import services

    services.job_role_take(file=f.file_of(yilmaz), by=head, job_role=role, since=f.days(-10))
    f.train(zimmer, hardening, 3, on=f.today() - dt.timedelta(days=340), by=head)  # expires in ~25 days
    f.train(zimmer, turning, 2, by=head)
    f.train(yilmaz, hardening, 1, by=head)
    lapsed = f.person(dept, first_name="Hanna", last_name="Bauer")
    f.train(lapsed, hardening, 2, on=f.today() - dt.timedelta(days=400), by=head)
    return {"turning": turning, "lapsed": lapsed}


def cells(matrix):
    titles = [c.competence.title for c in matrix.columns]
    return {(str(r.person), titles[i]): c for r in matrix.rows for i, c in enumerate(r.cells)}


def test_the_matrix_shows_levels_gaps_expiring_and_expired(shop, dept, hardening, zimmer, yilmaz):
    matrix = department_matrix(dept)
    found = cells(matrix)
    assert found[("Oliver Zimmer", hardening.title)].level == 3
    assert found[("Oliver Zimmer", hardening.title)].state == "expiring"
    gap = found[("Emre Yilmaz", hardening.title)]
    assert (gap.level, gap.required, gap.state) == (1, 2, "gap")
    assert gap.text() == "1 (needs 2)"
    assert found[("Hanna Bauer", hardening.title)].state == "expired"
    assert found[("Emre Yilmaz", "CNC turning")].text() == ""
    column = next(c for c in matrix.columns if c.competence == hardening)
    assert column.qualified == 1 and column.under
    assert matrix.gaps == 1


def test_the_matrix_page_for_a_head(client_for, shop, dept, head, zimmer, hardening):
    html = client_for(head).get("/training/").content.decode()
    assert f"Competence matrix: {dept}" in html
    assert 'class="m-gap"' in html and 'class="m-expiring"' in html and 'class="m-expired"' in html
    assert "1<small>/2</small>" in html
    # Stacked on a phone, each cell says its competence: Emre's gap reads "<hardening>: 1/2".
    assert f'class="m-gap" data-label="{hardening.title}">1<small>/2</small>' in html
    assert f'href="{f.file_of(zimmer).get_absolute_url()}"' in html  # the head opens the files


def test_a_process_matrix_has_the_processs_competences_and_whoever_holds_them(
    shop, hardening, other_dept, other_head
):
    outsider = f.person(other_dept, first_name="Jonas", last_name="Schulz")
    f.train(outsider, hardening, 2, by=other_head)
    matrix = process_matrix(hardening.process)
    assert [c.competence for c in matrix.columns] == [hardening]
    assert "Jonas Schulz" in [str(r.person) for r in matrix.rows]
    assert "CNC turning" not in [c.competence.title for c in matrix.columns]


def test_a_departments_matrix_runs_the_same_queries_however_many_people_and_competences(
    client_for, dept, head, quality_manager
):
    client = client_for(head)
    client.get("/training/")  # the session's first request

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/training/?department={dept.pk}")
            assert response.status_code == 200
        return len(ctx.captured_queries)

    def grow(people: int, competences: int) -> None:
        made = [f.competence(dept, by=head) for _ in range(competences)]
        for _ in range(people):
            person = f.person(dept)
            for comp in made:
                f.train(person, comp, 2, by=head)
        f.job_role(dept, by=head, needs=[(made[0], 3)])

    grow(2, 2)
    small = queries()
    grow(5, 4)
    assert queries() == small


def test_csv_and_xlsx_exports_say_what_the_screen_says(client_for, shop, dept, head, hardening):
    response = client_for(head).get(f"/training/?department={dept.pk}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body(response))))
    header = rows[0]
    assert header[:3] == ["Person", "Department", "Job roles"] and hardening.title in header
    emre = next(r for r in rows if r[0] == "Emre Yilmaz")
    assert emre[2] == "Furnace operator" and emre[header.index(hardening.title)] == "1 (needs 2)"
    assert rows[-1][0] == "Minimum coverage"
    response = client_for(head).get(f"/training/?department={dept.pk}&format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2][:3] == ["Person", "Department", "Job roles"]
    emre_row = next(r for r in sheet.iter_rows() if r[0].value == "Emre Yilmaz")
    assert emre_row[values[2].index(hardening.title)].value == "1 (needs 2)"
    # Gaps, expired and expiring cells are coloured as on the screen, by rules over the matrix.
    rules = [
        (str(cf.sqref), rule.formula[0], rule.dxf.fill.fgColor.rgb)
        for cf in sheet.conditional_formatting
        for rule in cf.rules
    ]
    assert any('"needs"' in formula and fill.endswith("F8D7DA") for _, formula, fill in rules)
    assert {formula.split('"')[1] for _, formula, _ in rules} == {"needs", "expired", "expires"}


def test_the_pdf_is_a4_landscape(client_for, shop, dept, head):
    response = client_for(head).get(f"/training/?department={dept.pk}&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert round(width) == 842 and round(height) == 595  # A4, landscape, in points
    assert "Emre Yilmaz" in page.extract_text()


def test_the_whole_company_export_is_for_those_who_see_the_company(
    client_for, shop, quality_manager, other_dept
):
    f.person(other_dept, first_name="Laura", last_name="Wagner")
    response = client_for(quality_manager).get("/training/?scope=company&format=csv")
    text = body(response)
    assert "Emre Yilmaz" in text and "Laura Wagner" in text
