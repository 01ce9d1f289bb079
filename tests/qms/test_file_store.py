"""The one file store on both of its backends: the local directory and an S3-compatible object
store (a real S3-protocol server on this machine, ``tests/objectstore.py``). Every test taking
``file_store`` runs once against each: what a user uploads is kept under a generated name, comes
back byte for byte only through the permission-checked download, and is refused when its bytes no
longer match the SHA-256 taken at upload."""

import hashlib
import os
import time
import urllib.error
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qms.models import Attachment
from tests.factories import WidgetFactory
from tests.kernelapp.models import PartFile
from tests.kernelapp.walk import PNG
from tests.qms.conftest import part_url, png
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db
PDF = pdf_bytes("Inspection report")


def attach(client, record, name: str, content: bytes):
    url = f"/records/kernelapp.widget/{record.pk}/attachments/"
    return client.post(url, {"file": SimpleUploadedFile(name, content), "description": "IQC"})


def test_an_upload_is_kept_under_a_generated_name_and_downloaded_byte_for_byte(
    file_store, client_for, head, staff, other_staff, part
):
    response = client_for(head).post(part_url(part, "files/add"), {"file": png("Bore, first article.png")})
    assert response.status_code == 302
    stored = PartFile.objects.get()
    assert stored.sha256 == hashlib.sha256(PNG).hexdigest()
    assert file_store.names() == [stored.file.name]
    assert stored.file.name.startswith("widgets/") and "Bore" not in stored.file.name
    assert file_store.read(stored.file.name) == PNG
    for user in (head, staff):
        download = client_for(user).get(stored.get_download_url())
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PNG
        assert download["Content-Disposition"] == 'attachment; filename="Bore_ first article.png"'
    assert client_for(other_staff).get(stored.get_download_url()).status_code == 404


def test_the_same_name_twice_is_two_files_and_a_refused_one_is_none(file_store, client_for, head):
    widget = WidgetFactory(owner=head)
    client = client_for(head)
    assert attach(client, widget, "report.pdf", PDF).status_code == 302
    assert attach(client, widget, "report.pdf", pdf_bytes("Second report")).status_code == 302
    refused = attach(client, widget, "report.pdf", PNG)  # a picture calling itself a PDF
    assert refused.status_code == 400 and "does not match its name" in refused.content.decode()
    attachments = list(Attachment.objects.order_by("pk"))
    assert len(attachments) == 2 and len(file_store.names()) == 2
    assert [file_store.read(a.file.name) for a in attachments] == [PDF, pdf_bytes("Second report")]


def test_a_file_changed_in_the_store_is_not_handed_out(file_store, client_for, head, part_file):
    file_store.write(part_file.file.name, PNG + b"<script>alert(1)</script>")
    response = client_for(head).get(part_file.get_download_url())
    assert response.status_code == 409
    page = response.content.decode()
    assert "no longer matches the fingerprint (SHA-256)" in page and "restored from a backup" in page
    assert "<script>alert(1)" not in page


def test_a_file_missing_from_the_store_is_a_clear_not_found(file_store, client_for, head, part_file):
    file_store.delete(part_file.file.name)
    response = client_for(head).get(part_file.get_download_url())
    assert response.status_code == 404
    assert "The stored file is missing. Tell the quality manager." in response.content.decode()


def test_a_document_file_changed_in_the_store_voids_its_signature(
    file_store, client_for, head, quality_manager
):
    from tests.documents.factories import DocumentFactory, issue, url

    drawing = DocumentFactory(owner=head, department=head.department)
    revision = issue(drawing, quality_manager)
    stored = revision.files.get()
    assert file_store.read(stored.file.name)[:5] == b"%PDF-"
    file_store.write(stored.file.name, pdf_bytes("Ø12.5 instead of Ø12"))
    html = client_for(head).get(url("revision_detail", drawing.pk, revision.pk)).content.decode()
    assert "VOID – content changed after signing" in html and "changed after upload" in html


def test_a_files_bytes_are_read_again_when_they_change_or_an_hour_on(
    file_store, client_for, head, quality_manager, monkeypatch
):
    """A document's page shows whether its files are as uploaded without reading them on every
    view: their digest is kept while the store says they are unchanged, and an hour at most. A
    file changed behind the application's back is seen on the next view, even at its old size and
    with its old modification time."""
    from qms import files
    from tests.documents.factories import DocumentFactory, issue, url

    clock = [1000.0]
    monkeypatch.setattr(files, "_clock", lambda: clock[0])
    monkeypatch.setattr(files, "_DIGESTS", {})
    monkeypatch.setattr(files, "_RACY_SECONDS", -1.0)  # written a moment ago, taken as long ago
    drawing = DocumentFactory(owner=head, department=head.department)
    revision = issue(drawing, quality_manager)
    stored = revision.files.get()
    storage = stored.file.storage
    reads = []
    opened = storage.__class__.open  # the store behind the lazy default

    def counted(self, name, mode="rb"):
        reads.append(name)
        return opened(self, name, mode)

    monkeypatch.setattr(storage.__class__, "open", counted)
    page, client = url("document_detail", drawing.pk), client_for(head)

    assert "changed after upload" not in client.get(page).content.decode()
    reads.clear()
    assert "changed after upload" not in client.get(page).content.decode()
    assert reads == []  # the second view read no file

    name = stored.file.name
    original = file_store.read(name)
    tampered = original.replace(b"%PDF-", b"%PDF=", 1)
    assert len(tampered) == len(original) and tampered != original
    time.sleep(0.02)  # past the clock's tick of the last write
    if file_store.kind == "local":
        before = os.stat(storage.path(name))
        file_store.write(name, tampered)
        os.utime(storage.path(name), ns=(before.st_atime_ns, before.st_mtime_ns))
    else:
        file_store.write(name, tampered)
    assert "file changed after upload" in client.get(page).content.decode()
    assert reads == [name]

    reads.clear()
    file_store.write(name, original)  # put back: as uploaded again
    time.sleep(0.02)
    assert "changed after upload" not in client.get(page).content.decode()
    reads.clear()
    client.get(page)
    assert reads == []
    clock[0] += files.DIGEST_MAX_AGE + 1  # an hour on: read again, whatever the store says
    client.get(page)
    assert reads == [name]


# --- the object store only ----------------------------------------------------------------------


def test_objects_in_the_store_are_private(s3_server, settings, client_for, head, part):
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    client_for(head).post(part_url(part, "files/add"), {"file": png()})
    stored = PartFile.objects.get()
    grants = s3_server.client().get_object_acl(Bucket=bucket, Key=stored.file.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner's, nobody else's
    assert not [g for g in grants if "URI" in g["Grantee"]]  # no AllUsers / AuthenticatedUsers
    # Nobody gets it from the store without the application's credentials.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_server.endpoint}/{bucket}/{stored.file.name}", timeout=10)  # noqa: S310
    assert refused.value.code == 403


def test_a_prefix_keeps_the_files_in_a_folder_of_a_shared_bucket(s3_server, settings, client_for, head, part):
    bucket = s3_server.new_bucket()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_server.storage_settings(bucket, prefix="plant-2/"),
    }
    client_for(head).post(part_url(part, "files/add"), {"file": png()})
    stored = PartFile.objects.get()
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"plant-2/{stored.file.name}"]
    assert b"".join(client_for(head).get(stored.get_download_url()).streaming_content) == PNG


def test_a_store_that_does_not_answer_refuses_the_upload_and_the_download_plainly(
    settings, client_for, head, part, part_file
):
    from qms.storage import s3_store
    from tests.objectstore import free_port

    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_store(
            bucket="gone",
            endpoint_url=f"http://127.0.0.1:{free_port()}",
            access_key="k",
            secret_key="s",
            region="eu-central-1",
            addressing_style="path",
        ),
    }
    settings.STORAGES["default"]["OPTIONS"]["client_config"] = _no_retries()
    response = client_for(head).post(part_url(part, "files/add"), {"file": png("second.png")})
    assert response.status_code == 400
    assert "The file store did not answer, so the file was not stored." in response.content.decode()
    assert PartFile.objects.count() == 1
    download = client_for(head).get(part_file.get_download_url())
    assert download.status_code == 503 and download["Retry-After"] == "60"
    assert "The file store did not answer." in download.content.decode()


def _no_retries():
    from botocore.config import Config

    return Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=2)


def test_the_environment_chooses_the_store_and_says_what_is_missing():
    import environ

    from qms.storage import StoreConfigError, file_store

    def _with(values):
        import os

        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            return file_store(environ.Env(), default_location="/srv/files")
        finally:
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)

    local = _with({"FILE_STORE": "local", "ATTACHMENT_ROOT": "/srv/qms-files"})
    assert local["OPTIONS"]["location"] == "/srv/qms-files"
    s3 = _with({"FILE_STORE": "S3", "S3_BUCKET": "qms-files", "S3_PREFIX": "/plant-2/", "S3_VERIFY": "false"})
    options = s3["OPTIONS"]
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["location"], options["verify"]) == ("qms-files", "plant-2", False)
    assert options["default_acl"] == "private" and options["file_overwrite"] is False
    with pytest.raises(StoreConfigError, match="needs S3_BUCKET"):
        _with({"FILE_STORE": "s3", "S3_BUCKET": ""})
    with pytest.raises(StoreConfigError, match="must be 'local' or 's3'"):
        _with({"FILE_STORE": "ftp"})
