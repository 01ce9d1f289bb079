"""Nonconformance reports (NCR) and the choices NCRs and CAPAs share: where a problem came from,
how bad it is, and its 6M cause category."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from qms.models import Department, Record, due_index, search_index
from qms.workflow import Transition, Workflow

from .fields import stamped_by


class Source(models.TextChoices):
    INTERNAL = "internal", "Internal"
    CUSTOMER = "customer", "Customer complaint"
    SUPPLIER = "supplier", "Supplier"
    AUDIT = "audit", "Internal audit"
    CALIBRATION = "calibration", "Calibration out-of-tolerance"
    REVIEW = "review", "Management review"
    IMPROVEMENT = "improvement", "Improvement idea"


class Severity(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class CauseCategory(models.TextChoices):
    """The 6M of the fishbone (Ishikawa) diagram."""

    MAN = "man", "Man (people)"
    MACHINE = "machine", "Machine"
    METHOD = "method", "Method"
    MATERIAL = "material", "Material"
    MEASUREMENT = "measurement", "Measurement"
    ENVIRONMENT = "environment", "Environment"


class Nonconformity(Record):
    """A nonconformance report (NCR): what was found wrong, on which part and lot, how much, how
    bad, and the disposition of the nonconforming product (who decided, when)."""

    Source = Source
    Severity = Severity

    class Disposition(models.TextChoices):
        SCRAP = "scrap", "Scrap"
        REWORK = "rework", "Rework"
        CONCESSION = "concession", "Use as is under concession"
        RETURN = "return", "Return to supplier"

    reference_prefix = "NCR"
    workflow = Workflow(
        statuses=[("open", "Open"), ("dispositioned", "Dispositioned"), ("closed", "Closed")],
        transitions=[
            Transition(
                "disposition",
                "Record disposition",
                ("open",),
                "dispositioned",
                allowed=frozenset({"head", "quality"}),
                form=True,
            ),
            Transition(
                "close",
                "Close",
                ("dispositioned",),
                "closed",
                allowed=frozenset({"head", "quality"}),
                style="success",
                # Asked by the close effect (capa.services.ncr) when no CAPA deals with the NCR.
                reason_prompt="Why no CAPA is needed, if none deals with this NCR",
            ),
            Transition(
                "reopen",
                "Reopen",
                ("closed",),
                "open",
                allowed=frozenset({"quality"}),
                reason_required=True,
                style="outline-secondary",
            ),
        ],
        initial="open",
        closed=frozenset({"closed"}),
    )

    @classmethod
    def default_due_days(cls) -> int:
        """An NCR reported without a due date is due for its disposition in
        ``NCR_DISPOSITION_DAYS`` (7): on its owner's My work and the department's, alerted and
        escalated like any due item (one reported from a phone reached no one)."""
        return settings.NCR_DISPOSITION_DAYS

    @classmethod
    def default_owner_id(cls, user) -> int | None:
        """An NCR is owned by who decides its disposition (a head or the quality manager): one
        reported by staff (from a phone at the machine) is offered to their department's head,
        whose My work then shows the disposition due; a reporter who was its owner could not act."""
        if user.role == "staff" and user.department_id is not None:
            head = Department.objects.filter(pk=user.department_id).values_list("head_id", flat=True).first()
            if head is not None:
                return head
        return user.pk

    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERNAL)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MINOR)
    part = models.CharField("part or product", max_length=120, blank=True)
    lot = models.CharField("lot or batch", max_length=60, blank=True)
    quantity_affected = models.PositiveIntegerField(
        "quantity affected", null=True, blank=True, help_text="Number of parts or units concerned."
    )
    description = models.TextField(help_text="What was found, where, against which requirement.")
    cause_category = models.CharField(
        "cause category (6M)",
        max_length=20,
        choices=CauseCategory.choices,
        blank=True,
        help_text="Filled in from the CAPA's root cause when known; used for the Pareto chart.",
    )
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True, editable=False)
    disposition_note = models.TextField(blank=True, editable=False)
    disposition_by = stamped_by("disposition decided by")
    disposition_at = models.DateTimeField("disposition decided at", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "nonconformity"
        verbose_name_plural = "nonconformities"
        indexes = [
            *Record.Meta.indexes,
            due_index("capa_ncr_open_due", open_rows=~Q(status="closed")),
            search_index("capa_ncr_search", "reference", "title", "part", "lot"),
        ]

    @property
    def aging_days(self) -> int:
        """Days open (to closing, when closed)."""
        # Local days, as the register's and the CSV's figure (the database's TruncDate) counts them.
        end = self.closed_at or timezone.now()
        return (timezone.localdate(end) - timezone.localdate(self.created_at)).days
