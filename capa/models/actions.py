"""What a CAPA does about the problem: containment actions at once, corrections and corrective or
preventive actions with owners and evidence, and the effectiveness check months later. Each has
its own small workflow, moved by the kernel's one transition service; what a step does beyond the
status (stamping when it was done, reopening the CAPA) is registered by ``capa.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from qms.models import ChildRecord, due_index, owner_due_index
from qms.workflow import Transition, Workflow

from .capa import CHECK_JUDGED_STATUSES, OPEN_ACTION_STATUSES, Capa
from .fields import stamped_by

# Who may move an action or a containment action: whoever may change the CAPA, and the person it
# is assigned to (who reports progress from outside the CAPA's department too).
WORKERS = frozenset({"owner", "head", "quality", "steward", "assignee"})
# Who may judge an effectiveness check: its verifier, or a head or the quality manager; never the
# CAPA owner (refused by the service whatever else they are).
JUDGES = frozenset({"head", "quality", "steward", "assignee"})


def assigned_work(statuses: list[tuple[str, str]], *, cancel_prompt: str) -> Workflow:
    """The workflow of work assigned to someone inside a CAPA: started (where it has an "in
    progress" status), done, cancelled with a reason, reopened; by its assignee too."""
    known = dict(statuses)
    working = tuple(s for s in ("open", "in_progress") if s in known)
    transitions = (
        [Transition("start", "Start", ("open",), "in_progress", allowed=WORKERS)] if len(working) > 1 else []
    )
    transitions += [
        Transition("finish", "Done", working, "done", allowed=WORKERS, style="success"),
        Transition(
            "cancel",
            "Cancel",
            working,
            "cancelled",
            allowed=WORKERS,
            reason_required=True,
            reason_prompt=cancel_prompt,
            style="outline-secondary",
        ),
        Transition(
            "reopen",
            "Reopen",
            (*working[1:], "done", "cancelled"),
            "open",
            allowed=WORKERS,
            style="outline-secondary",
        ),
    ]
    return Workflow(
        statuses=list(statuses),
        transitions=transitions,
        initial="open",
        closed=frozenset({"done", "cancelled"}),
    )


class ContainmentAction(ChildRecord):
    """An immediate action to contain the problem (sort stock, quarantine a lot, inform the
    customer) while the root cause is investigated."""

    parent_field, assignee_field, due_field = "capa", "owner", "due_date"
    url_kwarg, anchor = "containment_pk", "#containment"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    workflow = assigned_work(Status.choices, cancel_prompt="Say why the containment action is cancelled.")

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="containment_actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, editable=False)
    result = models.TextField(blank=True, help_text="What was done and found (e.g. 1,240 parts sorted).")
    done_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [due_index("capa_containment_open_due", open_rows=Q(status="open"))]

    def __str__(self) -> str:
        return self.description


# From verification on, the actions stand as they were verified: their effectiveness check judges
# them, and its verifier was chosen independent of them (never the owner of a corrective or
# preventive action, ``capa.services.verifier_problem``). What an action is, whose and by when, a
# new action or one reopened would change both behind the verifier's back: that goes through
# "Back to actions" (with a reason), and verifying again plans the check anew, its verifier
# checked again. The evidence may still be completed.
VERIFIED_PLAN_STATUSES = ("verification",)
PLAN_FIELDS = ("kind", "title", "owner", "due_date")


def plan_frozen(capa: Capa) -> str | None:
    """Why the actions of ``capa`` may not be added to, reopened or replanned now, or None."""
    if capa.status in VERIFIED_PLAN_STATUSES:
        return (
            f"{capa.reference} is in verification: its actions stay as they were verified, and its "
            "verifier was chosen independent of them. To change them, move the CAPA back to actions "
            "(with a reason)."
        )
    return None


def analysis_frozen(capa: Capa) -> str | None:
    """Why the analysis of ``capa`` (its whys, fishbone, root cause and the NCRs it deals with)
    may not be changed now, or None: the verifier judges the actions against the cause as it
    stood when they were verified."""
    if capa.status in VERIFIED_PLAN_STATUSES:
        return (
            f"{capa.reference} is in verification: its analysis and its NCRs stay as they were "
            "verified. To change them, move the CAPA back to actions (with a reason)."
        )
    return None


class Action(ChildRecord):
    """A correction, corrective or preventive action with its owner, due date, status and the
    evidence that it was done."""

    parent_field, assignee_field, due_field = "capa", "owner", "due_date"
    url_kwarg, anchor = "action_pk", "#actions"

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CORRECTIVE = "corrective", "Corrective"
        PREVENTIVE = "preventive", "Preventive"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    workflow = assigned_work(Status.choices, cancel_prompt="Say why the action is cancelled.")

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveSmallIntegerField(editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTIVE)
    title = models.CharField("action", max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, editable=False)
    evidence = models.TextField(
        blank=True, help_text="What shows it was done: document revision, record, photo on the CAPA …"
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["capa", "number"], name="uniq_capa_action_number")]
        indexes = [
            due_index("capa_action_open_due", open_rows=Q(status__in=["open", "in_progress"])),
            owner_due_index("capa_action_open_owner", open_rows=Q(status__in=["open", "in_progress"])),
        ]

    def __str__(self) -> str:
        return f"A{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @classmethod
    def add_refused(cls, parent: Capa) -> str | None:
        return plan_frozen(parent)

    def transition_refused(self, name: str, user) -> str | None:
        """A done or cancelled action is not reopened under a CAPA in verification."""
        return plan_frozen(self.capa) if name == "reopen" else None


def _capa_verified(check: EffectivenessCheck) -> str | None:
    if check.capa.status not in CHECK_JUDGED_STATUSES:
        return "The effectiveness check is judged once the CAPA is in verification or closed."
    return None


class EffectivenessCheck(ChildRecord):
    """The check, months after the actions, that the problem did not come back (ISO 9001 10.2.1 d).
    Planned when the actions finish; its result is signed by someone other than the CAPA owner."""

    parent_field, assignee_field, due_field = "capa", "verifier", "planned_date"
    url_kwarg, anchor, status_field = "check_pk", "#effectiveness", "result"

    class Result(models.TextChoices):
        PENDING = "pending", "Pending"
        EFFECTIVE = "effective", "Effective"
        NOT_EFFECTIVE = "not_effective", "Not effective"

    workflow = Workflow(
        statuses=Result.choices,
        transitions=[
            Transition(
                name,
                label,
                ("pending",),
                name,
                allowed=JUDGES,
                guards=(_capa_verified,),
                form=True,
                while_record_closed=True,
            )
            for name, label in (("effective", "Effective"), ("not_effective", "Not effective"))
        ],
        initial="pending",
        closed=frozenset({"effective", "not_effective"}),
    )

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
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.PENDING, editable=False)
    result_notes = models.TextField("findings", blank=True)
    verified_by = stamped_by()
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["planned_date", "pk"]
        verbose_name = "effectiveness check"
        indexes = [
            due_index(
                "capa_check_pending", open_rows=Q(result="pending"), due="planned_date", owner="verifier"
            ),
            # The register of checks across CAPAs pages by planned date, newest first: without it
            # each page sorted every check with its CAPA joined (25 ms on the archive; 0.25 ms).
            models.Index(fields=["planned_date", "id"], name="capa_check_register"),
        ]

    def __str__(self) -> str:
        return f"Effectiveness check {self.planned_date:%-d %b %Y}"

    def signed_content(self) -> tuple:
        """What the verifier's signature covers: the criteria, the result and the findings."""
        return (self.capa_id, self.criteria, self.result, self.result_notes)
