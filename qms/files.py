"""The one file store. ``store_upload`` checks an upload (name, size, content), hashes it and
stores it under a generated name that is never reused; ``open_stored`` reads it back for the
permission-checked download and says when the bytes no longer match their SHA-256."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from . import history

if TYPE_CHECKING:
    from .models import StoredFile, User

logger = logging.getLogger(__name__)

# Allowed types, recognised by content: MIME type -> the extensions a file of it may carry.
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
# Image types a browser shows inline (TIFF stays a download).
WEB_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_TEXT_EXTENSIONS = (".txt", ".csv", ".log")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")
_HTML_SNIFF = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|meta)", re.I)
NAME_MAX = 150


def safe_filename(name: str) -> str:
    """Reduce an uploaded name to a plain base name: no folders, no control or odd characters;
    a long name is shortened in its stem so the extension survives."""
    base = os.path.basename(name.replace("\\", "/")).strip().strip(".")
    base = _UNSAFE_NAME.sub("_", base)
    stem, ext = os.path.splitext(base)
    if len(ext) > 10:  # not an extension, just a dot in a long name
        stem, ext = base, ""
    return (stem[: NAME_MAX - len(ext)] + ext) if base else "file"


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


def store_upload(
    instance: StoredFile, upload: UploadedFile, *, by: User, reason: str = "File added"
) -> StoredFile:
    """Check ``upload`` and store it as ``instance`` (an unsaved StoredFile whose own fields, such
    as the revision it belongs to, are set): generated name, original name, type, size, SHA-256,
    who uploaded it (and why, in the history of a file that keeps one). A refused file raises
    ValidationError and stores nothing."""

    name, mime = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    upload.name = f"{uuid.uuid4().hex}{os.path.splitext(name)[1].lower()}"
    instance.file = upload
    instance.original_name = name
    instance.mime_type = mime
    instance.size = upload.size
    instance.sha256 = digest.hexdigest()
    instance.uploaded_by = by
    history.save(instance, by=by, reason=reason)
    return instance


def file_digest(stored: StoredFile) -> str:
    """SHA-256 of the bytes as stored now (not as recorded at upload); "missing" without them."""
    digest = hashlib.sha256()
    try:
        with stored.file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return "missing"
    return digest.hexdigest()


def read_stored(stored: StoredFile) -> bytes | None:
    """The stored bytes, or None when the file is missing (logged: someone must restore it)."""
    try:
        with stored.file.open("rb") as fh:
            return fh.read()
    except (FileNotFoundError, OSError):
        logger.error("%s %s: stored file %s is missing", stored._meta.label, stored.pk, stored.file.name)
        return None
