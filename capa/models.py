"""Nonconformities (NCR) and corrective / preventive actions (CAPA), ISO 9001 10.2 and 10.1.

An NCR records what was found wrong and what was done with the nonconforming product. A CAPA
takes one or more NCRs (or none, for a preventive action or an improvement) from containment
through root cause analysis and actions to verification, closing and a later effectiveness check.

The workflow gates (no verification while an action is open, no closing without a planned
effectiveness check and the 10.2.1 e–f questions answered) are guards and effects on the declared
transitions, so they hold whichever view, task or command moves the record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from qms.models import Record
from qms.workflow import Transition, Workflow


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


# --- workflow guards (effects are registered by capa.services) ---------------------------------


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
    disposition_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name="disposition decided by",
    )
    disposition_at = models.DateTimeField("disposition decided at", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "nonconformity"
        verbose_name_plural = "nonconformities"

    @property
    def aging_days(self) -> int:
        """Days open (to closing, when closed)."""
        end = self.closed_at or timezone.now()
        return (end.date() - self.created_at.date()).days


OPEN_ACTION_STATUSES = ("open", "in_progress")


def _no_open_action(capa: Capa) -> str | None:
    open_actions = list(
        capa.actions.filter(status__in=OPEN_ACTION_STATUSES)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if open_actions:
        numbers = ", ".join(f"A{n}" for n in open_actions)
        return (
            f"Action{'s' if len(open_actions) > 1 else ''} {numbers} "
            f"{'are' if len(open_actions) > 1 else 'is'} still open: finish or cancel every action "
            "before verification."
        )
    return None


def _has_an_action(capa: Capa) -> str | None:
    if not capa.actions.exclude(status="cancelled").exists():
        return "Add at least one action (correction, corrective or preventive) before verification."
    return None


def _root_cause_known(capa: Capa) -> str | None:
    if not capa.root_cause.strip():
        return "Record the root cause (the conclusion of the 5 whys or fishbone) before planning actions."
    return None


def _check_planned(capa: Capa) -> str | None:
    check = capa.pending_check()
    if check is None or not check.planned_date or not check.criteria.strip():
        return "Plan the effectiveness check (date and criteria) before closing."
    return None


class Capa(Record):
    """A corrective or preventive action (or improvement): containment, root cause analysis (5 whys,
    fishbone 6M, 8D), actions with owners and evidence, verification, closing and an effectiveness
    check months later by someone other than the owner."""

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", "Corrective action"
        PREVENTIVE = "preventive", "Preventive action"
        IMPROVEMENT = "improvement", "Improvement"

    Source = Source
    Severity = Severity

    reference_prefix = "CAPA"
    workflow = Workflow(
        statuses=[
            ("open", "Open"),
            ("containment", "Containment"),
            ("investigation", "Investigation"),
            ("actions", "Actions"),
            ("verification", "Verification"),
            ("closed", "Closed"),
        ],
        transitions=[
            Transition("contain", "Start containment", ("open",), "containment"),
            Transition(
                "investigate",
                "Start investigation",
                ("open", "containment"),
                "investigation",
            ),
            Transition(
                "plan_actions",
                "Root cause found: plan actions",
                ("investigation",),
                "actions",
                guards=(_root_cause_known,),
            ),
            Transition(
                "verify",
                "Actions finished: verify",
                ("actions",),
                "verification",
                guards=(_has_an_action, _no_open_action),
                form=True,
            ),
            Transition(
                "back_to_actions",
                "Back to actions",
                ("verification",),
                "actions",
                reason_required=True,
                style="outline-secondary",
            ),
            Transition(
                "close",
                "Close CAPA",
                ("verification",),
                "closed",
                guards=(_no_open_action, _check_planned),
                style="success",
                form=True,
            ),
            Transition(
                "reopen",
                "Reopen",
                ("verification", "closed"),
                "investigation",
                allowed=frozenset({"head", "quality", "verifier"}),
                reason_required=True,
                style="outline-danger",
                form=True,
            ),
        ],
        initial="open",
        closed=frozenset({"closed"}),
    )

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTIVE)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERNAL)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MINOR)
    nonconformities = models.ManyToManyField(
        Nonconformity,
        blank=True,
        related_name="capas",
        verbose_name="nonconformities (NCR)",
        help_text="The NCRs this CAPA deals with; none for a preventive action or an improvement.",
    )
    description = models.TextField(
        "problem description", help_text="What is wrong (or could go wrong), where, how often, how big."
    )
    customer = models.CharField(max_length=120, blank=True, help_text="For the 8D report.")
    customer_reference = models.CharField(
        "customer complaint number", max_length=60, blank=True, help_text="For the 8D report."
    )
    eight_d = models.BooleanField(
        "8D report required", default=False, help_text="The customer asks for an 8D report."
    )
    root_cause = models.TextField(
        "root cause", blank=True, help_text="The conclusion of the analysis: why it happened."
    )
    cause_category = models.CharField(
        "root cause category (6M)", max_length=20, choices=CauseCategory.choices, blank=True
    )
    risks_change = models.BooleanField("risks and opportunities must change", null=True, editable=False)
    risks_note = models.TextField(blank=True, editable=False)
    documents_change = models.BooleanField("documents must change", null=True, editable=False)
    documents_note = models.TextField(blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "CAPA"
        verbose_name_plural = "CAPAs"

    @classmethod
    def extra_scope_q(cls, user) -> Q:
        """An action or containment owner from another department sees the CAPA they work on."""
        return (
            Q(pk__in=Action.objects.filter(owner=user).values("capa"))
            | Q(pk__in=ContainmentAction.objects.filter(owner=user).values("capa"))
            | Q(pk__in=EffectivenessCheck.objects.filter(verifier=user).values("capa"))
        )

    def extra_relations(self, user) -> set[str]:
        """The designated verifier of a pending effectiveness check may judge it (and so reopen)."""
        if self.pk and self.checks.filter(verifier=user, result=EffectivenessCheck.Result.PENDING).exists():
            return {"verifier"}
        return set()

    @property
    def aging_days(self) -> int:
        end = self.closed_at or timezone.now()
        return (end.date() - self.created_at.date()).days

    def pending_check(self) -> EffectivenessCheck | None:
        return self.checks.filter(result=EffectivenessCheck.Result.PENDING).order_by("-pk").first()


class ContainmentAction(models.Model):
    """An immediate action to contain the problem (sort stock, quarantine a lot, inform the
    customer) while the root cause is investigated."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="containment_actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(blank=True, help_text="What was done and found (e.g. 1,240 parts sorted).")
    done_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()


class Why(models.Model):
    """One step of a 5 whys analysis: the answer to "why?" at that level."""

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="whys")
    number = models.PositiveSmallIntegerField()
    answer = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = "why"
        constraints = [models.UniqueConstraint(fields=["capa", "number"], name="uniq_capa_why_number")]

    def __str__(self) -> str:
        return f"Why {self.number}: {self.answer[:60]}"


class FishboneCause(models.Model):
    """A possible cause on the fishbone (Ishikawa) diagram, under one of the 6M."""

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="causes")
    category = models.CharField(max_length=20, choices=CauseCategory.choices)
    description = models.CharField("cause", max_length=300)
    is_root_cause = models.BooleanField("confirmed root cause", default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "pk"]
        verbose_name = "fishbone cause"

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description}"


class Discipline(models.Model):
    """The text of one 8D discipline (D1–D8) written for the customer's report."""

    class D(models.TextChoices):
        D1 = "D1", "D1 Team"
        D2 = "D2", "D2 Problem description"
        D3 = "D3", "D3 Interim containment actions"
        D4 = "D4", "D4 Root cause"
        D5 = "D5", "D5 Permanent corrective actions chosen"
        D6 = "D6", "D6 Corrective actions implemented and validated"
        D7 = "D7", "D7 Actions to prevent recurrence"
        D8 = "D8", "D8 Team recognition and closure"

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="disciplines")
    discipline = models.CharField(max_length=2, choices=D.choices)
    text = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["discipline"]
        verbose_name = "8D discipline"
        constraints = [models.UniqueConstraint(fields=["capa", "discipline"], name="uniq_capa_discipline")]

    def __str__(self) -> str:
        return self.get_discipline_display()


class Action(models.Model):
    """A correction, corrective or preventive action with its owner, due date, status and the
    evidence that it was done."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CORRECTIVE = "corrective", "Corrective"
        PREVENTIVE = "preventive", "Preventive"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveSmallIntegerField(editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTIVE)
    title = models.CharField("action", max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    evidence = models.TextField(
        blank=True, help_text="What shows it was done: document revision, record, photo on the CAPA …"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["capa", "number"], name="uniq_capa_action_number")]

    def __str__(self) -> str:
        return f"A{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()


class EffectivenessCheck(models.Model):
    """The check, months after the actions, that the problem did not come back (ISO 9001 10.2.1 d).
    Planned when the actions finish; its result is signed by someone other than the CAPA owner."""

    class Result(models.TextChoices):
        PENDING = "pending", "Pending"
        EFFECTIVE = "effective", "Effective"
        NOT_EFFECTIVE = "not_effective", "Not effective"

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="checks")
    planned_date = models.DateField("check due on")
    criteria = models.TextField(help_text="What must be true for the fix to count as effective.")
    planned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who will judge the result: never the CAPA owner.",
    )
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.PENDING)
    result_notes = models.TextField("findings", blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["planned_date", "pk"]
        verbose_name = "effectiveness check"

    def __str__(self) -> str:
        return f"Effectiveness check {self.planned_date:%d %b %Y}"
