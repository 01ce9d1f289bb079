"""Photos of the nonconforming part are shown on the NCR itself; other files stay in the
attachments tab. The demo's customer complaint carries one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capa import demo
from capa.models import Nonconformity
from qms.demo import load_people
from qms.services import attachment_add, get_system_user
from tests.uploads import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


def png(name: str = "part.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def test_ncr_page_shows_photos_but_not_other_files(client_for, head, ncr, auditor):
    html = client_for(head).get(ncr.get_absolute_url()).content.decode()
    assert "No photos yet" in html and "Attachments</a> tab" in html
    photo = attachment_add(record=ncr, upload=png("burr.png"), by=head, description="Burr at the chamfer")
    report = attachment_add(
        record=ncr,
        upload=SimpleUploadedFile("report.pdf", pdf_bytes(), content_type="application/pdf"),
        by=head,
    )
    with CaptureQueriesContext(connection) as ctx:
        html = client_for(head).get(ncr.get_absolute_url()).content.decode()
    # The photos come from the attachments the tab lists: the attachments are read once.
    assert len([q for q in ctx.captured_queries if 'FROM "qms_attachment"' in q["sql"]]) == 1
    assert "Attachments <span" in html and ">2</span>" in html
    photos = html[html.index('data-testid="ncr-photos"') :]
    photos = photos[: photos.index("</div>")]
    download = photo.get_download_url()
    assert f'<img src="{download}"' in photos and "Burr at the chamfer" in photos
    assert report.get_download_url() not in photos
    # The auditor sees the photo too (and no hint to add one).
    auditor_client = client_for(auditor)
    html = auditor_client.get(ncr.get_absolute_url()).content.decode()
    assert f'<img src="{download}"' in html and "Attachments</a> tab" not in html
    response = auditor_client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"\x89PNG"


def test_demo_complaint_ncr_has_a_photo_of_the_returned_part():
    get_system_user()
    company = load_people()
    demo.load(company)
    complaint = Nonconformity.objects.get(lot="24-1187")
    from qms.services import attachments_of

    photos = [a for a in attachments_of(complaint) if a.mime_type == "image/png"]
    assert len(photos) == 1 and "12.027 mm" in photos[0].description
