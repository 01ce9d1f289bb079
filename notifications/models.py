"""Deliveries: one row per email the product owes someone (a due-date alert, an escalation step,
a weekly digest), keyed so that it can be owed only once; and the webhooks that tell other
systems of events, with one row per event owed to each."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


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
    # Where an answer goes, when someone reads answers (a SCAR's owner, for the supplier's): the
    # sender is a no-reply address. A default in the database too: a node still on the code before
    # this column claims rows without it while a deployment runs.
    reply_to = models.EmailField("reply to", blank=True, default="", db_default="")
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
        return f"{self.kind_label} to {self.to_email}: {self.subject}"

    @property
    def kind_label(self) -> str:
        """Its kind as the email log names it, a module's own kinds included (``Module.email_kinds``)."""
        from .delivery import kind_labels

        return kind_labels().get(self.kind, self.kind)

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


class WebhookEndpoint(models.Model):
    """A system outside the QMS (an ERP, an MES) told of events as they happen: an HTTP POST to
    ``url`` for each event it subscribed to, signed with its secret (HMAC-SHA256).

    It runs as a user (a service account): it is told only of records that user may see, and each
    payload carries only what that user's screens show. Kept, never deleted: switched off instead,
    so its deliveries stay evidence of what left the system. Its history says who changed the URL,
    the events or the user, and when (the secret is not kept in the history)."""

    name = models.CharField(max_length=100, help_text="Whom it tells, e.g. “ERP (SAP Business One)”.")
    url = models.URLField("URL", max_length=500, help_text="https://, or http:// inside the company network.")
    events = ArrayField(models.CharField(max_length=100), help_text="The events it is told of.")
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="runs as",
        help_text="It is told only of records this user may see (a service account, or a person).",
    )
    # Needed to sign every delivery, so it is kept as is (like an SMTP password); shown once when
    # made, never again, and never written into the history.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True, help_text="Switched off, it is told of nothing.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_set_at = models.DateTimeField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "webhook"

    def __str__(self) -> str:
        return self.name

    @property
    def secret_hint(self) -> str:
        """Enough to tell two secrets apart, not enough to sign with."""
        return f"{self.secret[:10]}…" if self.secret else "—"


class WebhookDelivery(models.Model):
    """One event owed to one webhook: the body built once (as the webhook's user may see it) and
    sent as is on every attempt. Unique per webhook and event occurrence, so an event is owed
    once; moves pending → sending → delivered, each step a conditional UPDATE, so two workers
    never both send it and a delivered one is never sent again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event_id = models.UUIDField("event id", help_text="Sent as X-QMS-Event-Id: the receiver drops repeats.")
    event = models.CharField(max_length=100)
    body = models.TextField(help_text="The JSON sent, byte for byte on every attempt.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    takeovers = models.PositiveSmallIntegerField("taken over after a crash", default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField("last error", blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["status", "id"], condition=~Q(status="delivered"), name="webhook_delivery_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint}"

    @property
    def gave_up(self) -> bool:
        return self.status == self.Status.FAILED and self.next_attempt_at is None
