"""Audit pack requests: who asked for which sections of which period, how far the worker got, and
the PDF it made (in the one file store, with its SHA-256), with every download of it.

A request is bookkeeping of a read, like a sign-in: auditors may make one (``qms.access``). The
pack itself is a generated file: it expires after ``AUDIT_PACK_RETENTION_DAYS``; the request stays,
with the SHA-256, so a copy kept elsewhere can still be shown to be the one the product made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .files import StoredFile


class AuditPack(models.Model):
    """One request for an audit pack, rendered by a Celery worker: queued → rendering → ready
    (or failed, with the error); a ready pack expires after the retention period."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    ACTIVE = (Status.QUEUED, Status.RENDERING)

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    date_from = models.DateField()
    date_to = models.DateField()
    sections = models.JSONField(help_text="Keys of the sections asked for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    # Progress, written by the worker after each part: the page polls it.
    sections_total = models.PositiveSmallIntegerField(default=0)
    sections_done = models.PositiveSmallIntegerField(default=0)
    current = models.CharField("rendering now", max_length=200, blank=True)
    pages = models.PositiveIntegerField(default=0)
    # Renders started: a killed worker's render is taken again by the sweep, up to
    # AUDIT_PACK_MAX_ATTEMPTS, then the request fails saying so.
    attempts = models.PositiveSmallIntegerField(default=0)
    # While a worker renders, it renews this every third of a lease; once it has run out, the worker
    # is taken to have died and the sweep queues the pack again.
    lease_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Kept after the file expires: a copy kept elsewhere can be checked against it.
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one pack rendering per user at a time (the service says so first; this holds
            # when two requests arrive at once).
            models.UniqueConstraint(
                fields=["requested_by"],
                condition=Q(status__in=["queued", "rendering"]),
                name="auditpack_one_active_per_user",
            )
        ]
        indexes = [models.Index(fields=["status", "lease_until"], name="auditpack_status_lease")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"PACK-{self.requested_at:%Y}-{self.pk:04d}" if self.requested_at else "PACK-new"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        """Parts done out of the sections plus the front matter (cover, freshness, contents)."""
        if self.status == self.Status.READY:
            return 100
        total = self.sections_total + 1
        return min(99, round(100 * self.sections_done / total)) if total else 0

    @property
    def rendered_in(self) -> str:
        """How long the last render took, as its page says it: "18 s" under a minute, "4 min 5 s"
        after ("0 minutes" said nothing of a pack rendered in 18 seconds); "" before it finished."""
        if not (self.started_at and self.finished_at):
            return ""
        seconds = max(0, round((self.finished_at - self.started_at).total_seconds()))
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"

    @property
    def section_now(self) -> int | None:
        """The section being rendered, counted from 1; None before the worker has counted them and
        once every section is laid out (the front matter is left), never "section 2 of 1"."""
        if self.sections_done >= self.sections_total:
            return None
        return self.sections_done + 1

    @property
    def announcement(self) -> str:
        """The pack's state in a few words, for the page's live region (said once per change)."""
        if self.status == self.Status.QUEUED:
            return "Queued: waiting for a renderer."
        if self.status == self.Status.RENDERING:
            if self.section_now:
                return f"Rendering section {self.section_now} of {self.sections_total}."
            return "Rendering the contents."
        if self.status == self.Status.READY:
            return f"Ready: {self.pages} pages. Download PDF."
        if self.status == self.Status.FAILED:
            return "The pack could not be rendered."
        return ""

    @property
    def kept_until(self):
        """When the sweep deletes the file (``AUDIT_PACK_RETENTION_DAYS`` after the request)."""
        import datetime as dt

        return self.requested_at + dt.timedelta(days=int(getattr(settings, "AUDIT_PACK_RETENTION_DAYS", 90)))

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("audit_pack_detail", args=[self.pk])


class AuditPackFile(StoredFile):
    """The rendered PDF of a pack, in the one file store. It leaves only through the pack's own
    download (the requester's, logged); the generic file download never serves it."""

    store_folder = "audit-packs/"
    generic_download = False
    pack = models.OneToOneField(AuditPack, on_delete=models.CASCADE, related_name="file")

    def owning_record(self):
        return None  # not a record's file: ``qms.views.packs`` serves it to whoever may see the pack


class AuditPackDownload(models.Model):
    """Who took a pack away, when, from where, and the SHA-256 of the bytes they got."""

    pack = models.ForeignKey(AuditPack, on_delete=models.CASCADE, related_name="downloads")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.pack} downloaded by {self.by} at {self.at:%Y-%m-%d %H:%M}"
