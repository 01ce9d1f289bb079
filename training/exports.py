"""The competence matrix as the auditor takes it away: a CSV (streamed, formulas neutralised), an
XLSX workbook with the gaps, expired and expiring cells coloured, and a PDF on A4 landscape with
the competences split over as many blocks as the page width needs."""

from __future__ import annotations

import base64
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
# An A4 landscape page holds about 180 characters of 7 pt monospace: a name and 38 competences of
# four characters each ("1/2 "), and some 50 people.
PDF_COLUMNS, PDF_ROWS, NAME_CHARS, CELL_CHARS = 38, 50, 24, 4
# DejaVu Sans Mono, the PDF's monospaced font: every character advances 1233/2048 em.
MONO_ADVANCE, LINE_HEIGHT = 1233 / 2048, 1.2
COLOURS = {"gap": (248, 215, 218, 255), "expired": (234, 134, 143, 255), "expiring": (255, 243, 205, 255)}
FILLS = {"gap": "F8D7DA", "expired": "EA868F", "expiring": "FFF3CD"}


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
    """A workbook written in streaming mode (constant memory): one row per person, the cells as
    the CSV says them, coloured by three conditional formats (gap, expired, expiring) rather than
    cell by cell, which keeps a hundred thousand cells fast."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Matrix")
    sheet.freeze_panes = "D4"
    sheet.append([f"{matrix.title}, as of {matrix.on:%-d %b %Y}"])
    sheet.append([LEGEND])
    sheet.append(header(matrix))
    for row in csv_rows(matrix):
        sheet.append(row)
    if matrix.columns and matrix.rows:
        first, last = "D4", f"{get_column_letter(3 + len(matrix.columns))}{3 + len(matrix.rows)}"
        # "expired" before "needs": an expired qualification a job role needs is shown as expired.
        for word, state in (("expired", "expired"), ("needs", "gap"), ("expires", "expiring")):
            sheet.conditional_formatting.add(
                f"{first}:{last}",
                FormulaRule(
                    formula=[f'ISNUMBER(SEARCH("{word}",{first}))'],
                    fill=PatternFill("solid", fgColor=FILLS[state], bgColor=FILLS[state]),
                    stopIfTrue=True,
                ),
            )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_name(matrix, "xlsx")}"'
    return response


def pdf_blocks(
    matrix: Matrix, *, columns: int | None = None, rows: int | None = None, font_pt: float = 7.0
) -> list[dict]:
    """The matrix in blocks that fit a page: ``columns`` competences (numbered, named in a key
    above) by ``rows`` people, as monospaced text, each cell five characters wide. The colours of
    the cells (gap, expired, expiring) are one small picture per block laid under the text, a pixel
    per cell: WeasyPrint lays out a table cell or a coloured span a hundred times slower than a
    character, and the whole company's matrix has a hundred thousand cells."""
    width, height = columns or PDF_COLUMNS, rows or PDF_ROWS
    char, line = font_pt * MONO_ADVANCE, font_pt * LINE_HEIGHT
    blocks = []
    for first in range(0, max(len(matrix.columns), 1), width):
        numbers = list(enumerate(matrix.columns[first : first + width], start=first + 1))
        heading = "Person".ljust(NAME_CHARS) + "".join(str(n).center(CELL_CHARS) for n, _ in numbers)
        for top in range(0, max(len(matrix.rows), 1), height):
            part = matrix.rows[top : top + height]
            lines = [heading]
            for row in part:
                name = str(row.person)
                name = name if len(name) < NAME_CHARS else name[: NAME_CHARS - 2] + "…"
                cells = row.cells[first : first + width]
                # Every character is drawn one by one: no trailing spaces.
                text = name.ljust(NAME_CHARS) + "".join(_pdf_text(c).center(CELL_CHARS) for c in cells)
                lines.append(text.rstrip())
            blocks.append(
                {
                    "numbers": numbers,
                    "first": top == 0,
                    "text": "\n".join(lines),
                    "marks": _marks(part, first, len(numbers)),
                    # Where the picture lies: after the names, below the heading, a cell per pixel.
                    "geometry": f"left:{NAME_CHARS * char:.3f}pt;top:{line:.3f}pt;"
                    f"width:{len(numbers) * CELL_CHARS * char:.3f}pt;height:{max(len(part), 1) * line:.3f}pt",
                }
            )
    return blocks


def _marks(rows, first: int, count: int) -> str:
    """A PNG with one pixel per cell, coloured by its state (transparent when in order), as a
    data URI; empty when no cell of the block needs attention."""
    from PIL import Image

    picture = Image.new("RGBA", (max(count, 1), max(len(rows), 1)), (255, 255, 255, 0))
    pixels, marked = picture.load(), False
    for y, row in enumerate(rows):
        for x, cell in enumerate(row.cells[first : first + count]):
            if cell.state:
                pixels[x, y] = COLOURS[cell.state]
                marked = True
    if not marked:
        return ""
    out = io.BytesIO()
    picture.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _pdf_text(cell) -> str:
    if cell.level is None and cell.required is None:
        return ""
    level = "0" if cell.level is None else str(cell.level)
    return f"{level}/{cell.required}" if cell.state in ("gap", "expired") and cell.required else level


def matrix_pdf_bytes(matrix: Matrix) -> bytes:
    return render_pdf(
        "training/matrix_pdf.html",
        {
            "matrix": matrix,
            "blocks": pdf_blocks(matrix),
            "legend": LEGEND,
            "generated_at": timezone.localtime(),
        },
    )


def matrix_pdf(matrix: Matrix) -> HttpResponse:
    return pdf_response(matrix_pdf_bytes(matrix), _name(matrix, "pdf")[:-4])
