"""The controlled document: the register entry every revision, distribution and review hangs on."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from qms.models import Department, Record, Role, due_index, search_index
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
            # Done by the service when the document's first revision becomes effective.
            Transition("issue", "Issue", ("draft",), "active", allowed=frozenset()),
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
    requires_training = models.BooleanField(
        "requires training",
        default=False,
        help_text="A new revision is not only read and acknowledged: everyone whose job role uses the "
        "document gets a training need when it becomes effective.",
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
        indexes = [
            *Record.Meta.indexes,
            search_index("documents_doc_search", "number", "title", "reference"),
            # Periodic review: the documents in force, by review date (a due item of their owner).
            due_index("documents_doc_open_due", open_rows=~Q(status="obsolete")),
        ]

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
