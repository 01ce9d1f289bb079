"""Quality objectives (ISO 9001 6.2): what the company wants to reach, by when, who owns it and how
it is measured — by a KPI a module registers, or by a value its owner enters each month."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from qms import kpis
from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Record
from qms.workflow import Transition, Workflow

# Top management and the quality manager own objectives; the head an objective is given to owns it.
OWNERS = frozenset({"owner", "quality", "top"})


class Better(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Objective(Record):
    """A quality objective: a target to reach by a deadline (the record's due date), measured
    each month by a registered KPI or by a value its owner enters, with its trend and status."""

    reference_prefix = "OBJ"
    # Objectives are communicated (6.2.1 f): everyone reads them; their owners change them.
    visibility = "company"
    create_roles = frozenset({"quality", "top"})
    change_relations = CHANGE_RELATIONS | {"top"}
    due_label = "deadline"
    workflow = Workflow(
        statuses=[("active", "Active"), ("closed", "Closed")],
        transitions=[
            Transition(
                "close",
                "Close objective",
                ("active",),
                "closed",
                allowed=OWNERS,
                reason_required=True,
                reason_prompt="Say how the objective ended (met, missed, replaced).",
                style="outline-secondary",
            ),
            Transition(
                "reopen",
                "Reopen",
                ("closed",),
                "active",
                allowed=frozenset({"quality", "top"}),
                reason_required=True,
                style="outline-secondary",
            ),
        ],
        initial="active",
        closed=frozenset({"closed"}),
    )

    description = models.TextField(blank=True, help_text="Why this objective, and how it is measured.")
    measure_key = models.CharField(
        "measure",
        max_length=60,
        blank=True,
        help_text="A KPI a module measures; empty: its owner enters a value each month.",
    )
    for_department = models.BooleanField(
        "measured for its department only",
        default=False,
        help_text="For KPIs counted by department: count only this objective's department.",
    )
    target = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=20, blank=True, help_text="For an entered value: %, points, days …")
    better = models.CharField(
        "direction", max_length=10, choices=Better.choices, default=Better.HIGHER, blank=True
    )
    # When the next monthly value is due from the owner (an entered measure only): a due item.
    value_due_on = models.DateField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "quality objective"
        verbose_name_plural = "quality objectives"

    def clean(self) -> None:
        """A value entered each month says which way is good; a share lies between 0 and 100 %."""
        super().clean()
        errors = {}
        if not self.measure_key and not self.better:
            errors["better"] = "Say which way is good for a value entered each month: higher or lower."
        if self.target is not None and (refused := share_refusal(self.unit_label, self.target)):
            errors["target"] = refused
        if errors:
            raise ValidationError(errors)

    @property
    def measure(self) -> kpis.Measure | None:
        """The registered KPI, or None for an entered value (or a KPI whose module is gone)."""
        return kpis.get(self.measure_key) if self.measure_key else None

    @property
    def is_entered(self) -> bool:
        return not self.measure_key

    @property
    def direction(self) -> str:
        measure = self.measure
        return measure.better if measure is not None else (self.better or Better.HIGHER)

    @property
    def unit_label(self) -> str:
        measure = self.measure
        unit = measure.unit if measure is not None else self.unit
        return "" if unit == "count" else unit

    @property
    def measure_label(self) -> str:
        if self.is_entered:
            return "Entered monthly by its owner"
        measure = self.measure
        return measure.label if measure is not None else f"{self.measure_key} (no module measures it now)"


class ObjectiveValue(ChildRecord):
    """The value of an objective for one month, entered by its owner (a survey result, say)."""

    parent_field, url_kwarg, anchor = "objective", "value_pk", "#values"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="values")
    month = models.DateField(help_text="Any day of the month; the month is what counts.")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=300, blank=True, help_text="Where the number comes from.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["month", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "month"], name="reviews_one_value_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%b %Y}: {self.value.normalize():f}"

    def removal_refused(self) -> str | None:
        return "An entered value is corrected, never removed: edit it."

    def clean(self) -> None:
        super().clean()
        if (
            self.value is not None
            and self.objective_id is not None
            and (refused := share_refusal(self.objective.unit_label, self.value))
        ):
            raise ValidationError({"value": refused})


SHARE_UNITS = frozenset({"%", "percent", "per cent", "pct"})


def share_refusal(unit: str, value) -> str | None:
    """A percentage outside 0–100 is a typing error (−5 %, 150 %)."""
    if unit.strip().lower() in SHARE_UNITS and not 0 <= value <= 100:
        return f"{value.normalize():f} % is not a share: enter a value from 0 to 100."
    return None
