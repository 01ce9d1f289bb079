"""The competence catalogue and the job roles built on it: what a person must be able to do (a
competence of a process, on one scale of levels) and what each role in the company needs."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from documents.models import Document
from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Process, Record
from qms.workflow import Transition, Workflow


class Level(models.IntegerChoices):
    """The one scale of competence used everywhere: matrix, job roles, records, gates."""

    NOT_TRAINED = 0, "0 · not trained"
    IN_TRAINING = 1, "1 · in training (supervised)"
    QUALIFIED = 2, "2 · qualified"
    TRAINER = 3, "3 · can train and assess others"


LEVEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(3)]
# A job role needs at least "in training"; asking for level 0 asks for nothing.
REQUIRED_LEVELS = [(v, label) for v, label in Level.choices if v >= Level.IN_TRAINING]


def _still_needed(entry) -> str | None:
    """What still needs the entry (a competence job roles in use require): retire that first."""
    ask = getattr(entry, "retire_refused", None)
    return ask() if ask is not None else None


def catalogue_workflow(what: str) -> Workflow:
    """In use, or retired (kept for the records that name it); one per model, since a workflow
    carries the effects its services register."""
    return Workflow(
        statuses=[("active", "In use"), ("retired", "Retired")],
        transitions=[
            Transition(
                "retire",
                "Retire",
                ("active",),
                "retired",
                allowed=CHANGE_RELATIONS,
                reason_required=True,
                reason_prompt=f"Say why the {what} is retired.",
                guards=(_still_needed,),
                style="outline-danger",
                confirm=f"Retire this {what}? It leaves the matrix and the coverage; its records are kept.",
            ),
            Transition(
                "reinstate", "Put back in use", ("retired",), "active", CHANGE_RELATIONS, reason_required=True
            ),
        ],
        initial="active",
        closed=frozenset({"retired"}),
    )


class Evidence(models.TextChoices):
    TRAINING = "training", "Training attended"
    ASSESSMENT = "assessment", "Assessment passed"
    CERTIFICATE = "certificate", "Certificate held"


class Authorises(models.TextChoices):
    """What else holding the competence allows: the gates other modules ask (docs/kernel.md)."""

    NOTHING = "", "Nothing more"
    INSPECTION_SIGNOFF = "inspection_signoff", "Signing off inspection of its process"
    CALIBRATION = "calibration", "In-house calibration of an instrument type"


class Competence(Record):
    """Something a person must be able to do, belonging to a process of the kernel's catalogue:
    whether it must be requalified and when, what evidence qualifies, and how many qualified
    people must be available every day (its minimum coverage)."""

    reference_prefix = "COMP"
    visibility = "company"  # the catalogue everyone reads
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = catalogue_workflow("competence")

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="+")
    workstation = models.CharField(
        "workstation", max_length=100, blank=True, help_text="Where it is done, e.g. Furnace 2, Cell 4."
    )
    description = models.TextField(blank=True)
    evidence = models.CharField(
        "evidence that qualifies", max_length=20, choices=Evidence.choices, default=Evidence.TRAINING
    )
    requalify_months = models.PositiveSmallIntegerField(
        "requalify after (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Empty: once qualified, always qualified. Otherwise a training expires after this long.",
    )
    min_coverage = models.PositiveSmallIntegerField(
        "minimum coverage",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Qualified people (level 2 or 3) who must be available on every day.",
    )
    authorises = models.CharField(
        "also authorises", max_length=20, choices=Authorises.choices, blank=True, default=""
    )
    instrument_type = models.CharField(
        "instrument type",
        max_length=100,
        blank=True,
        help_text="For in-house calibration: the instrument type it covers, e.g. Micrometer.",
    )

    class Meta(Record.Meta):
        verbose_name = "competence"
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                name="training_competence_unique_name",
                violation_error_message="A competence with this name exists already.",
            )
        ]

    name_field = "title"  # what str() shows: a register's CSV names competences in SQL (qms.csv_sql)

    def __str__(self) -> str:
        return self.title

    def retire_refused(self) -> str | None:
        """A competence job roles in use still require is not retired: its coverage alarm would
        go quiet while the work still needs qualified people."""
        roles = list(
            RoleRequirement.objects.filter(competence=self, job_role__status="active")
            .order_by("job_role__title")
            .values_list("job_role__title", flat=True)
        )
        if not roles:
            return None
        named = ", ".join(f"“{r}”" for r in roles)
        if len(roles) == 1:
            return f"The job role {named} still requires it: take it out of the role, or retire the role."
        return f"The job roles {named} still require it: take it out of those roles first, or retire them."


class JobRole(Record):
    """A role people hold in their department (CNC machinist, quality inspector): the competences
    it needs at which level, and the documents it works to."""

    reference_prefix = "ROLE"
    visibility = "company"
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = catalogue_workflow("job role")

    description = models.TextField(blank=True)

    class Meta(Record.Meta):
        verbose_name = "job role"
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                "department",
                Lower("title"),
                name="training_jobrole_unique_name",
                violation_error_message="This department has a job role of that name already.",
            )
        ]

    def __str__(self) -> str:
        return self.title


class RoleRequirement(ChildRecord):
    """A competence a job role needs, and the lowest level that will do."""

    parent_field, anchor = "job_role", "#requirements"
    history_related = ("competence",)

    job_role = models.ForeignKey(JobRole, on_delete=models.CASCADE, related_name="requirements")
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="requirements")
    level = models.PositiveSmallIntegerField(
        "minimum level", choices=REQUIRED_LEVELS, default=Level.QUALIFIED, validators=LEVEL_VALIDATORS
    )

    class Meta:
        ordering = ["competence__title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job_role", "competence"],
                name="training_requirement_once",
                violation_error_message="The job role needs this competence already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.competence} (level {self.level})"

    def removal_refused(self) -> str | None:
        return None  # a requirement that no longer applies is removed; the history keeps it


class RoleDocument(ChildRecord):
    """A controlled document the job role works to: when a revision of it that requires
    training becomes effective, everyone holding the role gets a training need."""

    parent_field, anchor = "job_role", "#documents"
    history_related = ("document",)

    job_role = models.ForeignKey(JobRole, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["document__number", "pk"]
        verbose_name = "document used"
        constraints = [
            models.UniqueConstraint(
                fields=["job_role", "document"],
                name="training_role_document_once",
                violation_error_message="The job role uses this document already.",
            )
        ]

    def __str__(self) -> str:
        return str(self.document)

    def removal_refused(self) -> str | None:
        return None
