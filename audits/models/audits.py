"""Internal audits (ISO 9001 9.2): the programme of a year, the audits it plans (scope, lead auditor
and team, criteria), the checklist each audit is answered against clause by clause, with photos,
and the findings, each of which a major or minor one closes only when the NCR or CAPA it raised
does."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from qms.models import ChildRecord, Department, Process, Record, StoredFile
from qms.scoped import read_only
from qms.workflow import Transition, Workflow

from .. import clauses

QUALITY = frozenset({"quality"})
# Who runs an audit: its lead auditor (the owner), the team, the quality manager. Never the head of
# the department running it just for being head: the auditee must not edit the audit.
RUNNERS = frozenset({"owner", "quality", "team"})


class Programme(Record):
    """The audit programme of one year (9.2.2 a): which processes and clauses are audited when,
    planned on their importance, their risks and the results of previous audits. The company's own
    checklist questions are kept with it."""

    reference_prefix = "AP"
    visibility = "company"  # everyone may read the year's programme
    create_roles = QUALITY
    change_relations = frozenset({"owner", "quality"})
    due_label = "runs to"
    workflow = Workflow(
        statuses=[("active", "Active"), ("closed", "Closed")],
        transitions=[
            Transition("close", "Close the year", ("active",), "closed", QUALITY, style="outline-secondary"),
            Transition(
                "reopen",
                "Reopen",
                ("closed",),
                "active",
                QUALITY,
                reason_required=True,
                style="outline-secondary",
            ),
        ],
        initial="active",
        closed=frozenset({"closed"}),
    )

    year = models.PositiveIntegerField(
        unique=True,
        validators=[
            MinValueValidator(2000, "Give the year of the programme, 2000 to 2100."),
            MaxValueValidator(2100, "Give the year of the programme, 2000 to 2100."),
        ],
    )
    notes = models.TextField(blank=True, help_text="How the programme was planned: risks, previous results.")

    class Meta(Record.Meta):
        verbose_name = "audit programme"
        verbose_name_plural = "audit programmes"


class ProgrammeQuestion(ChildRecord):
    """A checklist question of the company's own for one clause: asked in every audit of the
    programme whose scope has the clause, beside the standard's question."""

    parent_field, url_kwarg, anchor = "programme", "question_pk", "#questions"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="questions")
    clause = models.CharField(max_length=10, choices=clauses.CHOICES)
    text = models.CharField("question", max_length=300)

    class Meta:
        ordering = ["clause", "pk"]
        verbose_name = "checklist question"

    def __str__(self) -> str:
        return f"{self.clause}: {self.text}"

    def removal_refused(self) -> str | None:
        return None  # a question asked in no audit yet may go; answered ones are copied onto the audit


def _checklist_answered(audit: Audit) -> str | None:
    left = audit.items.filter(answer="").count()
    if not audit.items.exists():
        return "The audit has no checklist: add the clauses in scope first."
    if left:
        return f"{left} checklist question{'s are' if left != 1 else ' is'} not answered yet."
    return None


def _findings_closed(audit: Audit) -> str | None:
    still = list(audit.findings.exclude(status="closed").values_list("reference", flat=True)[:5])
    if still:
        return f"Findings are still open ({', '.join(still)}): the audit closes when they are."
    return None


class AuditQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=Audit.workflow.closed)

    def overdue(self, today=None):
        """An audit is late while it has not started by its planned date."""
        from django.utils import timezone

        return self.filter(status="planned", due_date__lt=today or timezone.localdate())


class Audit(Record):
    """An internal audit: its scope (process, clauses, departments), the planned date (the due
    date), the lead auditor (its owner) and team, the criteria; the checklist answered during the
    audit, the findings, and the report."""

    reference_prefix = "IA"
    create_roles = QUALITY  # the quality manager owns the programme and plans its audits
    change_relations = RUNNERS
    due_label = "planned for"
    late_statuses = frozenset({"planned"})  # late while it has not taken place by its date
    workflow = Workflow(
        statuses=[
            ("planned", "Planned"),
            ("in_progress", "In progress"),
            ("reported", "Reported"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        transitions=[
            Transition("start", "Start the audit", ("planned",), "in_progress", RUNNERS),
            Transition(
                "report",
                "Issue the report",
                ("in_progress",),
                "reported",
                RUNNERS,
                guards=(_checklist_answered,),
                form=True,
            ),
            Transition(
                "close",
                "Close the audit",
                ("reported",),
                "closed",
                RUNNERS,
                guards=(_findings_closed,),
                style="success",
            ),
            Transition(
                "amend",
                "Reopen the report",
                ("reported",),
                "in_progress",
                QUALITY,
                reason_required=True,
                reason_prompt="Say what the report must take in (a finding found late, an answer "
                "corrected); it is issued again.",
                style="outline-secondary",
            ),
            Transition(
                "cancel",
                "Cancel",
                ("planned",),
                "cancelled",
                QUALITY,
                reason_required=True,
                reason_prompt="Say why the audit is cancelled (it is planned again in the programme).",
                style="outline-danger",
            ),
            Transition(
                "reopen",
                "Reopen",
                ("closed",),
                "reported",
                QUALITY,
                reason_required=True,
                style="outline-secondary",
            ),
        ],
        initial="planned",
        closed=frozenset({"closed", "cancelled"}),
    )

    def clean(self) -> None:
        """Planned within its programme's year: that year's programme counts it."""
        super().clean()
        if self.programme_id and self.due_date and self.due_date.year != self.programme.year:
            raise ValidationError(
                {
                    "due_date": f"{self.programme.reference} is the programme of {self.programme.year}: plan "
                    f"the audit within that year, or in the programme of {self.due_date.year}."
                }
            )

    def edit_refused(self) -> str | None:
        if self.status == "reported":
            return "A reported audit is not changed: its report stands as issued."
        return None

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="audits")
    process = models.ForeignKey(
        Process,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The process audited.",
    )
    clauses = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    audited_departments = models.ManyToManyField(
        Department, related_name="+", verbose_name="departments audited"
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="audit team"
    )
    criteria = models.TextField(
        blank=True, help_text="Against what: ISO 9001:2015, the procedures, customer requirements."
    )
    started_on = models.DateField(null=True, blank=True, editable=False)
    reported_on = models.DateField(null=True, blank=True, editable=False)
    summary = models.TextField(blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta(Record.Meta):
        verbose_name = "internal audit"
        verbose_name_plural = "internal audits"

    @property
    def lead(self):
        return self.owner

    @property
    def done_on_schedule(self) -> bool | None:
        if self.reported_on is None or self.due_date is None:
            return None
        return self.started_on is not None and self.started_on <= self.due_date

    @classmethod
    def extra_scope_q(cls, user) -> Q:
        """The team reads the audit it is in; the audited departments read their audit."""
        team = Audit.team.through.objects.filter(user=user).values("audit_id")
        q = Q(pk__in=team)
        if user.department_id:
            audited = Audit.audited_departments.through.objects.filter(department_id=user.department_id)
            q |= Q(pk__in=audited.values("audit_id"))
        return q

    def extra_relations(self, user) -> set[str]:
        return {"team"} if self.on_team(user) else set()

    def on_team(self, user) -> bool:
        """Whether ``user`` is one of the audit team: asked once while a request that changes
        nothing is answered (the audit's relations, a question's, who may record a finding)."""
        if not self.pk:
            return False
        return read_only.get(("audits.team", self.pk, user.pk), lambda: self.team.filter(pk=user.pk).exists())

    def clause_labels(self) -> list[str]:
        return [clauses.label(c) for c in sorted(self.clauses, key=clauses.sort_key)]


class ChecklistItem(ChildRecord):
    """One question of an audit's checklist, for one clause in scope, answered during the audit:
    conforming, a finding, or not applicable, with notes and photos."""

    class Answer(models.TextChoices):
        OPEN = "", "Not answered"
        CONFORMING = "conforming", "Conforming"
        FINDING = "finding", "Finding"
        NA = "na", "Not applicable"

    parent_field, url_kwarg, anchor = "audit", "item_pk", "#checklist"
    page = "audits:item_detail"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0, editable=False)
    clause = models.CharField(max_length=10, choices=clauses.CHOICES)
    question = models.CharField(max_length=300)
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True, default="")
    notes = models.TextField(blank=True, help_text="What was seen, asked, sampled.")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "checklist question"

    def __str__(self) -> str:
        return f"{self.clause} {self.question}"

    def removal_refused(self) -> str | None:
        if self.audit.status != "planned":
            return "The audit has started: answer the question “not applicable” instead."
        return None

    def edit_refused(self) -> str | None:
        return _report_stands(self.audit)

    @classmethod
    def add_refused(cls, parent) -> str | None:
        return _report_stands(parent)


def _report_stands(audit: Audit) -> str | None:
    """Once its report is issued an audit's checklist is what the report says: the quality
    manager reopens the report to change it (``amend``)."""
    if audit.status == "reported":
        return (
            f"The report of {audit.reference} is issued: its checklist stands as reported (the quality "
            "manager may reopen the report)."
        )
    return None


class ChecklistPhoto(StoredFile, ChildRecord):
    """A photo (or a scanned record) taken as evidence while answering a checklist question."""

    parent_field, store_folder, anchor = "item", "audits/", "#photos"

    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        ordering = ["pk"]
        verbose_name = "photo"

    def removal_refused(self) -> str | None:
        return (
            None
            if self.root.status in ("planned", "in_progress")
            else "The audit is reported: its evidence stays."
        )

    @classmethod
    def add_refused(cls, parent) -> str | None:
        return _report_stands(parent.audit)
