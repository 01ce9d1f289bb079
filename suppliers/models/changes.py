"""Supplier change notifications: a material, process, site or sub-supplier change, told by the
supplier or found at goods-in. Until quality approves it, the change is open, and lots of that
supplier's material for the affected parts may not be released (the kernel gate
``supplier_change_open``)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from qms.models import Record, due_index, search_index
from qms.workflow import Transition, Workflow

from .suppliers import KEEPERS, QUALITY, Supplier


class ChangeKind(models.TextChoices):
    MATERIAL = "material", "Material"
    PROCESS = "process", "Process"
    SITE = "site", "Site (place of manufacture)"
    SUB_SUPPLIER = "sub_supplier", "Sub-supplier"
    OTHER = "other", "Other"


class ChangeSource(models.TextChoices):
    NOTIFIED = "notified", "Notified by the supplier"
    GOODS_IN = "goods_in", "Found at goods-in"


class Risk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


OPEN = ("recorded", "evaluated")


class SupplierChange(Record):
    """A change at a supplier that may affect what we buy from them: evaluated (affected parts
    and drawings, risk, the qualification needed) and approved or rejected by quality."""

    def ncr_prefill(self) -> dict:
        """An NCR raised from a supplier's change: the supplier source, the 6M's material, the
        parts it names."""
        return {"source": "supplier", "cause_category": "material", "part": ", ".join(self.part_list)[:120]}

    reference_prefix = "SCN"
    visibility = "company"
    create_roles = None  # anyone who may write: goods-in finds changes too
    change_relations = KEEPERS

    @classmethod
    def default_owner_id(cls, user) -> int | None:
        """Owned by whoever evaluates and decides it, the quality manager: its date is theirs, on
        their My work (owned by purchasing, it waited on the buyer's, who could not act on it)."""
        from qms.models import Role, User

        if user.role == Role.QUALITY_MANAGER:
            return user.pk
        found = User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True).order_by("pk").first()
        return found.pk if found is not None else user.pk

    @property
    def due_label(self) -> str:  # type: ignore[override]
        """What the date asks for now: the evaluation, then quality's decision on it."""
        return "decide by" if self.status == "evaluated" else "evaluate by"

    workflow = Workflow(
        statuses=[
            ("recorded", "Open · not evaluated"),
            ("evaluated", "Open · evaluated"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        transitions=[
            Transition(
                "evaluate",
                "Evaluate",
                ("recorded", "evaluated"),
                "evaluated",
                # Quality evaluates (with engineering): not procurement, which keeps the supplier.
                QUALITY,
                form=True,
            ),
            Transition("approve", "Approve", ("evaluated",), "approved", QUALITY, form=True, style="success"),
            Transition(
                "reject",
                "Reject",
                ("recorded", "evaluated"),
                "rejected",
                QUALITY,
                reason_required=True,
                style="outline-danger",
                reason_prompt="Say why the change is rejected and what the supplier must do.",
            ),
        ],
        initial="recorded",
        closed=frozenset({"approved", "rejected"}),
    )

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField("what changes", max_length=20, choices=ChangeKind.choices)
    source = models.CharField("how we learned of it", max_length=20, choices=ChangeSource.choices)
    description = models.TextField(help_text="What changes, in the supplier's words and ours.")
    received_on = models.DateField("notified or found on")
    effective_from = models.DateField(
        "first changed delivery",
        null=True,
        blank=True,
        help_text="First delivery made with the change, when known. Empty: from the day we learned of it.",
    )
    affected_parts = models.TextField(
        "affected parts",
        blank=True,
        help_text="Part numbers, one per line. Empty: every part from this supplier is affected.",
    )
    # The evaluation (quality, with engineering).
    risk = models.CharField(max_length=10, choices=Risk.choices, blank=True, editable=False)
    first_article = models.BooleanField("first-article inspection", default=False, editable=False)
    material_test = models.BooleanField("material test", default=False, editable=False)
    capability_study = models.BooleanField("capability study", default=False, editable=False)
    evaluation = models.TextField("evaluation", blank=True, editable=False)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decided_on = models.DateField("decided on", null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "supplier change"
        indexes = [
            *Record.Meta.indexes,
            due_index("suppliers_change_open_due", open_rows=Q(status__in=OPEN)),
            models.Index(fields=["supplier", "status"], name="suppliers_change_supplier"),
            search_index("suppliers_change_search", "reference", "title", "affected_parts"),
        ]

    def clean(self):
        super().clean()
        if self.due_date and self.received_on and self.due_date < self.received_on:
            raise ValidationError(
                {
                    "due_date": f"The change cannot be due for evaluation before we learned of it "
                    f"({self.received_on:%-d %b %Y})."
                }
            )

    def signed_content(self) -> tuple:
        # An approval is void once the evaluation it approved changes.
        return (self.supplier_id, self.affected_parts, self.risk, self.evaluation, self.qualification)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def open_from(self):
        """From when lots may carry the changed material: its first delivery, else the day we learned."""
        return self.effective_from or self.received_on

    @property
    def part_list(self) -> list[str]:
        return [line.strip() for line in self.affected_parts.splitlines() if line.strip()]

    def affects(self, part: str) -> bool:
        """Does the change affect this part? A change naming no part affects every part; a part
        number matches a part described at more length ("Housing H-220, bore Ø12 H7")."""
        parts = self.part_list
        if not parts:
            return True
        text = (part or "").casefold()
        for number in parts:
            pattern = rf"(?<![\w-]){re.escape(number.casefold())}(?![\w-])"
            if re.search(pattern, text) or number.casefold() == text.strip():
                return True
        return False

    @property
    def qualification(self) -> list[str]:
        needed = [
            ("first-article inspection", self.first_article),
            ("material test", self.material_test),
            ("capability study", self.capability_study),
        ]
        return [label for label, on in needed if on]
