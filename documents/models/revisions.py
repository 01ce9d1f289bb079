"""A document's revisions, their files, the review and approval steps of each submission round,
and the read-and-acknowledge of the people on the distribution list: child rows of the document,
each with its own workflow."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse

from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Signature, StoredFile, due_index, owner_due_index
from qms.workflow import Transition, Workflow

from .documents import Document

# Moves no person performs directly: the services make them (a revision superseded when the next
# one becomes effective, everything withdrawn when the document is made obsolete).
BY_SERVICE: frozenset[str] = frozenset()
# Who is named to review or approve the revision's current round (``Revision.extra_relations``).
SIGNER = frozenset({"signer"})
ASSIGNEE = frozenset({"assignee"})


def _every_step_signed(revision: Revision) -> str | None:
    pending = revision.steps.filter(round=revision.round, decision=ReviewStep.Decision.PENDING)
    return "Every reviewer and approver must sign first." if pending.exists() else None


class Revision(ChildRecord):
    """One issue of a document: its files, change summary and label, moving through review and
    approval to effective and, once replaced, superseded. Only ``documents.services`` change it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        EFFECTIVE = "effective", "Effective"
        SUPERSEDED = "superseded", "Superseded"
        OBSOLETE = "obsolete", "Obsolete"
        WITHDRAWN = "withdrawn", "Withdrawn"

    IN_WORK = (Status.DRAFT, Status.IN_REVIEW, Status.APPROVED)
    NOT_CURRENT = (Status.SUPERSEDED, Status.OBSOLETE, Status.WITHDRAWN)

    parent_field, url_kwarg = "document", "revision_pk"
    history_related = ("document",)
    workflow = Workflow(
        statuses=Status.choices,
        transitions=[
            Transition(
                "submit", "Send for review", ("draft",), "in_review", allowed=CHANGE_RELATIONS, form=True
            ),
            Transition(
                "return_to_draft",
                "Reject and return to the author",
                ("in_review",),
                "draft",
                allowed=SIGNER,
                reason_required=True,
                form=True,
            ),
            Transition(
                "approve",
                "Approve",
                ("in_review",),
                "approved",
                allowed=SIGNER,
                guards=(_every_step_signed,),
                form=True,
            ),
            Transition("make_effective", "Make effective", ("approved",), "effective", allowed=BY_SERVICE),
            Transition("supersede", "Supersede", ("effective",), "superseded", allowed=BY_SERVICE),
            Transition("make_obsolete", "Make obsolete", ("effective",), "obsolete", allowed=BY_SERVICE),
            Transition("withdraw", "Withdraw", IN_WORK, "withdrawn", allowed=BY_SERVICE),
        ],
        initial=Status.DRAFT,
        closed=frozenset(NOT_CURRENT),
    )

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="revisions")
    label = models.CharField("revision", max_length=20)
    change_summary = models.TextField("change summary")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The submission round: each submission for review starts a fresh set of review steps. The
    # history names it as the revision's page does ("Round" of its review steps).
    round = models.PositiveSmallIntegerField("review round", default=0, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    effective_date = models.DateField(
        "effective date",
        null=True,
        blank=True,
        help_text="The day it replaces the current revision. Empty: as soon as it is approved.",
    )
    effective_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField("superseded / obsolete at", null=True, blank=True, editable=False)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # The kernel's electronic signatures on this revision ("Reviewed", "Approved").
    signatures = GenericRelation(Signature)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The drafts among ten years of revisions: a rejected draft to rework is a due item of
        # its author, found through this instead of reading all 15,000 revisions.
        indexes = [models.Index(fields=["author"], condition=Q(status="draft"), name="documents_rev_drafts")]
        constraints = [
            # The guarantee of 7.5.3: never two effective revisions of one document, whatever
            # the code above it does.
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="effective"),
                name="documents_one_effective_revision",
            ),
            models.UniqueConstraint(fields=["document", "label"], name="documents_unique_revision_label"),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} rev. {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("documents:revision_detail", args=[self.document_id, self.pk])

    def extra_relations(self, user) -> set[str]:
        """A person named to review or approve the current round is a "signer" of it."""
        named = self.steps.filter(round=self.round, user_id=user.pk)
        return set(SIGNER) if self.round and named.exists() else set()

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.EFFECTIVE

    @property
    def is_in_work(self) -> bool:
        return self.status in self.IN_WORK

    @property
    def currency_mark(self) -> str:
        """What every page and download of a revision that is not the current one says."""
        if self.status == self.Status.SUPERSEDED:
            return "SUPERSEDED – NOT CURRENT"
        if self.status in (self.Status.OBSOLETE, self.Status.WITHDRAWN):
            return f"{self.get_status_display().upper()} – NOT CURRENT"
        if self.status in self.IN_WORK:
            return "DRAFT – NOT RELEASED FOR USE"
        return ""

    def not_draft_message(self) -> str:
        return f"Revision {self.label} is {self.get_status_display().lower()}; only a draft can be changed."


def _plain(name: str) -> str:
    """A file name compared without case, spacing or separators: "DRW_40512-rev-C" ~ "drw 40512 rev c"."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


class RevisionFile(ChildRecord, StoredFile):
    """A file of a revision (the drawing PDF, the native file), in the kernel's file store and
    read back only through its permission-checked download."""

    parent_field, url_kwarg = "revision", "file_pk"
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="files")

    store_folder = "documents/"

    class Meta:
        ordering = ["original_name", "pk"]

    def removal_refused(self) -> str | None:
        """A draft's file may be removed (with a reason); a file that was sent for review or
        signed stays with its revision for good."""
        revision = self.revision
        return None if revision.status == Revision.Status.DRAFT else revision.not_draft_message()

    def download_name(self, mark: str = "") -> str:
        """``DRW-40512 rev B - bracket - SUPERSEDED – NOT CURRENT.pdf``: a copy of a revision that
        is not the current one says so in its very name, and so does a copy that carries no stamp
        (``mark``). A file named after its revision already is not named twice."""
        from qms.uploads import safe_filename

        revision = self.revision
        stem, ext = os.path.splitext(safe_filename(self.original_name))
        prefix = f"{safe_filename(revision.document.number)} rev {safe_filename(revision.label)}"
        parts = [prefix]
        if _plain(stem) not in (_plain(prefix), _plain(revision.document.number)):
            parts.append(stem)
        parts += [m for m in (revision.currency_mark, mark) if m]
        return " - ".join(parts) + ext

    def download_headers(self) -> dict[str, str]:
        return {"X-Document-Status": self.revision.status}


class ReviewStep(ChildRecord):
    """One person asked to review or approve a revision in one submission round, and their
    decision (signed, or rejected with a reason)."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        APPROVAL = "approval", "Approval"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        SIGNED = "signed", "Signed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    class Meaning(models.TextChoices):
        """What the signature of a step means; the kernel's signature keeps the label."""

        REVIEWED = "reviewed", "Reviewed"
        APPROVED = "approved", "Approved"

    parent_field, url_kwarg = "revision", "step_pk"
    history_related = ("revision__document", "user")
    status_field, assignee_field, due_field = "decision", "user", "due_date"
    workflow = Workflow(
        statuses=Decision.choices,
        transitions=[
            Transition("sign", "Sign", ("pending",), "signed", allowed=ASSIGNEE, form=True),
            Transition(
                "reject",
                "Reject",
                ("pending",),
                "rejected",
                allowed=ASSIGNEE,
                reason_required=True,
                form=True,
            ),
            Transition("cancel", "Cancel", ("pending",), "cancelled", allowed=BY_SERVICE),
        ],
        initial=Decision.PENDING,
        closed=frozenset({Decision.SIGNED, Decision.REJECTED, Decision.CANCELLED}),
    )

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="steps")
    round = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("respond by")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    signature = models.OneToOneField(
        Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["round", "kind", "pk"]
        indexes = [due_index("documents_step_pending_due", open_rows=Q(decision="pending"), owner="user")]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "round", "kind", "user"], name="documents_unique_review_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.revision} by {self.user}"

    @property
    def meaning(self) -> ReviewStep.Meaning:
        return self.Meaning.REVIEWED if self.kind == self.Kind.REVIEW else self.Meaning.APPROVED


class Acknowledgment(ChildRecord):
    """A person on the distribution list confirming they have read an effective revision. A
    pending one means the person may still be working to the old revision."""

    personal_assignee = True  # not handed over when the person leaves

    class Status(models.TextChoices):
        PENDING = "pending", "Not yet acknowledged"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        WITHDRAWN = "withdrawn", "Withdrawn (no longer asked for: revision out of force, or the person left)"

    parent_field, url_kwarg = "revision", "ack_pk"
    history_related = ("revision__document", "user")
    assignee_field, due_field = "user", "due_date"
    workflow = Workflow(
        statuses=Status.choices,
        transitions=[
            Transition("acknowledge", "I have read it", ("pending",), "acknowledged", allowed=ASSIGNEE),
            Transition("withdraw", "Withdraw", ("pending",), "withdrawn", allowed=BY_SERVICE),
        ],
        initial=Status.PENDING,
        closed=frozenset({Status.ACKNOWLEDGED, Status.WITHDRAWN}),
    )

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="acknowledgments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["revision", "user"], name="documents_unique_ack")]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            due_index("documents_ack_pending_due", open_rows=Q(status="pending"), owner="user"),
            owner_due_index("documents_ack_pending_owner", open_rows=Q(status="pending"), owner="user"),
        ]

    def __str__(self) -> str:
        # Who and which revision: its status is said beside it (a history row read "…: Withdrawn ·
        # Withdrawn", and its "Created" row today's status).
        return f"{self.user} – {self.revision}"
