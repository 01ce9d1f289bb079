"""Becoming effective: an approved revision replaces the current one (superseded) on its
effective date, everyone on the distribution list is asked to read and acknowledge it, and other
modules hear of it ("documents.revision_effective")."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qms import events, history
from qms.models import User
from qms.services import get_system_user, transition

from ..models import Acknowledgment, Document, Revision
from ._common import (
    _lock_document,
    _lock_revision,
    _refuse_auditor,
    _withdraw_acks,
    add_months,
    distribution_users,
    move,
)

REVISION_EFFECTIVE = "documents.revision_effective"


def make_effective(document: Document, revision: Revision, by: User) -> None:
    """Make ``revision`` the document's effective one. Called with the document and revision
    rows locked (document first), by the last approver or the hourly task."""
    now = timezone.now()
    today = timezone.localdate()
    current = Revision.objects.select_for_update().filter(document=document, status="effective").first()
    if current is not None:
        # The old revision leaves "effective" before the new one enters it (the unique index is
        # checked per statement).
        move(
            current,
            "supersede",
            by=by,
            reason=f"Superseded by revision {revision.label}",
            ended_at=now,
            superseded_by=revision,
        )
        _withdraw_acks(current.acknowledgments.all(), by, f"Revision {revision.label} replaced it")
    effective_date = revision.effective_date
    if effective_date is None or effective_date > today:
        effective_date = today
    move(
        revision, "make_effective", by=by, reason="Effective", effective_at=now, effective_date=effective_date
    )
    due = today + dt.timedelta(days=document.effective_ack_days)
    asked = set(revision.acknowledgments.values_list("user_id", flat=True))
    history.bulk_create(
        Acknowledgment,
        [
            Acknowledgment(revision=revision, user=user, due_date=due)
            for user in distribution_users(document)
            if user.pk not in asked
        ],
        by=by,
        reason=f"Revision {revision.label} effective: read and acknowledge",
    )
    next_review = add_months(revision.effective_date, document.review_period_months)
    reason = f"Revision {revision.label} effective"
    if document.status == "draft":
        move(document, "issue", by=by, reason=reason, due_date=next_review)
    else:
        document.due_date = next_review
        history.save(document, by=by, reason=reason)
    events.publish(REVISION_EFFECTIVE, revision_id=revision.pk, document_id=document.pk)


@transaction.atomic
def revision_make_effective(*, revision: Revision, by: User | None = None) -> bool:
    """Make an approved revision effective once its effective date has come, superseding the
    current one and asking everyone on the distribution list to acknowledge it. Returns False
    (and changes nothing) when it is not approved or not yet due, so running it twice is safe."""
    by = by or get_system_user()
    document = _lock_document(revision.document)
    revision = _lock_revision(revision)
    if revision.status != Revision.Status.APPROVED:
        return False
    if revision.effective_date and revision.effective_date > timezone.localdate():
        return False
    if document.is_closed:
        return False
    make_effective(document, revision, by)
    return True


def make_due_revisions_effective() -> int:
    """For the hourly task: every approved revision whose effective date has come becomes
    effective. Each in its own transaction, so one failure does not hold up the others."""
    today = timezone.localdate()
    due = Revision.objects.filter(status=Revision.Status.APPROVED).filter(
        Q(effective_date__isnull=True) | Q(effective_date__lte=today)
    )
    done = 0
    for revision in due.order_by("effective_date", "pk"):
        if revision_make_effective(revision=revision):
            done += 1
    return done


# --- acknowledgments ---------------------------------------------------------------------------


@transaction.atomic
def acknowledgment_confirm(*, ack: Acknowledgment, by: User) -> Acknowledgment:
    """The person confirms they have read the effective revision. Only for themselves; running it
    twice changes nothing."""
    _refuse_auditor(by)
    ack = Acknowledgment.objects.select_for_update().select_related("revision").get(pk=ack.pk)
    if ack.user_id != by.pk:
        raise PermissionDenied("You can only acknowledge for yourself.")
    if ack.status == Acknowledgment.Status.ACKNOWLEDGED:
        return ack
    if ack.status != Acknowledgment.Status.PENDING or not ack.revision.is_current:
        raise ValidationError("This revision is no longer current; acknowledge the current one instead.")
    return transition(obj=ack, name="acknowledge", by=by, reason="Read and acknowledged")


@transaction.atomic
def acknowledgments_end_when_person_leaves(*, user_id: int, successor_id: int | None, by_id: int) -> None:
    """Subscriber of ``person.left``: a leaver will never read the revisions still waiting for
    them; their pending acknowledgments are withdrawn (no one's due item, no longer counted as
    unread on the revision), the history saying why. What they acknowledged stays as evidence."""
    by = User.objects.get(pk=by_id)
    reason = "Left the company (login switched off)"
    _withdraw_acks(Acknowledgment.objects.filter(user_id=user_id), by, reason)


@Acknowledgment.workflow.on("acknowledge")
def _stamp_acknowledgment(ack: Acknowledgment, **kw) -> None:
    ack.acknowledged_at = timezone.now()
