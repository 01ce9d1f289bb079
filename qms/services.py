"""Services: every write that matters goes through here, whether it comes from a view, a task or
a management command, so the rules hold everywhere."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from . import access
from .models import Attachment, Comment, Record, RecordLink, User, next_reference
from .workflow import TransitionError


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


@transaction.atomic
def record_create(*, model: type[Record], by: User, reason: str = "Created", **fields: Any) -> Record:
    """Create a record of ``model`` with the next reference number, in its initial status."""
    if not access.can_create(by):
        raise PermissionDenied("You may not create records.")
    record = model(**fields)
    record.status = model.workflow.initial
    record.created_by = by
    record.reference = next_reference(model.reference_prefix, timezone.localdate().year)
    record._history_user = by
    record._change_reason = reason
    record.full_clean(exclude=["reference", "status", "created_by"])
    record.save()
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
    if reason_needed(record) and not reason.strip():
        raise ValidationError({"reason": "Say why you are changing this record."})
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean(exclude=["reference", "status", "created_by"])
    record._history_user = by
    record._change_reason = reason.strip() or "Edited"
    record.save()
    return record


@transaction.atomic
def record_transition(*, record: Record, name: str, by: User, reason: str = "", **kwargs: Any) -> Record:
    """Move ``record`` along its workflow by the transition ``name``: checks that the transition
    exists from the current status, that ``by`` may perform it, that its guards pass and that a
    reason is given when required; records who, when and why in the history."""
    workflow = type(record).workflow
    # Lock the row so two people cannot move the same record at once from a stale status.
    locked = type(record).objects.select_for_update().get(pk=record.pk)
    transition = workflow.get(name)
    if transition is None or locked.status not in transition.sources:
        raise TransitionError(
            f"“{transition.label if transition else name}” is not possible while the record is "
            f"{workflow.label(locked.status).lower()}."
        )
    if not (transition.allowed & access.relations(by, locked)):
        raise PermissionDenied(f"You may not {transition.label.lower()} this record.")
    if transition.reason_required and not reason.strip():
        raise TransitionError("Give a reason for this step.", field="reason")
    for guard in transition.guards:
        problem = guard(locked)
        if problem:
            raise TransitionError(problem)
    old_status = locked.status
    locked.status = transition.target
    if transition.effect is not None:
        transition.effect(locked, by=by, reason=reason, old_status=old_status, **kwargs)
    locked._history_user = by
    locked._change_reason = reason.strip() or transition.label
    locked.save()
    record.status = locked.status
    record.refresh_from_db()
    return locked


# --- attachments -------------------------------------------------------------------------

# Allowed types, recognised by content: (MIME type, extensions, how to recognise).
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/tiff": (".tif", ".tiff"),
    "application/zip": (".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods"),
    "text/plain": (".txt", ".csv", ".log"),
    "application/x-ole-storage": (".doc", ".xls", ".msg"),
}
_TEXT_EXTENSIONS = (".txt", ".csv", ".log")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")
_HTML_SNIFF = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|meta)", re.I)


def safe_filename(name: str) -> str:
    """Reduce an uploaded name to a plain base name: no folders, no control or odd characters."""
    base = os.path.basename(name.replace("\\", "/")).strip().strip(".")
    base = _UNSAFE_NAME.sub("_", base)
    return base[:150] or "file"


def sniff_type(head: bytes) -> str | None:
    """The MIME type the file's content shows, or None when it is not an allowed type."""
    import filetype

    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        if mime in ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",):
            return "application/zip"
        return mime if mime in ALLOWED_TYPES else None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    if _HTML_SNIFF.search(head[:4096]):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head[:-3].decode("utf-8")  # a multi-byte character cut at the end of the sample
        except UnicodeDecodeError:
            return None
    return "text/plain" if b"\x00" not in head else None


def validate_upload(upload: UploadedFile) -> tuple[str, str]:
    """Check name, size and content of an upload; return (safe name, MIME type) or raise."""
    raw_name = upload.name or ""
    if "/" in raw_name or "\\" in raw_name or ".." in raw_name or "\x00" in raw_name:
        raise ValidationError(
            "The file name must not contain folders or “..”. Rename the file and try again."
        )
    name = safe_filename(raw_name)
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"The file is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
        )
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    mime = sniff_type(head)
    ext = os.path.splitext(name)[1].lower()
    allowed_exts = sorted({e for exts in ALLOWED_TYPES.values() for e in exts})
    if mime is None:
        raise ValidationError(
            "This type of file is not accepted (its content is not one of: " + ", ".join(allowed_exts) + ")."
        )
    if ext not in ALLOWED_TYPES[mime]:
        raise ValidationError(
            f"The file's content does not match its name: “{name}” is not a {ext or 'known'} file."
        )
    if mime == "text/plain" and ext not in _TEXT_EXTENSIONS:
        raise ValidationError("Text content is only accepted in .txt, .csv or .log files.")
    return name, mime


@transaction.atomic
def attachment_add(*, record: Record, upload: UploadedFile, by: User, description: str = "") -> Attachment:
    """Attach a file to a record after checking it; the stored name is generated, never reused."""
    access.require_change(by, record)
    name, mime = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    ext = os.path.splitext(name)[1].lower()
    upload.name = f"{uuid.uuid4().hex}{ext}"
    return Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        file=upload,
        original_name=name,
        content_type_name=mime,
        size=upload.size,
        sha256=digest.hexdigest(),
        description=description,
        uploaded_by=by,
    )


def attachments_of(record: Record):
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("uploaded_by")


# --- comments and links --------------------------------------------------------------------


def comment_add(*, record: Record, by: User, text: str) -> Comment:
    """Comment on a record: anyone who may see it and is not an auditor."""
    if by.is_auditor:
        raise PermissionDenied("Auditors have read-only access.")
    if not access.can_view(by, record):
        raise PermissionDenied("You may not comment on this record.")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write a comment first."})
    return Comment.objects.create(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk, author=by, text=text
    )


def comments_of(record: Record):
    return Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("author")


@transaction.atomic
def link_add(*, source: Record, target: Record, by: User, note: str = "") -> RecordLink:
    """Link two records; the user must be able to change the source and see the target."""
    access.require_change(by, source)
    if not access.can_view(by, target):
        raise ValidationError({"target": "No record with that reference that you can see."})
    if type(source) is type(target) and source.pk == target.pk:
        raise ValidationError({"target": "A record cannot be linked to itself."})
    st, tt = ContentType.objects.get_for_model(source), ContentType.objects.get_for_model(target)
    exists = (
        RecordLink.objects.filter(
            source_type=st, source_id=source.pk, target_type=tt, target_id=target.pk
        ).exists()
        or RecordLink.objects.filter(
            source_type=tt, source_id=target.pk, target_type=st, target_id=source.pk
        ).exists()
    )
    if exists:
        raise ValidationError({"target": f"{target.reference} is already linked."})
    link = RecordLink(source_type=st, source_id=source.pk, target_type=tt, target_id=target.pk, note=note)
    link.created_by = by
    link._history_user = by
    link.save()
    return link


@transaction.atomic
def link_remove(*, link: RecordLink, record: Record, by: User) -> None:
    access.require_change(by, record)
    link._history_user = by
    link.delete()
