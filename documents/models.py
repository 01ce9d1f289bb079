"""Document control, ISO 9001 7.5.3: controlled documents, their revisions with files, review and
approval with electronic signatures, distribution with read-and-acknowledge, periodic review and
change requests.

A ``Document`` is a kernel record (company-wide visibility); its ``due_date`` is the next periodic
review. Each ``Revision`` has its own lifecycle (draft → in review → approved → effective →
superseded / obsolete), moved only by ``documents.services``; the database guarantees that a
document never has two effective revisions at once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from qms.models import Department, Record, Role, StoredFile
from qms.workflow import Transition, Workflow


class DocumentType(models.TextChoices):
    POLICY = "policy", "Policy"
    PROCEDURE = "procedure", "Procedure"
    WORK_INSTRUCTION = "work_instruction", "Work instruction"
    FORM = "form", "Form"
    DRAWING = "drawing", "Drawing"
    SPECIFICATION = "specification", "Specification"
    EXTERNAL = "external", "External document"


# How revision labels run, per document type: drawings and specifications A, B, C …; internal
# documents 1, 2, 3 …; external documents carry the issuer's own edition ("2024", "Ed. 3").
LETTER_TYPES = frozenset({DocumentType.DRAWING, DocumentType.SPECIFICATION})
FREE_LABEL_TYPES = frozenset({DocumentType.EXTERNAL})
# Document types whose revisions must be approved by the quality manager (among others).
QUALITY_APPROVAL_TYPES = frozenset({DocumentType.POLICY, DocumentType.PROCEDURE})


class Document(Record):
    """A controlled document: policy, procedure, work instruction, form, drawing, specification or
    an external document (a standard, a customer specification). What people work to is its one
    effective revision; everything else is history."""

    reference_prefix = "DOC"
    visibility = "company"
    due_label = "next review"
    quoted_reference_field = "number"
    workflow = Workflow(
        statuses=[("draft", "Not yet issued"), ("active", "Active"), ("obsolete", "Obsolete")],
        transitions=[
            Transition(
                "make_obsolete",
                "Make obsolete",
                ("draft", "active"),
                "obsolete",
                allowed=frozenset({"owner", "head", "quality"}),
                reason_required=True,
                style="outline-danger",
                confirm="Make this document obsolete? Its effective revision is withdrawn from use.",
            ),
        ],
        initial="draft",
        closed=frozenset({"obsolete"}),
    )

    number = models.CharField(
        "document number",
        max_length=40,
        unique=True,
        help_text="The number people quote and print on the document, e.g. WI-PROD-012 or DRW-40512.",
    )
    doc_type = models.CharField("type", max_length=20, choices=DocumentType.choices)
    scope = models.TextField("purpose and scope", blank=True)
    issuer = models.CharField(
        "issued by",
        max_length=100,
        blank=True,
        help_text="External documents only: who publishes it (ISO, a customer, a supplier).",
    )
    processes = models.CharField(
        "used in processes", max_length=300, blank=True, help_text="E.g. CNC turning, final inspection."
    )
    workstations = models.CharField(
        "used at workstations", max_length=300, blank=True, help_text="E.g. Cell 3, Cell 4, OQC bench."
    )
    review_period_months = models.PositiveSmallIntegerField(
        "review period (months)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="How often the owner reviews that the document is still right.",
    )
    ack_days = models.PositiveSmallIntegerField(
        "days to acknowledge",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days people have to read and acknowledge a new revision. Empty: the company default.",
    )
    distribution_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="distribution: people"
    )
    distribution_roles = ArrayField(
        models.CharField(max_length=10, choices=Role.choices),
        default=list,
        blank=True,
        verbose_name="distribution: roles",
    )
    distribution_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name="distribution: departments"
    )

    class Meta(Record.Meta):
        verbose_name = "document"
        verbose_name_plural = "documents"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def display_reference(self) -> str:
        return self.number

    @property
    def label_scheme(self) -> str:
        if self.doc_type in LETTER_TYPES:
            return "letters"
        if self.doc_type in FREE_LABEL_TYPES:
            return "free"
        return "numbers"

    @property
    def requires_quality_approval(self) -> bool:
        return self.doc_type in QUALITY_APPROVAL_TYPES

    @property
    def effective_ack_days(self) -> int:
        return self.ack_days or getattr(settings, "DOCUMENT_ACK_DAYS", 7)

    @property
    def next_review(self) -> dt.date | None:
        """The next periodic review: the record's due date."""
        return self.due_date


class Revision(models.Model):
    """One issue of a document: its files, change summary and label, moving through review and
    approval to effective and, once replaced, superseded. Only ``documents.services`` change it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        EFFECTIVE = "effective", "Effective"
        SUPERSEDED = "superseded", "Superseded"
        OBSOLETE = "obsolete", "Obsolete"
        WITHDRAWN = "withdrawn", "Withdrawn"

    IN_WORK = (Status.DRAFT, Status.IN_REVIEW, Status.APPROVED)
    NOT_CURRENT = (Status.SUPERSEDED, Status.OBSOLETE, Status.WITHDRAWN)

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="revisions")
    label = models.CharField("revision", max_length=20)
    change_summary = models.TextField("change summary")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The submission round: each submission for review starts a fresh set of review steps.
    round = models.PositiveSmallIntegerField(default=0, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    effective_date = models.DateField(
        "effective date",
        null=True,
        blank=True,
        help_text="The day it replaces the current revision. Empty: as soon as it is approved.",
    )
    effective_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField("superseded / obsolete at", null=True, blank=True, editable=False)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The guarantee of 7.5.3: never two effective revisions of one document, whatever
            # the code above it does.
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="effective"),
                name="documents_one_effective_revision",
            ),
            models.UniqueConstraint(fields=["document", "label"], name="documents_unique_revision_label"),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} rev. {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("documents:revision_detail", args=[self.document_id, self.pk])

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.EFFECTIVE

    @property
    def is_in_work(self) -> bool:
        return self.status in self.IN_WORK

    @property
    def currency_mark(self) -> str:
        """What every page and download of a revision that is not the current one says."""
        if self.status == self.Status.SUPERSEDED:
            return "SUPERSEDED – NOT CURRENT"
        if self.status in (self.Status.OBSOLETE, self.Status.WITHDRAWN):
            return f"{self.get_status_display().upper()} – NOT CURRENT"
        if self.status in self.IN_WORK:
            return "DRAFT – NOT RELEASED FOR USE"
        return ""


class RevisionFile(StoredFile):
    """A file of a revision (the drawing PDF, the native file), in the kernel's file store."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="files")

    store_folder = "documents/"

    class Meta:
        ordering = ["original_name", "pk"]

    def owning_record(self):
        return self.revision.document

    def download_name(self) -> str:
        """``DRW-40512 rev B - bracket - SUPERSEDED – NOT CURRENT.pdf``: a copy of a revision that
        is not the current one says so in its very name."""
        import os

        from qms.files import safe_filename

        revision = self.revision
        stem, ext = os.path.splitext(safe_filename(self.original_name))
        parts = [f"{safe_filename(revision.document.number)} rev {safe_filename(revision.label)}", stem]
        if revision.currency_mark:
            parts.append(revision.currency_mark)
        return " - ".join(parts) + ext


class ReviewStep(models.Model):
    """One person asked to review or approve a revision in one submission round, and their
    decision (signed, or rejected with a reason)."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        APPROVAL = "approval", "Approval"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        SIGNED = "signed", "Signed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="steps")
    round = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("respond by")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "round", "kind", "user"], name="documents_unique_review_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.revision} by {self.user}"

    @property
    def meaning(self) -> str:
        return Signature.Meaning.REVIEWED if self.kind == self.Kind.REVIEW else Signature.Meaning.APPROVED


class Signature(models.Model):
    """An electronic signature: who (printed name), when, what it means, and the hash of exactly
    the content signed. A signature whose hash no longer matches the revision is void."""

    class Meaning(models.TextChoices):
        REVIEWED = "reviewed", "Reviewed"
        APPROVED = "approved", "Approved"

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="signatures")
    step = models.OneToOneField(ReviewStep, on_delete=models.PROTECT, related_name="signature")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=10, choices=Meaning.choices)
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_meaning_display()} by {self.printed_name} at {self.signed_at:%Y-%m-%d %H:%M} UTC"


class Acknowledgment(models.Model):
    """A person on the distribution list confirming they have read an effective revision. A
    pending one means the person may still be working to the old revision."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not yet acknowledged"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        WITHDRAWN = "withdrawn", "Withdrawn (revision replaced)"

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="acknowledgments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["revision", "user"], name="documents_unique_ack")]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.revision}: {self.get_status_display()}"


class PeriodicReview(models.Model):
    """The owner's periodic check that a document is still right, with its outcome and reason."""

    class Outcome(models.TextChoices):
        NO_CHANGE = "no_change", "Still valid, no change"
        REVISE = "revise", "Needs revising (opens a new draft revision)"
        OBSOLETE = "obsolete", "Make obsolete"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="periodic_reviews")
    revision = models.ForeignKey(Revision, null=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)
    next_review_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.document.number}: {self.get_outcome_display()}"


class ChangeRequest(models.Model):
    """A request to change a document, from anyone (or from another module, e.g. a CAPA). The
    owner accepts it, opening a new draft revision, or rejects it with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="change_requests")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("requested change and why")
    due_date = models.DateField("decide by")
    # Where it came from, when another record raised it (a CAPA, an NCR): shown and linked.
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_reference = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="change_requests"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"Change request #{self.pk} on {self.document.number}"
