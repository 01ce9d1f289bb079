"""Review and approval: a draft sent to reviewers and approvers, each deciding their step with an
electronic signature (the kernel's: password re-entered, meaning stated, bound to the content
hash), or rejecting it back to the author."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import history
from qms.forms import people
from qms.models import Role, User
from qms.rules import check_date, reason_text
from qms.scoped import read_only
from qms.services import password_problem, signature_record, transition

from ..models import ReviewStep, Revision
from ._common import (
    DEFAULT_RESPONSE_DAYS,
    _cancel_open_steps,
    _lock_document,
    _lock_revision,
    _refuse_auditor,
)
from .effective import make_effective
from .revisions import _require_draft_editor, content_hash

# --- sending for review ----------------------------------------------------------------------


def submit_date_problems(
    effective_date: dt.date | None, respond_by: dt.date | None, *, today: dt.date | None = None
) -> dict[str, str]:
    """What is wrong with the dates of a submission, per field. Both must not lie in the past
    (the one date rule); the effective date must come within five years and the respond-by date
    within one: anything later is a mistyped year, and would leave the revision waiting for
    decades (or overflow the next periodic review date)."""
    today = today or timezone.localdate()
    latest = {
        "effective_date": today.replace(year=today.year + 5, day=min(today.day, 28)),
        "respond_by": today + dt.timedelta(days=366),
    }
    problems = {}
    for field, value, what in (
        ("effective_date", effective_date, "The effective date"),
        ("respond_by", respond_by, "The respond-by date"),
    ):
        if value is None:
            continue
        if value > latest[field]:
            problems[field] = f"{what} must be before {latest[field]:%-d %b %Y}; check the year."
            continue
        try:
            check_date(value, what=what, not_past=True, today=today)
        except ValidationError as exc:
            problems[field] = exc.messages[0]
    return problems


def _users(value: Iterable) -> list[User]:
    return list({u.pk: u for u in value}.values())


def _routing_errors(revision: Revision, reviewers: list[User], approvers: list[User]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    eligible = set(people().values_list("pk", flat=True))
    if not approvers:
        errors.setdefault("approvers", []).append("Name at least one approver.")
    for field, verb, chosen in (("reviewers", "review", reviewers), ("approvers", "approve", approvers)):
        if any(u.pk == revision.author_id for u in chosen):
            errors.setdefault(field, []).append(
                f"{revision.author} wrote this revision and cannot {verb} it."
            )
        if any(u.pk not in eligible for u in chosen):
            errors.setdefault(field, []).append("Only active people (not auditors) can review or approve.")
    if {u.pk for u in reviewers} & {u.pk for u in approvers}:
        errors.setdefault("approvers", []).append(
            "A person cannot be both reviewer and approver of the same revision."
        )
    document = revision.document
    # The quality manager in person: the administrator's account (an IT role, which holds the
    # quality manager's rights for support) does not count as their approval. What the quality
    # manager wrote (the quality manual) is approved by top management (ISO 9001 5.1, 5.2).
    if document.requires_quality_approval and approvers:
        by_qm = revision.author.role == Role.QUALITY_MANAGER
        needed = (Role.QUALITY_MANAGER, Role.TOP_MANAGEMENT) if by_qm else (Role.QUALITY_MANAGER,)
        if not any(u.role in needed for u in approvers):
            who = "top management (the quality manager wrote it)" if by_qm else "the quality manager"
            admins = any(u.role == Role.ADMINISTRATOR for u in approvers)
            note = " The administrator's account is an IT role and does not count." if admins else ""
            errors.setdefault("approvers", []).append(
                f"{document.get_doc_type_display()} documents must be approved by {who}.{note}"
            )
    return errors


@transaction.atomic
def revision_submit(
    *,
    revision: Revision,
    by: User,
    reviewers: Iterable[User] = (),
    approvers: Iterable[User] = (),
    effective_date: dt.date | None = None,
    respond_by: dt.date | None = None,
) -> Revision:
    """Send a draft for review and approval: the named reviewers sign "reviewed" first, then the
    approvers sign "approved". The author can neither review nor approve their own revision."""
    _lock_document(revision.document)
    revision = _lock_revision(revision)
    _require_draft_editor(revision, by)
    return transition(
        obj=revision,
        name="submit",
        by=by,
        reason="Sent for review and approval",
        reviewers=_users(reviewers),
        approvers=_users(approvers),
        effective_date=effective_date,
        respond_by=respond_by or timezone.localdate() + dt.timedelta(days=DEFAULT_RESPONSE_DAYS),
    )


@Revision.workflow.on("submit")
def _open_review_round(
    revision: Revision,
    *,
    by: User,
    reviewers: list[User] | None = None,
    approvers: list[User] | None = None,
    effective_date: dt.date | None = None,
    respond_by: dt.date | None = None,
    **kw,
) -> None:
    """Runs inside "send for review": checks the routing and the dates, and opens a new round of
    review steps. Without the routing (a bare step) it refuses: approvers are required."""
    errors = _routing_errors(revision, reviewers or [], approvers or [])
    for field, problem in submit_date_problems(effective_date, respond_by).items():
        errors.setdefault(field, []).append(problem)
    if respond_by is None:
        errors.setdefault("respond_by", []).append("Say by when the reviewers must respond.")
    if not revision.files.exists():
        errors.setdefault("__all__", []).append("Attach the document's file before sending it for review.")
    if errors:
        raise ValidationError(errors)
    revision.round += 1
    revision.effective_date = effective_date
    revision.submitted_at = timezone.now()
    for kind, chosen in ((ReviewStep.Kind.REVIEW, reviewers), (ReviewStep.Kind.APPROVAL, approvers)):
        for user in chosen:
            step = ReviewStep(
                revision=revision, round=revision.round, kind=kind, user=user, due_date=respond_by
            )
            history.save(step, by=by, reason=f"{kind.label} requested (round {revision.round})")


# --- deciding a step -------------------------------------------------------------------------


def active_steps(revision: Revision) -> list[ReviewStep]:
    """The steps that may be decided now: reviews first; approvals once every review is signed.
    Read once while a request that changes nothing is answered (the sign page asks who may sign,
    its form which meaning, the page what is signed)."""
    if revision.status != Revision.Status.IN_REVIEW:
        return []
    return read_only.get(("documents.active_steps", revision.pk, revision.round), lambda: _active(revision))


def _active(revision: Revision) -> list[ReviewStep]:
    steps = [s for s in revision.steps.all() if s.round == revision.round]
    pending = [s for s in steps if s.decision == ReviewStep.Decision.PENDING]
    reviews = [s for s in pending if s.kind == ReviewStep.Kind.REVIEW]
    return reviews or pending


def step_for(revision: Revision, user: User) -> ReviewStep | None:
    """The step ``user`` may decide on this revision right now, if any."""
    return next((s for s in active_steps(revision) if s.user_id == user.pk), None)


@transaction.atomic
def revision_sign(
    *,
    revision: Revision,
    by: User,
    password: str,
    meaning: str,
    decision: str = "sign",
    reason: str = "",
) -> Revision:
    """Decide a review or approval step with an electronic signature: the signer re-enters their
    password and states the meaning. Signing binds the signature to the revision's content hash;
    a rejection (with a reason) returns the revision to draft. A wrong password changes nothing.
    The last approval makes the revision approved, and effective when its date has come."""
    _refuse_auditor(by)
    document = _lock_document(revision.document)
    revision = _lock_revision(revision)
    step = step_for(revision, by)
    if step is None:
        raise PermissionDenied("Nothing of this revision is waiting for your signature.")
    step = ReviewStep.objects.select_for_update().get(pk=step.pk)
    if revision.author_id == by.pk:
        raise PermissionDenied("An author cannot review or approve their own revision.")
    remark = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if decision not in ("sign", "reject"):
        errors["decision"] = ["Choose to sign or to reject."]
    if decision == "sign" and meaning != step.meaning:
        errors["meaning"] = [f"Your signature here means “{step.meaning.label}”; state that meaning."]
    if decision == "reject" and not remark:
        errors["reason"] = ["Say why you reject it, so the author knows what to change."]
    if errors:
        # Every problem at once: the password too (else the step's effect checks it, once).
        problem = password_problem(by, password)
        if problem:
            errors["password"] = [problem]
        raise ValidationError(errors)

    if decision == "reject":
        transition(
            obj=step,
            name="reject",
            by=by,
            reason=reason_text(f"Rejected: {remark}"),
            password=password,
            remark=remark,
        )
        return transition(
            obj=revision,
            name="return_to_draft",
            by=by,
            reason=reason_text(
                f"Returned to draft: {step.get_kind_display().lower()} rejected by {by}: {remark}"
            ),
        )
    transition(
        obj=step, name="sign", by=by, reason=f"Signed: {step.meaning.label.lower()}", password=password
    )
    if not revision.steps.filter(round=revision.round, decision=ReviewStep.Decision.PENDING).exists():
        revision = transition(obj=revision, name="approve", by=by, reason="Approved by every approver")
        if revision.effective_date is None or revision.effective_date <= timezone.localdate():
            make_effective(document, revision, by)
    return revision


def _signed_with_password(by: User, password: str | None) -> None:
    problem = password_problem(by, password or "")
    if problem:
        raise ValidationError({"password": problem})


@ReviewStep.workflow.on("sign")
def _sign_step(step: ReviewStep, *, by: User, password: str | None = None, **kw) -> None:
    """Runs inside "sign": the password signs (else nothing is signed); the kernel's signature
    records the meaning and the hash of exactly the content signed."""
    _signed_with_password(by, password)
    step.decided_at = timezone.now()
    step.signature = signature_record(
        obj=step.revision, by=by, meaning=step.meaning.label, content_hash=content_hash(step.revision)
    )


@ReviewStep.workflow.on("reject")
def _reject_step(step: ReviewStep, *, by: User, password: str | None = None, remark: str = "", **kw) -> None:
    """Runs inside "reject": the password confirms it is the signer; the reason is kept."""
    _signed_with_password(by, password)
    if not remark.strip():
        raise ValidationError({"reason": "Say why you reject it, so the author knows what to change."})
    step.decided_at = timezone.now()
    step.reason = remark.strip()


@Revision.workflow.on("return_to_draft")
def _end_routing(revision: Revision, *, by: User, **kw) -> None:
    """Runs inside "return to draft": every step still open in the round is cancelled."""
    _cancel_open_steps(revision, by, timezone.now())


@Revision.workflow.on("approve")
def _stamp_approval(revision: Revision, **kw) -> None:
    revision.approved_at = timezone.now()
