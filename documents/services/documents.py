"""Documents: register data and distribution, obsolescence, periodic review, change requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, events, history
from qms.models import Record, Role, User
from qms.rules import reason_text
from qms.services import link_add, record_create, record_transition, record_update, transition

from ..models import Acknowledgment, ChangeRequest, Document, PeriodicReview, Revision
from ._common import (
    CHANGE_REQUEST_DECIDE_DAYS,
    _cancel_open_steps,
    _lock_document,
    _refuse_auditor,
    _require_change,
    _withdraw_acks,
    add_months,
    move,
    move_all,
)
from .revisions import revision_create

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
        history.touch(
            document,
            by=by,
            reason=f"Distribution changed: {before or 'none'} → {after or 'none'}. {reason}".strip(),
        )
    return document


def distribution_parts(document: Document) -> list[str]:
    """The distribution list as its author wrote it, sorted: named people, roles ("Quality
    managers"), departments (by name), not the people the roles and departments reach."""
    if not document.pk:
        return []
    # A named person who has left stays as written, said so: they are not counted among its readers.
    parts = [str(u) if u.is_active else f"{u} (left)" for u in document.distribution_people.all()]
    parts += [Role(r).label + "s" for r in document.distribution_roles]
    parts += [d.name for d in document.distribution_departments.all()]
    return sorted(parts)


def _distribution_text(document: Document) -> str:
    return ", ".join(distribution_parts(document))


DOCUMENT_OBSOLETE = "documents.document_obsolete"


@Document.workflow.on("make_obsolete")
def document_obsolete_effect(document: Document, *, by: User, reason: str, **kw) -> None:
    """Runs inside the "make obsolete" transition: the effective revision becomes obsolete,
    work in progress is withdrawn, pending acknowledgments and change requests are closed, and
    no periodic review is due any more."""
    now = timezone.now()
    note = reason_text(f"Document made obsolete: {reason}".strip())
    for revision in Revision.objects.select_for_update().filter(document=document).order_by("pk"):
        if revision.status == Revision.Status.EFFECTIVE:
            move(revision, "make_obsolete", by=by, reason=note, ended_at=now)
        elif revision.status in Revision.IN_WORK:
            _cancel_open_steps(revision, by, now)
            move(revision, "withdraw", by=by, reason=note, ended_at=now)
    _withdraw_acks(Acknowledgment.objects.filter(revision__document=document), by, note)
    move_all(
        ChangeRequest.objects.filter(document=document),
        "reject",
        by=by,
        reason=note,
        decided_by=by,
        decided_at=now,
        decision_reason=note,
    )
    document.due_date = None
    events.publish(DOCUMENT_OBSOLETE, document_id=document.pk)


@transaction.atomic
def document_make_obsolete(*, document: Document, by: User, reason: str) -> Document:
    return record_transition(record=document, name="make_obsolete", by=by, reason=reason)


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
    review = PeriodicReview(
        document=document, revision=current, outcome=outcome, reason=reason, reviewed_by=by
    )
    why = reason_text(f"Periodic review ({review.get_outcome_display().lower()}): {reason}")
    if outcome == PeriodicReview.Outcome.OBSOLETE:
        history.save(review, by=by, reason=why)
        document_make_obsolete(document=document, by=by, reason=f"Periodic review: {reason}")
        return review
    in_work = document.revisions.filter(status__in=Revision.IN_WORK).exists()
    if outcome == PeriodicReview.Outcome.REVISE and not in_work:
        revision_create(
            document=document, by=by, change_summary=f"Periodic review: {reason}", check_access=False
        )
    review.next_review_date = add_months(timezone.localdate(), document.review_period_months)
    history.save(review, by=by, reason=why)
    document.due_date = review.next_review_date
    history.save(document, by=by, reason=why)
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
    history.save(cr, by=by, reason="Change requested")
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
    revision (or joins the draft already in work; not a revision in review), or rejects it with a
    reason."""
    document = _lock_document(request.document)
    cr = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    _require_change(by, document)
    if cr.status != ChangeRequest.Status.OPEN:
        raise ValidationError(f"This change request is already {cr.get_status_display().lower()}.")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "Say why the change is rejected."})
    revision = None
    if accept:
        revision = document.revisions.filter(status__in=Revision.IN_WORK).first()
        if revision is not None and revision.status != Revision.Status.DRAFT:
            # A revision in review has its content fixed (and signed, perhaps): the change would be
            # "addressed" by a revision that never took it.
            raise ValidationError(
                f"Revision {revision.label} is {revision.get_status_display().lower()}: return it to draft "
                "to take this change in, or accept the request once it is decided (a new draft opens then)."
            )
        if revision is None:
            revision = revision_create(
                document=document, by=by, change_summary=f"Change request #{cr.pk}: {cr.reason}"
            )
    label = ChangeRequest.Status.ACCEPTED.label if accept else ChangeRequest.Status.REJECTED.label
    return transition(
        obj=cr,
        name="accept" if accept else "reject",
        by=by,
        reason=reason_text(f"{label}: {reason}".strip(": ")),
        decision_reason=reason,
        revision=revision,
    )


@ChangeRequest.workflow.on("accept", "reject")
def _record_decision(
    cr: ChangeRequest, *, by: User, decision_reason: str = "", revision: Revision | None = None, **kw
) -> None:
    """Runs inside "accept" and "reject": who decided, when and why; an accepted request names the
    draft revision that takes the change (it refuses without one)."""
    if cr.status == ChangeRequest.Status.ACCEPTED and revision is None:
        raise ValidationError("Accept the change request through its form: it opens the draft revision.")
    cr.decided_by, cr.decided_at, cr.decision_reason = by, timezone.now(), decision_reason
    cr.revision = revision
