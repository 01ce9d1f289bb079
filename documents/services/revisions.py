"""Draft revisions: labels, opening and editing a draft, its files, and the content hash a
signature is bound to."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from qms import history
from qms.files import file_digest, store_upload
from qms.models import User
from qms.services import child_remove, validate_upload

from ..models import Document, Revision, RevisionFile
from ._common import _lock_document, _lock_revision, _require_change

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


def _draft_errors(document: Document, label: str, change_summary: str, *, exclude_pk=None) -> dict:
    """What is wrong with a draft's label and change summary (empty when nothing)."""
    errors: dict[str, list] = {}
    if not (change_summary or "").strip():
        errors["change_summary"] = ["Say what changed and why."]
    try:
        validate_label(document, label, exclude_pk=exclude_pk)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    return errors


@transaction.atomic
def revision_create(
    *,
    document: Document,
    by: User,
    change_summary: str,
    label: str | None = None,
    file: UploadedFile | None = None,
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
    label = label if label is not None else next_label(document)
    errors = _draft_errors(document, label, change_summary)
    if file is not None:
        try:
            validate_upload(file)
        except ValidationError as exc:
            errors.setdefault("file", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    revision = Revision(
        document=document, label=label.strip(), change_summary=change_summary.strip(), author=by
    )
    history.save(revision, by=by, reason="Draft opened")
    if file is not None:
        _store_file(revision, file, by)
    return revision


def _require_draft_editor(revision: Revision, by: User) -> None:
    _require_change(by, revision.document)
    if revision.status != Revision.Status.DRAFT:
        raise ValidationError(revision.not_draft_message())


@transaction.atomic
def revision_update(*, revision: Revision, by: User, label: str, change_summary: str) -> Revision:
    """Change a draft's label or change summary."""
    _lock_document(revision.document)
    revision = _lock_revision(revision)
    _require_draft_editor(revision, by)
    errors = _draft_errors(revision.document, label, change_summary, exclude_pk=revision.pk)
    if errors:
        raise ValidationError(errors)
    revision.label, revision.change_summary = label.strip(), change_summary.strip()
    history.save(revision, by=by, reason="Draft edited")
    return revision


def _store_file(revision: Revision, upload: UploadedFile, by: User) -> RevisionFile:
    """The kernel's file store keeps the file; the history says who added it."""
    stored = RevisionFile(revision=revision)
    history.attribute(stored, by=by, reason="File added")
    return store_upload(stored, upload, by=by)


@transaction.atomic
def revision_file_add(*, revision: Revision, file: UploadedFile, by: User) -> RevisionFile:
    """Add a file to a draft revision (checked by content, stored under a generated name)."""
    _lock_document(revision.document)
    revision = _lock_revision(revision)
    _require_draft_editor(revision, by)
    try:
        return _store_file(revision, file, by)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc


@transaction.atomic
def revision_file_remove(*, file: RevisionFile, by: User, reason: str) -> None:
    """Remove a file from a draft, with the reason kept in the document's history (the stored
    bytes are kept; nothing signed referred to them). A file sent for review stays."""
    _lock_document(file.revision.document)
    _lock_revision(file.revision)
    file = RevisionFile.objects.select_related("revision__document").get(pk=file.pk)
    child_remove(child=file, by=by, reason=reason)


def content_hash(revision: Revision, *, file_hashes: Iterable[str] | None = None) -> str:
    """What a signature is bound to: SHA-256 over the revision's files' hashes (of the bytes as
    stored now), its label and change summary."""
    if file_hashes is None:
        file_hashes = [file_digest(f) for f in revision.files.all()]
    payload = "\n".join(
        ["files:", *sorted(file_hashes), "label:", revision.label, "summary:", revision.change_summary]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
