"""Controlled copies (issue #11, item 1): every PDF of a revision leaves the system stamped with
what it is on every page, the stored original never changes, and the print log says who took a
copy of which revision when."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from documents import services
from documents.models import DocumentType, IssuedCopy, Revision
from tests.documents.factories import DocumentFactory, approver, draft, issue, url
from tests.helpers import body

pytestmark = pytest.mark.django_db


def pages(content: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages]


def filename(response) -> str:
    return unquote(response["Content-Disposition"])


def download(client, stored, **params):
    response = client.get(stored.get_download_url(), params)
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


@pytest.fixture
def drawing(head, dept):
    """DRW-40512 at rev C, with B superseded and a draft D in work."""
    qm = approver(username="approver")
    document = DocumentFactory(
        owner=head, department=dept, number="DRW-40512", title="Bracket", doc_type=DocumentType.DRAWING
    )
    issue(document, qm, label="B", summary="Chamfer added")
    current = issue(document, qm, label="C", summary="Bore tolerance tightened")
    old = document.revisions.get(label="B")
    work = draft(document, label="D", summary="New material")
    return document, old, current, work


def test_a_superseded_drawing_is_stamped_not_for_use_on_every_page(client_for, staff, drawing):
    _document, old, _current, _work = drawing
    stored = old.files.get()
    response, content = download(client_for(staff), stored)
    assert content != stored.file.open("rb").read()
    for text in pages(content):
        assert "SUPERSEDED — NOT FOR USE" in text
        assert "DRW-40512 rev B, superseded by rev C" in text
        assert f"printed by {staff.get_full_name()}" in text
    assert "SUPERSEDED" in filename(response)
    # The stored original is untouched: its SHA-256 still verifies.
    assert hashlib.sha256(stored.file.open("rb").read()).hexdigest() == stored.sha256


def test_the_current_revision_is_a_controlled_copy_naming_who_printed_it_and_when(client_for, staff, drawing):
    _document, _old, current, _work = drawing
    response, content = download(client_for(staff), current.files.get())
    text = pages(content)[0]
    assert "CONTROLLED COPY — DRW-40512 rev C, effective" in text
    assert f"printed by {staff.get_full_name()} on" in text
    assert "NOT FOR USE" not in text
    # Named once, not "DRW-40512 rev C - DRW-40512.pdf".
    assert filename(response).endswith('DRW-40512 rev C.pdf"') or filename(response).endswith(
        "''DRW-40512 rev C.pdf"
    )


def test_a_draft_is_stamped_draft_not_approved(client_for, head, drawing):
    _document, _old, _current, work = drawing
    _response, content = download(client_for(head), work.files.get())
    assert "DRAFT — NOT APPROVED" in pages(content)[0]


def test_the_quality_manager_may_take_the_unstamped_original_labelled_so(
    client_for, quality_manager, staff, drawing
):
    _document, old, _current, _work = drawing
    stored = old.files.get()
    response, content = download(client_for(quality_manager), stored, original="1")
    assert content == stored.file.open("rb").read()
    assert "UNSTAMPED ORIGINAL" in filename(response)
    # Staff asking for the original still get the stamped copy.
    _response, content = download(client_for(staff), stored, original="1")
    assert "SUPERSEDED — NOT FOR USE" in pages(content)[0]


def test_a_file_that_cannot_carry_a_stamp_says_it_is_uncontrolled(client_for, head, staff, dept):
    document = DocumentFactory(owner=head, department=dept, number="DRW-7", doc_type=DocumentType.DRAWING)
    work = draft(document, label="A")
    native = services.revision_file_add(
        revision=work, by=head, file=SimpleUploadedFile("bracket.txt", b"native CAD export", "text/plain")
    )
    response, content = download(client_for(head), native)
    assert content == b"native CAD export"
    assert "UNCONTROLLED WHEN PRINTED" in filename(response)
    assert IssuedCopy.objects.get(file=native).kind == IssuedCopy.Kind.UNCONTROLLED
    page = body(client_for(head).get(url("revision_detail", document.pk, work.pk)))
    assert "uncontrolled when printed" in page


def test_the_print_log_answers_who_holds_a_copy_of_rev_b(
    client_for, staff, other_staff, quality_manager, auditor, drawing
):
    document, old, _current, _work = drawing
    download(client_for(staff), old.files.get())
    download(client_for(other_staff), old.files.get())
    log = list(IssuedCopy.objects.filter(revision=old).order_by("pk"))
    assert [(c.user, c.kind, c.revision_status) for c in log] == [
        (staff, "superseded", Revision.Status.SUPERSEDED),
        (other_staff, "superseded", Revision.Status.SUPERSEDED),
    ]
    page_url = url("revision_detail", document.pk, old.pk)
    for reader in (quality_manager, auditor):
        page = body(client_for(reader).get(page_url))
        assert 'data-testid="print-log"' in page
        assert staff.get_full_name() in page and other_staff.get_full_name() in page
    # A machinist sees what to read and a button: no print log, no hashes.
    page = body(client_for(staff).get(page_url))
    assert 'data-testid="print-log"' not in page
    assert "SHA-256" not in page and "Content hash" not in page and "UTC" not in page
    assert "SHA-256" in body(client_for(quality_manager).get(page_url))


def test_a_drafts_file_someone_took_a_copy_of_is_removed_and_its_copy_stays_in_the_log(
    client_for, staff, head, quality_manager, drawing
):
    """A machinist downloaded the draft drawing (stamped DRAFT); review rejected it; its author
    could not remove it ("someone changed this at the same moment"), and the rejected drawing was
    released with the corrected one."""
    document, _old, _current, work = drawing
    stored = work.files.get()
    download(client_for(staff), stored)
    response = client_for(head).post(
        url("revision_file_remove", document.pk, work.pk, stored.pk), {"reason": "Rejected in review"}
    )
    assert response.status_code == 302
    assert not work.files.exists()
    (copy,) = IssuedCopy.objects.filter(revision=work)
    assert (copy.file, copy.file_name, copy.user) == (None, stored.original_name, staff)
    page = client_for(quality_manager).get(work.get_absolute_url()).content.decode()
    assert f"{stored.original_name} <span" in page and "(removed from the draft)" in page
