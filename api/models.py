"""API credentials and the replies kept for retried requests.

A token is shown once and stored as the SHA-256 of its secret: a copy of the database gives no
one a working token. Its first characters (the prefix) are stored in clear to find the row
without scanning, and shown on the profile page so a user can tell their tokens apart."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ServiceAccount(models.Model):
    """An integration (the ERP, the MES) acting as a user of its own: a department and a role like
    anyone, scope and rules like anyone, but no password, so it never signs in to the browser;
    it works only through the tokens the administrator issues for it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account"
    )
    purpose = models.CharField(max_length=200, help_text="What it integrates: “ERP goods receipts”.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "service account"

    def __str__(self) -> str:
        return self.user.username


class ApiToken(models.Model):
    """A personal API token (or a service account's): a bearer secret with an expiry, revoked by
    its owner or the administrator, with the time it was last used."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for: “ERP”, “my scripts”.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)  # SHA-256 of the whole token, hex
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotencyKey(models.Model):
    """The reply to a POST sent with an ``Idempotency-Key``: the same key from the same user gets
    the same reply again instead of a second record. Inserted (unique per user and key) in the
    same transaction as the write, so a concurrent retry waits for the first and then replays it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_once")]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_age")]

    def __str__(self) -> str:
        return self.key
