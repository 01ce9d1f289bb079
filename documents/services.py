"""Document control services: every write of the module goes through here (views, the hourly
task, the demo and other modules such as CAPA call the same functions).

Locking order, everywhere: the document row first, then its revisions, then steps. Two people
signing the last approvals at once, or the hourly task running while someone approves, serialize
on the document row; the partial unique index on ``Revision`` is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Iterable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qms import access
from qms.forms import people
from qms.models import Record, Role, User
from qms.services import get_system_user, link_add, record_create, record_update, validate_upload

from .models import (
    Acknowledgment,
    ChangeRequest,
    Document,
    PeriodicReview,
    ReviewStep,
    Revision,
    RevisionFile,
    Signature,
)

DEFAULT_RESPONSE_DAYS = 7  # reviewers and approvers: respond by, unless the author says otherwise
CHANGE_REQUEST_DECIDE_DAYS = 14  # the owner decides on a change request within this


def _lock_document(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def _lock_revision(revision: Revision) -> Revision:
    return Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)


def _refuse_auditor(by: User) -> None:
    if not by.is_authenticated or by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")


def _save(obj, by: User, reason: str, **kwargs) -> None:
    obj._history_user = by
    obj._change_reason = reason
    obj.save(**kwargs)


def add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


# --- documents -------------------------------------------------------------------------------


def _set_distribution(document: Document, people_: Iterable | None, departments: Iterable | None) -> None:
    if people_ is not None:
        document.distribution_people.set(people_)
    if departments is not None:
        document.distribution_departments.set(departments)


@transaction.atomic
def document_create(
    *,
    by: User,
    distribution_people: Iterable[User] = (),
    distribution_departments: Iterable = (),
    **fields: Any,
) -> Document:
    """Register a new controlled document (not yet issued: it has no effective revision)."""
    document = record_create(model=Document, by=by, **fields)
    _set_distribution(document, distribution_people, distribution_departments)
    return document


@transaction.atomic
def document_update(
    *,
    document: Document,
    by: User,
    reason: str = "",
    distribution_people: Iterable[User] | None = None,
    distribution_departments: Iterable | None = None,
    **fields: Any,
) -> Document:
    """Change a document's register data and distribution list (reason required once issued)."""
    before = _distribution_text(document)
    document = record_update(record=document, by=by, reason=reason, **fields)
    _set_distribution(document, distribution_people, distribution_departments)
    after = _distribution_text(document)
    if before != after:
        # The many-to-many lists are not in the field history; record the change explicitly.
        _save(document, by, f"Distribution changed: {before or 'none'} → {after or 'none'}. {reason}".strip())
    return document


def _distribution_text(document: Document) -> str:
    if not document.pk:
        return ""
    parts = [str(u) for u in document.distribution_people.all()]
    parts += [Role(r).label + "s" for r in document.distribution_roles]
    parts += [d.name for d in document.distribution_departments.all()]
    return ", ".join(sorted(parts))


def distribution_users(document: Document):
    """Everyone the document is distributed to: named people, every holder of a listed role,
    every member of a listed department (active people only, never auditors)."""
    q = Q(pk__in=document.distribution_people.values("pk"))
    q |= Q(department__in=document.distribution_departments.values("pk"))
    if document.distribution_roles:
        q |= Q(role__in=document.distribution_roles)
    return people().filter(q).distinct()


def document_obsolete_effect(*, document: Document, by: User, reason: str) -> None:
    """Runs inside the "make obsolete" transition: the effective revision becomes obsolete,
    work in progress is withdrawn, pending acknowledgments and change requests are closed, and
    no periodic review is due any more."""
    now = timezone.now()
    note = f"Document made obsolete: {reason}".strip()
    for revision in Revision.objects.select_for_update().filter(document=document):
        if revision.status == Revision.Status.EFFECTIVE:
            revision.status = Revision.Status.OBSOLETE
        elif revision.status in Revision.IN_WORK:
            revision.status = Revision.Status.WITHDRAWN
            _cancel_open_steps(revision, by)
        else:
            continue
        revision.ended_at = now
        _save(revision, by, note)
    _withdraw_acks(Acknowledgment.objects.filter(revision__document=document), by, note)
    for cr in ChangeRequest.objects.select_for_update().filter(document=document, status="open"):
        cr.status, cr.decided_by, cr.decided_at, cr.decision_reason = "rejected", by, now, note
        _save(cr, by, note)
    document.due_date = None


@transaction.atomic
def document_make_obsolete(*, document: Document, by: User, reason: str) -> Document:
    from qms.services import record_transition

    return record_transition(record=document, name="make_obsolete", by=by, reason=reason)


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


def _require_change(by: User, document: Document) -> None:
    _refuse_auditor(by)
    access.require_change(by, document)
    if document.is_closed:
        raise ValidationError("The document is obsolete; it cannot be changed.")


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
    name, mime = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    upload.name = f"{uuid.uuid4().hex}{os.path.splitext(name)[1].lower()}"
    return RevisionFile.objects.create(
        revision=revision,
        file=upload,
        original_name=name,
        mime_type=mime,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )


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


def file_digest(file: RevisionFile) -> str:
    """SHA-256 of the bytes as stored now (not as recorded at upload)."""
    digest = hashlib.sha256()
    try:
        with file.file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return "missing"
    return digest.hexdigest()


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
    if effective_date is not None and effective_date < today:
        err("effective_date", "The effective date cannot be in the past.")
    if respond_by < today:
        err("respond_by", "The respond-by date cannot be in the past.")
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


def _cancel_open_steps(revision: Revision, by: User) -> None:
    for step in ReviewStep.objects.select_for_update().filter(revision=revision, decision="pending"):
        step.decision = ReviewStep.Decision.CANCELLED
        step.decided_at = timezone.now()
        _save(step, by, "Routing ended")


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


def _withdraw_acks(acks, by: User, reason: str) -> None:
    for ack in acks.select_for_update().filter(status=Acknowledgment.Status.PENDING):
        ack.status = Acknowledgment.Status.WITHDRAWN
        _save(ack, by, reason)


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


# --- periodic review ---------------------------------------------------------------------------


@transaction.atomic
def document_periodic_review(*, document: Document, by: User, outcome: str, reason: str) -> PeriodicReview:
    """Record the periodic review of a document: no change (next review in one period), revise
    (opens a new draft revision) or make obsolete."""
    document = _lock_document(document)
    _require_change(by, document)
    errors: dict[str, list[str]] = {}
    if outcome not in PeriodicReview.Outcome.values:
        errors["outcome"] = ["Choose the outcome of the review."]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["Say why: what you checked and what you found."]
    current = document.revisions.filter(status="effective").first()
    if current is None and "outcome" not in errors:
        errors["__all__"] = ["The document has no effective revision yet; there is nothing to review."]
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    review = PeriodicReview(
        document=document, revision=current, outcome=outcome, reason=reason, reviewed_by=by
    )
    if outcome == PeriodicReview.Outcome.OBSOLETE:
        review.save()
        document_make_obsolete(document=document, by=by, reason=f"Periodic review: {reason}")
        return review
    in_work = document.revisions.filter(status__in=Revision.IN_WORK).exists()
    if outcome == PeriodicReview.Outcome.REVISE and not in_work:
        revision_create(
            document=document, by=by, change_summary=f"Periodic review: {reason}", check_access=False
        )
    review.next_review_date = add_months(today, document.review_period_months)
    review.save()
    document.due_date = review.next_review_date
    _save(document, by, f"Periodic review ({review.get_outcome_display().lower()}): {reason}")
    return review


# --- change requests ---------------------------------------------------------------------------


@transaction.atomic
def change_request_raise(
    *, document: Document, by: User, reason: str, source: Record | None = None
) -> ChangeRequest:
    """Ask the owner to change a document. Anyone but an auditor may; another module passes the
    record that raised it (e.g. a CAPA being closed) as ``source``, which is linked to the
    document."""
    _refuse_auditor(by)
    if not access.can_view(by, document):
        raise PermissionDenied("You may not see this document.")
    if document.is_closed:
        raise ValidationError("The document is obsolete; raise the request on the document that replaced it.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what should change and why."})
    cr = ChangeRequest(
        document=document,
        raised_by=by,
        reason=reason,
        due_date=timezone.localdate() + dt.timedelta(days=CHANGE_REQUEST_DECIDE_DAYS),
    )
    if source is not None:
        cr.source_type = ContentType.objects.get_for_model(source)
        cr.source_id = source.pk
        cr.source_reference = str(getattr(source, "reference", "") or source)[:60]
    _save(cr, by, "Change requested")
    if isinstance(source, Record) and access.can_change(by, source):
        try:
            with transaction.atomic():
                link_add(source=source, target=document, by=by, note="Document change requested")
        except ValidationError:
            pass  # already linked
    return cr


@transaction.atomic
def change_request_decide(
    *, request: ChangeRequest, by: User, accept: bool, reason: str = ""
) -> ChangeRequest:
    """The owner (or head, or quality manager) accepts a change request, which opens a new draft
    revision (or joins the one already in work), or rejects it with a reason."""
    document = _lock_document(request.document)
    cr = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    _require_change(by, document)
    if cr.status != ChangeRequest.Status.OPEN:
        raise ValidationError(f"This change request is already {cr.get_status_display().lower()}.")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "Say why the change is rejected."})
    cr.decided_by, cr.decided_at, cr.decision_reason = by, timezone.now(), reason
    if accept:
        cr.status = ChangeRequest.Status.ACCEPTED
        revision = document.revisions.filter(status__in=Revision.IN_WORK).first()
        if revision is None:
            revision = revision_create(
                document=document, by=by, change_summary=f"Change request #{cr.pk}: {cr.reason}"
            )
        cr.revision = revision
    else:
        cr.status = ChangeRequest.Status.REJECTED
    _save(cr, by, f"{cr.get_status_display()}: {reason}".strip(": "))
    return cr
