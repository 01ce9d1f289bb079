"""Out-of-tolerance impact assessments: when a gauge is found out of tolerance (or its
calibration becomes suspect because its reference standard was), what was measured with it since
its last good calibration, and what is decided for each affected item."""

from __future__ import annotations

from django.db import models

from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Record
from qms.workflow import Transition, Workflow

from .calibrations import Calibration
from .instruments import Instrument


class Cause(models.TextChoices):
    OUT_OF_TOLERANCE = "out_of_tolerance", "Found out of tolerance"
    SUSPECT = "suspect", "Calibration suspect (reference standard out of tolerance)"


class Decision(models.TextChoices):
    PENDING = "", "To decide"
    NO_IMPACT = "no_impact", "No impact"
    REINSPECT = "reinspect", "Re-inspect"
    HOLD = "hold", "Hold"
    RECALL = "recall", "Recall"
    NOTIFY = "notify_customer", "Notify the customer"


def _all_decided(assessment) -> str | None:
    pending = assessment.items.filter(decision="").count()
    if pending:
        return f"{pending} affected item(s) still wait for a decision."
    return None


def _followed_up(assessment) -> str | None:
    """A recall or a customer to notify is a nonconformity with a customer in it: the assessment
    closes once an NCR (or a CAPA) is linked to it (raised from it), where that work is tracked."""
    from qms.selectors import linked_models

    outward = assessment.items.filter(decision__in=(Decision.RECALL, Decision.NOTIFY)).count()
    if not outward:
        return None
    if {m._meta.label_lower for m in linked_models(assessment)} & {"capa.nonconformity", "capa.capa"}:
        return None
    return (
        f"{outward} affected item(s) are to be recalled or their customer notified: raise an NCR from "
        "this assessment (or link one) first, so that the recall is tracked to its end."
    )


def _summarised(assessment) -> str | None:
    if assessment.items.exists() or assessment.summary.strip():
        return None
    return "List what was measured with the instrument, or write in the summary why nothing was."


class ImpactAssessment(Record):
    """The out-of-tolerance impact assessment of an instrument (ISO 9001 7.1.5.2): opened by the
    failed calibration (or by the cascade from a failed reference standard), due within 10 days;
    the instrument stays quarantined until it is closed."""

    def ncr_prefill(self) -> dict:
        """An NCR raised from the assessment (capa's "Raise an NCR"): a measurement found out of
        tolerance, counted under the calibration source and the 6M's measurement."""
        return {"source": "calibration", "cause_category": "measurement"}

    # Read by every department: a lot on hold names the assessment that holds it.
    visibility = "company"
    reference_prefix = "OOT"
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[("open", "Open"), ("closed", "Closed")],
        transitions=[
            Transition(
                "close",
                "Close the assessment",
                ("open",),
                "closed",
                CHANGE_RELATIONS,
                guards=(_summarised, _all_decided, _followed_up),
                confirm="Close the assessment? It closes only once every affected item has its decision.",
            ),
            Transition("reopen", "Reopen", ("closed",), "open", frozenset({"quality"}), reason_required=True),
        ],
        initial="open",
        closed=frozenset({"closed"}),
    )

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="assessments")
    calibration = models.ForeignKey(
        Calibration, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    cause = models.CharField(max_length=20, choices=Cause.choices, default=Cause.OUT_OF_TOLERANCE)
    standard = models.ForeignKey(
        Instrument,
        verbose_name="reference standard found out of tolerance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    origin = models.ForeignKey(
        "self",
        verbose_name="opened by the assessment of",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cascaded",
    )
    period_from = models.DateField("since (last good calibration)", null=True, blank=True)
    period_to = models.DateField("until")
    summary = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "impact assessment"


class AffectedItem(ChildRecord):
    """Something measured with the instrument in the period (an inspection, a lot, a part), and
    what is decided for it, with the reason."""

    parent_field, anchor = "assessment", "#items"

    assessment = models.ForeignKey(ImpactAssessment, on_delete=models.CASCADE, related_name="items")
    used_on = models.DateField("measured on", null=True, blank=True)
    what = models.CharField(max_length=100, help_text="e.g. Final inspection, Lot, Calibration against")
    reference = models.CharField(max_length=60, blank=True, help_text="e.g. the lot or inspection number")
    title = models.CharField("description", max_length=200, blank=True)
    url = models.CharField(max_length=300, blank=True, editable=False)
    from_where_used = models.BooleanField(default=False, editable=False)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True, default="")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["used_on", "pk"]
        verbose_name = "affected item"

    def __str__(self) -> str:
        return " ".join(x for x in (self.what, self.reference) if x)

    def removal_refused(self) -> str | None:
        return None if not self.from_where_used else "An item found by where-used is decided, not removed."
