"""A person's training file and what it holds: the job roles they hold, their training records
(with evidence and the effectiveness evaluation that follows), the training needs created for
them, and when they are absent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from documents.models import Revision
from qms.models import ChildRecord, Record, StoredFile, due_index, search_index
from qms.workflow import Transition, Workflow

from .catalogue import LEVEL_VALIDATORS, Competence, JobRole, Level

# Who keeps a training file: the person's head, the HR steward, the quality manager. Never the
# person themselves: nobody records their own training.
MANAGERS = frozenset({"head", "quality", "steward"})


class TrainingFile(Record):
    """One person's training file (its owner is the person): the evidence of their competence
    that ISO 9001 7.2 d asks to keep."""

    reference_prefix = "TF"
    personal = True  # colleagues do not read each other's training files
    create_roles = MANAGERS
    change_relations = MANAGERS
    workflow = Workflow(
        statuses=[("open", "Open"), ("closed", "Closed")],
        transitions=[
            Transition(
                "close",
                "Close (left the company)",
                ("open",),
                "closed",
                allowed=MANAGERS,
                reason_required=True,
                style="outline-danger",
                confirm="Close this training file? The person no longer counts for coverage or the matrix.",
            ),
            Transition("reopen", "Reopen", ("closed",), "open", allowed=MANAGERS, reason_required=True),
        ],
        initial="open",
        closed=frozenset({"closed"}),
    )

    note = models.TextField(
        "education and experience",
        blank=True,
        help_text="What the person brought with them: education, previous jobs, languages.",
    )

    class Meta(Record.Meta):
        verbose_name = "training file"
        ordering = ["title", "pk"]
        # The register lists files by title and pages by keyset on (title, id).
        indexes = [*Record.Meta.indexes, models.Index(fields=["title", "id"], name="training_file_title")]
        constraints = [models.UniqueConstraint(fields=["owner"], name="training_one_file_per_person")]

    @property
    def person(self):
        return self.owner


class RoleAssignment(ChildRecord):
    """A job role the person holds in their department, since a date."""

    parent_field, anchor = "file", "#roles"
    history_related = ("job_role",)
    workflow = Workflow(
        statuses=[("held", "Held"), ("ended", "Ended")],
        transitions=[
            Transition("end", "End", ("held",), "ended", allowed=MANAGERS, style="outline-secondary"),
        ],
        initial="held",
        closed=frozenset({"ended"}),
    )

    file = models.ForeignKey(TrainingFile, on_delete=models.CASCADE, related_name="roles")
    job_role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="assignments")
    since = models.DateField("held since")
    until = models.DateField("ended on", null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=workflow.choices, default="held", editable=False)

    class Meta:
        verbose_name = "job role held"
        verbose_name_plural = "job roles held"
        ordering = ["status", "job_role__title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "job_role"],
                condition=Q(status="held"),
                name="training_role_held_once",
                violation_error_message="The person holds this job role already.",
            )
        ]

    def __str__(self) -> str:
        return str(self.job_role)


class Method(models.TextChoices):
    ON_THE_JOB = "on_the_job", "On the job"
    CLASSROOM = "classroom", "Classroom"
    READ = "read", "Read and understand"
    EXTERNAL = "external", "External course"


class Result(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Not passed"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class TrainingRecord(ChildRecord):
    """A training a person received, in a competence or on a document revision: when, how, by
    whom, the assessment and the level it reached, when it expires, and its evidence."""

    parent_field, anchor, page = "file", "#records", "training:record_detail"
    url_kwarg = "record_pk"
    history_related = ("competence", "revision__document")
    workflow = Workflow(
        statuses=[("recorded", "Recorded"), ("withdrawn", "Withdrawn")],
        transitions=[
            Transition(
                "withdraw",
                "Withdraw",
                ("recorded",),
                "withdrawn",
                allowed=MANAGERS,
                reason_required=True,
                reason_prompt="Say why the training record is withdrawn (recorded in error, …).",
                style="outline-danger",
                confirm="Withdraw this training record? It no longer counts for the matrix or coverage.",
            ),
        ],
        initial="recorded",
        closed=frozenset({"withdrawn"}),
    )

    file = models.ForeignKey(TrainingFile, on_delete=models.CASCADE, related_name="records")
    competence = models.ForeignKey(
        Competence, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="document"
    )
    trained_on = models.DateField("date")
    method = models.CharField(max_length=20, choices=Method.choices)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.CharField("external provider", max_length=200, blank=True)
    result = models.CharField("assessment result", max_length=20, choices=Result.choices)
    level = models.PositiveSmallIntegerField(
        "resulting level", null=True, blank=True, choices=Level.choices, validators=LEVEL_VALIDATORS
    )
    expires_on = models.DateField("expires", null=True, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=workflow.choices, default="recorded", editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "training record"
        ordering = ["-trained_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(competence__isnull=False, revision__isnull=True)
                | Q(competence__isnull=True, revision__isnull=False),
                name="training_record_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("trained_on")),
                name="training_record_expires_after_training",
            ),
        ]
        indexes = [
            # The register of every record: newest first, paged by keyset on (trained_on, id).
            models.Index(fields=["-trained_on", "-id"], name="training_record_trained"),
            models.Index(fields=["file", "competence", "-trained_on"], name="training_rec_standing"),
            models.Index(fields=["competence", "-trained_on"], name="training_rec_competence"),
            models.Index(fields=["expires_on"], name="training_rec_expiry"),
            # The register's search box: the person and the competence are searched in their own
            # tables (``qms.search``), the provider here.
            search_index("training_rec_provider", "provider"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} on {self.trained_on:%-d %b %Y}"

    @property
    def subject(self) -> str:
        return str(self.competence if self.competence_id else self.revision)

    @property
    def trainee(self):
        return self.file.owner


class TrainingEvidence(StoredFile, ChildRecord):
    """A certificate, an attendance list, a signed assessment: the evidence of a training, in
    the one file store. Evidence is kept, never removed."""

    parent_field, store_folder, anchor = "record", "training/", "#evidence"
    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="evidence")

    class Meta:
        verbose_name = "evidence"
        verbose_name_plural = "evidence"
        ordering = ["uploaded_at", "pk"]


class Evaluation(ChildRecord):
    """Was the training effective (ISO 9001 7.2 c)? Judged by the person's head a set time after
    the training, signed, never by the trainee."""

    parent_field, assignee_field, due_field, anchor = "record", "evaluator", "due_date", "#evaluation"
    history_related = ("record__competence", "record__revision__document")
    workflow = Workflow(
        statuses=[("pending", "Due"), ("effective", "Effective"), ("not_effective", "Not effective")],
        transitions=[
            Transition(
                "effective", "Effective", ("pending",), "effective", MANAGERS | {"assignee"}, form=True
            ),
            Transition(
                "not_effective",
                "Not effective",
                ("pending",),
                "not_effective",
                MANAGERS | {"assignee"},
                form=True,
            ),
        ],
        initial="pending",
        closed=frozenset({"effective", "not_effective"}),
    )

    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="evaluations")
    title = models.CharField(max_length=200, editable=False)
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("due")
    status = models.CharField(max_length=15, choices=workflow.choices, default="pending", editable=False)
    note = models.TextField("what was observed", blank=True)
    evaluated_on = models.DateField(null=True, blank=True, editable=False)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "effectiveness evaluation"
        ordering = ["due_date", "pk"]
        # A due item of its evaluator: My work and the Overview read the pending few, not the
        # ten years of signed evaluations (two sequential scans of 13,600 rows before).
        indexes = [due_index("training_eval_pending_due", open_rows=Q(status="pending"), owner="evaluator")]

    def __str__(self) -> str:
        return self.title

    def signed_content(self) -> tuple:
        return (self.record_id, self.status, self.note)  # the judgement and what it rests on


class NeedKind(models.TextChoices):
    ROLE = "role", "Job role taken"
    REQUALIFICATION = "requalification", "Requalification due"
    REVISION = "revision", "Document revision effective"
    NOT_EFFECTIVE = "not_effective", "Training not effective"
    IDENTIFIED = "identified", "Identified by the head"


class TrainingNeed(ChildRecord):
    """Training a person must receive, owned by them as a due item, created by what made it
    necessary (a job role taken, a requalification due, a document revision, an ineffective
    training). It is closed by recording the training, never by hand."""

    personal_assignee = True  # not handed over when the person leaves

    parent_field, assignee_field, due_field, anchor = "file", "person", "due_date", "#needs"
    history_related = ("competence", "revision__document")
    workflow = Workflow(
        statuses=[("open", "Open"), ("closed", "Trained"), ("cancelled", "Cancelled")],
        transitions=[
            # Performed only by recording the training (its effect needs the record).
            Transition("close", "Trained", ("open",), "closed", MANAGERS, form=True),
            Transition(
                "cancel",
                "Cancel",
                ("open",),
                "cancelled",
                MANAGERS,
                reason_required=True,
                reason_prompt="Say why the training is not needed after all.",
                style="outline-secondary",
            ),
        ],
        initial="open",
        closed=frozenset({"closed", "cancelled"}),
    )

    file = models.ForeignKey(TrainingFile, on_delete=models.CASCADE, related_name="needs")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("why", max_length=20, choices=NeedKind.choices, editable=False)
    title = models.CharField(max_length=200, editable=False)
    competence = models.ForeignKey(
        Competence, null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    level = models.PositiveSmallIntegerField(
        "to level", null=True, blank=True, choices=Level.choices, validators=LEVEL_VALIDATORS
    )
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="document"
    )
    job_role = models.ForeignKey(
        JobRole, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    source_record = models.ForeignKey(
        TrainingRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    due_date = models.DateField("due")
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=workflow.choices, default="open", editable=False)
    closed_by = models.ForeignKey(
        TrainingRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs_closed",
        editable=False,
        verbose_name="closed by training",
    )

    class Meta:
        verbose_name = "training need"
        ordering = ["status", "due_date", "pk"]
        # The register of needs pages by due date: without it a page sorted every need.
        indexes = [
            models.Index(fields=["due_date", "id"], name="training_need_register"),
            # My work, the Overview, alerts and the digest read the open needs alone (4,130 closed
            # ones of the ten-year archive walked for none: 1.35 ms of the quality manager's My work).
            due_index("training_need_open_due", open_rows=Q(status="open"), owner="person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(competence__isnull=False, revision__isnull=True)
                | Q(competence__isnull=True, revision__isnull=False),
                name="training_need_one_subject",
            ),
            # Safe to create twice (an event delivered again, two daily runs): one open need per
            # person and competence or revision.
            models.UniqueConstraint(
                fields=["file", "competence"],
                condition=Q(status="open", competence__isnull=False),
                name="training_need_open_competence_once",
            ),
            models.UniqueConstraint(
                fields=["file", "revision"],
                condition=Q(status="open", revision__isnull=False),
                name="training_need_open_revision_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Absence(ChildRecord):
    """A person is away from one day to another. Only the dates: no reason and no medical detail
    is ever stored."""

    parent_field, anchor = "file", "#absences"
    file = models.ForeignKey(TrainingFile, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField("absent from")
    ends_on = models.DateField("to (inclusive)")

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="training_absence_ends_after_start",
                violation_error_message="The absence ends before it starts.",
            )
        ]
        indexes = [models.Index(fields=["ends_on", "starts_on"], name="training_absence_window")]

    def __str__(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on:%-d %b %Y}"
        return f"{self.starts_on:%-d %b} – {self.ends_on:%-d %b %Y}"

    def removal_refused(self) -> str | None:
        return None  # an absence entered by mistake or called off is removed; the history keeps it
