"""Changes asked for and reviews made of a document: change requests (from anyone, or raised by
another module's record) and the owner's periodic reviews. Child rows of the document."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord
from qms.workflow import Transition, Workflow

from .documents import Document
from .revisions import Revision


class PeriodicReview(ChildRecord):
    """The owner's periodic check that a document is still right, with its outcome and reason."""

    class Outcome(models.TextChoices):
        NO_CHANGE = "no_change", "Still valid, no change"
        REVISE = "revise", "Needs revising (opens a new draft revision)"
        OBSOLETE = "obsolete", "Make obsolete"

    parent_field, url_kwarg = "document", "review_pk"
    history_related = ("document",)

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="periodic_reviews")
    revision = models.ForeignKey(Revision, null=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)
    next_review_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.document.number}: {self.get_outcome_display()}"


class ChangeRequest(ChildRecord):
    """A request to change a document, from anyone (or from another module, e.g. a CAPA). The
    owner accepts it, opening a new draft revision, or rejects it with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    parent_field, url_kwarg, due_field = "document", "request_pk", "due_date"
    history_related = ("document",)
    workflow = Workflow(
        statuses=Status.choices,
        transitions=[
            Transition("accept", "Accept", ("open",), "accepted", allowed=CHANGE_RELATIONS, form=True),
            Transition(
                "reject",
                "Reject",
                ("open",),
                "rejected",
                allowed=CHANGE_RELATIONS,
                reason_required=True,
                form=True,
            ),
        ],
        initial=Status.OPEN,
        closed=frozenset({Status.ACCEPTED, Status.REJECTED}),
    )

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="change_requests")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("requested change and why")
    due_date = models.DateField("decide by")
    # Where it came from, when another record raised it (a CAPA, an NCR): shown and linked.
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_reference = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="change_requests"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"Change request #{self.pk} on {self.document.number}"
