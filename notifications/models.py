"""Deliveries: one row per email the product owes someone (a due-date alert, an escalation step,
a weekly digest), keyed so that it can be owed only once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Delivery(models.Model):
    """One email to one person, identified by a unique key that says *why* it is owed
    ("digest:12:2026-W14", "alert:capa.nonconformity:7:2026-04-01:7").

    The row is claimed (inserted) before anything is sent and moves pending → sending → sent; a
    conditional UPDATE guards every step, so two runs of the same job never send the same email
    twice. The rendered subject and bodies are kept: the row is the evidence of what was said.
    """

    class Kind(models.TextChoices):
        ALERT = "alert", "Due-date alert"
        ESCALATION = "escalation", "Escalation"
        DIGEST = "digest", "Weekly digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=255, unique=True)
    # What the email is about, shared by the emails of one obligation: the item and its due date
    # for alerts and escalations ("capa.nonconformity:7:2026-04-01"), the ISO week for digests.
    topic = models.CharField(max_length=200, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_email = models.EmailField("to")
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    message_id = models.CharField("Message-ID", max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While a sender holds the row ("sending"), nobody else may take it before the lease ends; a
    # worker killed mid-send leaves the row to be taken again once the lease has run out.
    lease_until = models.DateTimeField(null=True, blank=True)
    # When a refused message is tried again (null once sent or given up).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The sender's sweep only ever looks at rows not yet sent.
            models.Index(fields=["status", "id"], condition=~Q(status="sent"), name="delivery_unsent"),
            models.Index(fields=["kind", "-created_at"], name="delivery_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email}: {self.subject}"

    @property
    def gave_up(self) -> bool:
        return self.status == self.Status.FAILED and self.next_attempt_at is None
