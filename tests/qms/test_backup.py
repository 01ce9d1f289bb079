"""Backup and restore: the demo company with its files goes into one archive and comes back into a
new database and store identical, table by table and file by file; damage is found and named; the
scheduled backup is off by default and keeps the newest archives."""

import io
import json
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from documents.models import Revision, RevisionFile
from qms import backup
from qms.files import store_upload
from qms.models import Attachment, User
from qms.restore import RestoreError, backup_restore
from tests.factories import UserFactory, WidgetFactory
from tests.uploads import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def restored_db():
    name = f"{connection.settings_dict['NAME']}_restored"
    yield name
    _drop(name)


def _admin():
    return psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True)


def _drop(name: str) -> None:
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _tables(database: str) -> dict[str, tuple[int, str]]:
    """Every table: its row count and a digest of all its rows (in a stable order)."""
    found = {}
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{database}") as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        ]
        for table in names:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
            )
            found[table] = conn.execute(query.format(sql.Identifier(table))).fetchone()
        sequences = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        found.update({f"sequence {name}": value for name, value in sequences.fetchall()})
    return found


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _company_with_files():
    call_command("load_demo", verbosity=0)
    admin = User.objects.get(username="admin")
    head = User.objects.filter(department__isnull=False).order_by("pk").first()
    widget = WidgetFactory(owner=head, department=head.department)
    for n, content in enumerate((pdf_bytes("Report"), image_bytes("PNG"))):
        store_upload(
            Attachment(record=widget, description=f"file {n}"),
            SimpleUploadedFile(f"evidence {n}.{'pdf' if n == 0 else 'png'}", content),
            by=admin,
        )
    revision = Revision.objects.order_by("pk").first()
    store_upload(
        RevisionFile(revision=revision), SimpleUploadedFile("drawing.pdf", pdf_bytes("Rev A")), by=admin
    )


def test_the_demo_company_restores_identical_table_by_table_and_file_by_file(
    tmp_path, restored_db, _attachment_dir
):
    _company_with_files()
    assert Attachment.objects.count() >= 2 and RevisionFile.objects.count() >= 1

    made = backup.backup_create(directory=tmp_path / "backups")
    assert made.problems == [] and made.files == len(_files(_attachment_dir))
    assert made.path.name.startswith("qms-backup-") and made.path.suffix == ".tar"
    with tarfile.open(made.path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "database.dump" and names[-1] == "manifest.json"
    assert {f["path"] for f in manifest["files"]} == {f"files/{n}" for n in _files(_attachment_dir)}
    assert manifest["stored_file_rows"]["qms.Attachment"] == Attachment.objects.count()
    assert manifest["stored_file_rows"]["documents.RevisionFile"] == RevisionFile.objects.count()
    assert all(len(f["sha256"]) == 64 and f["rows"] for f in manifest["files"])

    store = tmp_path / "restored-store"
    result = backup_restore(archive=made.path, database=restored_db, store_dir=store)
    assert result.problems == []
    assert result.files == made.files and result.rows_checked == made.files

    assert _tables(restored_db) == _tables(connection.settings_dict["NAME"])
    assert _files(store) == _files(_attachment_dir)


def test_a_backup_taken_while_people_upload_is_consistent(tmp_path, restored_db, monkeypatch):
    """A file uploaded after the dump's snapshot (while the archive is being written): the dump
    does not have its row, the archive has its bytes, and the restore checks out."""
    _company_with_files()
    write = backup._write_archive

    def upload_meanwhile(*args, **kwargs):
        head = User.objects.filter(department__isnull=False).order_by("pk").first()
        store_upload(
            Attachment(record=WidgetFactory(owner=head, department=head.department)),
            SimpleUploadedFile("late.pdf", pdf_bytes("Late")),
            by=head,
        )
        return write(*args, **kwargs)

    monkeypatch.setattr(backup, "_write_archive", upload_meanwhile)
    made = backup.backup_create(directory=tmp_path)
    late = Attachment.objects.get(original_name="late.pdf")
    result = backup_restore(archive=made.path, database=restored_db, store_dir=tmp_path / "store")
    assert result.problems == []
    assert (tmp_path / "store" / late.file.name).exists()
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{restored_db}") as conn:
        names = {r[0] for r in conn.execute("SELECT original_name FROM qms_attachment").fetchall()}
    assert "late.pdf" not in names and "evidence 0.pdf" in names


def test_backup_and_restore_commands_say_what_they_did(tmp_path, restored_db, capsys):
    _company_with_files()
    call_command("backup", "--dir", str(tmp_path))
    [archive] = tmp_path.glob("qms-backup-*.tar")
    assert str(archive) in capsys.readouterr().out
    call_command("restore", str(archive), "--database", restored_db, "--store", str(tmp_path / "store"))
    out = capsys.readouterr().out
    from django.apps import apps

    from qms.models import StoredFile

    # Every stored file of every kind (attachments, revision files, training evidence …); a
    # certificate row may be kept without its scan.
    files = sum(m.objects.exclude(file="").count() for m in apps.get_models() if issubclass(m, StoredFile))
    assert files > Attachment.objects.count() + RevisionFile.objects.count()
    assert f"{files} files restored, {files} stored-file rows checked" in out and "every file verified" in out


def test_a_file_damaged_in_the_archive_is_named_by_the_restore(tmp_path, restored_db):
    _company_with_files()
    made = backup.backup_create(directory=tmp_path)
    png = Attachment.objects.get(description="file 1")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(made.path) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == f"files/{png.file.name}":
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            target.addfile(member, io.BytesIO(data))
    result = backup_restore(archive=damaged, database=restored_db, store_dir=tmp_path / "store")
    assert any(png.file.name in p and "damaged in the archive" in p for p in result.problems)
    assert any(f"qms.Attachment {png.pk}" in p and "does not match" in p for p in result.problems)


def test_a_stored_file_that_changed_since_its_upload_is_reported_by_the_backup(tmp_path, _attachment_dir):
    _company_with_files()
    pdf = Attachment.objects.get(description="file 0")
    (_attachment_dir / pdf.file.name).write_bytes(b"%PDF-1.4 tampered")
    made = backup.backup_create(directory=tmp_path)
    assert made.problems == [
        f"qms.Attachment {pdf.pk}: stored file {pdf.file.name} does not match its SHA-256 from the upload"
    ]


def test_a_restore_never_overwrites_a_database_or_a_store(tmp_path, _attachment_dir):
    _company_with_files()
    made = backup.backup_create(directory=tmp_path)
    with pytest.raises(RestoreError, match="already has .* tables"):
        backup_restore(archive=made.path, database=connection.settings_dict["NAME"], store_dir=tmp_path / "s")
    with pytest.raises(RestoreError, match="is not empty"):
        backup_restore(archive=made.path, database="never_created", store_dir=_attachment_dir)
    with pytest.raises(RestoreError, match="not a readable backup archive"):
        backup_restore(archive=tmp_path / "nothing.tar", database="never_created", store_dir=tmp_path / "s")


def test_the_scheduled_backup_is_off_by_default_and_keeps_the_newest_archives(tmp_path, settings):
    from qms.tasks import backup_scheduled

    assert settings.BACKUP_DIR == ""
    assert backup_scheduled.apply().get() == {"backup": "off (BACKUP_DIR is not set)"}
    settings.BACKUP_DIR, settings.BACKUP_KEEP = str(tmp_path), 2
    made = [backup_scheduled.apply().get()["archive"] for _ in range(3)]
    assert sorted(str(p) for p in tmp_path.glob("qms-backup-*.tar")) == made[1:]
    assert "backup" not in settings.CELERY_BEAT_SCHEDULE  # the beat only runs it when it is on


def test_a_company_on_the_object_store_restores_into_a_fresh_bucket(
    s3_server, settings, tmp_path, restored_db
):
    """FILE_STORE=s3: the backup reads every object of the bucket, the restore writes them into an
    empty bucket of the same store (``restore --bucket``) and checks every row against them."""
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    admin = UserFactory(username="admin-s3")
    widget = WidgetFactory(owner=admin, department=admin.department)
    for n, content in enumerate((pdf_bytes("Report"), image_bytes("PNG"))):
        store_upload(
            Attachment(record=widget),
            SimpleUploadedFile(f"evidence {n}.{'pdf' if n == 0 else 'png'}", content),
            by=admin,
        )
    in_bucket = {
        o["Key"]: s3_server.client().get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]
    }
    assert len(in_bucket) == 2

    made = backup.backup_create(directory=tmp_path)
    assert made.problems == [] and made.files == 2
    # The configured bucket is not empty: a restore never writes into it.
    with pytest.raises(RestoreError, match=f"s3://{bucket} is not empty"):
        backup_restore(archive=made.path, database=restored_db)
    fresh = s3_server.new_bucket()
    call_command("restore", str(made.path), "--database", restored_db, "--bucket", fresh)
    restored = {
        o["Key"]: s3_server.client().get_object(Bucket=fresh, Key=o["Key"])["Body"].read()
        for o in s3_server.client().list_objects_v2(Bucket=fresh)["Contents"]
    }
    assert restored == in_bucket
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{restored_db}") as conn:
        names = {r[0] for r in conn.execute("SELECT file FROM qms_attachment").fetchall()}
    assert names == set(in_bucket)


def test_restore_into_a_bucket_needs_an_object_store(tmp_path, restored_db):
    made = backup.backup_create(directory=tmp_path)
    with pytest.raises(RestoreError, match="FILE_STORE is not s3 here"):
        backup_restore(archive=made.path, database=restored_db, bucket="anything")
