"""The outputs of a review (9.3.3): decisions — an improvement, a change to the QMS, a resource
need — and the actions that carry them out, each a due item of its owner until done."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from qms.models import Role, User
from qms.services import child_add, child_update

from ..models import Decision, Review, ReviewAction

SIGNED = "The minutes are signed: their decisions stand as recorded."


def _open_for_decisions(review: Review) -> None:
    """Decisions are taken at the meeting: recorded once it is held, until the minutes are signed."""
    if review.status == "planned":
        raise ValidationError({"text": "Decisions are taken at the meeting: hold it first."})
    if review.is_signed:
        raise ValidationError({"text": SIGNED})
    if review.is_closed:
        raise ValidationError({"text": f"{review.reference} is {review.get_status_display().lower()}."})


@transaction.atomic
def decision_add(*, review: Review, by: User, kind: str, text: str, input_key: str = "") -> Decision:
    """Record a decision of the review, numbered D1, D2 … in the order they were taken."""
    _open_for_decisions(review)
    Review.objects.select_for_update().filter(pk=review.pk).first()  # one number at a time
    number = (review.decisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return child_add(
        model=Decision,
        by=by,
        review=review,
        number=number,
        kind=kind,
        text=text,
        input_key=input_key,
        reason=f"Decision D{number} recorded",
    )


@transaction.atomic
def decision_update(*, decision: Decision, by: User, kind: str, text: str, input_key: str = "") -> Decision:
    _open_for_decisions(decision.review)
    return child_update(child=decision, by=by, kind=kind, text=text, input_key=input_key)


def _check_owner(owner: User | None) -> None:
    if owner is None or not owner.is_active or owner.is_system or owner.role == Role.AUDITOR:
        raise ValidationError({"owner": "Choose a person who can own the action."})


@transaction.atomic
def action_add(*, decision: Decision, by: User, title: str, owner: User, due_date: dt.date) -> ReviewAction:
    """An action that carries out a decision, owned by someone with a due date: it reaches their
    My work, the alerts, the digest and the escalation."""
    _check_owner(owner)
    return child_add(
        model=ReviewAction,
        by=by,
        decision=decision,
        title=title,
        owner=owner,
        due_date=due_date,
        reason=f"Action for D{decision.number}: {title}",
    )


@ReviewAction.workflow.on("finish")
def _finished(action: ReviewAction, **kwargs) -> None:
    """Finishing an action stamps the day: the next review reads when it was done."""
    action.done_on = timezone.localdate()


@ReviewAction.workflow.on("reopen")
def _reopened(action: ReviewAction, **kwargs) -> None:
    action.done_on = None
