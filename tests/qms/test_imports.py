"""Import of a register from a spreadsheet: upload, a preview with every row's errors beside it,
confirm. Nothing is saved until a preview without errors is confirmed; the same file imported
again changes nothing."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import WidgetFactory
from tests.kernelapp.models import Widget

pytestmark = pytest.mark.django_db

URL = "/import/kernelapp.widgets/"
HEADER = "Title,Description,Owner,Department,Due\n"


def csv_file(text: str, name: str = "widgets.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def xlsx_file(rows: list[list]) -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("widgets.xlsx", out.getvalue())


def preview(client, upload):
    return client.post(URL, {"file": upload})


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def row_html(response, line: int) -> str:
    """The preview's table row of the file's line ``line``."""
    rows = re.findall(r"<tr[^>]*>\s*<td>(\d+)</td>(.*?)</tr>", response.content.decode(), re.S)
    return next(body for number, body in rows if int(number) == line)


def test_the_import_page_names_the_columns_and_is_offered_on_the_register(client_for, head, staff):
    client = client_for(head)
    html = client.get(URL).content.decode()
    assert "<code>Title</code>" in html and "<code>Description</code> (optional)" in html
    assert f'href="{URL}"' in client.get("/kernel/widgets/").content.decode()
    # Who may not create widgets may not import them, nor is offered to.
    assert f'href="{URL}"' not in client_for(staff).get("/kernel/widgets/").content.decode()
    assert client_for(staff).get(URL).status_code == 403


def test_a_preview_saves_nothing_and_a_confirmation_imports_exactly_that(client_for, head):
    client = client_for(head)
    rows = "Housing,Milled,head,QC,2026-09-30\nCover,,head,QC,\nLid,,head,quality control,\n"
    response = preview(client, csv_file(HEADER + rows))
    assert response.status_code == 200
    assert "3 new, 0 changed, 0 unchanged." in response.content.decode()  # a department by name too
    assert not Widget.objects.exists()
    response = client.post(URL, {"payload": payload_of(response)})
    assert response.status_code == 302 and response["Location"] == "/kernel/widgets/"
    housing = Widget.objects.get(title="Housing")
    assert (housing.description, housing.owner, housing.department.code) == ("Milled", head, "QC")
    assert housing.due_date == dt.date(2026, 9, 30)
    assert housing.history.get().history_change_reason == "Imported"
    assert Widget.objects.get(title="Cover").due_date is None


def test_each_rows_errors_are_shown_beside_it_and_nothing_can_be_confirmed(client_for, head, other_dept):
    text = (
        HEADER
        + "Good,,head,QC,\nBad owner,,nobody,QC,\nBad department,,head,XX,\nBad date,,head,QC,31.02.2026\n"
        + "Elsewhere,,head,Production,\n"
    )
    response = preview(client_for(head), csv_file(text))
    assert response.status_code == 400
    assert "1 new, 0 changed, 0 unchanged, 4 with errors" in response.content.decode()
    assert "row-error" not in row_html(response, 2)
    assert "Owner: No person with that username." in row_html(response, 3)
    department_error = "Department: No department with the code or name “XX”. The departments: PROD ("
    assert department_error in row_html(response, 4) and "QC (Quality Control)." in row_html(response, 4)
    assert "Due: Enter a real date as YYYY-MM-DD, for example 2026-05-31." in row_html(response, 5)
    assert "You can only file records for your own department, not Production." in row_html(response, 6)
    assert 'name="payload"' not in response.content.decode()
    assert not Widget.objects.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("Title,Owner,Due\nA,head,x\n", "Columns missing: Department."),
        (
            "Title,Owner,Department,Colour\nA,head,QC,red\n",
            "Unknown columns: Colour. Expected: Title, Description",
        ),
        (
            "Title,Owner,Department\nA,head,QC\nB,head,QC,extra\n",
            "Line 3 has 4 cells, but the first line names 3",
        ),
    ],
)
def test_missing_or_unknown_columns_are_named(client_for, head, text, message):
    response = preview(client_for(head), csv_file(text))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_row_that_describes_the_same_widget_as_another_is_refused(client_for, head):
    text = HEADER + "Housing,,head,QC,\nCover,,head,QC,\nHousing,Again,head,QC,\n"
    response = preview(client_for(head), csv_file(text))
    assert response.status_code == 400
    assert "Row 2 already describes" in row_html(response, 4)
    assert not Widget.objects.exists()


def test_a_semicolon_csv_with_a_byte_order_mark_from_excel_is_read(client_for, head):
    text = "\ufeffTitle;Description;Owner;Department;Due\nGehäuse;Gefräst, entgratet;head;QC;2026-10-01\n"
    client = client_for(head)
    response = preview(client, csv_file(text))
    assert response.status_code == 200
    client.post(URL, {"payload": payload_of(response)})
    assert Widget.objects.get().description == "Gefräst, entgratet"


def test_a_csv_not_saved_as_utf8_is_refused_beside_the_file(client_for, head):
    response = preview(client_for(head), csv_file(HEADER + "Gehäuse,,head,QC,\n", encoding="cp1252"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="file"' in html and "Save the CSV file as UTF-8" in html


@pytest.mark.parametrize(
    "upload, message",
    [
        (csv_file(""), "The submitted file is empty."),
        (csv_file("\n\n"), "The file is empty: the first line must name the columns."),
        (csv_file(HEADER), "no rows below the column names"),
        (csv_file("x", name="widgets.txt"), "Choose a .csv or .xlsx file."),
        (SimpleUploadedFile("widgets.xlsx", b"PK\x03\x04 not a workbook"), "could not be read as an Excel"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_beside_the_field(client_for, head, upload, message):
    response = preview(client_for(head), upload)
    assert response.status_code == 400
    assert 'data-field="file"' in response.content.decode() and message in response.content.decode()


def test_an_excel_workbook_with_date_cells_is_read(client_for, head):
    rows = [["Title", "Owner", "Department", "Due"], ["Housing", "head", "QC", dt.datetime(2026, 11, 2)]]
    client = client_for(head)
    response = preview(client, xlsx_file(rows))
    assert response.status_code == 200, response.content.decode()
    client.post(URL, {"payload": payload_of(response)})
    assert Widget.objects.get().due_date == dt.date(2026, 11, 2)


def test_reimporting_the_same_file_changes_nothing(client_for, head):
    text = HEADER + "Housing,Milled,head,QC,2026-09-30\nCover,,head,QC,\n"
    client = client_for(head)
    client.post(URL, {"payload": payload_of(preview(client, csv_file(text)))})
    history = {w.pk: w.history.count() for w in Widget.objects.all()}
    response = preview(client, csv_file(text))
    assert "0 new, 0 changed, 2 unchanged." in response.content.decode()
    client.post(URL, {"payload": payload_of(response)})
    assert {w.pk: w.history.count() for w in Widget.objects.all()} == history


def test_a_changed_row_updates_its_widget_and_a_column_left_out_changes_nothing(client_for, head):
    widget = WidgetFactory(owner=head, title="Housing", description="Milled from bar")
    client = client_for(head)
    response = preview(client, csv_file("Title,Owner,Department,Due\nHousing,head,QC,2026-12-01\n"))
    assert "0 new, 1 changed, 0 unchanged." in response.content.decode()
    client.post(URL, {"payload": payload_of(response)})
    widget.refresh_from_db()
    assert (widget.due_date, widget.description) == (dt.date(2026, 12, 1), "Milled from bar")


def test_a_row_about_a_widget_the_user_may_not_change_is_refused(client_for, head, other_head):
    WidgetFactory(owner=other_head, title="Housing", description="Theirs")
    response = preview(client_for(head), csv_file(HEADER + "Housing,Mine now,head,QC,\n"))
    assert response.status_code == 400
    assert "You may not change this record." in row_html(response, 2)


def test_a_tampered_or_borrowed_preview_imports_nothing(client_for, head, quality_manager):
    client = client_for(head)
    payload = payload_of(preview(client, csv_file(HEADER + "Housing,,head,QC,\n")))
    response = client.post(URL, {"payload": payload[:-3] + "xyz"}, follow=True)
    assert "The preview has expired; upload the file again." in response.content.decode()
    # A preview shown to one person does not import for another.
    client_for(quality_manager).post(URL, {"payload": payload})
    assert not Widget.objects.exists()


def test_an_unknown_import_is_a_404(client_for, head):
    assert client_for(head).get("/import/kernelapp.nothing/").status_code == 404
