"""Document control's forms: every form refuses bad input beside the field and stores nothing;
signing through the page."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from documents import services
from documents.models import ChangeRequest, Document, PeriodicReview, ReviewStep, Revision
from qms.models import Signature
from tests.documents.factories import DocumentFactory, draft, issue, pdf_upload, sign, url
from tests.factories import PASSWORD
from tests.helpers import field_error
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db


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
    assert response.status_code == 400
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
    assert response.status_code == 400
    assert "required" in field_error(response, "reason")
    drawing.refresh_from_db()
    assert drawing.title == "Bracket, machined"


def test_new_revision_with_bad_label_summary_and_file_stores_nothing(
    client_for, drawing, head, _attachment_dir
):
    response = client_for(head).post(
        url("document_new_revision", drawing.pk),
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
        url("revision_edit", drawing.pk, revision.pk), {"label": "A", "change_summary": "x"}
    )
    assert response.status_code == 400
    assert "exists already" in field_error(response, "label")
    revision.refresh_from_db()
    assert revision.label == "B"


def test_uploading_a_bad_file_to_a_draft_shows_the_error_beside_the_field(client_for, drawing, head):
    revision = draft(drawing)
    response = client_for(head).post(
        url("revision_file_add", drawing.pk, revision.pk),
        {"file": SimpleUploadedFile("a.png", pdf_bytes())},
    )
    assert response.status_code == 400
    assert "does not match its name" in field_error(response, "file")
    assert revision.files.count() == 1


def test_files_of_a_revision_in_review_cannot_be_changed(client_for, in_review, drawing, head):
    client = client_for(head)
    response = client.post(
        url("revision_file_add", drawing.pk, in_review.pk), {"file": pdf_upload("extra.pdf")}, follow=True
    )
    assert "only a draft can be changed" in response.content.decode()
    f = in_review.files.get()
    response = client.post(
        url("revision_file_remove", drawing.pk, in_review.pk, f.pk), {"reason": "Wrong file"}, follow=True
    )
    assert "only a draft can be changed" in response.content.decode()
    assert list(in_review.files.all()) == [f]


@pytest.mark.parametrize("page", ["revision_edit", "revision_submit"])
def test_a_revision_in_review_offers_no_edit_or_send_page_and_says_why(
    client_for, in_review, drawing, head, page
):
    client = client_for(head)
    response = client.get(url(page, drawing.pk, in_review.pk))
    assert response.status_code == 403
    assert "in review; only a draft can be changed" in response.content.decode()
    response = client.post(url(page, drawing.pk, in_review.pk), {"label": "Z", "change_summary": "x"})
    assert response.status_code == 403
    in_review.refresh_from_db()
    assert in_review.label == "A" and in_review.status == Revision.Status.IN_REVIEW
    assert "Edit draft" not in client.get(in_review.get_absolute_url()).content.decode()


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
    response = client_for(head).post(
        url("document_periodic_review", drawing.pk), {"outcome": "maybe", "reason": ""}
    )
    assert response.status_code == 400
    assert field_error(response, "outcome")
    assert "required" in field_error(response, "reason")
    assert not PeriodicReview.objects.exists()


def test_change_request_with_bad_input_stores_nothing(client_for, drawing, staff, head):
    response = client_for(staff).post(url("document_change_request", drawing.pk), {"reason": ""})
    assert response.status_code == 400
    assert field_error(response, "reason")
    assert not ChangeRequest.objects.exists()
    cr = services.change_request_raise(document=drawing, by=staff, reason="Unclear")
    response = client_for(head).post(url("changerequest_decide", drawing.pk, cr.pk), {"decision": "reject"})
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


def _chosen(page: str, field: str) -> list[str]:
    """The values a select of the page has chosen."""
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="(\d+)" selected>', select)


def test_a_rejected_revision_is_sent_again_to_the_same_reviewers_and_approvers(
    client_for, drawing, head, reviewer, quality_manager
):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, reviewers=[reviewer], approvers=[quality_manager])
    sign(revision, reviewer, "", decision="reject", reason="Section B-B missing the chamfer")
    client = client_for(head)
    page = client.get(url("revision_submit", drawing.pk, revision.pk)).content.decode()
    assert _chosen(page, "reviewers") == [str(reviewer.pk)]
    assert _chosen(page, "approvers") == [str(quality_manager.pk)]
    # The next revision of the document starts from the routing its predecessor was approved by.
    services.revision_submit(revision=revision, by=head, reviewers=[reviewer], approvers=[quality_manager])
    sign(revision, reviewer, "reviewed")
    sign(revision, quality_manager)
    following = draft(drawing, summary="Chamfer added")
    page = client.get(url("revision_submit", drawing.pk, following.pk)).content.decode()
    assert _chosen(page, "reviewers") == [str(reviewer.pk)]
    assert _chosen(page, "approvers") == [str(quality_manager.pk)]


def test_the_new_document_form_labels_its_role_boxes_above_them_and_bounds_the_review_period(
    client_for, head
):
    page = client_for(head).get(reverse("documents:document_create")).content.decode()
    label = page.index('<legend class="form-label fs-6 mb-1">Distribution: roles</legend>')
    assert label < page.index('name="distribution_roles"')  # the question before its answers
    review = re.search(r'<input type="number" name="review_period_months"[^>]*>', page).group(0)
    assert 'min="1"' in review and 'max="120"' in review  # 0 months is stopped at the box
