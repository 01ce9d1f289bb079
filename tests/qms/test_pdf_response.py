"""The name a PDF download is saved under: the slug of the name the view gives, ".pdf" once."""

import pytest

from qms.pdf import pdf_response


@pytest.mark.parametrize(
    "name, saved",
    [
        ("IA-2026-0001-report.pdf", "ia-2026-0001-report.pdf"),
        ("IA-2026-0001-report", "ia-2026-0001-report.pdf"),
        ("instrument-labels-2026-12-06.PDF", "instrument-labels-2026-12-06.pdf"),
        ("CAPA-2026-0003-8D", "capa-2026-0003-8d.pdf"),
        ("", "report.pdf"),
        (".pdf", "report.pdf"),
    ],
)
def test_a_pdf_is_saved_under_its_slug_with_one_extension(name, saved):
    response = pdf_response(b"%PDF-1.7", name)
    assert response["Content-Disposition"] == f'attachment; filename="{saved}"'
