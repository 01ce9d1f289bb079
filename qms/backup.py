"""Backups: the company's retained documented information in one archive, written while the
application keeps running.

An archive (``qms-backup-<UTC time>.tar``) holds:

- ``database.dump``: a ``pg_dump`` (custom format) of the database as of one instant;
- ``files/<name>``: every file of the store (Django's default storage), under its stored name;
- ``manifest.json``, last: the SHA-256 and size of the dump and of every file, which database rows
  (of every ``StoredFile`` model) each file belongs to, and the rows per model.

Consistency: the dump and the list of stored files are read in one REPEATABLE READ transaction
whose snapshot ``pg_dump`` shares (``--snapshot``), so every file a row of the dump names is in the
list. Stored files are never overwritten (their names are generated and never reused) and written
before their row commits, so copying them after the snapshot copies what the rows describe; each
is checked against the SHA-256 its row recorded at upload. Files that no row names (the kept bytes
of a removed draft file, an upload still under way) are copied too, as found.

The archive is written under a ``.partial`` name and renamed when complete, so a backup cut short
is never taken for a whole one. Restore: ``qms/restore.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

FORMAT = 1
PREFIX = "qms-backup-"
SUFFIX = ".tar"
DUMP = "database.dump"
MANIFEST = "manifest.json"
FILES = "files/"


class BackupError(Exception):
    """The backup could not be written (nothing was left behind under the archive's name)."""


def stored_file_models() -> list[type]:
    """Every model whose rows are files of the store: each a ``StoredFile``, whatever its module."""
    from .models import StoredFile

    return [m for m in apps.get_models() if issubclass(m, StoredFile)]


def pg_environment(database: str | None = None) -> dict[str, str]:
    """libpq's environment for the configured database (``database`` to name another one)."""
    config = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": database or config["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if config.get(key):
            env[var] = str(config[key])
    if (config.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = config["OPTIONS"]["sslmode"]
    return env


class Hashing:
    """Reads through to ``raw`` and keeps the SHA-256 of what was read."""

    def __init__(self, raw) -> None:
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def store_names(storage=None, folder: str = "") -> list[str]:
    """Every file name in the store, recursively, sorted."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}{name}" for name in files]
    for sub in folders:
        names.extend(store_names(storage, f"{folder}{sub}/"))
    return sorted(names)


@dataclass
class BackupResult:
    path: Path
    files: int = 0
    file_bytes: int = 0
    database_bytes: int = 0
    seconds: float = 0.0
    # Stored files whose bytes are missing or no longer match the SHA-256 their row recorded.
    problems: list[str] = field(default_factory=list)


def _snapshot_dump(target: Path) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Dump the database to ``target`` and read the stored files' rows, both as of one snapshot."""
    if connection.in_atomic_block:
        raise BackupError("A backup takes its own snapshot; it cannot run inside a transaction.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        referenced: dict[str, list[dict]] = {}
        rows_per_model: dict[str, int] = {}
        for model in stored_file_models():
            # A row may keep no file yet (a certificate listed before its scan arrives): nothing to copy.
            rows = list(
                model.objects.exclude(file="").order_by("pk").values_list("pk", "file", "sha256", "size")
            )
            rows_per_model[model._meta.label] = len(rows)
            for pk, name, sha256, size in rows:
                referenced.setdefault(name, []).append(
                    {"model": model._meta.label, "pk": pk, "sha256": sha256, "size": size}
                )
        # pg_dump joins the snapshot while this transaction holds it open.
        done = subprocess.run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}", "--no-password"],
            env=pg_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return referenced, rows_per_model


def backup_create(*, directory: Path) -> BackupResult:
    """Write a new archive into ``directory``; returns where, and any stored file that did not
    match its row (the archive is written all the same: it holds what there is)."""
    started = time.monotonic()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    final = directory / f"{PREFIX}{created:%Y%m%dT%H%M%S%fZ}{SUFFIX}"
    partial = final.with_name(final.name + ".partial")
    result = BackupResult(path=final)
    with tempfile.TemporaryDirectory(prefix="qms-backup-") as scratch:
        dump = Path(scratch) / DUMP
        referenced, rows_per_model = _snapshot_dump(dump)
        try:
            manifest = _write_archive(partial, dump, referenced, rows_per_model, created, result)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
    with partial.open("rb") as fh:
        os.fsync(fh.fileno())
    partial.rename(final)
    result.seconds = time.monotonic() - started
    log.info(
        "Backup %s: database %s bytes, %s files (%s bytes), %s problems",
        final,
        manifest["database"]["size"],
        result.files,
        result.file_bytes,
        len(result.problems),
    )
    return result


def _write_archive(partial, dump, referenced, rows_per_model, created, result) -> dict:
    manifest = {
        "format": FORMAT,
        "created_at": created.isoformat(),
        "database": {"path": DUMP, "sha256": sha256_of(dump), "size": dump.stat().st_size},
        "stored_file_rows": rows_per_model,
        "files": [],
        "problems": result.problems,
    }
    result.database_bytes = manifest["database"]["size"]
    with tarfile.open(partial, "w") as tar:
        tar.add(dump, arcname=DUMP)
        names = sorted(set(store_names()) | set(referenced))
        for name in names:
            rows = referenced.get(name, [])
            entry = _add_stored_file(tar, name, rows, result)
            if entry is not None:
                manifest["files"].append(entry)
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(body), int(created.timestamp())
        tar.addfile(info, io.BytesIO(body))
    return manifest


def _add_stored_file(tar: tarfile.TarFile, name: str, rows: list[dict], result: BackupResult) -> dict | None:
    try:
        size = default_storage.size(name)
        source = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        for row in rows:
            result.problems.append(f"{row['model']} {row['pk']}: stored file {name} is missing")
        return None
    with source:
        reader = Hashing(source)
        info = tarfile.TarInfo(FILES + name)
        info.size, info.mtime = size, int(time.time())
        tar.addfile(info, reader)
    digest = reader.sha256.hexdigest()
    for row in rows:
        if row["sha256"] != digest:
            result.problems.append(
                f"{row['model']} {row['pk']}: stored file {name} does not match its SHA-256 from the upload"
            )
    result.files += 1
    result.file_bytes += size
    return {"path": FILES + name, "sha256": digest, "size": size, "rows": rows}


def backups_prune(*, directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` archives in ``directory`` (names sort by time); archives
    are the only thing touched. Returns what was removed."""
    archives = sorted(Path(directory).glob(f"{PREFIX}*{SUFFIX}"))
    removed = archives[: max(0, len(archives) - keep)]
    for path in removed:
        path.unlink()
    return removed


def backup_scheduled() -> BackupResult | None:
    """The scheduled backup: off unless BACKUP_DIR is set; keeps the newest BACKUP_KEEP archives."""
    directory = getattr(settings, "BACKUP_DIR", "")
    if not directory:
        return None
    result = backup_create(directory=Path(directory))
    backups_prune(directory=Path(directory), keep=getattr(settings, "BACKUP_KEEP", 14))
    return result
