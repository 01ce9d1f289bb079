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
    # Attempts the mail server answered (accepted or refused): NOTIFICATION_MAX_ATTEMPTS counts
    # these. A sender that died mid-conversation got no answer and does not use one up.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Times the row was taken again because its sender's lease ran out (the sender died). Each may
    # have resent the email, if the server had accepted it just before the sender died.
    takeovers = models.PositiveSmallIntegerField("taken over after a crash", default=0)
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


class DigestRun(models.Model):
    """The weekly digest of one (local ISO) week, as a run: how far it got, so the sweep every ten
    minutes can finish a run whose worker died, instead of waiting for the broker to hand the task
    back (an hour with the default visibility timeout)."""

    week = models.CharField(max_length=10, unique=True)
    day = models.DateField(help_text="The company's date the digest was made for.")
    # People are taken in batches in primary-key order; every digest of people up to this one is
    # claimed (and so sent by the run or by the sweep).
    done_up_to = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Renewed with every batch; once it has run out, the run's worker is taken to have died.
    lease_until = models.DateTimeField(null=True, blank=True)
    resumed = models.PositiveSmallIntegerField(default=0, help_text="Times the sweep finished it.")

    class Meta:
        ordering = ["-week"]

    def __str__(self) -> str:
        return f"Weekly digest {self.week}"
