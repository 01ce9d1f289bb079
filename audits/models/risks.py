"""Risks and opportunities (ISO 9001 6.1): the register per process, each scored likelihood ×
severity on the company's scale, with its owner, actions and review date; every re-assessment kept
(the trend of its score); and the proposals live records make to it (a CAPA, a supplier change, a
coverage alarm, an out-of-tolerance gauge, repeated NCRs), which the risk's owner accepts or
dismisses."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Process, Record, due_index
from qms.workflow import Transition, Workflow

QUALITY = frozenset({"quality"})
OWNERS = frozenset({"owner", "head", "quality"})


def scale() -> int:
    """The company's scale of likelihood and severity: 1 to this (5 unless set)."""
    return int(getattr(settings, "RISK_SCALE", 5))


def threshold() -> int:
    """A score (likelihood × severity) at or above which a risk needs action."""
    return int(getattr(settings, "RISK_THRESHOLD", 12))


class Risk(Record):
    """A risk or an opportunity of one process: how likely, how severe, who owns it, what is done
    about it (its actions) and when it is reviewed next (its due date)."""

    class Kind(models.TextChoices):
        RISK = "risk", "Risk"
        OPPORTUNITY = "opportunity", "Opportunity"

    reference_prefix = "RISK"
    visibility = "company"  # the register is read by everyone; heads own the risks of their processes
    create_roles = frozenset({"quality", "head"})
    due_label = "next review"
    workflow = Workflow(
        statuses=[("active", "Active"), ("retired", "Retired")],
        transitions=[
            Transition(
                "retire",
                "Retire",
                ("active",),
                "retired",
                OWNERS,
                reason_required=True,
                reason_prompt="Say why the risk no longer applies.",
                style="outline-secondary",
            ),
            Transition("reopen", "Reopen", ("retired",), "active", OWNERS, reason_required=True),
        ],
        initial="active",
        closed=frozenset({"retired"}),
    )

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RISK)
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True, help_text="Cause, event and consequence.")
    likelihood = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    severity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    score = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta(Record.Meta):
        verbose_name = "risk or opportunity"
        verbose_name_plural = "risks and opportunities"
        indexes = [*Record.Meta.indexes, models.Index(fields=["-score", "-id"], name="audits_risk_score")]

    @property
    def above_threshold(self) -> bool:
        return self.kind == self.Kind.RISK and self.score >= threshold()


class RiskAssessment(ChildRecord):
    """One assessment of a risk: likelihood and severity as judged on a day, and why. The first is
    made when the risk is recorded; each later one is a point of the score's trend."""

    parent_field, url_kwarg, anchor = "risk", "assessment_pk", "#assessments"
    history_related = ("assessed_by",)

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    likelihood = models.PositiveSmallIntegerField()
    severity = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["assessed_on", "pk"]
        verbose_name = "assessment"

    def __str__(self) -> str:
        return f"{self.assessed_on:%-d %b %Y}: {self.likelihood} × {self.severity} = {self.score}"


class RiskAction(ChildRecord):
    """An action to treat a risk (or take an opportunity), with its owner and due date: a due item
    in their My work, alerts and digest until it is done."""

    parent_field, url_kwarg, anchor = "risk", "action_pk", "#actions"
    assignee_field, due_field, assignee_fields = "owner", "due_date", ("note",)
    workflow = Workflow(
        statuses=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
        transitions=[
            Transition("finish", "Done", ("open",), "done", OWNERS | {"assignee"}, style="success"),
            Transition(
                "cancel",
                "Cancel",
                ("open",),
                "cancelled",
                OWNERS,
                reason_required=True,
                reason_prompt="Say why the action is cancelled.",
                style="outline-secondary",
            ),
        ],
        initial="open",
        closed=frozenset({"done", "cancelled"}),
    )

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField("action", max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=workflow.choices, default="open", editable=False)
    note = models.TextField("progress note", blank=True)
    done_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = "risk action"
        indexes = [due_index("audits_riskaction_due", open_rows=Q(status="open"))]

    def __str__(self) -> str:
        return self.title


class Proposal(Record):
    """What a live record proposes to the register: link it to an existing risk (to be
    re-assessed), or record a new risk. Owned by whoever decides — the risk's owner, or for a new
    risk the head of the process's department (the quality manager when none is known) — who
    accepts or dismisses it, saying why."""

    class Kind(models.TextChoices):
        CAPA = "capa", "CAPA marked as affecting risks"
        SUPPLIER_CHANGE = "supplier_change", "Supplier change"
        COVERAGE = "coverage", "Competence coverage alarm"
        OUT_OF_TOLERANCE = "out_of_tolerance", "Out-of-tolerance calibration"
        REPEATED_NCR = "repeated_ncr", "Repeated NCRs"
        BY_HAND = "by_hand", "Raised by hand"

    reference_prefix = "RP"
    # Made by live signals; the quality manager may raise one by hand (an issue of 4.1 no module sees).
    create_roles = QUALITY
    due_label = "decide by"
    change_relations = CHANGE_RELATIONS
    workflow = Workflow(
        statuses=[("proposed", "Proposed"), ("accepted", "Accepted"), ("dismissed", "Dismissed")],
        transitions=[
            Transition("accept", "Accept", ("proposed",), "accepted", OWNERS, form=True),
            Transition(
                "dismiss",
                "Dismiss",
                ("proposed",),
                "dismissed",
                OWNERS,
                reason_required=True,
                reason_prompt="Say why the register need not change.",
                style="outline-secondary",
            ),
        ],
        initial="proposed",
        closed=frozenset({"accepted", "dismissed"}),
    )

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The record that proposes it, by model label and id: it may belong to a module installed
    # after this one's code was written (a supplier change), so no foreign key.
    source_label = models.CharField(max_length=60, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_reference = models.CharField("from", max_length=60, blank=True)
    text = models.TextField("what happened")
    risk = models.ForeignKey(
        Risk,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        help_text="The risk it is proposed to link to; empty: a new risk.",
    )
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "risk proposal"
        verbose_name_plural = "risk proposals"
        indexes = [
            *Record.Meta.indexes,
            models.Index(fields=["source_label", "source_id"], name="audits_proposal_source"),
        ]

    @property
    def is_new_risk(self) -> bool:
        return self.risk_id is None
