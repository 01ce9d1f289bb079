"""The one file store, as a module uses it for its own files (a part's drawings and photos): checked
by content, stored under a generated name with its SHA-256, noted in the history, and read back only
through the permission-checked download."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from tests.kernelapp.models import PartFile
from tests.kernelapp.walk import PNG
from tests.qms.conftest import part_url, png

pytestmark = pytest.mark.django_db


def test_an_uploaded_photo_is_stored_with_its_sha256_under_a_generated_name(
    client_for, head, part, _attachment_dir
):
    response = client_for(head).post(part_url(part, "files/add"), {"file": png("Bore, first article.png")})
    assert response.status_code == 302 and response["Location"] == part.get_absolute_url()
    stored = PartFile.objects.get()
    assert (stored.original_name, stored.mime_type, stored.size) == (
        "Bore_ first article.png",
        "image/png",
        len(PNG),
    )
    assert stored.sha256 == hashlib.sha256(PNG).hexdigest()
    assert stored.file.name.startswith("widgets/") and "first" not in stored.file.name
    assert (_attachment_dir / stored.file.name).read_bytes() == PNG
    # Read back through the kernel's one download, byte for byte.
    download = client_for(head).get(stored.get_download_url())
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    entry = stored.history.get()
    assert (entry.history_user, entry.history_change_reason) == (
        head,
        "Part file added: Bore_ first article.png",
    )


def test_a_file_is_downloaded_by_whoever_may_see_its_widget_and_by_nobody_else(
    client_for, head, staff, auditor, other_staff, part_file
):
    url = part_file.get_download_url()
    assert url == f"/files/kernelapp.partfile/{part_file.pk}/"
    for user in (head, staff, auditor):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Disposition"] == 'attachment; filename="bracket.png"'
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(other_staff).get(url).status_code == 404


def test_a_file_whose_content_is_not_what_its_name_says_is_refused_and_nothing_is_stored(
    client_for, head, part, _attachment_dir
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(head).post(
        part_url(part, "files/add"), {"file": SimpleUploadedFile("drawing.pdf", PNG)}
    )
    assert response.status_code == 400
    assert "does not match its name" in response.content.decode()
    assert not PartFile.objects.exists()
    assert not [p for p in _attachment_dir.rglob("*") if p.is_file()]


def test_a_file_of_a_released_widget_is_kept(client_for, head, widget, part, part_file):
    from qms.services import record_transition

    record_transition(record=widget, name="release", by=head)
    response = client_for(head).post(
        part_url(part, f"files/{part_file.pk}/remove"), {"reason": "Blurred"}, follow=True
    )
    assert "Files of a released widget are kept." in response.content.decode()
    assert PartFile.objects.filter(pk=part_file.pk).exists()


def test_no_file_is_added_to_a_finished_part(client_for, head, part):
    from qms.services import transition

    transition(obj=part, name="finish", by=head)
    assert client_for(head).post(part_url(part, "files/add"), {"file": png()}).status_code == 403
    from qms.services import child_add

    with pytest.raises(ValidationError, match="“Bore” is done; it takes no more changes."):
        child_add(model=PartFile, by=head, part=part, file=png())
    assert not PartFile.objects.exists()
