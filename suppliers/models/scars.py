"""Supplier corrective action requests (SCAR): raised from a supplier NCR, sent to the supplier's
quality contact, answered with an 8D by a due date, accepted or sent back with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from qms.models import Record, due_index, search_index
from qms.workflow import Transition, Workflow

from .suppliers import KEEPERS, Supplier, SupplierContact

OPEN = ("draft", "sent", "answered")


class Scar(Record):
    """A supplier corrective action request: what went wrong, sent to the supplier with a date by
    which they answer with an 8D (containment, root cause, corrective and preventive action), which
    purchasing or quality records and then accepts, or rejects with a reason (sent back)."""

    reference_prefix = "SCAR"
    visibility = "company"
    create_roles = frozenset({"head", "quality", "steward"})
    change_relations = KEEPERS
    due_label = "response due"
    workflow = Workflow(
        statuses=[
            ("draft", "Draft"),
            ("sent", "Sent · awaiting answer"),
            ("answered", "Answered · to review"),
            ("accepted", "Accepted"),
            ("cancelled", "Cancelled"),
        ],
        transitions=[
            Transition("send", "Send to supplier", ("draft",), "sent", KEEPERS, form=True),
            Transition("answer", "Record the 8D answer", ("sent",), "answered", KEEPERS, form=True),
            Transition("accept", "Accept", ("answered",), "accepted", KEEPERS, style="success"),
            Transition(
                "reject",
                "Reject the answer",
                ("answered",),
                "sent",
                KEEPERS,
                form=True,
                style="outline-danger",
            ),
            Transition(
                "cancel",
                "Cancel",
                ("draft", "sent"),
                "cancelled",
                KEEPERS,
                reason_required=True,
                style="outline-secondary",
            ),
        ],
        initial="draft",
        closed=frozenset({"accepted", "cancelled"}),
    )

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="scars")
    contact = models.ForeignKey(
        SupplierContact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who receives it; their email is used.",
    )
    send_to = models.EmailField("send to", blank=True, help_text="Email address, when no contact is chosen.")
    problem = models.TextField("nonconformity", help_text="What was found, on which part and delivery.")
    requirement = models.TextField(
        "what we ask",
        blank=True,
        default="An 8D answer: containment, root cause, corrective and preventive action.",
    )
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    containment = models.TextField("containment (D3)", blank=True, editable=False)
    root_cause = models.TextField("root cause (D4)", blank=True, editable=False)
    corrective_action = models.TextField("corrective action (D5–D6)", blank=True, editable=False)
    preventive_action = models.TextField("preventive action (D7)", blank=True, editable=False)
    answered_on = models.DateField("answered on", null=True, blank=True, editable=False)
    answered_late = models.BooleanField(default=False, editable=False)
    rejections = models.PositiveSmallIntegerField(default=0, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decision_note = models.TextField(blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "SCAR"
        verbose_name_plural = "SCARs"
        indexes = [
            *Record.Meta.indexes,
            # The open rows as the due items ask for them (not closed): PostgreSQL cannot tell that
            # "not accepted or cancelled" means "draft or sent", and read the whole table.
            due_index("suppliers_scar_open_due", open_rows=~Q(status__in=("accepted", "cancelled"))),
            models.Index(fields=["supplier", "status"], name="suppliers_scar_supplier"),
            search_index("suppliers_scar_search", "reference", "title"),
        ]

    @property
    def recipient(self) -> str:
        return (self.contact.email if self.contact_id and self.contact.email else "") or self.send_to
