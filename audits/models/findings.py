"""Audit findings (ISO 9001 9.2.2): what an audit found, against which clause, with the objective
evidence; answered by the audited department through the NCR or CAPA it raises."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from qms.models import Record, due_index
from qms.workflow import Transition, Workflow

from .. import clauses
from .audits import QUALITY, Audit, ChecklistItem


def auditee_refusal(owner, department) -> str | None:
    """A finding is answered by someone of the audited department (its head or one of its people)."""
    if owner.department_id != department.pk and department.head_id != owner.pk:
        return f"The auditee answers for {department}: choose someone of that department."
    return None


def _raised_closed(finding: Finding) -> str | None:
    if not finding.needs_action:
        return None
    raised = finding.raised_records()
    if not raised:
        return "A major or minor finding closes through the NCR or CAPA it raises: raise one first."
    still = [r.display_reference for r in raised if not r.is_closed]
    if still:
        verb = "is" if len(still) == 1 else "are"
        return f"{', '.join(still)} {verb} still open: the finding closes when it is."
    return None


class Finding(Record):
    """An audit finding: its grade, the clause and the objective evidence. The audited department
    answers it (its owner is the auditee responsible); a major or minor finding raises an NCR or a
    CAPA, linked both ways, and closes only when that record does."""

    class Grade(models.TextChoices):
        MAJOR = "major", "Major nonconformity"
        MINOR = "minor", "Minor nonconformity"
        OBSERVATION = "observation", "Observation"
        OFI = "ofi", "Opportunity for improvement"

    reference_prefix = "AF"
    # The auditors write the finding; the auditee answers through the NCR or CAPA it raises.
    change_relations = frozenset({"quality", "auditor"})
    due_label = "response due"
    workflow = Workflow(
        statuses=[("open", "Open"), ("closed", "Closed")],
        transitions=[
            Transition(
                "close",
                "Close finding",
                ("open",),
                "closed",
                # "system": the background job closing it when the NCR or CAPA it raised closes.
                frozenset({"quality", "auditor", "system"}),
                guards=(_raised_closed,),
                style="success",
            ),
            Transition(
                "reopen",
                "Reopen",
                ("closed",),
                "open",
                QUALITY,
                reason_required=True,
                style="outline-secondary",
            ),
        ],
        initial="open",
        closed=frozenset({"closed"}),
    )

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="findings")
    item = models.ForeignKey(
        ChecklistItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        verbose_name="checklist question",
    )
    grade = models.CharField(max_length=12, choices=Grade.choices)
    clause = models.CharField(max_length=10, choices=clauses.CHOICES, blank=True)
    evidence = models.TextField("objective evidence", blank=True)
    closed_on = models.DateField(null=True, blank=True, editable=False)

    class Meta(Record.Meta):
        verbose_name = "audit finding"
        verbose_name_plural = "audit findings"
        indexes = [
            *Record.Meta.indexes,
            due_index("audits_finding_due", open_rows=~Q(status__in=("closed",))),  # as the due items ask
        ]

    @property
    def needs_action(self) -> bool:
        return self.grade in (self.Grade.MAJOR, self.Grade.MINOR)

    def clean(self) -> None:
        """Against a clause in its audit's scope, answered by someone of the audited department."""
        super().clean()
        errors = {}
        if self.clause and self.audit_id and self.clause not in self.audit.clauses:
            scope = ", ".join(sorted(self.audit.clauses, key=clauses.sort_key))
            errors["clause"] = (
                f"Clause {self.clause} is outside the audit's scope ({scope}): record the finding "
                "against a clause in scope, or widen the scope first."
            )
        if self.owner_id and self.department_id and (refused := auditee_refusal(self.owner, self.department)):
            errors["owner"] = refused
        if errors:
            raise ValidationError(errors)

    @classmethod
    def extra_scope_q(cls, user) -> Q:
        """The lead auditor and the team read the findings of their audit."""
        team = Audit.team.through.objects.filter(user=user).values("audit_id")
        return Q(audit__owner=user) | Q(audit_id__in=team)

    def extra_relations(self, user) -> set[str]:
        if user.is_system:
            return {"system"}
        audit = self.audit
        if audit.owner_id == user.pk or audit.on_team(user):
            return {"auditor"}
        return set()

    def raised_records(self) -> list:
        """The NCRs and CAPAs linked to this finding (raised from it, or linked by hand)."""
        from ..selectors import raised_for

        return raised_for([self]).get(self.pk, [])
