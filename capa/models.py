"""Nonconformities (NCR) and corrective / preventive actions (CAPA), ISO 9001 10.2."""

from django.db import models

from qms.models import Record
from qms.workflow import Transition, Workflow


class Nonconformity(Record):
    """A nonconformance report: what was found wrong, where, how much, and what to do with it."""

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

    reference_prefix = "NCR"
    workflow = Workflow(
        statuses=[("open", "Open"), ("dispositioned", "Dispositioned"), ("closed", "Closed")],
        transitions=[
            Transition("disposition", "Record disposition", ("open",), "dispositioned"),
            Transition(
                "close", "Close", ("dispositioned",), "closed", allowed=frozenset({"head", "quality"})
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

    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERNAL)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MINOR)
    description = models.TextField()

    class Meta(Record.Meta):
        verbose_name = "nonconformity"
        verbose_name_plural = "nonconformities"
