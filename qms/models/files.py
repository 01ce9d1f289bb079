"""The one file store: every file a record keeps (attachments, revision files, certificates,
evidence, photos, audit packs) is a ``StoredFile``, written by ``qms.files.store_upload`` and
read back only through the permission-checked download."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone


def stored_file_path(instance: StoredFile, filename: str) -> str:
    """Where a file lands in the private store: ``<folder>/<year>/<month>/<generated name>``."""
    return f"{instance.store_folder}{timezone.now():%Y/%m}/{filename}"


class StoredFile(models.Model):
    """A file kept for a record: stored under a generated name that is never reused, with its
    original name, type (checked by content), size and SHA-256. There is no public URL."""

    file = models.FileField(upload_to=stored_file_path, max_length=300)
    original_name = models.CharField(max_length=255)
    mime_type = models.CharField("MIME type", max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    # A folder of the store per kind of file ("documents/"), so a backup can be read by a human.
    store_folder: ClassVar[str] = ""
    # False for a file that leaves only through a download of its own (an audit pack's, logged).
    generic_download: ClassVar[bool] = True

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def owning_record(self):
        """The record whose scope decides who may download the file."""
        return self.root  # a file that is a child row of a record

    def download_name(self) -> str:
        """The name the download gets; a module may say more (a revision's status)."""
        from qms.uploads import safe_filename

        return safe_filename(self.original_name)

    def download_headers(self) -> dict[str, str]:
        """Headers the download carries besides the file; a module may say more (a revision's
        status, for a script that must refuse a copy that is not current)."""
        return {}

    def get_download_url(self) -> str:
        return reverse("file_download", args=[self._meta.label_lower, self.pk])


class Attachment(StoredFile):
    """A file attached to any record (a photo of the part, a customer's letter)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def owning_record(self):
        return self.record
