"""The access log and the second factor's recovery codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessEvent(models.Model):
    """One entry of the access log: a sign-in, a sign-out, a failure, a lockout, an unlock, a
    wrong password on an e-signature. The administrator, the quality manager and auditors read it.

    The user is kept without a database constraint (and with the name as typed): the log outlives
    accounts, names attempts on accounts that do not exist, and is written from a connection of
    its own when the surrounding transaction is rolled back (a refused signature)."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGOUT = "logout", "Signed out"
        LOGIN_FAILED = "login_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Sign-in locked"
        UNLOCKED = "unlocked", "Unlocked by the administrator"
        MFA_FAILED = "mfa_failed", "Wrong two-factor code"
        MFA_ENABLED = "mfa_enabled", "Two-factor sign-in turned on"
        MFA_DISABLED = "mfa_disabled", "Two-factor sign-in turned off"
        RECOVERY_USED = "recovery_used", "Recovery code used"
        SIGNING_FAILED = "signing_failed", "Wrong password on an e-signature"
        SIGNING_LOCKED = "signing_locked", "E-signatures locked"

    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True, help_text="As typed on the sign-in form.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "kind", "at"]), models.Index(fields=["-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app; stored hashed like a password,
    shown to the user once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"
