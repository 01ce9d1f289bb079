"""The declared workflows of revisions, review steps, acknowledgments and change requests: every
status change goes along them, with who and why in the history; an illegal move is refused
however it is attempted; a draft's file may be removed with a reason, nothing else."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from documents import services
from documents.models import Acknowledgment, ChangeRequest, ReviewStep, Revision
from documents.services._common import move
from qms.models import Signature
from qms.services import get_system_user, transition
from qms.workflow import TransitionError
from tests.documents.factories import draft, issue, sign, url
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


# --- illegal moves --------------------------------------------------------------------------


def test_a_revision_cannot_skip_review_nor_go_back_from_effective(drawing, head, quality_manager):
    revision = draft(drawing)
    # Nobody is asked to approve a draft: the quality manager is not its approver (yet).
    with pytest.raises(PermissionDenied, match="The step “Approve” is not yours to take here"):
        transition(obj=revision, name="approve", by=quality_manager)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    sign(revision, quality_manager)
    revision.refresh_from_db()
    assert revision.status == "effective"
    for name in ("submit", "return_to_draft", "approve", "withdraw"):
        with pytest.raises((TransitionError, PermissionDenied)):
            transition(obj=revision, name=name, by=head)
    revision.refresh_from_db()
    assert revision.status == "effective"


def test_becoming_effective_superseded_or_withdrawn_is_never_a_persons_step(drawing, head, quality_manager):
    current = issue(drawing, quality_manager)
    for name in ("supersede", "make_obsolete"):
        with pytest.raises(PermissionDenied):
            transition(obj=current, name=name, by=quality_manager)
    revision = draft(drawing, summary="B")
    with pytest.raises(PermissionDenied):
        transition(obj=revision, name="withdraw", by=head)
    current.refresh_from_db()
    revision.refresh_from_db()
    assert (current.status, revision.status) == ("effective", "draft")


def test_the_moves_a_service_makes_follow_the_workflow_too(drawing, head, quality_manager):
    current = issue(drawing, quality_manager)
    refused = "“Withdraw” is not possible while the revision's status is “Effective”"
    with pytest.raises(TransitionError, match=refused):
        move(current, "withdraw", by=head, reason="x")
    step = current.steps.get()
    with pytest.raises(TransitionError):
        move(step, "cancel", by=head, reason="x")  # signed already
    current.refresh_from_db()
    assert current.status == "effective"


def test_a_bare_send_for_review_without_routing_is_refused(drawing, head):
    revision = draft(drawing)
    with pytest.raises(ValidationError) as exc:
        transition(obj=revision, name="submit", by=head)
    assert "approvers" in exc.value.message_dict
    revision.refresh_from_db()
    assert revision.status == "draft" and not revision.steps.exists()


def test_a_step_is_never_signed_without_the_password_nor_by_someone_else(in_review, quality_manager, head):
    step = in_review.steps.get()
    with pytest.raises(ValidationError) as exc:
        transition(obj=step, name="sign", by=quality_manager)
    assert "password is not correct" in exc.value.message_dict["password"][0]
    with pytest.raises(PermissionDenied):
        transition(obj=step, name="sign", by=head, password=PASSWORD)
    step.refresh_from_db()
    assert step.decision == "pending" and step.signature is None
    assert not Signature.objects.exists()


def test_a_decided_step_or_request_and_a_withdrawn_acknowledgment_stay_as_they_are(
    drawing, head, quality_manager, operator
):
    rev_a = issue(drawing, quality_manager)
    step = rev_a.steps.get()
    with pytest.raises(TransitionError):
        transition(obj=step, name="reject", by=quality_manager, password=PASSWORD, remark="late")
    ack = rev_a.acknowledgments.get(user=operator)
    with pytest.raises(PermissionDenied):  # someone else's
        transition(obj=ack, name="acknowledge", by=head)
    cr = services.change_request_raise(document=drawing, by=operator, reason="Chamfer")
    services.change_request_decide(request=cr, by=head, accept=False, reason="Already shown in view B")
    cr.refresh_from_db()
    with pytest.raises(TransitionError):
        transition(obj=cr, name="accept", by=head)
    issue(drawing, quality_manager, summary="B")
    ack.refresh_from_db()
    assert ack.status == "withdrawn"
    with pytest.raises(TransitionError):
        transition(obj=ack, name="acknowledge", by=operator)
    cr.refresh_from_db()
    assert cr.status == "rejected"


def test_there_is_no_bare_workflow_button_for_a_revision_or_its_rows():
    """Each step has its form (send for review, sign, acknowledge, decide); none is a bare button."""
    from django.urls import get_resolver

    _, documents = get_resolver().namespace_dict["documents"]
    names = {name for name in documents.reverse_dict if isinstance(name, str)}
    assert {"revision_submit", "revision_sign", "acknowledgment_confirm", "changerequest_decide"} <= names
    assert not [name for name in names if name.endswith("_step")]


# --- who and why --------------------------------------------------------------------------------


def test_every_status_change_says_who_and_why(drawing, head, reviewer, quality_manager, operator):
    revision = issue(drawing, quality_manager, reviewers=[reviewer])
    services.acknowledgment_confirm(ack=revision.acknowledgments.get(user=operator), by=operator)
    entries = list(Revision.history.filter(id=revision.pk).order_by("history_date"))
    assert [(e.status, e.history_user, e.history_change_reason) for e in entries] == [
        ("draft", head, "Draft opened"),
        ("in_review", head, "Sent for review and approval"),
        ("approved", quality_manager, "Approved by every approver"),
        ("effective", quality_manager, "Effective"),
    ]
    steps = ReviewStep.history.filter(revision=revision).exclude(history_type="+")
    assert {(s.decision, s.history_user, s.history_change_reason) for s in steps} == {
        ("signed", reviewer, "Signed: reviewed"),
        ("signed", quality_manager, "Signed: approved"),
    }
    assert ReviewStep.objects.get(revision=revision, user=reviewer).signature.meaning == "Reviewed"
    acks = Acknowledgment.history.filter(revision=revision, user=operator).order_by("history_date")
    assert [(a.status, a.history_user, a.history_change_reason) for a in acks] == [
        ("pending", quality_manager, "Revision A effective: read and acknowledge"),
        ("acknowledged", operator, "Read and acknowledged"),
    ]


def test_the_hourly_task_acts_as_the_system_account(drawing, head, quality_manager):
    import datetime as dt

    from django.utils import timezone

    issue(drawing, quality_manager)
    revision = draft(drawing, summary="B")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager], effective_date=tomorrow)
    sign(revision, quality_manager)
    Revision.objects.filter(pk=revision.pk).update(effective_date=timezone.localdate())
    assert services.make_due_revisions_effective() == 1
    latest = Revision.history.filter(id=revision.pk).latest("history_date")
    assert (latest.status, latest.history_user) == ("effective", get_system_user())


def test_a_change_request_decision_says_who_when_and_why(drawing, head, quality_manager, operator):
    issue(drawing, quality_manager)
    cr = services.change_request_raise(document=drawing, by=operator, reason="Chamfer callout unreadable")
    cr = services.change_request_decide(request=cr, by=head, accept=False, reason="Readable at A3")
    assert (cr.status, cr.decided_by, cr.decision_reason) == ("rejected", head, "Readable at A3")
    latest = ChangeRequest.history.filter(id=cr.pk).latest("history_date")
    assert (latest.history_user, latest.history_change_reason) == (head, "Rejected: Readable at A3")


def test_a_change_request_is_not_accepted_into_a_revision_already_in_review(
    drawing, head, quality_manager, operator
):
    """Accepted while revision B was in review, the request was listed as addressed by B, whose
    content no one could change any more: B could become effective without it."""
    issue(drawing, quality_manager)
    in_review = draft(drawing, summary="New insert grade")
    services.revision_submit(revision=in_review, by=head, approvers=[quality_manager])
    cr = services.change_request_raise(
        document=drawing, by=operator, reason="Clamping pressure 40 bar, WI says 25"
    )
    with pytest.raises(ValidationError, match="is in review: return it to draft to take this change in"):
        services.change_request_decide(request=cr, by=head, accept=True)
    cr.refresh_from_db()
    assert cr.status == "open" and cr.revision is None
    sign(in_review, quality_manager)  # decided: effective
    cr = services.change_request_decide(request=cr, by=head, accept=True)
    assert cr.revision.status == "draft" and cr.revision != in_review


# --- removing a draft's file ---------------------------------------------------------------------


def test_a_draft_file_is_removed_with_its_reason_in_the_document_history(client_for, drawing, head):
    revision = draft(drawing)
    stored = revision.files.get()
    client = client_for(head)
    remove = url("revision_file_remove", drawing.pk, revision.pk, stored.pk)
    response = client.post(remove, {"reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    assert revision.files.count() == 1
    response = client.post(remove, {"reason": "Wrong sheet scanned"})
    assert response.status_code == 302 and response["Location"].startswith(revision.get_absolute_url())
    assert not revision.files.exists()
    assert stored.file.storage.exists(stored.file.name)  # the bytes are kept
    latest = drawing.history.latest("history_date")
    assert latest.history_user == head
    assert (
        latest.history_change_reason == f"Revision file removed: {stored.original_name} — Wrong sheet scanned"
    )
    page = client.get(drawing.get_history_url()).content.decode()
    assert "Wrong sheet scanned" in page


def test_a_file_sent_for_review_or_signed_is_never_removed(drawing, head, quality_manager, staff):
    revision = draft(drawing)
    with pytest.raises(PermissionDenied):
        services.revision_file_remove(file=revision.files.get(), by=staff, reason="Mine now")
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    with pytest.raises(ValidationError, match="in review; only a draft can be changed"):
        services.revision_file_remove(file=revision.files.get(), by=head, reason="Wrong file")
    sign(revision, quality_manager)
    with pytest.raises(ValidationError, match="effective; only a draft can be changed"):
        services.revision_file_remove(file=revision.files.get(), by=quality_manager, reason="Wrong file")
    assert revision.files.count() == 1


def test_a_revision_or_its_rows_are_never_removed(drawing, quality_manager, operator):
    revision = issue(drawing, quality_manager)
    for row in (revision, revision.steps.get(), revision.acknowledgments.get(user=operator)):
        assert "never removed" in row.removal_refused()
