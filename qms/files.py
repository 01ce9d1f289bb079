"""The one file store. ``store_upload`` checks an upload (``qms.uploads``: name, size, content),
hashes it and stores it under a generated name that is never reused; ``open_verified`` reads it back for the
permission-checked download and refuses bytes that no longer match their SHA-256.

Everything goes through Django's storage API (the ``FileField`` of each ``StoredFile``, whose
storage is ``default_storage``), so the same code runs on a local directory or an S3-compatible
object store (``qms/storage.py``, ``FILE_STORE``)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from . import history
from .uploads import validate_upload

if TYPE_CHECKING:
    from .models import StoredFile, User

logger = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The file store did not answer (an object store out of reach, a disk that fails): the file
    may well be there; try again later."""


class FileDamaged(Exception):
    """The stored bytes no longer match the SHA-256 recorded at upload: changed or damaged in the
    store, so they are not handed out (restore the file from a backup)."""


def _unavailable(stored: StoredFile | None, name: str, exc: Exception) -> StoreUnavailable:
    label = f"{stored._meta.label} {stored.pk}: " if stored is not None else ""
    logger.error("%sfile store unavailable for %s: %s: %s", label, name, type(exc).__name__, exc)
    return StoreUnavailable(str(exc))


def store_upload(
    instance: StoredFile, upload: UploadedFile, *, by: User, reason: str = "File added"
) -> StoredFile:
    """Check ``upload`` and store it as ``instance`` (an unsaved StoredFile whose own fields, such
    as the revision it belongs to, are set): generated name, original name, type, size, SHA-256,
    who uploaded it (and why, in the history of a file that keeps one). A refused file raises
    ValidationError and stores nothing; so does a store that does not answer."""

    name, mime = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    generated = f"{uuid.uuid4().hex}{os.path.splitext(name)[1].lower()}"
    # The bytes are written first, the row after (inside the caller's transaction): a row never
    # names a file that is not there, which the backup relies on.
    try:
        instance.file.save(generated, upload, save=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the store's backend
        _unavailable(None, generated, exc)
        raise ValidationError(
            "The file store did not answer, so the file was not stored. Try again in a few minutes; "
            "if it keeps happening, tell the administrator."
        ) from None
    instance.original_name = name
    instance.mime_type = mime
    instance.size = upload.size
    instance.sha256 = digest.hexdigest()
    instance.uploaded_by = by
    history.save(instance, by=by, reason=reason)
    return instance


def open_verified(stored: StoredFile):
    """The stored bytes as an open binary file at its start, once their SHA-256 has been checked
    against the one recorded at upload. FileNotFoundError when the file is missing, FileDamaged
    when it no longer matches, StoreUnavailable when the store does not answer. The caller closes
    it (a FileResponse does)."""
    name = stored.file.name
    try:
        handle = stored.file.storage.open(name, "rb")
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001 - an object store's client raises its own errors
        raise _unavailable(stored, name, exc) from None
    try:
        digest = hashlib.sha256()
        # An object store's file is already a local copy that seeks; anything else is copied
        # once, so what is checked is what is sent.
        seekable = handle.seekable() if hasattr(handle, "seekable") else False
        target = handle if seekable else tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            if target is not handle:
                target.write(chunk)
        if target is not handle:
            handle.close()
        target.seek(0)
    except Exception as exc:  # noqa: BLE001 - the connection broke mid-file
        handle.close()
        raise _unavailable(stored, name, exc) from None
    if digest.hexdigest() != stored.sha256:
        target.close()
        logger.error(
            "%s %s: stored file %s does not match the SHA-256 recorded at upload; not handed out",
            stored._meta.label,
            stored.pk,
            name,
        )
        raise FileDamaged(name)
    return target


def file_digest(stored: StoredFile) -> str:
    """SHA-256 of the bytes as stored now (not as recorded at upload); "missing" without them,
    "unavailable" when the store does not answer (neither ever matches a recorded digest).

    A document's page shows whether each file of its current revision is as uploaded, and every
    signature on it is checked against its files' digests: reading every byte of every file on
    every view was the page's largest cost with real files (twenty megabytes of drawings: 17 ms
    from a local disk; from an object store, a download of twenty megabytes per view). The digest
    is therefore kept for a stored file while the store says it is unchanged (``_stamp``: the
    inode, size and change times of a local file, which any write moves; an object's ETag, size
    and time, asked with one HEAD) and for at most ``DIGEST_MAX_AGE`` seconds, after which the
    bytes are read again (a disk that damages a file changes no time). A download always checks
    its bytes (``open_verified``)."""
    storage, name = stored.file.storage, stored.file.name
    stamp = _stamp(storage, name)
    now = _clock()
    if stamp is not None:
        kept = _DIGESTS.get(stamp)
        if kept is not None and now - kept[1] < DIGEST_MAX_AGE:
            return kept[0]
    digest = _read_digest(stored)
    if stamp is not None and digest not in ("missing", "unavailable"):
        with _DIGESTS_LOCK:  # a worker's threads share it
            if len(_DIGESTS) >= DIGESTS_KEPT:
                _DIGESTS.pop(next(iter(_DIGESTS)))  # the oldest
            _DIGESTS[stamp] = (digest, now)
    return digest


# A stored file's digest by its stamp, with when its bytes were read (``file_digest``): a few
# thousand files' worth, the oldest forgotten first; each process keeps its own.
DIGEST_MAX_AGE = 3600.0
DIGESTS_KEPT = 4096
_DIGESTS: dict[tuple, tuple[str, float]] = {}
_DIGESTS_LOCK = threading.Lock()
_clock = time.monotonic
# A local file changed less than this long ago may change again within its clock's tick with the
# same size and times ("racy" in git's words): its digest is not kept until it is older.
_RACY_SECONDS = 2.0


def _stamp(storage, name: str) -> tuple | None:
    """What changes whenever the stored bytes are written: for a local file its inode, size,
    modification and change times (the change time cannot be set back, as the modification time
    can); for an object of an S3 store its ETag, size and time (one HEAD, not a download). None
    when the store cannot say (another backend, a file just written, a store that does not
    answer): the bytes are then read."""
    try:
        if isinstance(storage, FileSystemStorage):
            path = storage.path(name)
            found = os.stat(path)
            if time.time() - found.st_ctime < _RACY_SECONDS:
                return None
            return ("file", path, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
        if isinstance(storage, S3Storage):
            key = storage._normalize_name(clean_name(name))
            head = storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=key)
            return ("s3", storage.bucket_name, key, head["ETag"], head["ContentLength"], head["LastModified"])
    except Exception:  # noqa: BLE001 - missing or out of reach: reading the bytes says which
        return None
    return None


def _read_digest(stored: StoredFile) -> str:
    digest = hashlib.sha256()
    try:
        with stored.file.storage.open(stored.file.name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    except Exception as exc:  # noqa: BLE001 - an object store's client raises its own errors
        _unavailable(stored, stored.file.name, exc)
        return "unavailable"
    return digest.hexdigest()


def read_stored(stored: StoredFile) -> bytes | None:
    """The stored bytes as they are (``open_verified`` checks them), or None when the file is
    missing or the store does not answer (logged: someone must look)."""
    try:
        with stored.file.storage.open(stored.file.name, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        logger.error("%s %s: stored file %s is missing", stored._meta.label, stored.pk, stored.file.name)
    except Exception as exc:  # noqa: BLE001 - an object store's client raises its own errors
        _unavailable(stored, stored.file.name, exc)
    return None


# --- copies served instead of the stored bytes ---------------------------------------------------


@dataclass(frozen=True)
class ServedCopy:
    """What a download gives instead of the stored file: a controlled document's stamped copy."""

    content: bytes
    name: str
    mime_type: str


_COPY_MAKERS: dict[type, Callable] = {}


def serves_copies(model: type[StoredFile]) -> Callable:
    """Register ``make(stored, request) -> ServedCopy | None`` for a kind of stored file: the one
    download calls it (after checking the user may see the file's record) and sends what it
    returns; None sends the file as stored. The stored file is never changed."""

    def register(make: Callable) -> Callable:
        _COPY_MAKERS[model] = make
        return make

    return register


def served_copy(stored: StoredFile, request) -> ServedCopy | None:
    make = _COPY_MAKERS.get(type(stored))
    return make(stored, request) if make is not None else None
