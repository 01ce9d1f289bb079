"""The CAPA record (ISO 9001 10.2, 10.1): a corrective or preventive action, or an improvement,
taken from containment through root cause analysis and actions to verification, closing and a
later effectiveness check.

The workflow gates (no verification while an action is open, no closing without a planned
effectiveness check and the 10.2.1 e–f questions answered) are guards on the declared transitions
here, and effects registered by ``capa.services``, so they hold whichever view, task or command
moves the record.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from qms.models import Record, due_index, search_index
from qms.workflow import Transition, Workflow

from .fields import stamped_by
from .ncr import CauseCategory, Nonconformity, Severity, Source

if TYPE_CHECKING:
    from .actions import EffectivenessCheck

OPEN_ACTION_STATUSES = ("open", "in_progress")
# While a CAPA is in these statuses its analysis is draft work: a why or a fishbone cause may be
# removed (with a reason). Once actions are planned on it, the analysis stands as recorded.
DRAFT_ANALYSIS_STATUSES = ("open", "containment", "investigation")
# The effectiveness check is judged once the actions are verified, and months after closing.
CHECK_JUDGED_STATUSES = ("verification", "closed")
# What "closed on time" judges: the CAPAs closed with a target date (the others are not
# counted), and of them those closed by it, the day of closing read in local time.
CLOSED_WITH_TARGET = Q(closed_at__isnull=False, due_date__isnull=False)
CLOSED_ON_TIME = Q(closed_at__date__lte=F("due_date"))


def open_on(day: dt.date) -> Q:
    """The CAPAs open at the end of ``day`` (local time), as their rows stand: created by then and
    not closed by then. Reopening a CAPA clears its closing time, so one reopened since counts as
    open from its creation on; the aging figure and the register's "open on" read it alike.
    Compared as datetimes from local midnight, which the indexes on both columns answer."""
    if day >= dt.date.max:  # the last day there is: whatever is open now
        return Q(closed_at__isnull=True)
    after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone())
    return Q(created_at__lt=after) & (Q(closed_at__isnull=True) | Q(closed_at__gte=after))


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


def _containment_finished(capa: Capa) -> str | None:
    """The stock sorted, the lot quarantined: a CAPA does not close over a containment action still
    open (its owner is still working on it, and the CAPA would leave their My work with it)."""
    still_open = capa.containment_actions.filter(status="open").count()
    if still_open:
        return (
            f"{still_open} containment action{'s are' if still_open > 1 else ' is'} still open: "
            "finish or cancel containment before closing."
        )
    return None


# The actions that remove the cause (ISO 9001 10.2.1 b–c), as against a correction, which deals
# with the parts (re-work the lot). Their owners never judge the effectiveness check.
IMPLEMENTING_KINDS = ("corrective", "preventive")


def _has_an_action(capa: Capa) -> str | None:
    """A CAPA verified on a correction alone would verify nothing done about the cause."""
    if not capa.actions.filter(kind__in=IMPLEMENTING_KINDS).exclude(status="cancelled").exists():
        return (
            "Add at least one corrective or preventive action before verification: a correction "
            "deals with the parts, not with the cause (ISO 9001 10.2.1 c)."
        )
    return None


def _root_cause_known(capa: Capa) -> str | None:
    if not capa.root_cause.strip():
        return "Record the root cause (the conclusion of the 5 whys or fishbone) before planning actions."
    return None


def _ncrs_dispositioned(capa: Capa) -> str | None:
    """The nonconforming product is decided before the CAPA closes: a CAPA closed over an NCR
    with no disposition leaves the parts themselves (scrap, rework, use as is?) undecided. Counted,
    not named: the closer may not see every NCR behind the CAPA."""
    undecided = capa.nonconformities.filter(status="open").count()
    if undecided:
        return (
            f"{undecided} nonconformit{'ies' if undecided > 1 else 'y'} (NCR) of this CAPA "
            f"{'have' if undecided > 1 else 'has'} no disposition yet: decide what happens to the "
            "nonconforming product before closing."
        )
    return None


def _check_planned(capa: Capa) -> str | None:
    """Closed with its effectiveness check planned, or already signed effective (judged early,
    with a reason, while the CAPA was being verified: nothing is left to plan). "Not effective"
    reopens the CAPA, so it never stands here."""
    latest = capa.checks.order_by("-pk").first()
    if latest is not None and latest.result == "effective":
        return None
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
    attach_relations = frozenset({"action_owner"})  # the evidence an action was done
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
                guards=(_no_open_action, _containment_finished, _ncrs_dispositioned, _check_planned),
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
    documents_change = models.BooleanField("documents must change", null=True, editable=False)
    documents_note = models.TextField(blank=True, editable=False)
    closed_by = stamped_by()
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "CAPA"
        verbose_name_plural = "CAPAs"
        indexes = [
            *Record.Meta.indexes,
            due_index("capa_capa_open_due", open_rows=~Q(status="closed")),
            # The KPIs count CAPAs closed in a month (closed on time, aging) over ten years of them,
            # and the CAPAs open on a day (``open_on``: not closed, or closed after it), which reads
            # the rows without a closing time from the same index: 34 → 4 ms for a year's aging.
            models.Index(fields=["closed_at"], name="capa_capa_closed"),
            search_index("capa_capa_search", "reference", "title", "customer", "customer_reference"),
        ]

    def extra_relations(self, user) -> set[str]:
        """The designated verifier of a pending effectiveness check may judge it (and so reopen);
        the owner of one of its actions or containment actions attaches the evidence
        (``attach_relations``)."""
        found = set()
        if self.pk and self.checks.filter(verifier=user, result="pending").exists():
            found.add("verifier")
        if self.pk and (
            self.actions.filter(owner=user).exists() or self.containment_actions.filter(owner=user).exists()
        ):
            found.add("action_owner")
        return found

    @property
    def aging_days(self) -> int:
        # Local days, as the register's and the CSV's figure (the database's TruncDate) counts them.
        end = self.closed_at or timezone.now()
        return (timezone.localdate(end) - timezone.localdate(self.created_at)).days

    @property
    def analysis_is_draft(self) -> bool:
        """May whys and fishbone causes still be removed (before actions are planned)?"""
        return self.status in DRAFT_ANALYSIS_STATUSES

    def pending_check(self) -> EffectivenessCheck | None:
        return self.checks.filter(result="pending").order_by("-pk").first()
