"""The shared kernel every module stands on: departments, people and roles, the abstract record
(reference number, owner, department, due date, workflow status, full history), attachments,
comments and links between records of any module."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Department(models.Model):
    """An organisational unit that owns records (production, procurement, quality control …)."""

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=20, unique=True, help_text="Short code, e.g. PROD, QC.")
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMINISTRATOR = "admin", "Administrator"
    QUALITY_MANAGER = "quality", "Quality manager"
    DEPARTMENT_HEAD = "head", "Department head"
    STAFF = "staff", "Staff"
    AUDITOR = "auditor", "Auditor"


class User(AbstractUser):
    """A person in the company (or an external auditor) with one role that decides access."""

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    job_title = models.CharField(max_length=100, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    access_expires_on = models.DateField(
        null=True, blank=True, help_text="Auditor accounts: the last day this login works."
    )
    receive_alerts = models.BooleanField(default=True, help_text="Email me ahead of my due dates.")
    receive_digest = models.BooleanField(default=True, help_text="Email me a weekly digest.")
    is_system = models.BooleanField(default=False, help_text="Account that background jobs act as.")

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_quality_manager(self) -> bool:
        return self.role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR)

    @property
    def is_department_head(self) -> bool:
        return self.role == Role.DEPARTMENT_HEAD

    @property
    def access_expired(self) -> bool:
        return bool(self.access_expires_on and self.access_expires_on < timezone.localdate())


class ReferenceCounter(models.Model):
    """Last reference number handed out per module prefix and year. The row is locked by the
    allocating transaction until it commits, so numbers are unique and gap-free: a rolled-back
    creation rolls its number back too."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="uniq_reference_counter")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


def next_reference(prefix: str, year: int) -> str:
    """Allocate the next number for `prefix` in `year`. Must run inside the creating transaction."""
    table = ReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1)
                ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1
                RETURNING last""",  # noqa: S608 - table name is ours, values are parameters
            [prefix, year],
        )
        number = cursor.fetchone()[0]
    return f"{prefix}-{year}-{number:04d}"


class RecordQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=self.model.workflow.closed)

    def overdue(self, today: dt.date | None = None):
        return self.open().filter(due_date__lt=today or timezone.localdate())


class Record(models.Model):
    """The abstract record every module's main models inherit: a reference number unique per
    module and year, a title, an owner and department, a due date, a status driven by the model's
    declared workflow, and full field-level history (who, when, why)."""

    reference = models.CharField(max_length=30, unique=True, editable=False)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=30, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    history = HistoricalRecords(inherit=True)
    objects = RecordQuerySet.as_manager()

    # Declared by each concrete model.
    reference_prefix: str = ""
    workflow = None  # a qms.workflow.Workflow
    # "department": visible to the owner's department (and QM/auditors); "company": to everyone.
    visibility = "department"
    # How the record's due date reads in headers ("due", "next review", "target date").
    due_label = "due"
    # A field holding the number users quote, if not the reference (found by the link form).
    quoted_reference_field: str | None = None

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def display_reference(self) -> str:
        """What users quote (a document's own number, say); the reference by default."""
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status in self.workflow.closed

    @property
    def is_draft(self) -> bool:
        return self.status == self.workflow.initial

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and not self.is_closed and self.due_date < timezone.localdate())

    def get_status_display(self) -> str:
        return self.workflow.label(self.status)

    @classmethod
    def model_label(cls) -> str:
        return cls._meta.label_lower

    def get_absolute_url(self) -> str:
        return reverse(f"{self._meta.app_label}:{self._meta.model_name}_detail", args=[self.pk])


class Attachment(models.Model):
    """A file attached to any record. Stored under a generated name, never overwritten, with its
    SHA-256; downloaded only through the permission-checked view."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to="%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type_name = models.CharField("MIME type", max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.original_name


class Comment(models.Model):
    """A remark on any record. Comments are never edited, so the discussion stays evidence."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class RecordLink(models.Model):
    """A link between two records of any modules (an NCR and the gauge that measured it, a CAPA
    and the revised drawing). Stored once, shown on both records."""

    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("source_type", "source_id")
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "target_type", "target_id"], name="uniq_record_link"
            )
        ]
        indexes = [
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"link {self.source_type_id}:{self.source_id} → {self.target_type_id}:{self.target_id}"
