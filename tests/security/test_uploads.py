"""Uploads are parsed as the type they claim: polyglots, markup deep in a text file and zips
dressed as Word documents are refused; a virus scanner (ClamAV's daemon) refuses what it finds."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qms.models import Attachment
from qms.uploads import validate_upload
from tests.factories import WidgetFactory
from tests.uploads import docx_bytes, image_bytes, pdf_bytes, xlsx_bytes

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
HTML = b"<html><body><script>fetch('/account/password/change/')</script></body></html>"


def refused(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile(name, content))
    return caught.value.messages[0]


def test_real_files_of_every_accepted_kind_are_accepted():
    for name, content in [
        ("report.pdf", pdf_bytes()),
        ("photo.png", image_bytes("PNG")),
        ("photo.jpg", image_bytes("JPEG")),
        ("anim.gif", image_bytes("GIF")),
        ("photo.webp", image_bytes("WEBP")),
        ("scan.tif", image_bytes("TIFF")),
        ("procedure.docx", docx_bytes()),
        ("plan.xlsx", xlsx_bytes()),
        ("notes.txt", "Messwerte: 12,5 mm – ok\n".encode() * 2000),
    ]:
        assert validate_upload(SimpleUploadedFile(name, content))[0] == name


@pytest.mark.parametrize(
    "name,content",
    [
        ("invoice.pdf", b"%PDF-1.4\n" + HTML),  # a PDF header followed by HTML
        ("report.pdf", pdf_bytes() + HTML),  # a real PDF with HTML after its end
        ("photo.gif", b"GIF89a=1;alert(document.cookie);//" + b"\x00" * 64),  # GIF + JavaScript
        ("photo.gif", image_bytes("GIF") + b"alert(document.cookie)"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + HTML),  # PNG header + HTML
        ("photo.png", image_bytes("PNG") + HTML),  # a real PNG with HTML after it
        ("photo.jpg", image_bytes("JPEG") + HTML),
    ],
)
def test_polyglots_are_refused(name, content):
    message = refused(name, content)
    assert "does not match its name" in message or "not accepted" in message


def test_a_png_with_script_in_its_text_metadata_is_refused():
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG", pnginfo=info)
    assert "does not match its name" in refused("photo.png", buffer.getvalue())


def test_html_after_the_first_4_kb_of_a_text_file_is_refused():
    content = b"Measured values\n" + b"12.5;12.4;12.6\n" * 600 + HTML
    assert len(content) > 8192
    assert "does not match its name" in refused("values.txt", content)
    assert "does not match its name" in refused("values.csv", b"a;b\n" * 5000 + b"\x00binary")


def test_any_zip_renamed_docx_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", HTML)
    assert "does not match its name" in refused("procedure.docx", buffer.getvalue())
    # A spreadsheet is not a Word document either.
    assert "does not match its name" in refused("procedure.xlsx", docx_bytes())


@pytest.mark.django_db
def test_a_300_character_name_keeps_its_extension_and_is_accepted(client_for, head):
    widget = WidgetFactory(owner=head)
    name = "Inspection report " + "x" * 278 + ".pdf"
    assert len(name) == 300
    response = client_for(head).post(
        f"/records/kernelapp.widget/{widget.pk}/attachments/", {"file": SimpleUploadedFile(name, pdf_bytes())}
    )
    assert response.status_code == 302
    stored = Attachment.objects.get()
    assert stored.original_name.endswith(".pdf") and stored.original_name.startswith("Inspection report")
    assert len(stored.original_name) <= 150


# --- the virus scan ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    """ClamAV's daemon with a one-line local signature database for the EICAR test file
    (signature downloads are not reachable here)."""
    binary = shutil.which("clamd") or ("/usr/sbin/clamd" if Path("/usr/sbin/clamd").exists() else None)
    if binary is None:
        pytest.skip("clamd is not installed (scripts/install.sh installs clamav-daemon)")
    root = tmp_path_factory.mktemp("clamd")
    (root / "db").mkdir()
    (root / "db" / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n")
    socket_path = root / "clamd.sock"
    config = root / "clamd.conf"
    config.write_text(
        f"LocalSocket {socket_path}\nDatabaseDirectory {root / 'db'}\nForeground yes\n"
        f"LogFile {root / 'clamd.log'}\nPidFile {root / 'clamd.pid'}\n"
    )
    process = subprocess.Popen(
        [binary, "--config-file", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not socket_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (root / "clamd.log").read_text() if (root / "clamd.log").exists() else ""
            pytest.fail(f"clamd did not start: {process.stderr.read().decode()} {log}")
        time.sleep(0.1)
    yield str(socket_path)
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.django_db
def test_the_eicar_test_file_is_refused_by_the_virus_scan_and_logged(
    clamd, settings, client_for, head, caplog
):
    settings.CLAMAV_SOCKET = clamd
    widget = WidgetFactory(owner=head)
    response = client_for(head).post(
        f"/records/kernelapp.widget/{widget.pk}/attachments/",
        {"file": SimpleUploadedFile("notes.txt", EICAR)},
    )
    assert response.status_code == 400
    assert "virus scanner found Eicar-Test-Signature" in response.content.decode()
    assert not Attachment.objects.exists()
    assert any("Eicar-Test-Signature" in r.getMessage() for r in caplog.records)
    # A clean file passes the same scanner.
    assert validate_upload(SimpleUploadedFile("notes.txt", b"clean text\n"))[1] == "text/plain"
    assert validate_upload(SimpleUploadedFile("report.pdf", pdf_bytes()))[1] == "application/pdf"


def test_a_configured_scanner_that_does_not_answer_refuses_the_upload(settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "nothing-here.sock")
    assert "virus scanner did not answer" in refused("notes.txt", b"clean text\n")
