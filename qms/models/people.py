"""People and the organisation: departments, roles, users, and the catalogue of processes that
competences, NCRs, audits and risks point to."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .loading import FastLoad


class Department(FastLoad, models.Model):
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
    TOP_MANAGEMENT = "top", "Top management"
    DEPARTMENT_HEAD = "head", "Department head"
    STAFF = "staff", "Staff"
    AUDITOR = "auditor", "Auditor"


class User(FastLoad, AbstractUser):
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
        """The quality manager's rights (the administrator holds them too, for support)."""
        return self.role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR)

    @property
    def sees_technical_detail(self) -> bool:
        """Hashes, UTC times, unstamped originals: the quality manager's, the auditor's (and the
        administrator's) view. Staff and heads see what to read and what to do."""
        return self.role in (Role.QUALITY_MANAGER, Role.AUDITOR, Role.ADMINISTRATOR)

    @property
    def is_top_management(self) -> bool:
        return self.role == Role.TOP_MANAGEMENT

    @property
    def is_department_head(self) -> bool:
        return self.role == Role.DEPARTMENT_HEAD

    @property
    def access_expired(self) -> bool:
        return bool(self.access_expires_on and self.access_expires_on < timezone.localdate())


class Process(FastLoad, models.Model):
    """A process of the business (CNC turning, heat treatment, final inspection, purchasing) with
    the department that owns it: what competences, NCRs, audits and risks are about."""

    name = models.CharField(max_length=100, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="processes")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Inactive processes are kept for the records.")

    history = HistoricalRecords()

    visibility = "company"  # a catalogue everyone reads

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "processes"

    def __str__(self) -> str:
        return self.name
