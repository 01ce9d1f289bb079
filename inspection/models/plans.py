"""Inspection plans: what to inspect on a part (characteristics from the drawing) and how many
(ISO 2859-1: level, AQL, severity), with the switches of severity and the changes that ask for
the sampling to be re-assessed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from qms.models import ChildRecord, Process, Record, search_index
from qms.workflow import Transition, Workflow

from .. import sampling

QC = frozenset({"owner", "head", "quality", "steward"})


class Stage(models.TextChoices):
    IQC = "iqc", "Incoming (IQC)"
    IPQC = "ipqc", "In-process (IPQC)"
    FINAL = "final", "Final (OQC)"


class InspectionPlan(Record):
    """How a part (from one supplier, or made here) is inspected at one stage: its characteristics,
    and a sampling plan of ISO 2859-1 whose severity the switching rules move lot by lot."""

    reference_prefix = "IPL"
    # The switching rules' running tally (the last normal lots as codes "AANA", the runs under
    # tightened inspection) is their bookkeeping: the plan's page and its history say what it
    # decides (the severity, each switch with the standard's reason, the switching score).
    history_hidden = frozenset({"normal_results", "tightened_accepted_run", "tightened_not_accepted"})
    visibility = "company"  # the plan is read on the shop floor; quality control keeps it
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[("draft", "Draft"), ("active", "In use"), ("retired", "Retired")],
        transitions=[
            Transition("activate", "Put in use", ("draft",), "active", QC),
            Transition(
                "retire",
                "Retire",
                ("active",),
                "retired",
                QC,
                reason_required=True,
                style="outline-danger",
                confirm="Retire this inspection plan? New inspections cannot use it; its records are kept.",
            ),
            Transition("reinstate", "Put back in use", ("retired",), "active", QC, reason_required=True),
        ],
        initial="draft",
        closed=frozenset({"retired"}),
    )

    part_number = models.CharField("part number", max_length=60)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.FINAL)
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For incoming inspection: the plan for this part from this supplier.",
    )
    drawing = models.ForeignKey(
        "documents.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The drawing the characteristics come from; a new revision asks for re-assessment.",
    )
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("inspection level", max_length=5, choices=sampling.LEVEL_CHOICES, default="II")
    aql = models.DecimalField("AQL", max_digits=7, decimal_places=3, default=1)
    severity = models.CharField(
        max_length=10, choices=sampling.SEVERITY_CHOICES, default="normal", editable=False
    )
    # Where the switching rules stand (ISO 2859-1, 9.3): kept between lots.
    normal_results = models.CharField(max_length=5, blank=True, default="", editable=False)
    switching_score = models.PositiveSmallIntegerField(default=0, editable=False)
    tightened_accepted_run = models.PositiveSmallIntegerField(default=0, editable=False)
    tightened_not_accepted = models.PositiveSmallIntegerField(default=0, editable=False)
    discontinued = models.BooleanField(default=False, editable=False)
    reduced_approved = models.BooleanField(
        "reduced inspection approved",
        default=False,
        editable=False,
        help_text="The quality manager agrees to reduced inspection once the switching score allows.",
    )
    reassessed_on = models.DateField("sampling last re-assessed", null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "inspection plan"
        indexes = [
            *Record.Meta.indexes,
            search_index("insp_plan_search", "reference", "title", "part_number"),
            # The plans in use for a part at a stage (``selectors.iqc_plans``, a plan proposed for
            # an inspection), read by every receipt awaiting IQC in the due registry's union: a
            # scan of every plan per receipt, 3 reads each, 4 of a head's My work's 12 ms.
            models.Index(
                fields=["part_number", "stage"], name="insp_plan_in_use", condition=Q(status="active")
            ),
        ]

    def state(self) -> sampling.State:
        return sampling.State(
            severity=self.severity,
            normal_results=tuple(c == "A" for c in self.normal_results),
            switching_score=self.switching_score,
            tightened_accepted_run=self.tightened_accepted_run,
            tightened_not_accepted=self.tightened_not_accepted,
            discontinued=self.discontinued,
        )

    def set_state(self, state: sampling.State) -> None:
        self.severity = state.severity
        self.normal_results = "".join("A" if ok else "N" for ok in state.normal_results)
        self.switching_score = state.switching_score
        self.tightened_accepted_run = state.tightened_accepted_run
        self.tightened_not_accepted = state.tightened_not_accepted
        self.discontinued = state.discontinued

    def plan_for(self, lot_size: int) -> sampling.Plan:
        return sampling.plan(lot_size, self.level, self.aql.normalize(), self.severity)

    @property
    def aql_text(self) -> str:
        return format(self.aql.normalize(), "f")

    def pending_change(self, changes=None):
        """The oldest change since the last re-assessment (a new drawing revision, a supplier or
        process change), or None: then the sampling is current."""
        rows = changes if changes is not None else self.changes.all()
        pending = [c for c in rows if self.reassessed_on is None or c.changed_on > self.reassessed_on]
        return min(pending, key=lambda c: (c.changed_on, c.pk)) if pending else None


class PlanCharacteristic(ChildRecord):
    """A characteristic to inspect, from the drawing: nominal and tolerance, or an attribute."""

    parent_field, anchor = "plan", "#characteristics"

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="characteristics")
    name = models.CharField(max_length=120, help_text="Bore Ø12 H7, surface finish, marking …")
    nominal = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    lower = models.DecimalField(
        "lower tolerance", max_digits=12, decimal_places=4, null=True, blank=True, help_text="e.g. 0"
    )
    upper = models.DecimalField(
        "upper tolerance", max_digits=12, decimal_places=4, null=True, blank=True, help_text="e.g. 0.018"
    )
    unit = models.CharField(max_length=10, blank=True, default="mm")
    critical = models.BooleanField("critical to quality", default=False)

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_variable(self) -> bool:
        return self.nominal is not None

    def limits(self):
        if self.nominal is None:
            return None, None
        return self.nominal + (self.lower or 0), self.nominal + (self.upper or 0)

    def removal_refused(self) -> str | None:
        return None if self.plan.is_draft else "Characteristics of a plan in use are kept; retire the plan."


class SeverityChange(ChildRecord):
    """A switch between normal, tightened and reduced inspection, with the standard's reason."""

    parent_field, anchor = "plan", "#switches"

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="switches")
    changed_on = models.DateField()
    from_severity = models.CharField(max_length=10, choices=sampling.SEVERITY_CHOICES)
    to_severity = models.CharField(max_length=10, choices=sampling.SEVERITY_CHOICES)
    reason = models.TextField()
    inspection = models.ForeignKey(
        "inspection.Inspection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discontinued = models.BooleanField(default=False)

    class Meta:
        ordering = ["plan", "changed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_severity_display()} → {self.get_to_severity_display()}"


class PlanChange(ChildRecord):
    """A change that asks for the sampling to be re-assessed: a new drawing revision, a supplier
    change notification, a process change."""

    parent_field, anchor = "plan", "#changes"

    class Kind(models.TextChoices):
        DRAWING = "drawing", "New drawing revision"
        SUPPLIER = "supplier", "Supplier change notification"
        PROCESS = "process", "Process change"

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROCESS)
    changed_on = models.DateField("changed on")
    what = models.CharField("what changed", max_length=300)
    source_url = models.CharField(max_length=300, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["plan", "changed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.what}"
