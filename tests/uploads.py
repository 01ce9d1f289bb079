"""Real files of every accepted type, made on the spot, for tests that upload."""

from __future__ import annotations

import io
import zipfile


def pdf_bytes(text: str = "Inspection report") -> bytes:
    """A small PDF that opens as a PDF (one page with a line of text; its font reads one byte a
    character, so the text is written in Latin-1: "Ø12.5" stays "Ø12.5")."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def _office_bytes(part: str, content_type: str, body: str) -> bytes:
    """A minimal Office Open XML file: a zip of one part and the content types naming it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
            f'officedocument.{content_type}"/></Types>',
        )
        archive.writestr(part, body)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word document."""
    return _office_bytes("word/document.xml", "wordprocessingml.document.main+xml", "<w:document/>")


def xlsx_bytes() -> bytes:
    """A minimal Excel workbook."""
    return _office_bytes("xl/workbook.xml", "spreadsheetml.sheet.main+xml", "<workbook/>")
