"""Management review meetings (ISO 9001 9.3): planned for a period with a chair from top
management; every input 9.3.2 requires compiled from live records and frozen when the meeting is
held; minutes per input; decisions (9.3.3) with actions tracked to closure; the minutes signed by
the chair."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import Q

from qms import kpis
from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Record
from qms.models.records import RecordQuerySet
from qms.text import shorten
from qms.workflow import Transition, Workflow

# Those who run a review: its owner, the quality manager and top management.
RUNNERS = frozenset({"owner", "quality", "top"})
# Who moves an action: whoever runs the review, the head of the review's department, its owner.
WORKERS = RUNNERS | {"head", "assignee"}
OPEN_ACTION = "open"


def _no_open_action(review: Review) -> str | None:
    still = list(
        ReviewAction.objects.filter(decision__review=review, status=OPEN_ACTION)
        .order_by("decision__number", "pk")
        .values_list("title", flat=True)[:4]
    )
    if still:
        return (
            f"Actions are still open ({'; '.join(still)}): finish or cancel them before closing the review."
        )
    return None


class ReviewQuerySet(RecordQuerySet):
    """A review is late while it is not held by its planned date (``Review.late_statuses``); what
    follows (minutes, actions) has dates of its own."""


class Review(Record):
    """A management review meeting: the period it looks back on, who chairs and attends, the
    inputs it considers (frozen as they stood when it was held), its minutes and its decisions."""

    reference_prefix = "MR"
    create_roles = frozenset({"quality", "top"})
    change_relations = CHANGE_RELATIONS | {"top"}
    due_label = "planned for"
    late_statuses = frozenset({"planned"})  # late while it has not taken place by its date
    workflow = Workflow(
        statuses=[
            ("planned", "Planned"),
            ("held", "Held"),
            ("signed", "Minutes signed"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        transitions=[
            Transition("hold", "Hold the meeting", ("planned",), "held", RUNNERS, form=True),
            Transition("sign", "Sign the minutes", ("held",), "signed", frozenset({"chair"}), form=True),
            Transition(
                "close",
                "Close review",
                ("signed",),
                "closed",
                RUNNERS,
                guards=(_no_open_action,),
                style="success",
            ),
            Transition(
                "cancel",
                "Cancel meeting",
                ("planned",),
                "cancelled",
                RUNNERS,
                reason_required=True,
                reason_prompt="Say why the meeting is cancelled.",
                style="outline-danger",
            ),
        ],
        initial="planned",
        closed=frozenset({"closed", "cancelled"}),
    )

    period_start = models.DateField("period from")
    period_end = models.DateField("period to")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Top management: signs the minutes.",
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    held_on = models.DateField(null=True, blank=True, editable=False)
    compiled_at = models.DateTimeField("inputs frozen at", null=True, blank=True, editable=False)

    objects = ReviewQuerySet.as_manager()

    class Meta(Record.Meta):
        verbose_name = "management review"
        verbose_name_plural = "management reviews"

    @classmethod
    def extra_scope_q(cls, user) -> Q:
        """The chair and the attendees read the review they sit in."""
        sits = Review.attendees.through.objects.filter(user=user).values("review_id")
        return Q(chair=user) | Q(pk__in=sits)

    def extra_relations(self, user) -> set[str]:
        return {"chair"} if self.chair_id == user.pk else set()

    @property
    def period(self) -> kpis.Period:
        return kpis.Period(self.period_start, self.period_end)

    @property
    def is_frozen(self) -> bool:
        """Held (or later): the inputs stand as they were when the meeting was held."""
        return self.status != "planned"

    @property
    def is_signed(self) -> bool:
        return self.status in ("signed", "closed")

    def signed_content(self) -> tuple:
        """The minutes as signed: the meeting, every input as frozen with its minutes, every
        decision. An action done later does not void them; a changed minute or decision does."""
        # Read through .all() so prefetched rows serve (the audit pack checks many reviews at once).
        inputs = [
            (i.key, json.dumps(i.data, sort_keys=True), i.entered, i.minutes)
            for i in sorted(self.inputs.all(), key=lambda i: (i.position, i.pk))
        ]
        decisions = [
            (d.number, d.kind, d.input_key, d.text)
            for d in sorted(self.decisions.all(), key=lambda d: d.number)
        ]
        people = sorted(u.pk for u in self.attendees.all())
        return (
            self.title,
            self.period_start,
            self.period_end,
            self.held_on,
            self.chair_id,
            people,
            inputs,
            decisions,
        )


class ReviewInput(ChildRecord):
    """One input of a review (9.3.2): the live figures while planned, frozen when the meeting is
    held (``data``), what was entered by hand, and the minutes of what was said."""

    parent_field, url_kwarg, anchor = "review", "input_pk", "#inputs"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="inputs")
    key = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    entered = models.TextField("entered for the review", blank=True)
    minutes = models.TextField(blank=True)
    data = models.JSONField("figures as held", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "key"], name="reviews_one_input_per_key")]

    def __str__(self) -> str:
        return self.title

    @property
    def spec(self) -> kpis.ReviewInput | None:
        return kpis.review_input(self.key)

    @property
    def title(self) -> str:
        spec = self.spec
        return spec.title if spec else self.key


class Decision(ChildRecord):
    """An output of the review (9.3.3): an improvement opportunity, a change to the QMS or a
    resource need, with the actions that carry it out. Open while any of its actions is."""

    class Kind(models.TextChoices):
        IMPROVEMENT = "improvement", "Improvement opportunity"
        CHANGE = "change", "Change to the QMS"
        RESOURCE = "resource", "Resource need"

    parent_field, url_kwarg, anchor = "review", "decision_pk", "#decisions"
    page = "reviews:decision_detail"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField(editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    input_key = models.CharField(
        "from the input",
        max_length=40,
        blank=True,
        choices=[(i.key, i.title) for i in kpis.REVIEW_INPUTS],
    )
    text = models.TextField("decision")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="reviews_decision_number")]

    def __str__(self) -> str:
        return f"D{self.number} {shorten(self.text, 81)}"

    def edit_refused(self) -> str | None:
        if self.review.is_signed:
            return "The minutes are signed: their decisions stand as recorded."
        return None

    def removal_refused(self) -> str | None:
        if self.review.is_signed:
            return "The minutes are signed: their decisions stand as recorded."
        if self.actions.exists():
            return "Cancel its actions instead: a decision with actions stays on record."
        return None


class ReviewAction(ChildRecord):
    """An action a decision calls for, with its owner and due date: a due item in their My work,
    alerts, digest and escalation until it is done."""

    parent_field, url_kwarg, anchor = "decision", "action_pk", "#actions"
    assignee_field, due_field, assignee_fields = "owner", "due_date", ("note",)
    page = "reviews:action_detail"
    history_related = ("decision",)
    workflow = Workflow(
        statuses=[(OPEN_ACTION, "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
        transitions=[
            Transition("finish", "Done", (OPEN_ACTION,), "done", WORKERS, style="success"),
            Transition(
                "cancel",
                "Cancel",
                (OPEN_ACTION,),
                "cancelled",
                RUNNERS,
                reason_required=True,
                reason_prompt="Say why the action is cancelled.",
                style="outline-secondary",
            ),
            Transition(
                "reopen", "Reopen", ("done", "cancelled"), OPEN_ACTION, RUNNERS, style="outline-secondary"
            ),
        ],
        initial=OPEN_ACTION,
        closed=frozenset({"done", "cancelled"}),
    )

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField("action", max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=workflow.choices, default=OPEN_ACTION, editable=False)
    note = models.TextField("progress note", blank=True)
    done_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = "review action"
        # The register of review actions pages by due date.
        indexes = [models.Index(fields=["due_date", "id"], name="reviews_action_register")]

    def __str__(self) -> str:
        return self.title
