"""Document control pages: every form refuses bad input beside the field and stores nothing,
signatures through the page, void signatures, the auditor's read-only access, downloads."""

import datetime as dt
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from documents import services
from documents.models import (
    ChangeRequest,
    Document,
    PeriodicReview,
    ReviewStep,
    Revision,
    RevisionFile,
    Signature,
)
from tests.documents.factories import DocumentFactory, draft, issue, pdf_bytes, pdf_upload
from tests.factories import PASSWORD
from tests.helpers import body

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"documents:{name}", args=args)


def field_error(response, field):
    """The error message shown beside ``field`` (the kernel's _form.html marks it data-field)."""
    html = response.content.decode()
    marker = f'data-field="{field}"'
    assert marker in html, f"no error beside {field}"
    start = html.index(marker)
    return html[html.index(">", start) + 1 : html.index("</div>", start)]


@pytest.fixture
def in_review(drawing, head, quality_manager):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    return revision


# --- bad input on every form -----------------------------------------------------------------


def test_new_document_with_bad_input_shows_errors_beside_fields_and_stores_nothing(client_for, head, dept):
    DocumentFactory(owner=head, department=dept, number="WI-0001")
    response = client_for(head).post(
        url("document_create"),
        {
            "number": "wi-0001",
            "title": "",
            "doc_type": "external",
            "owner": head.pk,
            "department": dept.pk,
            "review_period_months": "0",
            "ack_days": "abc",
        },
    )
    assert response.status_code == 200
    assert "already exists" in field_error(response, "number")
    assert "required" in field_error(response, "title")
    assert "Say who issues" in field_error(response, "issuer")
    assert field_error(response, "review_period_months")
    assert field_error(response, "ack_days")
    assert Document.objects.count() == 1


def test_editing_an_issued_document_needs_a_reason(client_for, drawing, head, quality_manager):
    issue(drawing, quality_manager)
    data = {
        "number": drawing.number,
        "title": "New title",
        "doc_type": "drawing",
        "owner": head.pk,
        "department": drawing.department_id,
        "review_period_months": 12,
        "reason": "",
    }
    response = client_for(head).post(url("document_update", drawing.pk), data)
    assert response.status_code == 200
    assert "required" in field_error(response, "reason")
    drawing.refresh_from_db()
    assert drawing.title == "Bracket, machined"


def test_new_revision_with_bad_label_summary_and_file_stores_nothing(
    client_for, drawing, head, _attachment_dir
):
    response = client_for(head).post(
        url("revision_create", drawing.pk),
        {"label": "7", "change_summary": "  ", "file": SimpleUploadedFile("x.pdf", b"<html>no</html>")},
    )
    assert response.status_code == 400
    assert "letters" in field_error(response, "label")
    assert field_error(response, "change_summary")
    assert "not accepted" in field_error(response, "file")
    assert not Revision.objects.exists()
    assert not [p for p in _attachment_dir.rglob("*") if p.is_file()]


def test_editing_a_draft_with_a_taken_label_is_refused(client_for, drawing, head, quality_manager):
    issue(drawing, quality_manager)
    revision = draft(drawing, summary="B")
    response = client_for(head).post(
        url("revision_update", drawing.pk, revision.pk), {"label": "A", "change_summary": "x"}
    )
    assert response.status_code == 400
    assert "exists already" in field_error(response, "label")
    revision.refresh_from_db()
    assert revision.label == "B"


def test_uploading_a_bad_file_to_a_draft_shows_the_error_beside_the_field(client_for, drawing, head):
    revision = draft(drawing)
    response = client_for(head).post(
        url("revision_file_upload", drawing.pk, revision.pk),
        {"file": SimpleUploadedFile("a.png", pdf_bytes())},
    )
    assert response.status_code == 400
    assert "does not match its name" in field_error(response, "file")
    assert revision.files.count() == 1


def test_files_of_a_revision_in_review_cannot_be_changed(client_for, in_review, drawing, head):
    client = client_for(head)
    response = client.post(
        url("revision_file_upload", drawing.pk, in_review.pk), {"file": pdf_upload("extra.pdf")}, follow=True
    )
    assert "only a draft can be changed" in response.content.decode()
    f = in_review.files.get()
    client.post(url("revision_file_remove", drawing.pk, in_review.pk, f.pk))
    assert list(in_review.files.all()) == [f]


def test_sending_for_review_with_bad_input_stores_nothing(client_for, drawing, head):
    revision = draft(drawing)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client_for(head).post(
        url("revision_submit", drawing.pk, revision.pk),
        {"approvers": [], "effective_date": yesterday.isoformat(), "respond_by": "not a date"},
    )
    assert response.status_code == 400
    assert "required" in field_error(response, "approvers")
    assert field_error(response, "respond_by")
    response = client_for(head).post(
        url("revision_submit", drawing.pk, revision.pk), {"approvers": [head.pk], "effective_date": yesterday}
    )
    assert response.status_code == 400
    assert "author cannot review or approve" in field_error(response, "approvers")
    assert "past" in field_error(response, "effective_date")
    revision.refresh_from_db()
    assert revision.status == "draft" and not ReviewStep.objects.exists()


def test_a_mistyped_year_in_the_effective_or_respond_by_date_is_refused(
    client_for, drawing, head, quality_manager
):
    revision = draft(drawing)
    response = client_for(head).post(
        url("revision_submit", drawing.pk, revision.pk),
        {"approvers": [quality_manager.pk], "effective_date": "9999-12-31", "respond_by": "2206-01-01"},
    )
    assert response.status_code == 400
    assert "check the year" in field_error(response, "effective_date")
    assert "check the year" in field_error(response, "respond_by")
    revision.refresh_from_db()
    assert revision.status == "draft" and revision.effective_date is None
    assert not ReviewStep.objects.exists()
    # The service refuses it too, whoever calls it.
    with pytest.raises(ValidationError) as exc:
        services.revision_submit(
            revision=revision, by=head, approvers=[quality_manager], effective_date=dt.date(9999, 12, 31)
        )
    assert "effective_date" in exc.value.message_dict
    revision.refresh_from_db()
    assert revision.status == "draft"


def test_a_wrong_password_on_the_sign_page_changes_nothing(client_for, in_review, drawing, quality_manager):
    response = client_for(quality_manager).post(
        url("revision_sign", drawing.pk, in_review.pk),
        {"decision": "sign", "meaning": "approved", "password": "not-my-password"},
    )
    assert response.status_code == 400
    assert "password is not correct" in field_error(response, "password")
    in_review.refresh_from_db()
    assert in_review.status == "in_review"
    assert not Signature.objects.exists()
    assert in_review.steps.get().decision == "pending"


def test_signing_without_meaning_or_rejecting_without_reason_is_refused(
    client_for, in_review, drawing, quality_manager
):
    client = client_for(quality_manager)
    sign_url = url("revision_sign", drawing.pk, in_review.pk)
    response = client.post(sign_url, {"decision": "sign", "meaning": "", "password": PASSWORD})
    assert "State the meaning" in field_error(response, "meaning")
    response = client.post(sign_url, {"decision": "reject", "reason": "", "password": PASSWORD})
    assert "Say why" in field_error(response, "reason")
    in_review.refresh_from_db()
    assert in_review.status == "in_review" and not Signature.objects.exists()


def test_signing_on_the_page_approves_and_shows_the_signature(
    client_for, in_review, drawing, quality_manager
):
    client = client_for(quality_manager)
    response = client.post(
        url("revision_sign", drawing.pk, in_review.pk),
        {"decision": "sign", "meaning": "approved", "password": PASSWORD},
    )
    assert response.status_code == 302
    page = client.get(url("revision_detail", drawing.pk, in_review.pk)).content.decode()
    assert quality_manager.get_full_name() in page
    assert " UTC" in page and "Valid" in page
    assert "VOID" not in page


def test_periodic_review_with_bad_input_stores_nothing(client_for, drawing, head, quality_manager):
    issue(drawing, quality_manager)
    response = client_for(head).post(url("periodic_review", drawing.pk), {"outcome": "maybe", "reason": ""})
    assert response.status_code == 400
    assert field_error(response, "outcome")
    assert "required" in field_error(response, "reason")
    assert not PeriodicReview.objects.exists()


def test_change_request_with_bad_input_stores_nothing(client_for, drawing, staff, head):
    response = client_for(staff).post(url("change_request_create", drawing.pk), {"reason": ""})
    assert response.status_code == 400
    assert field_error(response, "reason")
    assert not ChangeRequest.objects.exists()
    cr = services.change_request_raise(document=drawing, by=staff, reason="Unclear")
    response = client_for(head).post(url("change_request_decide", drawing.pk, cr.pk), {"decision": "reject"})
    assert response.status_code == 400
    assert "Say why" in field_error(response, "reason")
    cr.refresh_from_db()
    assert cr.status == "open"


def test_make_obsolete_needs_a_reason(client_for, drawing, head):
    client = client_for(head)
    response = client.post(
        url("document_transition", drawing.pk), {"transition": "make_obsolete", "reason": ""}
    )
    assert response.status_code == 302
    drawing.refresh_from_db()
    assert drawing.status == "draft"


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
    response = client.get(url("revision_file_download", drawing.pk, rev_a.pk, file_a.pk))
    name = unquote(response["Content-Disposition"])
    assert response["Content-Disposition"].startswith("attachment")
    assert "SUPERSEDED – NOT CURRENT" in name and "rev A" in name
    assert b"".join(response.streaming_content) == file_a.file.open("rb").read()
    response = client.get(url("revision_file_download", drawing.pk, rev_b.pk, rev_b.files.get().pk))
    assert "NOT CURRENT" not in unquote(response["Content-Disposition"])
    doc_page = client.get(drawing.get_absolute_url())
    current_card = (
        doc_page.content.decode().split('data-testid="current-revision"')[1].split("</div>\n</div>")[0]
    )
    assert "Revision B" in current_card and "Revision A" not in current_card


def test_a_file_of_another_document_cannot_be_reached_through_this_one(
    client_for, drawing, head, quality_manager
):
    rev = issue(drawing, quality_manager)
    other = DocumentFactory(owner=head, department=drawing.department)
    response = client_for(head).get(url("revision_file_download", other.pk, rev.pk, rev.files.get().pk))
    assert response.status_code == 404


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
            response = client.get(url("revision_file_download", drawing.pk, revision.pk, f.pk))
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
    assert client_for(staff).get(url("revision_create", drawing.pk)).status_code == 403
    assert (
        client_for(staff)
        .post(url("revision_create", drawing.pk), {"label": "A", "change_summary": "x"})
        .status_code
        == 403
    )
    assert not Revision.objects.exists()


# --- acknowledgment ----------------------------------------------------------------------------


def test_the_document_page_and_register_show_who_has_not_acknowledged(
    client_for, drawing, head, quality_manager, operator
):
    issue(drawing, quality_manager)
    client = client_for(head)
    page = client.get(drawing.get_absolute_url()).content.decode()
    section = page.split('data-testid="not-acknowledged"')[1].split("</table>")[0]
    assert str(operator) in section
    register = client.get(url("acknowledgment_register")).content.decode()
    assert str(operator) in register and drawing.number in register
    csv_text = body(client.get(url("acknowledgment_register") + "?format=csv"))
    assert str(operator) in csv_text
    # The operator acknowledges from the page; they drop off both lists.
    ack = drawing.revisions.get(status="effective").acknowledgments.get(user=operator)
    response = client_for(operator).post(
        url("acknowledge", drawing.pk, ack.pk), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/documents/")
    ack.refresh_from_db()
    assert ack.status == "acknowledged"
    client = client_for(head)
    assert str(operator) not in client.get(url("acknowledgment_register")).content.decode()


def test_nobody_acknowledges_for_someone_else(client_for, drawing, head, quality_manager, operator):
    issue(drawing, quality_manager)
    ack = drawing.revisions.get(status="effective").acknowledgments.get(user=operator)
    assert client_for(head).post(url("acknowledge", drawing.pk, ack.pk)).status_code == 404
    ack.refresh_from_db()
    assert ack.status == "pending"


# --- register ------------------------------------------------------------------------------------


def test_register_filters_searches_and_exports_the_filtered_view(
    client_for, drawing, head, dept, quality_manager
):
    issue(drawing, quality_manager)
    DocumentFactory(
        owner=head,
        department=dept,
        number="QP-7.5-01",
        title="Control of documented information",
        doc_type="procedure",
    )
    client = client_for(head)
    page = client.get(url("document_list") + "?doc_type=drawing").content.decode()
    assert "DRW-40512" in page and "QP-7.5-01" not in page
    page = client.get(url("document_list") + "?q=documented").content.decode()
    assert "QP-7.5-01" in page and "DRW-40512" not in page
    csv_text = body(client.get(url("document_list") + "?doc_type=drawing&format=csv"))
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Number,Title,Type")
    assert len(lines) == 2 and lines[1].startswith("DRW-40512,") and ",A," in lines[1]


def _documents(n, owner, dept, quality_manager):
    for i in range(n):
        document = DocumentFactory(owner=owner, department=dept, distribution_people=[owner])
        if i % 5 == 0:
            issue(document, quality_manager)


@pytest.mark.parametrize("fmt", ["", "?format=csv"])
def test_register_query_count_is_the_same_for_10_and_200_documents(
    client_for, head, dept, quality_manager, django_assert_num_queries, fmt
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    _documents(10, head, dept, quality_manager)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url("document_list") + fmt)
        assert response.status_code == 200
        body(response)
    _documents(190, head, dept, quality_manager)
    with django_assert_num_queries(len(small)):
        response = client.get(url("document_list") + fmt)
        text = body(response)
    assert response.status_code == 200
    if fmt:
        assert len(text.strip().splitlines()) == 201


def test_ack_register_query_count_does_not_grow(
    client_for, head, dept, quality_manager, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    _documents(5, head, dept, quality_manager)
    with CaptureQueriesContext(connection) as small:
        client.get(url("acknowledgment_register"))
    _documents(50, head, dept, quality_manager)
    with django_assert_num_queries(len(small)):
        client.get(url("acknowledgment_register"))


def test_revision_files_are_stored_privately_under_generated_names(drawing, head):
    revision = draft(drawing)
    stored = RevisionFile.objects.get(revision=revision)
    assert drawing.number not in stored.file.name
    assert not stored.file.name.startswith("/")


@pytest.mark.parametrize(
    "query",
    ["?doc_type=bogus", "?owner=abc", "?department=999999", "?status=%00", "?page=9999", "?q=%27%22<x>"],
)
def test_register_with_bad_filter_input_never_fails(client_for, drawing, head, query):
    response = client_for(head).get(url("document_list") + query)
    assert response.status_code in (200, 404)


def test_changing_the_distribution_list_is_recorded_in_the_history(
    client_for, drawing, head, quality_manager, staff
):
    issue(drawing, quality_manager)
    data = {
        "number": drawing.number,
        "title": drawing.title,
        "doc_type": "drawing",
        "owner": head.pk,
        "department": drawing.department_id,
        "review_period_months": 12,
        "distribution_people": [staff.pk],
        "reason": "Inspector added to the distribution",
    }
    response = client_for(head).post(url("document_update", drawing.pk), data)
    assert response.status_code == 302
    assert list(drawing.distribution_people.all()) == [staff]
    latest = drawing.history.order_by("-history_date").first()
    assert (
        "Distribution changed" in latest.history_change_reason and str(staff) in latest.history_change_reason
    )
