"""Inspections: incoming (of a goods receipt), in-process and final (of a production lot), by a
plan and its ISO 2859-1 sampling plan, with results per characteristic and the gauges used."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from qms.models import ChildRecord, Record, due_index, search_index
from qms.workflow import Transition, Workflow

from .lots import GoodsReceipt, ProductionLot
from .plans import InspectionPlan, PlanCharacteristic, Stage

DECIDERS = frozenset({"owner", "head", "quality", "steward"})


def _accepts(inspection) -> str | None:
    if inspection.ac is None:
        return (
            None if inspection.nonconforming == 0 else "Every item inspected: one nonconforming item rejects."
        )
    if inspection.nonconforming > inspection.ac:
        return (
            f"{inspection.nonconforming} nonconforming in the sample is more than the acceptance "
            f"number {inspection.ac}: the lot is not accepted."
        )
    if inspection.nonconforming and inspection.below_sample:
        # The acceptance number belongs to the whole sample: two bad parts of two inspected are
        # not "2 within Ac 10 of 500".
        return (
            f"{inspection.nonconforming} nonconforming in {inspection.sample_size} items, fewer than the "
            f"{inspection.required_sample} the plan asks for: inspect the whole sample, or reject the lot."
        )
    return None


def _no_critical_failure(inspection) -> str | None:
    """A characteristic critical to quality accepts no nonconforming item, whatever the sample's
    acceptance number (ISO 2859-1 sets none for critical nonconformities)."""
    failed = [
        str(r.characteristic)
        for r in inspection.results.filter(characteristic__critical=True, nonconforming__gt=0).select_related(
            "characteristic"
        )
    ]
    if failed:
        return (
            f"Nonconforming items on a characteristic critical to quality ({', '.join(failed)}): "
            "the lot is not accepted."
        )
    return None


def _rejects(inspection) -> str | None:
    """A lot is rejected on its rejection number, on a nonconforming item of a critical
    characteristic, or on nonconforming items in a sample smaller than the plan's."""
    limit = inspection.re if inspection.re is not None else 1
    partial = inspection.nonconforming and inspection.below_sample
    if inspection.nonconforming < limit and not partial and _no_critical_failure(inspection) is None:
        return (
            f"{inspection.nonconforming} nonconforming is below the rejection number {limit}: "
            "the sample accepts the lot."
        )
    return None


def _has_results(inspection) -> str | None:
    if inspection.sample_size == 0:
        return "Record the sample inspected (and its results) first."
    return None


def _results_cover_the_sample(inspection) -> str | None:
    """A lot is accepted on its sample only when every characteristic of the plan was checked on
    every item of it: a sample of 500 typed in beside three measured values is two parts of a
    lot, not 500 (the story's "two parts inspected out of 100,000")."""
    checked = dict(
        inspection.results.order_by()
        .values("characteristic")
        .annotate(items=models.Sum("inspected"))
        .values_list("characteristic", "items")
    )
    short = [
        f"{c}: {checked.get(c.pk, 0)}"
        for c in inspection.plan.characteristics.all()
        if checked.get(c.pk, 0) < inspection.sample_size
    ]
    if short:
        return (
            f"Every characteristic must be checked on each of the {inspection.sample_size} items of the "
            f"sample before the lot is accepted; items with a result so far — {'; '.join(short)}."
        )
    return None


def _receipt_may_be_used(inspection) -> str | None:
    """An incoming inspection's acceptance lets the receipt into production, and no later release
    asks again (a lot's release asks the gauges and the sample of its own inspections): so it is
    accepted only on the sample its plan asks for, measured with gauges usable that day (the
    kernel's gate ``instrument_usable``). The quality manager may still accept the receipt
    without inspection, saying why."""
    if inspection.receipt_id is None:
        return None
    problems = []
    if inspection.below_sample:
        problems.append(
            f"{inspection.sample_size} items were inspected; the sampling plan asks for "
            f"{inspection.required_sample} ({inspection.plan_text()})."
        )
    problems += inspection.gauge_problems()
    if not problems:
        return None
    return "The receipt is not accepted: " + " ".join(problems)


class Inspection(Record):
    """One inspection of a receipt or a lot: the sampling plan the standard asks for, the sample
    actually inspected, the results, the gauges, and the decision."""

    reference_prefix = "INSP"  # not INS: calibration's instruments are numbered INS
    visibility = "company"  # results are read by production and purchasing; quality control keeps them
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[("open", "In progress"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        transitions=[
            Transition(
                "accept",
                "Accept",
                ("open",),
                "accepted",
                DECIDERS,
                guards=(
                    _has_results,
                    _results_cover_the_sample,
                    _accepts,
                    _no_critical_failure,
                    _receipt_may_be_used,
                ),
            ),
            Transition(
                "reject",
                "Reject",
                ("open",),
                "rejected",
                DECIDERS,
                guards=(_has_results, _rejects),
                style="danger",
            ),
        ],
        initial="open",
        closed=frozenset({"accepted", "rejected"}),
    )

    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.FINAL)
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="inspections")
    receipt = models.ForeignKey(
        GoodsReceipt, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    lot = models.ForeignKey(
        ProductionLot, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField("inspected on")
    lot_size = models.PositiveIntegerField("lot size", validators=[MinValueValidator(1)])
    # The sampling plan of ISO 2859-1 for this lot, as it stood when the inspection was opened.
    severity = models.CharField(max_length=10, default="normal", editable=False)
    code_letter = models.CharField(max_length=1, editable=False, blank=True)
    required_sample = models.PositiveIntegerField("sample required", default=0, editable=False)
    ac = models.PositiveIntegerField("Ac", null=True, blank=True, editable=False)
    re = models.PositiveIntegerField("Re", null=True, blank=True, editable=False)
    sample_size = models.PositiveIntegerField("sample inspected", default=0)
    nonconforming = models.PositiveIntegerField("nonconforming items", default=0)
    original = models.BooleanField(
        "original inspection", default=True, help_text="Not a re-inspection of a resubmitted lot."
    )
    note = models.TextField(blank=True)

    class Meta(Record.Meta):
        verbose_name = "inspection"
        indexes = [
            *Record.Meta.indexes,
            models.Index(fields=["lot", "inspected_on"], name="insp_inspection_lot"),
            models.Index(fields=["receipt", "inspected_on"], name="insp_inspection_receipt"),
            search_index("insp_inspection_search", "reference", "title"),
            due_index("insp_inspection_open_due", open_rows=~Q(status__in=["accepted", "rejected"])),
        ]

    def clean(self) -> None:
        """An inspection is not dated before what it inspects existed here: the receipt's arrival,
        the start of the lot's production (every caller: the form, the API, the services)."""
        super().clean()
        if self.inspected_on is None:
            return
        if self.receipt_id is not None and self.inspected_on < self.receipt.received_on:
            raise ValidationError(
                {
                    "inspected_on": f"{self.receipt.reference} was received on "
                    f"{self.receipt.received_on:%-d %b %Y}: the inspection cannot be dated before."
                }
            )
        if self.lot_id is not None and self.inspected_on < self.lot.started_on:
            raise ValidationError(
                {
                    "inspected_on": f"Production of lot {self.lot.lot_number} started on "
                    f"{self.lot.started_on:%-d %b %Y}: the inspection cannot be dated before."
                }
            )

    @property
    def below_sample(self) -> bool:
        return self.sample_size < self.required_sample

    def gauge_problems(self) -> list[str]:
        """Why each gauge used was not usable on the day inspected (the kernel's gate
        ``instrument_usable``): said on the inspection's page as soon as the gauge is listed,
        refused when a receipt is accepted, refused at a lot's release."""
        from qms import gates

        problems = []
        for use in self.gauges.select_related("instrument").order_by("pk"):
            refusals = gates.check("instrument_usable", on=self.inspected_on, instrument=use.instrument)
            problems += [refusal.message for refusal in refusals if refusal.checked]
        return problems

    @property
    def subject(self):
        return self.lot or self.receipt

    def ncr_prefill(self) -> dict:
        """What an NCR raised from this inspection starts from (capa's "Raise an NCR")."""
        subject = self.subject
        lot = subject.lot_number if self.lot_id else (subject.supplier_lot or subject.reference)
        found = [
            f"{r.characteristic}: {r.nonconforming} of {r.inspected}"
            for r in self.results.all()
            if r.nonconforming
        ]
        return {
            "title": f"{self.get_stage_display()} {self.get_status_display().lower()}: "
            f"{self.plan.part_number} lot {lot}",
            "source": "supplier" if self.receipt_id else "internal",
            "part": self.plan.part_number,
            "lot": lot,
            "quantity_affected": self.lot_size,
            "description": (
                f"Raised from {self.reference}: {self.nonconforming} nonconforming in a sample of "
                f"{self.sample_size} ({self.plan_text()}), inspected {self.inspected_on:%-d %b %Y}."
                + ("\n" + "\n".join(found) if found else "")
            ),
        }

    def plan_text(self) -> str:
        if self.ac is None:
            return f"100 % inspection ({self.required_sample} items)"
        n, sev = self.required_sample, self.severity
        return f"code {self.code_letter}, n = {n}, Ac {self.ac}, Re {self.re} ({sev})"


class CharacteristicResult(ChildRecord):
    """The result of one characteristic: measured values (variables) or a count (attributes)."""

    parent_field, anchor = "inspection", "#results"
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    characteristic = models.ForeignKey(PlanCharacteristic, on_delete=models.PROTECT, related_name="results")
    values = models.TextField(
        "measured values", blank=True, help_text="One number per item, separated by spaces."
    )
    inspected = models.PositiveIntegerField("items inspected", default=0)
    nonconforming = models.PositiveIntegerField("nonconforming items", default=0)

    class Meta:
        ordering = ["inspection", "pk"]
        indexes = [models.Index(fields=["characteristic", "inspection"], name="insp_result_char")]

    def __str__(self) -> str:
        return f"{self.characteristic}: {self.nonconforming} of {self.inspected} nonconforming"

    def removal_refused(self) -> str | None:
        return None if self.inspection.status == "open" else "Results of a decided inspection are kept."


class GaugeUse(ChildRecord):
    """An instrument used in the inspection: where-used finds the inspection from the gauge."""

    parent_field, anchor = "inspection", "#gauges"
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="gauges")
    instrument = models.ForeignKey("calibration.Instrument", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["inspection", "pk"]
        indexes = [models.Index(fields=["instrument", "inspection"], name="insp_gauge_instrument")]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "instrument"], name="insp_one_gauge_row")
        ]

    def __str__(self) -> str:
        return str(self.instrument)

    def removal_refused(self) -> str | None:
        return None if self.inspection.status == "open" else "The gauges of a decided inspection are kept."
