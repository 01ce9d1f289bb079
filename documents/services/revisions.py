"""Revisions: drafts and their files, review and approval with electronic signatures, becoming
effective (superseding the current revision), read-and-acknowledge."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qms.files import file_digest, store_upload
from qms.forms import people
from qms.models import User
from qms.services import get_system_user, validate_upload

from ..models import (
    Acknowledgment,
    Document,
    ReviewStep,
    Revision,
    RevisionFile,
    Signature,
)
from ._common import (
    DEFAULT_RESPONSE_DAYS,
    _cancel_open_steps,
    _lock_document,
    _lock_revision,
    _refuse_auditor,
    _require_change,
    _save,
    _withdraw_acks,
    add_months,
    distribution_users,
)

# --- revisions ---------------------------------------------------------------------------------

_LETTERS = re.compile(r"^[A-Z]{1,3}$")
_NUMBERS = re.compile(r"^[0-9]{1,4}$")


def _next_letters(label: str) -> str:
    chars = list(label)
    i = len(chars) - 1
    while i >= 0:
        if chars[i] != "Z":
            chars[i] = chr(ord(chars[i]) + 1)
            return "".join(chars)
        chars[i] = "A"
        i -= 1
    return "A" + "".join(chars)


def next_label(document: Document) -> str:
    """The label the next revision of this document gets by default (A, B … or 1, 2 …)."""
    labels = list(document.revisions.values_list("label", flat=True))
    scheme = document.label_scheme
    if scheme == "letters":
        letters = [x for x in labels if _LETTERS.match(x)]
        if not letters:
            return "A"
        return _next_letters(max(letters, key=lambda x: (len(x), x)))
    if scheme == "numbers":
        numbers = [int(x) for x in labels if _NUMBERS.match(x)]
        return str(max(numbers) + 1 if numbers else 1)
    return ""


def validate_label(document: Document, label: str, *, exclude_pk: int | None = None) -> str:
    label = (label or "").strip()
    scheme = document.label_scheme
    if not label:
        raise ValidationError({"label": "Give the revision label (the external document's edition)."})
    if scheme == "letters" and not _LETTERS.match(label):
        raise ValidationError({"label": f"{document.get_doc_type_display()}s use letters: A, B, C …"})
    if scheme == "numbers" and not _NUMBERS.match(label):
        raise ValidationError({"label": f"{document.get_doc_type_display()}s use numbers: 1, 2, 3 …"})
    if len(label) > 20:
        raise ValidationError({"label": "At most 20 characters."})
    taken = document.revisions.filter(label=label)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"label": f"Revision {label} exists already."})
    return label


@transaction.atomic
def revision_create(
    *,
    document: Document,
    by: User,
    change_summary: str,
    label: str | None = None,
    upload: UploadedFile | None = None,
    check_access: bool = True,
) -> Revision:
    """Open a new draft revision. A document has at most one revision in work at a time, so a
    change is never split across two competing drafts."""
    document = _lock_document(document)
    if check_access:
        _require_change(by, document)
    elif document.is_closed:
        raise ValidationError("The document is obsolete; it cannot be changed.")
    in_work = document.revisions.filter(status__in=Revision.IN_WORK).first()
    if in_work is not None:
        raise ValidationError(
            f"Revision {in_work.label} is already in work ({in_work.get_status_display().lower()}); "
            "finish or reject it first."
        )
    errors: dict[str, list] = {}
    change_summary = (change_summary or "").strip()
    if not change_summary:
        errors.setdefault("change_summary", []).append("Say what changed and why.")
    try:
        label = validate_label(document, label if label is not None else next_label(document))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if upload is not None:
        try:
            validate_upload(upload)
        except ValidationError as exc:
            errors.setdefault("file", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    revision = Revision(document=document, label=label, change_summary=change_summary, author=by)
    _save(revision, by, "Draft opened")
    if upload is not None:
        _store_file(revision, upload, by)
    return revision


def _require_draft_editor(revision: Revision, by: User) -> None:
    _require_change(by, revision.document)
    if revision.status != Revision.Status.DRAFT:
        raise ValidationError(
            f"Revision {revision.label} is {revision.get_status_display().lower()}; "
            "only a draft can be changed."
        )


@transaction.atomic
def revision_update(*, revision: Revision, by: User, label: str, change_summary: str) -> Revision:
    """Change a draft's label or change summary."""
    _lock_document(revision.document)
    revision = _lock_revision(revision)
    _require_draft_editor(revision, by)
    errors: dict[str, list] = {}
    change_summary = (change_summary or "").strip()
    if not change_summary:
        errors["change_summary"] = ["Say what changed and why."]
    try:
        label = validate_label(revision.document, label, exclude_pk=revision.pk)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    revision.label, revision.change_summary = label, change_summary
    _save(revision, by, "Draft edited")
    return revision


def _store_file(revision: Revision, upload: UploadedFile, by: User) -> RevisionFile:
    return store_upload(RevisionFile(revision=revision), upload, by=by)


@transaction.atomic
def revision_file_add(*, revision: Revision, upload: UploadedFile, by: User) -> RevisionFile:
    """Add a file to a draft revision (checked by content, stored under a generated name)."""
    _lock_document(revision.document)
    revision = _lock_revision(revision)
    _require_draft_editor(revision, by)
    try:
        return _store_file(revision, upload, by)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages})


@transaction.atomic
def revision_file_remove(*, file: RevisionFile, by: User) -> None:
    """Remove a file from a draft (the stored bytes are kept; nothing signed referred to them)."""
    revision = _lock_revision(file.revision)
    _require_draft_editor(revision, by)
    file.delete()
    _save(revision, by, f"File removed: {file.original_name}")


def content_hash(revision: Revision, *, file_hashes: Iterable[str] | None = None) -> str:
    """What a signature is bound to: SHA-256 over the revision's files' hashes (of the bytes as
    stored now), its label and change summary."""
    if file_hashes is None:
        file_hashes = [file_digest(f) for f in revision.files.all()]
    payload = "\n".join(
        ["files:", *sorted(file_hashes), "label:", revision.label, "summary:", revision.change_summary]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _users(value: Iterable) -> list[User]:
    return list({u.pk: u for u in value}.values())


def submit_date_limits(today: dt.date) -> tuple[dt.date, dt.date]:
    """The latest effective date and respond-by date a submission may name: anything later is a
    mistyped year, and would leave the revision waiting for decades (or overflow the next
    periodic review date)."""
    return today.replace(year=today.year + 5, day=min(today.day, 28)), today + dt.timedelta(days=366)


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
    document = _lock_document(revision.document)
    revision = _lock_revision(revision)
    _require_draft_editor(revision, by)
    reviewers, approvers = _users(reviewers), _users(approvers)
    today = timezone.localdate()
    respond_by = respond_by or today + dt.timedelta(days=DEFAULT_RESPONSE_DAYS)
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    eligible = set(people().values_list("pk", flat=True))
    if not approvers:
        err("approvers", "Name at least one approver.")
    for field, verb, chosen in (("reviewers", "review", reviewers), ("approvers", "approve", approvers)):
        if any(u.pk == revision.author_id for u in chosen):
            err(field, f"{revision.author} wrote this revision and cannot {verb} it.")
        if any(u.pk not in eligible for u in chosen):
            err(field, "Only active people (not auditors) can review or approve.")
    both = {u.pk for u in reviewers} & {u.pk for u in approvers}
    if both:
        err("approvers", "A person cannot be both reviewer and approver of the same revision.")
    if document.requires_quality_approval and approvers and not any(u.is_quality_manager for u in approvers):
        err("approvers", f"{document.get_doc_type_display()}s must be approved by the quality manager.")
    latest_effective, latest_response = submit_date_limits(today)
    if effective_date is not None and effective_date < today:
        err("effective_date", "The effective date cannot be in the past.")
    elif effective_date is not None and effective_date > latest_effective:
        err(
            "effective_date",
            f"The effective date must be before {latest_effective:%d %b %Y}; check the year.",
        )
    if respond_by < today:
        err("respond_by", "The respond-by date cannot be in the past.")
    elif respond_by > latest_response:
        err("respond_by", f"The respond-by date must be before {latest_response:%d %b %Y}; check the year.")
    if not revision.files.exists():
        err("__all__", "Attach the document's file before sending it for review.")
    if errors:
        raise ValidationError(errors)

    revision.round += 1
    for kind, chosen in ((ReviewStep.Kind.REVIEW, reviewers), (ReviewStep.Kind.APPROVAL, approvers)):
        for user in chosen:
            ReviewStep.objects.create(
                revision=revision, round=revision.round, kind=kind, user=user, due_date=respond_by
            )
    revision.status = Revision.Status.IN_REVIEW
    revision.effective_date = effective_date
    revision.submitted_at = timezone.now()
    _save(revision, by, "Sent for review and approval")
    return revision


def active_steps(revision: Revision) -> list[ReviewStep]:
    """The steps that may be decided now: reviews first; approvals once every review is signed."""
    if revision.status != Revision.Status.IN_REVIEW:
        return []
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
    a rejection (with a reason) returns the revision to draft. A wrong password changes nothing."""
    _refuse_auditor(by)
    document = _lock_document(revision.document)
    revision = _lock_revision(revision)
    step = step_for(revision, by)
    if step is None:
        raise PermissionDenied("Nothing of this revision is waiting for your signature.")
    step = ReviewStep.objects.select_for_update().get(pk=step.pk)
    if revision.author_id == by.pk:
        raise PermissionDenied("An author cannot review or approve their own revision.")
    errors: dict[str, list[str]] = {}
    if decision not in ("sign", "reject"):
        errors["decision"] = ["Choose to sign or to reject."]
    if decision == "sign" and meaning != step.meaning:
        errors["meaning"] = [f"Your signature here means “{step.meaning.label}”; state that meaning."]
    if decision == "reject" and not (reason or "").strip():
        errors["reason"] = ["Say why you reject it, so the author knows what to change."]
    if not password or not by.check_password(password):
        errors["password"] = ["The password is not correct. Nothing was signed."]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    step.decided_at = now
    step.reason = (reason or "").strip()
    if decision == "reject":
        step.decision = ReviewStep.Decision.REJECTED
        _save(step, by, f"Rejected: {step.reason}")
        _cancel_open_steps(revision, by)
        revision.status = Revision.Status.DRAFT
        _save(
            revision,
            by,
            f"Returned to draft: {step.get_kind_display().lower()} rejected by {by}: {step.reason}",
        )
        return revision

    step.decision = ReviewStep.Decision.SIGNED
    _save(step, by, f"Signed: {step.meaning.label.lower()}")
    Signature.objects.create(
        revision=revision,
        step=step,
        signer=by,
        printed_name=by.get_full_name() or by.username,
        meaning=step.meaning,
        signed_at=now,
        content_hash=content_hash(revision),
    )
    still_open = ReviewStep.objects.filter(revision=revision, round=revision.round, decision="pending")
    if not still_open.exists():
        revision.status = Revision.Status.APPROVED
        revision.approved_at = now
        _save(revision, by, "Approved by every approver")
        if revision.effective_date is None or revision.effective_date <= timezone.localdate():
            _make_effective(document, revision, by)
    return revision


# --- effective, superseded ---------------------------------------------------------------------


def _make_effective(document: Document, revision: Revision, by: User) -> None:
    """Called with the document and revision rows locked."""
    now = timezone.now()
    today = timezone.localdate()
    current = Revision.objects.select_for_update().filter(document=document, status="effective").first()
    if current is not None:
        # The old revision leaves "effective" before the new one enters it (the unique index is
        # checked per statement).
        current.status = Revision.Status.SUPERSEDED
        current.ended_at = now
        current.superseded_by = revision
        _save(current, by, f"Superseded by revision {revision.label}")
        _withdraw_acks(current.acknowledgments.all(), by, f"Revision {revision.label} replaced it")
    revision.status = Revision.Status.EFFECTIVE
    revision.effective_at = now
    if revision.effective_date is None or revision.effective_date > today:
        revision.effective_date = today
    _save(revision, by, "Effective")
    due = today + dt.timedelta(days=document.effective_ack_days)
    existing = set(revision.acknowledgments.values_list("user_id", flat=True))
    Acknowledgment.objects.bulk_create(
        [
            Acknowledgment(revision=revision, user=user, due_date=due)
            for user in distribution_users(document)
            if user.pk not in existing
        ]
    )
    if document.status == "draft":
        document.status = "active"
    document.due_date = add_months(revision.effective_date, document.review_period_months)
    _save(document, by, f"Revision {revision.label} effective")


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
    _make_effective(document, revision, by)
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
    ack.status = Acknowledgment.Status.ACKNOWLEDGED
    ack.acknowledged_at = timezone.now()
    _save(ack, by, "Read and acknowledged")
    return ack


def outstanding_acknowledgments():
    """Pending acknowledgments of current revisions: who may still be working to the old one."""
    return Acknowledgment.objects.filter(status="pending", revision__status="effective").select_related(
        "user", "user__department", "revision", "revision__document"
    )
