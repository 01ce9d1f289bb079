"""The competence matrix as the auditor takes it away: a CSV (streamed, formulas neutralised), an
XLSX workbook with the gaps, expired and expiring cells coloured, and a PDF on A4 landscape with
the competences split over as many tables as the page width needs."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from qms.pdf import pdf_response, render_pdf
from qms.views import csv_response

from .matrix import Matrix

LEGEND = (
    "Levels: 0 not trained · 1 in training (supervised) · 2 qualified · 3 can train and assess others. "
    "“needs n”: the level the person's job roles need."
)
PDF_COLUMNS = 16  # competences per table on an A4 landscape page
FILLS = {"gap": "F8D7DA", "expired": "F5C2C7", "expiring": "FFF3CD"}


def _name(matrix: Matrix, ext: str) -> str:
    return f"{slugify(matrix.title) or 'competence-matrix'}-{matrix.on:%Y%m%d}.{ext}"


def header(matrix: Matrix) -> list[str]:
    return ["Person", "Department", "Job roles", *(c.competence.title for c in matrix.columns)]


def csv_rows(matrix: Matrix) -> Iterator[list[str]]:
    for row in matrix.rows:
        yield [
            str(row.person),
            str(row.person.department or ""),
            row.roles_text,
            *(c.text() for c in row.cells),
        ]
    yield ["Qualified (level 2 or 3)", "", "", *(str(c.qualified) for c in matrix.columns)]
    yield ["Minimum coverage", "", "", *(str(c.competence.min_coverage) for c in matrix.columns)]


def matrix_csv(matrix: Matrix, *, delimiter: str = ",") -> StreamingHttpResponse:
    return csv_response(_name(matrix, "csv")[:-4], header(matrix), csv_rows(matrix), delimiter=delimiter)


def matrix_xlsx(matrix: Matrix) -> HttpResponse:
    """A workbook in write-only mode (constant memory, fast): one row per person, the cells that
    need attention coloured as on the screen."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Matrix")
    bold = Font(bold=True)
    fills = {state: PatternFill("solid", fgColor=colour) for state, colour in FILLS.items()}
    sheet.append([f"{matrix.title}, as of {matrix.on:%-d %b %Y}"])
    sheet.append([LEGEND])
    titles = []
    for text in header(matrix):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for row in matrix.rows:
        values: list = [str(row.person), str(row.person.department or ""), row.roles_text]
        for c in row.cells:
            if c.state:
                cell = WriteOnlyCell(sheet, value=c.text())
                cell.fill = fills[c.state]
                values.append(cell)
            else:
                values.append(c.text())
        sheet.append(values)
    for label, values in (
        ("Qualified (level 2 or 3)", [c.qualified for c in matrix.columns]),
        ("Minimum coverage", [c.competence.min_coverage for c in matrix.columns]),
    ):
        sheet.append([label, "", "", *values])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_name(matrix, "xlsx")}"'
    return response


def matrix_pdf_bytes(matrix: Matrix) -> bytes:
    return render_pdf(
        "training/matrix_pdf.html",
        {
            "matrix": matrix,
            "chunks": matrix.chunks(PDF_COLUMNS),
            "legend": LEGEND,
            "generated_at": timezone.localtime(),
        },
    )


def matrix_pdf(matrix: Matrix) -> HttpResponse:
    return pdf_response(matrix_pdf_bytes(matrix), _name(matrix, "pdf")[:-4])
