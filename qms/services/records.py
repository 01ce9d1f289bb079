"""Writes of records and child rows: create, edit, move along the workflow, remove draft work.
Views, tasks, commands and the API call these, so the rules and the history hold everywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import capfirst

from .. import access, events, history
from ..files import store_upload
from ..models import ChildRecord, Department, Record, StoredFile, User
from ..models.records import NextReference
from ..rules import check_reason
from ..uploads import safe_filename
from ..workflow import CREATED, TransitionError

# Fields the kernel sets itself; a model's own validation never sees them as user input.
_KERNEL_FIELDS = ["reference", "status", "created_by"]


def _clean(record: Record, *, by: User | None = None) -> None:
    """The model's own checks, with the foreign keys checked in one query at most: the database
    enforces them too, but only at commit (Django's keys are deferred), where a bad id would be a
    500 instead of a message beside its field. A key is known to exist without asking when its
    object is loaded (``owner=user``) or when it is the acting person or their department."""
    missing = {
        f: "This field is required." for f in ("owner", "department") if getattr(record, f"{f}_id") is None
    }
    if missing:
        raise ValidationError(missing)
    foreign = [f for f in record._meta.concrete_fields if f.is_relation and f.many_to_one]
    record.full_clean(exclude=[*_KERNEL_FIELDS, *(f.name for f in foreign)])
    known = {(User, by.pk), (Department, by.department_id)} if by is not None else set()
    unknown = [
        f
        for f in foreign
        if (value := getattr(record, f.attname)) is not None
        and not f.is_cached(record)
        and (f.related_model, value) not in known
    ]
    if unknown:
        _require_existing(record, unknown)


def _require_existing(row: models.Model, fields: list[models.ForeignKey]) -> None:
    """Whether each of ``fields``' ids names an existing row: one ``SELECT EXISTS(…), …``."""
    parts, params = [], []
    for f in fields:
        rows = f.related_model._base_manager.filter(**{f.target_field.name: getattr(row, f.attname)})
        sql, part_params = rows.values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS({sql})")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)  # noqa: S608 - Django's compiled SQL
        found = cursor.fetchone()
    errors = {
        f.name: f"There is no {f.related_model._meta.verbose_name} #{getattr(row, f.attname)}."
        for f, ok in zip(fields, found, strict=True)
        if not ok
    }
    if errors:
        raise ValidationError(errors)


def get_system_user() -> User:
    """The named account that background jobs act as, so history never shows a blank user."""
    user, created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "QMS", "last_name": "system", "is_system": True, "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def record_create(*, model: type[Record], by: User, reason: str = "Created", **fields: Any) -> Record:
    """Create a record of ``model`` with the next reference number, in its initial status.

    Checked before anything is written; then the number, the row and its history in the caller's
    transaction, or in one of its own, without a savepoint: a caller that goes on after a refusal
    (an import, row by row) keeps its own savepoint around each call, as it must anyway."""
    access.require_create(by, model)
    record = model(**fields)
    record.status = model.workflow.initial
    record.created_by = by
    if record.due_date is None and (days := model.default_due_days()) is not None:
        record.due_date = timezone.localdate() + dt.timedelta(days=days)
    _clean(record, by=by)
    with transaction.atomic(savepoint=False):
        record.reference = NextReference(model.reference_prefix, timezone.localdate().year)
        history.save(record, by=by, reason=reason)
        for effect in model.workflow.effects(CREATED):
            effect(record, by=by)
    return record


def reason_needed(record: Record) -> bool:
    """An edit of a record past its draft status must say why (ISO 7.5.3 change control)."""
    return bool(record.pk) and not record.is_draft


@transaction.atomic
def record_update(*, record: Record, by: User, reason: str = "", **fields: Any) -> Record:
    """Change fields of a record, refusing a change without reason once it is past draft."""
    access.require_change(by, record)
    if record.is_closed:
        raise ValidationError("A closed record cannot be edited; reopen it first.")
    reason = check_reason(reason, required=reason_needed(record))
    for name, value in fields.items():
        setattr(record, name, value)
    _clean(record, by=by)
    history.save(record, by=by, reason=reason or "Edited")
    return record


@transaction.atomic
def transition(*, obj: models.Model, name: str, by: User, reason: str = "", **kwargs: Any) -> models.Model:
    """Move a record or a child row along its workflow by the transition ``name``: checks that
    the transition exists from the current status, that ``by`` may perform it, that its guards
    pass and that a reason is given when required; runs the effects the module's services
    registered; records who, when and why in the history; publishes ``record.transition``.

    A transition performed through a form (``Transition.form``) gets that form's data as
    ``kwargs``; its effects refuse when what they need is missing, so the generic button can
    never skip the form."""
    model = type(obj)
    workflow = model.workflow
    status_field = getattr(model, "status_field", "status")
    # Lock the row so two people cannot move it at once from a stale status.
    locked = model._default_manager.select_for_update().get(pk=obj.pk)
    current = getattr(locked, status_field)
    what = "record" if isinstance(locked, Record) else model._meta.verbose_name
    # Whom the step is for first: someone it is not for hears no more of the record than that.
    declared = workflow.get(name)
    if declared is not None and not (declared.allowed & access.relations(by, locked)):
        raise PermissionDenied(f"The step “{declared.label}” is not yours to take here.")
    step = workflow.step_from(name, current, what=what)
    if isinstance(locked, ChildRecord) and locked.root.is_closed and not step.while_record_closed:
        raise TransitionError(f"{locked.root.display_reference} is closed; reopen it first.")
    if refused := workflow.refused(locked, name, by):
        raise TransitionError(refused)
    try:
        reason = check_reason(reason, required=step.reason_required)
    except ValidationError:
        missing = step.reason_prompt or "Give a reason for this step."
        message = missing if not reason.strip() else "The reason is too long."
        raise TransitionError(message, field="reason") from None
    for guard in step.guards:
        problem = guard(locked)
        if problem:
            raise TransitionError(problem)
    setattr(locked, status_field, step.target)
    for effect in workflow.effects(name):
        effect(locked, by=by, reason=reason, old_status=current, **kwargs)
    history.save(locked, by=by, reason=reason or step.label)
    setattr(obj, status_field, step.target)
    obj.refresh_from_db()
    events.publish(
        "record.transition",
        model=model._meta.label_lower,
        pk=locked.pk,
        transition=name,
        status=step.target,
        by_id=by.pk,
    )
    return locked


def transition_to(
    *, obj: models.Model, status: str, by: User, reason: str = "", **kwargs: Any
) -> models.Model:
    """Move ``obj`` to a status chosen in a form (a status select on an edit page) by the one
    transition between its current status and that one; a move the workflow does not know is
    refused beside the status field. The same status is no move at all."""
    workflow = type(obj).workflow
    current = getattr(obj, getattr(obj, "status_field", "status"))
    if status == current:
        return obj
    step = workflow.between(current, status)
    if step is None:
        raise TransitionError(
            f"{workflow.label(current)} cannot change to {workflow.label(status).lower()} directly.",
            field="status",
        )
    return transition(obj=obj, name=step.name, by=by, reason=reason, **kwargs)


def record_transition(*, record: Record, name: str, by: User, reason: str = "", **kwargs: Any) -> Record:
    """``transition`` for a record (the name most callers use)."""
    return transition(obj=record, name=name, by=by, reason=reason, **kwargs)


def _require_open(child: ChildRecord) -> None:
    """Rows of a closed record are not changed (reopen it first), nor rows of a closed row."""
    root, parent = child.root, child.parent
    if root.is_closed:
        raise ValidationError(f"{root.display_reference} is closed; reopen it first.")
    if parent is not root and getattr(parent, "is_closed", False):
        raise ValidationError(
            f"“{parent}” is {parent.get_status_display().lower()}; it takes no more changes."
        )


def _lock(row: models.Model) -> None:
    """Hold ``row`` until the transaction ends, so that an edit and a removal of it (or two
    edits) happen one after the other; one that finds it removed meanwhile raises DoesNotExist
    (answered 409: ``qms.views.errors.ConflictMiddleware``), rather than writing it back."""
    if not type(row)._default_manager.select_for_update().filter(pk=row.pk).exists():
        raise type(row).DoesNotExist(f"{row._meta.verbose_name} {row.pk} was removed meanwhile.")


def _verbose(child: ChildRecord | type[ChildRecord]) -> str:
    """The kind of row at the start of a reason: "8D discipline changed", not "8d discipline"."""
    return capfirst(child._meta.verbose_name)


@transaction.atomic
def child_add(*, model: type[ChildRecord], by: User, reason: str = "", **fields: Any) -> ChildRecord:
    """Add a row to a record (or to a row of it) that ``by`` may change, while it is open: the row
    starts in its workflow's first status, the model's own rules run, a file goes into the one file
    store (``qms.files.store_upload``), and the history says who added it and why."""
    upload = fields.pop("file", None) if issubclass(model, StoredFile) else None
    row = model(**fields)
    access.require_change(by, row)
    _require_open(row)
    if refused := model.add_refused(row.parent):
        raise ValidationError(refused)
    if model.workflow is not None:
        setattr(row, model.status_field, model.workflow.initial)
    named = safe_filename(upload.name or "") if upload is not None else row
    reason = check_reason(reason) or f"{_verbose(model)} added: {named}"
    if upload is None:
        history.save(row, by=by, reason=reason, validate=True)
        return row
    stored = {f.name for f in StoredFile._meta.concrete_fields}
    row.full_clean(exclude=stored)
    try:
        store_upload(row, upload, by=by, reason=reason)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    return row


@transaction.atomic
def child_update(*, child: ChildRecord, by: User, reason: str = "", **fields: Any) -> ChildRecord:
    """Change fields of a row: whoever may change its record may change any; the person it is
    assigned to only the model's ``assignee_fields`` (the progress they report)."""
    _lock(child)
    progress_only = set(fields) <= set(child.assignee_fields)
    if not access.can_change(by, child) and not (progress_only and "assignee" in access.relations(by, child)):
        raise PermissionDenied(f"You may not change this {child._meta.verbose_name}.")
    _require_open(child)
    if refused := child.edit_refused():
        raise ValidationError(refused)
    reason = check_reason(reason)
    for name, value in fields.items():
        setattr(child, name, value)
    history.save(child, by=by, reason=reason or f"{_verbose(child)} changed: {child}", validate=True)
    return child


@transaction.atomic
def child_remove(*, child: ChildRecord, by: User, reason: str) -> None:
    """Remove a child row that is still draft work (a why, a fishbone cause, a draft file), with
    a reason that stays in the record's history. Everything else is closed or cancelled instead."""
    if by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")
    _lock(child)
    record = child.root
    if not access.can_change(by, record):
        raise PermissionDenied("You may not change this record.")
    _require_open(child)
    refused = child.removal_refused()
    if refused:
        raise ValidationError(refused)
    reason = check_reason(reason, required=True)
    what = f"{_verbose(child)} removed: {child}"
    history.delete(child, by=by, reason=f"{what} — {reason}")
    history.touch(record, by=by, reason=f"{what} — {reason}")
