"""Production equipment (ISO 9001 7.1.3): machines with their preventive-maintenance plans, the
maintenance done, and postponements (approved, limited, counted)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Record, Role
from qms.workflow import Transition, Workflow

# Top management approves only what the quality manager asked beyond a plan's limit
# (``Postponement.transition_refused``).
APPROVERS = frozenset({"head", "steward", "quality", "top"})


class CounterUnit(models.TextChoices):
    NONE = "", "No counter"
    HOURS = "hours", "running hours"
    CYCLES = "cycles", "cycles"


class Machine(Record):
    """A machine or piece of production equipment, its location, its counter (running hours or
    cycles, updated by people) and its recorded state; its maintenance plans say what is due."""

    # Read by every department: a lot's release names the machine and its maintenance.
    visibility = "company"
    reference_prefix = "MCH"
    quoted_reference_field = "asset_number"
    due_label = "next maintenance"
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[("in_service", "In service"), ("out_of_service", "Out of service"), ("retired", "Retired")],
        transitions=[
            Transition(
                "take_out",
                "Take out of service",
                ("in_service",),
                "out_of_service",
                CHANGE_RELATIONS,
                reason_required=True,
                style="outline-secondary",
            ),
            Transition(
                "put_back",
                "Put back in service",
                ("out_of_service",),
                "in_service",
                CHANGE_RELATIONS,
                reason_required=True,
            ),
            Transition(
                "retire",
                "Retire",
                ("in_service", "out_of_service"),
                "retired",
                CHANGE_RELATIONS,
                reason_required=True,
                style="outline-danger",
                confirm="Retire this machine? Its plans stop; its records are kept.",
            ),
        ],
        initial="in_service",
        closed=frozenset({"retired"}),
    )

    asset_number = models.CharField("asset number", max_length=50)
    location = models.CharField(max_length=100, blank=True, help_text="e.g. Cell 4")
    manufacturer = models.CharField(max_length=100, blank=True)
    model_name = models.CharField("model", max_length=100, blank=True)
    serial_number = models.CharField("serial number", max_length=100, blank=True)
    counter_unit = models.CharField(
        "counter", max_length=10, choices=CounterUnit.choices, blank=True, default=""
    )
    counter_value = models.PositiveIntegerField("counter reading", default=0)
    counter_read_on = models.DateField("counter read on", null=True, blank=True)

    class Meta(Record.Meta):
        verbose_name = "machine"
        constraints = [
            models.UniqueConstraint(
                Lower("asset_number"),
                name="calibration_machine_unique_asset",
                violation_error_message="A machine with this asset number exists already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_number} {self.title}"

    @property
    def display_reference(self) -> str:
        return self.asset_number


class MaintenancePlan(ChildRecord):
    """A preventive-maintenance plan of a machine: its tasks, its interval (days, or a counter
    reading), who is responsible, when it is next due, and how far it may be postponed without
    the quality manager."""

    parent_field, anchor, page = "machine", "#plans", "calibration:plan_detail"
    url_kwarg = "plan_pk"
    assignee_field, due_field = "responsible", "next_due"
    workflow = Workflow(
        statuses=[("active", "Active"), ("retired", "Retired")],
        transitions=[
            Transition(
                "retire",
                "Retire the plan",
                ("active",),
                "retired",
                CHANGE_RELATIONS,
                reason_required=True,
                style="outline-danger",
            ),
            Transition(
                "reinstate", "Reinstate", ("retired",), "active", CHANGE_RELATIONS, reason_required=True
            ),
        ],
        initial="active",
        closed=frozenset({"retired"}),
    )

    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=100, help_text="e.g. Spindle maintenance")
    checklist = models.TextField("tasks", help_text="One task per line.")
    interval_days = models.PositiveSmallIntegerField(
        "every (days)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "The interval must be at least 1 day.")],
    )
    interval_counter = models.PositiveIntegerField(
        "every (counter)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "The interval must be at least 1.")],
        help_text="Running hours or cycles between maintenances, if the machine has a counter.",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="responsible"
    )
    next_due = models.DateField("next due")
    next_due_counter = models.PositiveIntegerField("next due at counter", null=True, blank=True)
    postponement_limit = models.PositiveSmallIntegerField(
        "postponement limit (days)",
        default=14,
        validators=[MaxValueValidator(365)],
        help_text="A postponement further than this from the original due date needs the quality manager.",
    )
    last_done_on = models.DateField("last done", null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=workflow.choices, default="active", editable=False)

    class Meta:
        ordering = ["next_due", "pk"]
        verbose_name = "maintenance plan"
        indexes = [
            models.Index(fields=["next_due", "id"], condition=Q(status="active"), name="calibration_plan_due")
        ]

    def __str__(self) -> str:
        return self.name

    def removal_refused(self) -> str | None:
        return "A plan is retired, not removed."

    @property
    def tasks(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class Postponement(ChildRecord):
    """A request to postpone a due maintenance: the reason, the original and the new due date,
    and who approved it (the head; the quality manager beyond the plan's limit)."""

    parent_field, anchor = "plan", "#postponements"
    history_related = ("requested_by",)
    workflow = Workflow(
        statuses=[("requested", "Requested"), ("approved", "Approved"), ("refused", "Refused")],
        transitions=[
            Transition("approve", "Approve", ("requested",), "approved", APPROVERS),
            Transition(
                "refuse",
                "Refuse",
                ("requested",),
                "refused",
                APPROVERS,
                reason_required=True,
                style="outline-danger",
            ),
        ],
        initial="requested",
        closed=frozenset({"approved", "refused"}),
    )

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="postponements")
    original_due = models.DateField("original due date", editable=False)
    new_due = models.DateField("postpone to")
    reason = models.TextField(help_text="Why it cannot be done on time (backlog, parts, production).")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    requested_on = models.DateField(editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decided_on = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=workflow.choices, default="requested", editable=False)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        # The register of postponements pages by the day asked, newest first.
        indexes = [models.Index(fields=["requested_on", "id"], name="calibration_postpone_register")]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="requested"),
                name="calibration_one_pending_postponement",
                violation_error_message="A postponement of this plan is waiting for approval already.",
            )
        ]

    def __str__(self) -> str:
        return f"Postponed {self.original_due:%-d %b %Y} → {self.new_due:%-d %b %Y}"

    def removal_refused(self) -> str | None:
        return "Postponements are kept: they count."

    def transition_refused(self, name: str, user) -> str | None:
        """Nobody approves their own request, the quality manager included (the head does, or
        beyond the limit top management); beyond the plan's limit only the quality manager
        approves (its head may still refuse): no button that would refuse."""
        quality_asked_beyond = self.beyond_limit and self.requested_by.is_quality_manager
        if user.role == Role.TOP_MANAGEMENT and not quality_asked_beyond:
            return "Top management decides only the quality manager's own request beyond the limit."
        if name != "approve":
            return None
        if user.pk == self.requested_by_id:
            if quality_asked_beyond:
                return "Nobody approves their own postponement: beyond the limit, top management decides it."
            return "Nobody approves their own postponement: ask the head."
        if quality_asked_beyond and user.role not in (Role.TOP_MANAGEMENT, Role.QUALITY_MANAGER):
            limit = self.plan.postponement_limit
            return (
                f"{self.days} days is beyond this plan's postponement limit of {limit} days and the "
                "quality manager asked: top management approves it."
            )
        if self.beyond_limit and not user.is_quality_manager and user.role != Role.TOP_MANAGEMENT:
            return (
                f"{self.days} days is beyond this plan's postponement limit of "
                f"{self.plan.postponement_limit} days: only the quality manager may approve it."
            )
        return None

    @property
    def days(self) -> int:
        return (self.new_due - self.original_due).days

    @property
    def beyond_limit(self) -> bool:
        return self.days > self.plan.postponement_limit


class MaintenanceEvent(ChildRecord):
    """Maintenance done on a machine: under which plan, when, by whom, the checklist results,
    the parts used, the downtime and the counter reading."""

    parent_field, anchor = "machine", "#events"
    history_related = ("plan", "done_by")

    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="events")
    plan = models.ForeignKey(
        MaintenancePlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        help_text="Empty for a repair outside the plans.",
    )
    done_on = models.DateField("done on")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    work_done = models.TextField("work done")
    checklist_results = models.JSONField("checklist results", default=dict, blank=True)
    parts = models.TextField("parts used", blank=True)
    downtime_hours = models.DecimalField(
        "downtime (hours)", max_digits=7, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    counter_reading = models.PositiveIntegerField("counter reading", null=True, blank=True)

    class Meta:
        ordering = ["-done_on", "-pk"]
        verbose_name = "maintenance event"

    def __str__(self) -> str:
        return f"{self.plan or 'Repair'} on {self.done_on:%-d %b %Y}"

    def removal_refused(self) -> str | None:
        return "Maintenance done is kept."
