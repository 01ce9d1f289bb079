"""Writes every record shares: attachments (through the one file store), comments, links. Each
one is also noted in the record's own history, so the history tells the whole story."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from .. import access, history
from ..files import store_upload
from ..models import Attachment, Comment, Record, RecordLink, User


@transaction.atomic
def attachment_add(*, record: Record, upload: UploadedFile, by: User, description: str = "") -> Attachment:
    """Attach a file to a record after checking it; the stored name is generated, never reused.
    Whoever may change the record may, and those its model names (``attach_relations``), while
    it is open: a closed record keeps the evidence it was closed on."""
    access.require_attach(by, record)
    if record.is_closed:
        raise ValidationError(
            f"{record.display_reference} is {record.get_status_display().lower()}: "
            "a closed record takes no more files. Reopen it first.",
            code="closed",
        )
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk, description=description
    )
    store_upload(attachment, upload, by=by)
    history.touch(record, by=by, reason=f"Attachment added: {attachment.original_name}")
    return attachment


def attachments_of(record: Record):
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("uploaded_by")


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
    return _link(source=source, target=target, by=by, note=note)


@transaction.atomic
def link_raised(*, record: Record, source: Record, by: User) -> RecordLink:
    """Link a record just raised from ``source`` to it, shown on both. Its creator need not be able
    to change either (a staff member raises an NCR for a colleague), only to see the source."""
    if record.created_by_id != by.pk or not access.can_view(by, source):
        raise PermissionDenied("You may not raise a record from this one.")
    return _link(source=record, target=source, by=by, note="Raised from here")


@transaction.atomic
def link_on_behalf(*, source: Record, target: Record, by: User, note: str) -> RecordLink | None:
    """Link two records as part of a module's own service that has already decided who may (a
    risk's owner accepting what a CAPA proposed need not see that CAPA). Already linked, either
    way: nothing happens and None is returned. Noted in both histories as any link."""
    st, tt = ContentType.objects.get_for_model(source), ContentType.objects.get_for_model(target)
    if (
        RecordLink.objects.filter(
            source_type=st, source_id=source.pk, target_type=tt, target_id=target.pk
        ).exists()
        or RecordLink.objects.filter(
            source_type=tt, source_id=target.pk, target_type=st, target_id=source.pk
        ).exists()
    ):
        return None
    return _link(source=source, target=target, by=by, note=note)


def _link(*, source: Record, target: Record, by: User, note: str) -> RecordLink:
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
        raise ValidationError({"target": f"{target.display_reference} is already linked."})
    link = RecordLink(source_type=st, source_id=source.pk, target_type=tt, target_id=target.pk, note=note)
    link.created_by = by
    history.save(link, by=by, reason="Linked")
    # Each record's history names the other, as a removal does; a reader who may not see it reads
    # "Link to 1 record outside your view added" (``selectors.hide_references``, on every History
    # tab and in the audit pack).
    history.touch(source, by=by, reason=f"Link to {target.display_reference} added")
    history.touch(target, by=by, reason=f"Link to {source.display_reference} added")
    return link


@transaction.atomic
def link_remove(*, link: RecordLink, record: Record, by: User) -> None:
    access.require_change(by, record)
    other = (
        link.target
        if (link.source_type_id, link.source_id)
        == (
            ContentType.objects.get_for_model(record).pk,
            record.pk,
        )
        else link.source
    )
    history.delete(link, by=by, reason="Link removed")
    history.touch(record, by=by, reason=f"Link to {getattr(other, 'display_reference', other)} removed")
