"""The revision lifecycle through the services: draft → in review → approved → effective →
superseded, rejection back to draft, signatures and their rules, distribution and acknowledgment."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from documents import services, tasks
from documents.models import Acknowledgment, DocumentType, ReviewStep, Revision
from qms.due import registry
from qms.models import Role, Signature
from tests.documents.factories import DocumentFactory, draft, issue, pdf_upload, sign
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_drawing_revisions_are_lettered_and_procedures_numbered(head, dept):
    drawing = DocumentFactory(owner=head, department=dept, doc_type=DocumentType.DRAWING)
    procedure = DocumentFactory(owner=head, department=dept, doc_type=DocumentType.PROCEDURE)
    assert draft(drawing).label == "A"
    assert draft(procedure).label == "1"
    with pytest.raises(ValidationError) as exc:
        services.revision_create(
            document=DocumentFactory(owner=head, doc_type="drawing"), by=head, label="3", change_summary="x"
        )
    assert "letters" in exc.value.message_dict["label"][0]


def test_full_lifecycle_review_approval_effective_and_superseded(
    drawing, head, reviewer, quality_manager, operator
):
    rev_a = issue(drawing, quality_manager, reviewers=[reviewer])
    assert rev_a.status == "effective"
    drawing.refresh_from_db()
    assert drawing.status == "active"
    assert drawing.due_date == services.add_months(rev_a.effective_date, drawing.review_period_months)
    assert [s.meaning for s in rev_a.signatures.order_by("signed_at")] == ["Reviewed", "Approved"]
    ack_a = Acknowledgment.objects.get(revision=rev_a, user=operator)
    assert ack_a.status == "pending"

    rev_b = issue(drawing, quality_manager, summary="Bore Ø12 H7 tolerance tightened")
    rev_a.refresh_from_db()
    ack_a.refresh_from_db()
    assert rev_b.label == "B" and rev_b.status == "effective"
    assert rev_a.status == "superseded" and rev_a.superseded_by == rev_b
    assert rev_a.currency_mark == "SUPERSEDED – NOT CURRENT"
    assert ack_a.status == "withdrawn"  # replaced by the acknowledgment of B
    assert Acknowledgment.objects.get(revision=rev_b, user=operator).status == "pending"
    assert Revision.objects.filter(document=drawing, status="effective").count() == 1


def test_next_review_date_is_the_effective_date_plus_the_review_period(head, dept, quality_manager):
    document = DocumentFactory(owner=head, department=dept, review_period_months=24)
    revision = issue(document, quality_manager)
    document.refresh_from_db()
    today = timezone.localdate()
    assert revision.effective_date == today
    assert document.due_date == today + relativedelta(months=24)


def test_reviews_come_before_approvals(drawing, head, reviewer, quality_manager, client_for):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, reviewers=[reviewer], approvers=[quality_manager])
    # The routing lists them in that order too: the review first, not the approval that waits.
    page = client_for(head).get(revision.get_absolute_url()).content.decode()
    routing = page[page.index('data-testid="routing"') :].split("</table>")[0]
    assert routing.index("<td>Review</td>") < routing.index("<td>Approval</td>")
    with pytest.raises(PermissionDenied):
        sign(revision, quality_manager)
    sign(revision, reviewer, "reviewed")
    sign(revision, quality_manager)
    revision.refresh_from_db()
    assert revision.status == "effective"


def test_a_rejection_returns_the_revision_to_draft_with_the_reason(drawing, head, reviewer, quality_manager):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, reviewers=[reviewer], approvers=[quality_manager])
    with pytest.raises(ValidationError) as exc:
        sign(revision, reviewer, "", decision="reject")
    assert "reason" in exc.value.message_dict
    sign(revision, reviewer, "", decision="reject", reason="Section B-B missing the chamfer")
    revision.refresh_from_db()
    assert revision.status == "draft"
    steps = {s.kind: s for s in revision.steps.all()}
    assert (
        steps["review"].decision == "rejected" and steps["review"].reason == "Section B-B missing the chamfer"
    )
    assert steps["approval"].decision == "cancelled"
    # Resubmitted: a new round, with fresh steps.
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    revision.refresh_from_db()
    assert revision.round == 2 and revision.status == "in_review"


def test_an_author_cannot_approve_their_own_revision(drawing, head, quality_manager):
    revision = draft(drawing, by=quality_manager)
    with pytest.raises(ValidationError) as exc:
        services.revision_submit(revision=revision, by=quality_manager, approvers=[quality_manager])
    assert "cannot approve" in exc.value.message_dict["approvers"][0]
    assert revision.steps.count() == 0


def test_procedures_need_the_quality_manager_among_the_approvers(head, dept):
    procedure = DocumentFactory(owner=head, department=dept, doc_type=DocumentType.PROCEDURE)
    colleague = UserFactory(role=Role.DEPARTMENT_HEAD, department=dept)
    revision = draft(procedure)
    with pytest.raises(ValidationError) as exc:
        services.revision_submit(revision=revision, by=head, approvers=[colleague])
    assert "quality manager" in exc.value.message_dict["approvers"][0]


def test_a_revision_without_a_file_cannot_be_sent_for_review(drawing, head, quality_manager):
    revision = services.revision_create(document=drawing, by=head, change_summary="First issue")
    with pytest.raises(ValidationError, match="Attach"):
        services.revision_submit(revision=revision, by=head, approvers=[quality_manager])


def test_a_wrong_password_at_signing_changes_nothing(drawing, head, quality_manager):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    history_before = revision.history.count()
    with pytest.raises(ValidationError) as exc:
        services.revision_sign(revision=revision, by=quality_manager, password="wrong", meaning="approved")
    assert "password is not correct" in exc.value.message_dict["password"][0]
    revision.refresh_from_db()
    assert revision.status == "in_review"
    assert not Signature.objects.exists()
    assert revision.steps.get().decision == "pending"
    assert revision.history.count() == history_before


def test_the_signer_must_state_the_meaning_of_their_signature(drawing, head, quality_manager):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    with pytest.raises(ValidationError) as exc:
        sign(revision, quality_manager, "reviewed")
    assert "meaning" in exc.value.message_dict
    assert not Signature.objects.exists()


def test_a_signature_records_printed_name_time_and_content_hash(drawing, head, quality_manager):
    revision = issue(drawing, quality_manager)
    signature = revision.signatures.get()
    assert signature.printed_name == quality_manager.get_full_name()
    assert signature.meaning == "Approved"
    assert abs((timezone.now() - signature.signed_at).total_seconds()) < 60
    assert signature.content_hash == services.content_hash(revision)


def test_a_file_changed_after_signing_no_longer_matches_the_signature(drawing, quality_manager):
    revision = issue(drawing, quality_manager)
    stored = revision.files.get()
    with open(stored.file.path, "ab") as fh:
        fh.write(b"\n% tampered")
    assert services.content_hash(revision) != revision.signatures.get().content_hash


def test_the_database_refuses_a_second_effective_revision(drawing, quality_manager, head):
    issue(drawing, quality_manager)
    other = Revision.objects.create(document=drawing, label="Z", change_summary="x", author=head)
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.filter(pk=other.pk).update(status="effective")


def test_only_one_revision_is_in_work_at_a_time(drawing, head):
    draft(drawing)
    with pytest.raises(ValidationError, match="already in work"):
        draft(drawing)


def test_a_future_effective_date_waits_for_the_hourly_task(drawing, head, quality_manager, operator):
    first = issue(drawing, quality_manager)
    revision = draft(drawing, summary="New surface finish")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager], effective_date=tomorrow)
    sign(revision, quality_manager)
    revision.refresh_from_db()
    assert revision.status == "approved"
    assert tasks.make_due_revisions_effective() == 0
    Revision.objects.filter(pk=revision.pk).update(effective_date=timezone.localdate())
    assert tasks.make_due_revisions_effective() == 1
    assert tasks.make_due_revisions_effective() == 0  # safe to run twice
    revision.refresh_from_db()
    first.refresh_from_db()
    assert revision.status == "effective" and first.status == "superseded"
    assert Acknowledgment.objects.filter(revision=revision, user=operator, status="pending").count() == 1


def test_distribution_reaches_people_roles_and_departments(head, dept, other_dept, quality_manager, auditor):
    member = UserFactory(department=other_dept)
    named = UserFactory(department=dept)
    document = DocumentFactory(
        owner=head,
        department=dept,
        distribution_people=[named],
        distribution_departments=[other_dept],
        distribution_roles=[Role.QUALITY_MANAGER],
    )
    revision = issue(document, UserFactory(role=Role.QUALITY_MANAGER, department=None))
    users = set(revision.acknowledgments.values_list("user__username", flat=True))
    assert {member.username, named.username, quality_manager.username} <= users
    assert auditor.username not in users


def test_acknowledging_is_for_oneself_and_only_for_the_current_revision(
    drawing, quality_manager, operator, head
):
    rev_a = issue(drawing, quality_manager)
    ack = rev_a.acknowledgments.get(user=operator)
    with pytest.raises(PermissionDenied):
        services.acknowledgment_confirm(ack=ack, by=head)
    issue(drawing, quality_manager, summary="B")
    with pytest.raises(ValidationError, match="no longer current"):
        services.acknowledgment_confirm(ack=ack, by=operator)
    ack_b = Acknowledgment.objects.get(revision__label="B", user=operator)
    services.acknowledgment_confirm(ack=ack_b, by=operator)
    services.acknowledgment_confirm(ack=ack_b, by=operator)  # twice: no change
    ack_b.refresh_from_db()
    assert ack_b.status == "acknowledged" and ack_b.acknowledged_at


def test_an_auditor_can_sign_nothing(drawing, head, auditor, quality_manager):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    with pytest.raises(PermissionDenied):
        services.revision_sign(revision=revision, by=auditor, password=PASSWORD, meaning="approved")
    with pytest.raises(PermissionDenied):
        services.change_request_raise(document=drawing, by=auditor, reason="x")
    with pytest.raises(ValidationError):
        services.revision_submit(revision=revision, by=head, approvers=[auditor])


def test_making_a_document_obsolete_ends_every_revision(drawing, head, quality_manager, operator):
    rev_a = issue(drawing, quality_manager)
    rev_b = draft(drawing, summary="B")
    services.change_request_raise(document=drawing, by=operator, reason="Wrong chamfer")
    services.document_make_obsolete(document=drawing, by=head, reason="Part discontinued")
    rev_a.refresh_from_db()
    rev_b.refresh_from_db()
    drawing.refresh_from_db()
    assert drawing.status == "obsolete" and drawing.due_date is None
    assert rev_a.status == "obsolete" and rev_a.currency_mark == "OBSOLETE – NOT CURRENT"
    assert rev_b.status == "withdrawn"
    assert not Acknowledgment.objects.filter(status="pending").exists()
    # Its readers' acknowledgments say why they are no longer asked for (no revision replaced it).
    withdrawn = Acknowledgment.objects.filter(revision=rev_a, status="withdrawn")
    assert withdrawn.exists()
    assert {a.get_status_display() for a in withdrawn} == {
        "Withdrawn (no longer asked for: revision out of force, or the person left)"
    }
    assert drawing.change_requests.get().status == "rejected"


def test_periodic_review_outcomes(head, dept, quality_manager):
    document = DocumentFactory(owner=head, department=dept, review_period_months=12)
    with pytest.raises(ValidationError):
        services.document_periodic_review(document=document, by=head, outcome="no_change", reason="ok")
    issue(document, quality_manager)
    review = services.document_periodic_review(
        document=document, by=head, outcome="no_change", reason="Checked against the current process"
    )
    document.refresh_from_db()
    assert document.due_date == review.next_review_date
    assert review.next_review_date > timezone.localdate()
    services.document_periodic_review(document=document, by=head, outcome="revise", reason="New fixture")
    assert document.revisions.filter(status="draft").count() == 1
    services.document_periodic_review(
        document=document, by=head, outcome="obsolete", reason="Replaced by WI-9"
    )
    document.refresh_from_db()
    assert document.status == "obsolete"


def test_change_request_accepted_opens_a_draft_and_rejected_needs_a_reason(
    drawing, head, quality_manager, operator
):
    issue(drawing, quality_manager)
    cr = services.change_request_raise(document=drawing, by=operator, reason="Chamfer callout unreadable")
    with pytest.raises(PermissionDenied):
        services.change_request_decide(request=cr, by=operator, accept=True)
    with pytest.raises(ValidationError):
        services.change_request_decide(request=cr, by=head, accept=False, reason="")
    cr = services.change_request_decide(request=cr, by=head, accept=True)
    assert cr.status == "accepted" and cr.revision.status == "draft" and cr.revision.label == "B"
    cr2 = services.change_request_raise(document=drawing, by=operator, reason="Add material spec")
    cr2 = services.change_request_decide(request=cr2, by=head, accept=True)
    assert cr2.revision == cr.revision  # joins the revision already in work


def test_change_request_from_another_module_is_linked_to_its_source(drawing, head, staff):
    from qms.models import RecordLink
    from tests.capa.factories import NonconformityFactory

    ncr = NonconformityFactory(owner=staff)
    cr = services.change_request_raise(
        document=drawing, by=staff, reason="Root cause: unclear WI", source=ncr
    )
    assert cr.source_reference == ncr.reference
    assert RecordLink.objects.filter(source_id=ncr.pk, target_id=drawing.pk).exists()


def test_due_items_for_reviewers_approvers_acknowledgers_and_owners(
    drawing, head, reviewer, quality_manager, operator
):
    issue(drawing, quality_manager)
    revision = draft(drawing, summary="B")
    services.revision_submit(revision=revision, by=head, reviewers=[reviewer], approvers=[quality_manager])
    far = timezone.localdate() + dt.timedelta(days=800)

    def kinds(user):
        return {i.kind for i in registry.items(until=far, owner_ids=[user.pk]) if i.owner_id == user.pk}

    assert "Document review / approval" in kinds(reviewer)
    assert "Document review / approval" not in kinds(quality_manager)  # reviews first
    assert "Read and acknowledge" in kinds(operator)
    assert "Periodic review" in kinds(head)
    sign(revision, reviewer, "reviewed")
    assert "Document review / approval" in kinds(quality_manager)
    item = next(
        i for i in registry.items(until=far, owner_ids=[operator.pk]) if i.kind == "Read and acknowledge"
    )
    assert item.url.endswith(f"/revisions/{drawing.revisions.get(status='effective').pk}/")


def test_a_reviewer_removed_from_the_routing_has_nothing_due(drawing, head, reviewer, quality_manager):
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, reviewers=[reviewer], approvers=[quality_manager])
    sign(revision, reviewer, "", decision="reject", reason="Wrong material")
    assert not ReviewStep.objects.filter(decision="pending").exists()


def test_new_revision_upload_is_checked_like_an_attachment(drawing, head):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as exc:
        services.revision_create(
            document=drawing,
            by=head,
            change_summary="x",
            file=SimpleUploadedFile("drawing.pdf", b"<html><script>alert(1)</script></html>"),
        )
    assert "file" in exc.value.message_dict
    assert not Revision.objects.exists()
    assert pdf_upload().size > 100


def test_a_rejected_revision_is_rework_on_its_authors_my_work_until_sent_again(
    drawing, head, reviewer, quality_manager, client_for
):
    """Issue #11, item 4: the rejection does not make the revision vanish from its author's work."""
    from tests.helpers import body

    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, reviewers=[reviewer], approvers=[quality_manager])
    sign(revision, reviewer, "", decision="reject", reason="Section B-B missing the chamfer")
    due = timezone.localdate() + dt.timedelta(days=7)
    rework = [i for i in registry.for_user(head) if i.kind == "Rework rejected revision"]
    assert [(i.reference, i.due_date) for i in rework] == [(drawing.number, due)]
    assert "Section B-B missing the chamfer" in rework[0].title and str(reviewer) in rework[0].title
    assert rework[0].url.endswith(f"/revisions/{revision.pk}/")
    page = body(client_for(head).get("/"))
    assert "Rework revision" in page and "Section B-B missing the chamfer" in page
    # Sent again: the rework is done, the reviewers have their steps.
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    assert not [i for i in registry.for_user(head) if i.kind == "Rework rejected revision"]


def test_the_administrators_account_does_not_count_as_the_quality_managers_approval(
    head, dept, admin_user, quality_manager
):
    """Issue #11, item 8: the administrator holds the quality manager's rights for support; their
    signature is not the quality manager's approval of a procedure."""
    procedure = DocumentFactory(owner=head, department=dept, doc_type=DocumentType.PROCEDURE)
    revision = draft(procedure)
    with pytest.raises(ValidationError) as exc:
        services.revision_submit(revision=revision, by=head, approvers=[admin_user])
    message = exc.value.message_dict["approvers"][0]
    assert "must be approved by the quality manager" in message and "administrator" in message
    revision.refresh_from_db()
    assert revision.status == "draft"
    services.revision_submit(revision=revision, by=head, approvers=[admin_user, quality_manager])
    revision.refresh_from_db()
    assert revision.status == "in_review"


def test_a_leavers_pending_acknowledgments_are_withdrawn_and_leave_their_due_items(
    client_for, admin_user, drawing, quality_manager, operator, django_capture_on_commit_callbacks
):
    """Emre left; the drawing's page still listed him as not having read revision B, and his
    acknowledgment stayed an overdue item under a login that can never act on it."""
    rev_a = issue(drawing, quality_manager)
    read_a = Acknowledgment.objects.get(revision=rev_a, user=operator)
    services.acknowledgment_confirm(ack=read_a, by=operator)
    rev_b = issue(drawing, quality_manager, summary="Bore tolerance tightened")
    pending = Acknowledgment.objects.get(revision=rev_b, user=operator)
    assert pending.status == "pending"
    assert [i for i in registry.for_user(operator) if i.kind == "Read and acknowledge"]
    data = {
        "username": operator.username,
        "first_name": operator.first_name,
        "last_name": operator.last_name,
        "email": operator.email,
        "role": operator.role,
        "department": operator.department_id,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "receive_alerts": "on",
    }  # "is_active" unticked
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(f"/admin/qms/user/{operator.pk}/change/", data)
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "withdrawn"
    assert pending.history.latest().history_change_reason == "Left the company (login switched off)"
    # What he acknowledged stays the evidence it was.
    assert Acknowledgment.objects.get(revision=rev_a, user=operator).status == "acknowledged"
    assert not [i for i in registry.for_user(operator) if i.kind == "Read and acknowledge"]
    page = client_for(quality_manager).get(drawing.get_absolute_url()).content.decode()
    assert "Everyone on the distribution list has acknowledged revision B." in page
    # The document's history names the row once, without a status that is said beside it.
    from qms.history import history_rows

    withdrawal = next(r for r in history_rows(drawing) if r["why"] == "Left the company (login switched off)")
    assert withdrawal["part"] == f"Acknowledgment: {operator} – {rev_b}"
    # Still named on the list as it was written, said to have left (the count said 3 of 4 names).
    assert f"{operator} (left)" in page


def test_the_history_names_the_review_round_and_each_signature_in_local_time(drawing, head, quality_manager):
    """ "Review round: 0 → 1" (the Round of its review steps), and a step's signature as
    "Approved by … at 6 Dec 2026 00:43", the local time every row of the page is dated in."""
    from django.utils.dateformat import format as date_format

    from qms.history import history_rows

    issue(drawing, quality_manager)
    rows = history_rows(drawing)
    changes = {(c["field"], c["old"], c["new"]) for r in rows for c in r["changes"]}
    assert ("review round", "0", "1") in changes
    signature = Signature.objects.get()
    when = date_format(timezone.localtime(signature.signed_at), "j M Y H:i")
    signed = f"Approved by {signature.printed_name} at {when}"
    assert ("signature", "—", signed) in changes
    assert not any("UTC" in new for _, _, new in changes)


def test_a_person_on_the_list_three_ways_is_asked_and_counted_once(head, dept, quality_manager):
    """Named, in a listed department and holding a listed role: one acknowledgment, one person in
    the page's count."""
    from documents.services._common import distribution_users

    everywhere = UserFactory(department=dept, role=Role.QUALITY_MANAGER)
    document = DocumentFactory(
        owner=head,
        department=dept,
        distribution_people=[everywhere],
        distribution_departments=[dept],
        distribution_roles=[Role.QUALITY_MANAGER],
    )
    revision = issue(document, UserFactory(role=Role.QUALITY_MANAGER, department=None))
    assert revision.acknowledgments.filter(user=everywhere).count() == 1
    reached = list(distribution_users(document).values_list("pk", flat=True))
    assert len(reached) == len(set(reached)) and everywhere.pk in reached
