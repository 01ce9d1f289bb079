"""Goods receipts, production lots and shipments: what was received, made and shipped, with
everything behind a lot (material, people, machine, drawing revision), its schedule changes and
the deviations its release was accepted with."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from qms.models import ChildRecord, Process, Record, StoredFile, due_index, search_index
from qms.rules import check_happened
from qms.workflow import Transition, Workflow

BY_SERVICE: frozenset[str] = frozenset()  # moved by the module's services only
HEADS = frozenset({"head", "quality", "steward"})


class GoodsReceipt(Record):
    """An incoming lot from a supplier: accepted or rejected by incoming inspection (or by the
    quality manager with a reason); consumed by production lots."""

    reference_prefix = "GR"
    visibility = "company"  # warehouse, purchasing, production and quality all trace material
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[
            ("received", "Received"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
        ],
        transitions=[
            Transition(
                "accept",
                "Accept without inspection",
                ("received",),
                "accepted",
                frozenset({"quality"}),
                reason_required=True,
                reason_prompt="Say why this receipt is accepted without incoming inspection.",
            ),
            Transition(
                "reject",
                "Reject",
                ("received", "accepted"),
                "rejected",
                HEADS,
                reason_required=True,
                style="outline-danger",
            ),
        ],
        initial="received",
        closed=frozenset({"rejected"}),
    )

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    part_number = models.CharField("part number", max_length=60)
    po_reference = models.CharField("purchase order", max_length=60, blank=True)
    quantity = models.PositiveIntegerField(
        validators=[
            MinValueValidator(1, message="A receipt holds at least one piece: enter how many arrived.")
        ]
    )
    promised_on = models.DateField("promised for", null=True, blank=True)
    received_on = models.DateField("received on")
    supplier_lot = models.CharField("supplier lot", max_length=60, blank=True)

    class Meta(Record.Meta):
        verbose_name = "goods receipt"
        indexes = [
            *Record.Meta.indexes,
            models.Index(fields=["supplier", "received_on"], name="insp_receipt_supplier_day"),
            # Receipts awaiting incoming inspection (a due item each): few, however long the archive.
            models.Index(
                fields=["received_on", "id"], condition=Q(status="received"), name="insp_receipt_awaiting"
            ),
            search_index(
                "insp_receipt_search", "reference", "title", "part_number", "supplier_lot", "po_reference"
            ),
        ]

    @property
    def on_time(self) -> bool | None:
        return None if self.promised_on is None else self.received_on <= self.promised_on

    def clean(self) -> None:
        """Received no later than it was inspected: an edit of the date cannot put the arrival
        after an inspection of it (the inspection's own rule, the other way round)."""
        super().clean()
        if self.pk is not None and self.received_on is not None:
            _not_after_inspections(self, "received_on", "it cannot have arrived after that")


def _not_after_inspections(record, field: str, consequence: str) -> None:
    """Refuse ``record``'s date ``field`` later than the first of its inspections."""
    first = (
        record.inspections.filter(inspected_on__lt=getattr(record, field))
        .order_by("inspected_on", "pk")
        .first()
    )
    if first is not None:
        message = f"{first.reference} inspected it on {first.inspected_on:%-d %b %Y}: {consequence}."
        raise ValidationError({field: message})


class ReceiptCertificate(StoredFile, ChildRecord):
    """A material certificate (3.1) or delivery document of a receipt, in the one file store."""

    parent_field, store_folder, anchor = "receipt", "inspection/", "#certificates"
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="certificates")

    def removal_refused(self) -> str | None:
        return "Material certificates are kept with the receipt."


class ProductionLot(Record):
    """A lot made here: the part and the drawing revision it was made to, where, by whom, on which
    machine, from which material. Released only when every check of 8.6 is clear or accepted."""

    def ncr_prefill(self) -> dict:
        """An NCR raised from a lot names its part, its lot number and its quantity, as one raised
        from its inspection does."""
        return {"part": self.part_number, "lot": self.lot_number, "quantity_affected": self.quantity}

    reference_prefix = "LOT"
    visibility = "company"  # traceability is read by every department; production keeps lots
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[
            ("open", "In production"),
            ("finished", "Finished"),
            ("released", "Released"),
            ("shipped", "Shipped"),
        ],
        transitions=[
            Transition("finish", "Production finished", ("open",), "finished", HEADS | {"owner"}),
            Transition("reopen", "Back to production", ("finished",), "open", HEADS, reason_required=True),
            Transition("release", "Release", ("finished",), "released", BY_SERVICE),
            Transition("ship", "Ship", ("released",), "shipped", BY_SERVICE),
        ],
        initial="open",
        closed=frozenset({"shipped"}),
    )

    lot_number = models.CharField("lot number", max_length=60, unique=True)
    part_number = models.CharField("part number", max_length=60)
    drawing_revision = models.ForeignKey(
        "documents.Revision",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="drawing revision worked to",
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    work_centre = models.CharField("work centre or cell", max_length=60, blank=True)
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    competence = models.ForeignKey(
        "training.Competence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="competence the work needs",
    )
    machine = models.ForeignKey(
        "calibration.Machine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField("production started")
    finished_on = models.DateField("production finished", null=True, blank=True)
    planned_finish = models.DateField("planned completion", null=True, blank=True)
    delivery_date = models.DateField("customer delivery date", null=True, blank=True)
    customer = models.CharField(max_length=120, blank=True)
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # The seven checks as they stood when the lot was released: [{key, title, state, findings}].
    release_checks = models.JSONField(default=list, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "production lot"
        indexes = [
            *Record.Meta.indexes,
            search_index("insp_lot_search", "reference", "title", "lot_number", "part_number", "customer"),
            # My work, the Overview, alerts and the digest read the lots not yet shipped by due date.
            due_index("insp_lot_open_due", open_rows=~Q(status="shipped")),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · lot {self.lot_number}"

    def clean(self) -> None:
        """Production has started by the day it is said to have (every caller: the form, the
        API, an import); a lot planned ahead is not recorded until it starts."""
        super().clean()
        try:
            check_happened(self.started_on)
        except ValidationError as exc:
            raise ValidationError({"started_on": exc.messages}) from None
        if self.pk is not None and self.started_on is not None:
            _not_after_inspections(self, "started_on", "its production cannot have started after that")

    @property
    def production_days(self) -> list:
        """The days the lot's gates are asked on: its start, and its end when it differs."""
        days = [self.started_on]
        if self.finished_on and self.finished_on != self.started_on:
            days.append(self.finished_on)
        return days


class LotOperator(ChildRecord):
    """A person who worked on the lot."""

    parent_field, anchor = "lot", "#operators"
    lot = models.ForeignKey(ProductionLot, on_delete=models.CASCADE, related_name="operators")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    task = models.CharField(max_length=120, blank=True, help_text="Setter, operator, deburring …")

    class Meta:
        ordering = ["lot", "pk"]
        constraints = [models.UniqueConstraint(fields=["lot", "person"], name="insp_one_operator_row")]

    def __str__(self) -> str:
        return str(self.person)

    def removal_refused(self) -> str | None:
        return None if self.lot.status == "open" else "The people of a finished lot are kept."


class MaterialUse(ChildRecord):
    """Material of a goods receipt consumed by a lot: the link traceability follows both ways."""

    parent_field, anchor = "lot", "#material"
    lot = models.ForeignKey(ProductionLot, on_delete=models.CASCADE, related_name="materials")
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.PROTECT, related_name="uses")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["lot", "pk"]
        indexes = [models.Index(fields=["receipt", "lot"], name="insp_material_receipt")]

    def __str__(self) -> str:
        return f"{self.receipt.reference} × {self.quantity}"

    def removal_refused(self) -> str | None:
        return None if self.lot.status == "open" else "The material of a finished lot is kept."


class ScheduleChange(ChildRecord):
    """A planned date of a lot changed — the customer's delivery date or the schedule — with who
    asked, why and what it affects. The lot's date changes only once it is approved."""

    parent_field, anchor = "lot", "#schedule"

    class Field(models.TextChoices):
        DELIVERY = "delivery_date", "Customer delivery date"
        FINISH = "planned_finish", "Planned completion"

    workflow = Workflow(
        statuses=[("proposed", "Proposed"), ("approved", "Approved"), ("rejected", "Rejected")],
        transitions=[
            Transition("approve", "Approve", ("proposed",), "approved", frozenset({"head", "quality"})),
            Transition(
                "reject",
                "Reject",
                ("proposed",),
                "rejected",
                frozenset({"head", "quality"}),
                reason_required=True,
                style="outline-danger",
            ),
        ],
        initial="proposed",
        closed=frozenset({"approved", "rejected"}),
    )

    lot = models.ForeignKey(ProductionLot, on_delete=models.CASCADE, related_name="schedule_changes")
    field = models.CharField("date", max_length=20, choices=Field.choices, default=Field.DELIVERY)
    old_date = models.DateField("was", null=True, blank=True, editable=False)
    new_date = models.DateField("new date")
    reason = models.TextField("why", help_text="Customer call of 3 March, material late …")
    affects = models.TextField("what it affects", blank=True, help_text="Other lots, shifts, shipments.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(max_length=10, choices=workflow.choices, default="proposed", editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["lot", "pk"]

    def __str__(self) -> str:
        was = f"{self.old_date:%-d %b %Y}" if self.old_date else "—"
        return f"{self.get_field_display()}: {was} → {self.new_date:%-d %b %Y}"

    def removal_refused(self) -> str | None:
        return "Schedule changes are kept: reject one instead."

    def transition_refused(self, name: str, user) -> str | None:
        """Whoever proposed a change does not approve it (they may still withdraw it by rejecting)."""
        if name == "approve" and user.pk == self.requested_by_id:
            who = "the head" if user.is_quality_manager else "the head or the quality manager"
            return f"Nobody approves their own schedule change: ask {who}."
        return None


class ReleaseDeviation(ChildRecord):
    """A release check the quality manager accepted with a signed reason (a deviation kept on the
    lot): what the check found, as it stood, and why the lot may go all the same."""

    parent_field, anchor = "lot", "#release"
    lot = models.ForeignKey(ProductionLot, on_delete=models.CASCADE, related_name="deviations")
    check_key = models.CharField("check", max_length=30)
    finding = models.TextField("what the check found")
    reason = models.TextField("why the lot may be released all the same")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    accepted_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["lot", "pk"]

    def __str__(self) -> str:
        # The check it accepts: the history already says "Release deviation: …" before it.
        return self.check_title

    @property
    def check_title(self) -> str:
        """The check as release names it ("Gauges usable"), not its key."""
        from ..release import CHECK_TITLES

        return CHECK_TITLES.get(self.check_key, self.check_key)

    def signed_content(self) -> tuple:
        return (self.lot.reference, self.check_key, self.finding, self.reason)

    def removal_refused(self) -> str | None:
        return "A signed deviation is kept with the lot."


def _lots_released(shipment) -> str | None:
    lines = list(shipment.lines.select_related("lot"))
    if not lines:
        return "Add the lots shipped first."
    held = [line.lot.lot_number for line in lines if line.lot.status not in ("released", "shipped")]
    if held:
        return f"Lot {', '.join(held)} is not released: release it before it ships."
    from ..release import held_each  # what came up since the release (8.7, 7.1.5.2)

    stopped = held_each([line.lot_id for line in lines])
    for line in lines:
        if stopped[line.lot_id]:
            return f"Lot {line.lot.lot_number} may not be shipped: " + " ".join(
                f.message for f in stopped[line.lot_id]
            )
    return None


class Shipment(Record):
    """A delivery to a customer naming the lots shipped; shipped only when every lot is released."""

    reference_prefix = "SHP"
    visibility = "company"
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[("draft", "Being packed"), ("shipped", "Shipped")],
        transitions=[
            Transition("ship", "Ship", ("draft",), "shipped", HEADS | {"owner"}, guards=(_lots_released,))
        ],
        initial="draft",
        closed=frozenset({"shipped"}),
    )

    customer = models.CharField(max_length=120)
    customer_order = models.CharField("customer order", max_length=60, blank=True)
    delivery_note = models.CharField("delivery note", max_length=60, blank=True)
    shipped_on = models.DateField("shipped on", null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "shipment"
        indexes = [
            *Record.Meta.indexes,
            search_index(
                "insp_shipment_search", "reference", "title", "customer", "delivery_note", "customer_order"
            ),
        ]


class ShipmentLine(ChildRecord):
    """A lot in a shipment."""

    parent_field, anchor = "shipment", "#lots"
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(ProductionLot, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["shipment", "pk"]
        indexes = [models.Index(fields=["lot", "shipment"], name="insp_line_lot")]

    def __str__(self) -> str:
        return f"{self.lot.lot_number} × {self.quantity}"

    def removal_refused(self) -> str | None:
        return None if self.shipment.is_draft else "The lots of a shipped delivery are kept."
