"""Document control's pages: void signatures, not-current marks, the one permission-checked
download, the auditor's read-only access, who may open what."""

import io
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from documents import services
from documents.models import Revision
from tests.documents.factories import DocumentFactory, draft, issue, url
from tests.factories import PASSWORD
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db


# --- void signatures, not-current marks, downloads --------------------------------------------


def test_a_file_changed_after_approval_shows_the_signature_void(client_for, drawing, head, quality_manager):
    revision = issue(drawing, quality_manager)
    client = client_for(head)
    assert "VOID" not in client.get(url("revision_detail", drawing.pk, revision.pk)).content.decode()
    stored = revision.files.get()
    with open(stored.file.path, "wb") as fh:
        fh.write(pdf_bytes("Ø12.5 instead of Ø12"))
    for page in (url("revision_detail", drawing.pk, revision.pk), drawing.get_absolute_url()):
        html = client.get(page).content.decode()
        assert "VOID – content changed after signing" in html
        assert "changed after upload" in html


def test_a_superseded_revision_is_marked_everywhere_and_never_offered_as_current(
    client_for, drawing, head, quality_manager, operator
):
    rev_a = issue(drawing, quality_manager)
    rev_b = issue(drawing, quality_manager, summary="B")
    client = client_for(operator)
    page = client.get(url("revision_detail", drawing.pk, rev_a.pk)).content.decode()
    assert "SUPERSEDED – NOT CURRENT" in page
    assert f'href="{rev_b.get_absolute_url()}"' in page  # points to the current one
    current_page = client.get(url("revision_detail", drawing.pk, rev_b.pk)).content.decode()
    assert 'data-testid="not-current-banner"' not in current_page
    file_a = rev_a.files.get()
    assert f'href="{file_a.get_download_url()}"' in page
    response = client.get(file_a.get_download_url())
    name = unquote(response["Content-Disposition"])
    assert response["Content-Disposition"].startswith("attachment")
    assert "SUPERSEDED – NOT CURRENT" in name and "rev A" in name
    assert response["X-Document-Status"] == "superseded"
    # The copy is stamped on every page (issue #11, item 1), the stored file is not changed.
    copy = b"".join(response.streaming_content)
    assert copy != file_a.file.open("rb").read()
    assert "SUPERSEDED — NOT FOR USE" in PdfReader(io.BytesIO(copy)).pages[0].extract_text()
    response = client.get(rev_b.files.get().get_download_url())
    assert "NOT CURRENT" not in unquote(response["Content-Disposition"])
    assert response["X-Document-Status"] == "effective"
    doc_page = client.get(drawing.get_absolute_url())
    current_card = (
        doc_page.content.decode().split('data-testid="current-revision"')[1].split("</div>\n</div>")[0]
    )
    assert "Revision B" in current_card and "Revision A" not in current_card


def test_a_revision_or_file_of_another_document_cannot_be_reached_through_this_one(
    client_for, drawing, head, quality_manager
):
    rev = issue(drawing, quality_manager)
    draft_rev = draft(DocumentFactory(owner=head, department=drawing.department), summary="Other")
    other = draft_rev.document
    client = client_for(head)
    assert client.get(url("revision_detail", other.pk, rev.pk)).status_code == 404
    # A draft's file addressed through the wrong document is not found, and stays.
    f = draft_rev.files.get()
    response = client.post(url("revision_file_remove", drawing.pk, draft_rev.pk, f.pk), {"reason": "x"})
    assert response.status_code == 404
    assert draft_rev.files.count() == 1
    # Files leave the store only through the one download, by kind and number.
    assert client.get(f"/files/documents.revision/{rev.pk}/").status_code == 404


def test_an_auditor_reads_and_downloads_every_revision_but_signs_nothing(
    client_for, drawing, head, quality_manager, auditor
):
    issue(drawing, quality_manager)
    issue(drawing, quality_manager, summary="B")
    rev_c = draft(drawing, summary="C")
    services.revision_submit(revision=rev_c, by=head, approvers=[quality_manager])
    client = client_for(auditor)
    assert client.get(drawing.get_absolute_url()).status_code == 200
    for revision in drawing.revisions.all():
        assert client.get(url("revision_detail", drawing.pk, revision.pk)).status_code == 200
        for f in revision.files.all():
            response = client.get(f.get_download_url())
            assert response.status_code == 200
    sign_url = url("revision_sign", drawing.pk, rev_c.pk)
    assert client.get(sign_url).status_code == 403
    assert (
        client.post(sign_url, {"decision": "sign", "meaning": "approved", "password": PASSWORD}).status_code
        == 403
    )
    page = client.get(url("revision_detail", drawing.pk, rev_c.pk)).content.decode()
    assert 'data-testid="sign"' not in page
    rev_c.refresh_from_db()
    assert rev_c.status == "in_review"


def test_only_a_named_signer_sees_the_sign_page(client_for, in_review, drawing, head, staff):
    assert client_for(staff).get(url("revision_sign", drawing.pk, in_review.pk)).status_code == 403
    assert client_for(head).get(url("revision_sign", drawing.pk, in_review.pk)).status_code == 403


def test_staff_cannot_open_a_revision_of_a_document_they_do_not_own(client_for, drawing, staff):
    assert client_for(staff).get(url("document_new_revision", drawing.pk)).status_code == 403
    assert (
        client_for(staff)
        .post(url("document_new_revision", drawing.pk), {"label": "A", "change_summary": "x"})
        .status_code
        == 403
    )
    assert not Revision.objects.exists()


def test_a_revisions_history_names_only_the_records_its_reader_may_see(
    client_for, in_review, head, other_head, other_dept
):
    from qms import history
    from tests.capa.factories import CapaFactory

    capa = CapaFactory(owner=other_head, department=other_dept)
    history.save(in_review, by=head, reason=f"Bore tolerance from {capa.reference}")
    page = client_for(head).get(in_review.get_absolute_url()).content.decode()
    assert "Bore tolerance from 1 record outside your view" in page and capa.reference not in page
