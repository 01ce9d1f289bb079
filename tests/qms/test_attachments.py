"""Attachments: checked by content, never overwritten, downloaded only through a checked view."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from qms.models import Attachment
from tests.factories import WidgetFactory
from tests.uploads import image_bytes, pdf_bytes

# Real files: uploads are parsed as the type they claim (tests/security/test_uploads.py).
PDF = pdf_bytes()
PNG = image_bytes("PNG")


def upload(client, record, name, content, **extra):
    url = f"/records/kernelapp.widget/{record.pk}/attachments/"
    return client.post(url, {"file": SimpleUploadedFile(name, content), **extra})


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_a_pdf_is_stored_with_its_sha256_under_a_generated_name(client_for, head, _attachment_dir):
    ncr = WidgetFactory(owner=head)
    response = upload(client_for(head), ncr, "Inspection report.pdf", PDF, description="IQC report")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "Inspection report.pdf"
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.mime_type == "application/pdf"
    assert "Inspection" not in attachment.file.name  # the stored name is generated
    assert len(stored_files(_attachment_dir)) == 1


@pytest.mark.django_db
def test_uploading_the_same_name_twice_never_overwrites(client_for, head, _attachment_dir):
    ncr = WidgetFactory(owner=head)
    client = client_for(head)
    upload(client, ncr, "photo.png", PNG)
    upload(client, ncr, "photo.png", PNG + b"\x01")
    names = {a.file.name for a in Attachment.objects.all()}
    assert len(names) == 2
    assert len(stored_files(_attachment_dir)) == 2


@pytest.mark.django_db
@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_an_oversized_file_is_refused_with_a_clear_message_and_nothing_stored(
    client_for, head, _attachment_dir
):
    ncr = WidgetFactory(owner=head)
    response = upload(client_for(head), ncr, "big.pdf", PDF + b"0" * 2048)
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert 'data-field="file"' in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(_attachment_dir) == []


@pytest.mark.django_db
def test_html_disguised_as_pdf_is_refused(client_for, head, _attachment_dir):
    ncr = WidgetFactory(owner=head)
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    response = upload(client_for(head), ncr, "invoice.pdf", html)
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(_attachment_dir) == []


@pytest.mark.django_db
def test_a_pdf_renamed_to_png_is_refused(client_for, head):
    ncr = WidgetFactory(owner=head)
    response = upload(client_for(head), ncr, "photo.png", PDF)
    assert response.status_code == 400
    assert "does not match its name" in response.content.decode()
    assert not Attachment.objects.exists()


class RawNamedUpload(SimpleUploadedFile):
    """An upload whose name is exactly what a hostile client sent (UploadedFile strips folders
    from names assigned through its setter, so the raw name is set underneath it)."""

    def __init__(self, name, content):
        super().__init__("placeholder", content)
        self._name = name


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "reports/../../x.pdf", "..pdf"])
def test_path_traversal_names_are_refused_and_nothing_stored(head, _attachment_dir, name):
    from django.core.exceptions import ValidationError

    from qms.services import attachment_add

    ncr = WidgetFactory(owner=head)
    with pytest.raises(ValidationError, match="must not contain folders"):
        attachment_add(record=ncr, upload=RawNamedUpload(name, PDF), by=head)
    assert not Attachment.objects.exists()
    assert stored_files(_attachment_dir) == []


@pytest.mark.django_db
def test_a_traversal_name_sent_over_http_never_leaves_the_store(client_for, head, _attachment_dir, tmp_path):
    """Django's multipart parser already reduces the name to its last part; whatever arrives,
    the file is stored under a generated name inside the attachment store."""
    ncr = WidgetFactory(owner=head)
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="../../../tmp/owned.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--B--\r\n"
    )
    client = client_for(head)
    client.generic(
        "POST",
        f"/records/kernelapp.widget/{ncr.pk}/attachments/",
        body,
        content_type="multipart/form-data; boundary=B",
    )
    for attachment in Attachment.objects.all():
        assert "/" not in attachment.original_name and ".." not in attachment.original_name
        assert (_attachment_dir / attachment.file.name).resolve().is_relative_to(_attachment_dir.resolve())
    assert all(p.resolve().is_relative_to(_attachment_dir.resolve()) for p in stored_files(_attachment_dir))


@pytest.mark.django_db
def test_download_is_an_attachment_with_a_safe_name(client_for, head):
    ncr = WidgetFactory(owner=head)
    client = client_for(head)
    upload(client, ncr, "Prüfbericht <final>;v2.pdf", PDF)
    attachment = Attachment.objects.get()
    response = client.get(attachment.get_download_url())
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "<" not in disposition and ";v2" not in disposition
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_download_by_someone_without_access_is_refused(client, client_for, head, other_staff):
    ncr = WidgetFactory(owner=head)
    upload(client_for(head), ncr, "report.pdf", PDF)
    attachment = Attachment.objects.get()
    client.force_login(other_staff)
    assert client.get(attachment.get_download_url()).status_code == 404
    client.logout()
    response = client.get(attachment.get_download_url())
    assert response.status_code == 302 and "/account/login/" in response["Location"]


@pytest.mark.django_db
def test_an_auditor_downloads_but_cannot_upload(client, client_for, head, auditor):
    ncr = WidgetFactory(owner=head)
    upload(client_for(head), ncr, "report.pdf", PDF)
    attachment = Attachment.objects.get()
    client.force_login(auditor)
    assert client.get(attachment.get_download_url()).status_code == 200
    assert upload(client, ncr, "more.pdf", PDF).status_code == 403
    assert Attachment.objects.count() == 1


@pytest.mark.django_db
def test_attachments_have_no_public_url(client, client_for, head):
    ncr = WidgetFactory(owner=head)
    upload(client_for(head), ncr, "report.pdf", PDF)
    attachment = Attachment.objects.get()
    client.logout()
    assert client.get("/media/" + attachment.file.name).status_code in (302, 404)


@pytest.mark.django_db
def test_a_refused_file_is_reported_even_when_the_description_is_too_long(client_for, head, _attachment_dir):
    ncr = WidgetFactory(owner=head)
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    response = upload(client_for(head), ncr, "invoice.pdf", html, description="d" * 5000)
    body = response.content.decode()
    assert response.status_code == 400
    assert "not accepted" in body and "at most 200 characters" in body
    assert not Attachment.objects.exists()
    assert stored_files(_attachment_dir) == []


@pytest.mark.django_db
def test_an_svg_with_a_script_is_refused(client_for, head, _attachment_dir):
    ncr = WidgetFactory(owner=head)
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("drawing.svg", "drawing.png", "drawing.txt"):
        response = upload(client_for(head), ncr, name, svg)
        assert response.status_code == 400
        assert 'data-field="file"' in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_closed_record_takes_no_more_files_and_says_so(client_for, head, _attachment_dir):
    from tests.kernelapp.models import Widget

    widget = WidgetFactory(owner=head)
    Widget.objects.filter(pk=widget.pk).update(status="closed")
    client = client_for(head)
    response = upload(client, widget, "late.pdf", PDF)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert f"{widget.reference} is closed: a closed record takes no more files. Reopen it first." in page
    assert not Attachment.objects.exists() and stored_files(_attachment_dir) == []
