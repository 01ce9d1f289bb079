"""Restore: a fresh database and a fresh file store rebuilt from a backup archive (``backup.py``),
and every byte checked: the dump and each file against the manifest's SHA-256 before anything is
trusted, then every row of every ``StoredFile`` model in the restored database against the file it
names in the restored store.

A restore never overwrites: the database must not exist yet (it is created) or be empty, and the
store must be empty: a directory (``store_dir``), a fresh bucket of the configured object store
(``bucket``, for ``FILE_STORE=s3``), or the configured store itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage, storages
from psycopg import sql

from .backup import DUMP, FILES, FORMAT, MANIFEST, Hashing, pg_environment, store_names, stored_file_models
from .storage import describe


class RestoreError(Exception):
    """The archive cannot be restored here (the message says why); nothing was overwritten."""


@dataclass
class RestoreResult:
    database: str
    store: str
    files: int = 0
    rows_checked: int = 0
    seconds: float = 0.0
    # Anything that does not match: a file damaged in the archive, a row whose file is missing or
    # differs from the SHA-256 the row recorded.
    problems: list[str] = field(default_factory=list)


def _connect(database: str) -> psycopg.Connection:
    env = pg_environment(database)
    return psycopg.connect(
        dbname=database,
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        sslmode=env.get("PGSSLMODE"),
        autocommit=True,
    )


def _fresh_database(name: str) -> None:
    with _connect("postgres") as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return
    with _connect(name) as target:
        tables = target.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
    if tables:
        raise RestoreError(
            f'The database "{name}" already has {tables} tables. A restore rebuilds a fresh database: '
            "name one that does not exist yet (--database), it is created."
        )


def _extract_checked(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> str:
    reader = Hashing(tar.extractfile(member))
    with target.open("wb") as out:
        for chunk in iter(lambda: reader.read(1 << 20), b""):
            out.write(chunk)
    return reader.sha256.hexdigest()


def bucket_storage(bucket: str):
    """The configured object store (its endpoint, credentials and prefix), in another bucket."""
    config = settings.STORAGES["default"]
    if "bucket_name" not in config.get("OPTIONS", {}):
        raise RestoreError("--bucket restores into a bucket of an object store: FILE_STORE is not s3 here.")
    return storages.create_storage({**config, "OPTIONS": {**config["OPTIONS"], "bucket_name": bucket}})


def backup_restore(
    *, archive: Path, database: str, store_dir: Path | None = None, bucket: str | None = None
) -> RestoreResult:
    """Rebuild ``database`` and the file store (``store_dir``, a ``bucket`` of the configured object
    store, or the configured store) from ``archive``; returns what was restored and checked, and
    every mismatch found."""
    started = time.monotonic()
    if store_dir:
        storage = FileSystemStorage(location=str(store_dir))
    else:
        storage = bucket_storage(bucket) if bucket else default_storage
    result = RestoreResult(database=database, store=describe(storage))
    try:
        taken = store_names(storage)
    except Exception as exc:  # noqa: BLE001 - an object store's client raises its own errors
        raise RestoreError(f"The file store {result.store} cannot be read: {exc}") from exc
    if taken:
        raise RestoreError(
            f"The file store {result.store} is not empty. A restore rebuilds a fresh store: name an "
            "empty directory (--store) or an empty bucket (--bucket)."
        )
    try:
        tar = tarfile.open(archive, "r")  # noqa: SIM115 - closed by the with block below
    except (OSError, tarfile.TarError) as exc:
        raise RestoreError(f"{archive} is not a readable backup archive: {exc}") from exc
    with tar:
        members = {m.name: m for m in tar.getmembers()}
        if MANIFEST not in members or DUMP not in members:
            raise RestoreError(f"{archive} is not a QMS backup: it has no {MANIFEST} or no {DUMP}.")
        manifest = json.load(tar.extractfile(members[MANIFEST]))
        if manifest.get("format") != FORMAT:
            raise RestoreError(
                f"{archive} has backup format {manifest.get('format')}; this version reads {FORMAT}."
            )
        _fresh_database(database)
        with tempfile.TemporaryDirectory(prefix="qms-restore-") as scratch:
            dump = Path(scratch) / DUMP
            if _extract_checked(tar, members[DUMP], dump) != manifest["database"]["sha256"]:
                raise RestoreError(
                    f"The database dump in {archive} is damaged (its SHA-256 differs from the manifest)."
                )
            done = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    "--no-password",
                    f"--dbname={database}",
                    str(dump),
                ],
                env=pg_environment(database),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RestoreError(f"pg_restore failed: {done.stderr.strip()}")
        _restore_files(tar, members, manifest, storage, result)
    _check_rows(database, storage, manifest, result)
    result.seconds = time.monotonic() - started
    return result


def _restore_files(tar, members, manifest, storage, result: RestoreResult) -> None:
    listed = {entry["path"]: entry for entry in manifest["files"]}
    for path in sorted(set(members) - set(listed) - {MANIFEST, DUMP}):
        result.problems.append(f"{path} is in the archive but not in its manifest: not restored")
    for path, entry in listed.items():
        member = members.get(path)
        if member is None:
            result.problems.append(f"{path} is in the manifest but missing from the archive")
            continue
        name = path.removeprefix(FILES)
        reader = Hashing(tar.extractfile(member))
        # Through a local spool: a store's client may seek, ask the size, or upload in parts.
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            shutil.copyfileobj(reader, spool, 1 << 20)
            spool.seek(0)
            saved = storage.save(name, File(spool, name=name))
        if saved != name:
            result.problems.append(f"{name} was restored as {saved}: the store changed the name")
        if reader.sha256.hexdigest() != entry["sha256"]:
            result.problems.append(
                f"{name} is damaged in the archive (its SHA-256 differs from the manifest)"
            )
        result.files += 1


def _stored_sha256(storage, name: str) -> str | None:
    try:
        with storage.open(name, "rb") as fh:
            reader = Hashing(fh)
            for _ in iter(lambda: reader.read(1 << 20), b""):
                pass
    except (FileNotFoundError, OSError):
        return None
    return reader.sha256.hexdigest()


def _check_rows(database: str, storage, manifest: dict, result: RestoreResult) -> None:
    """Every row of every StoredFile model in the restored database against the restored file."""
    hashes: dict[str, str | None] = {}
    with _connect(database) as target:
        for model in stored_file_models():
            opts = model._meta
            query = sql.SQL("SELECT {pk}, {file}, {sha} FROM {table} WHERE {file} <> '' ORDER BY 1").format(
                pk=sql.Identifier(opts.pk.column),
                file=sql.Identifier(opts.get_field("file").column),
                sha=sql.Identifier(opts.get_field("sha256").column),
                table=sql.Identifier(opts.db_table),
            )
            rows = target.execute(query).fetchall()
            expected = manifest.get("stored_file_rows", {}).get(opts.label)
            if expected is not None and expected != len(rows):
                result.problems.append(f"{opts.label}: {len(rows)} rows restored, the backup had {expected}")
            for pk, name, sha256 in rows:
                if name not in hashes:
                    hashes[name] = _stored_sha256(storage, name)
                found = hashes[name]
                if found is None:
                    result.problems.append(f"{opts.label} {pk}: its file {name} is missing from the store")
                elif found != sha256:
                    result.problems.append(f"{opts.label} {pk}: its file {name} does not match its SHA-256")
                result.rows_checked += 1
