"""The abstract record every module's main models inherit, and the abstract child row every
record's parts inherit (an action of a CAPA, a revision of a document, a calibration event)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords

from .loading import FastLoad
from .people import Department

if TYPE_CHECKING:
    from qms.workflow import Workflow


class ReferenceCounter(models.Model):
    """Last reference number handed out per module prefix and year. The row is locked by the
    allocating transaction until it commits, so numbers are unique and gap-free: a rolled-back
    creation rolls its number back too."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="uniq_reference_counter")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class NextReference(models.Func):
    """The next reference of ``prefix`` in ``year`` (``NCR-2026-0042``), as SQL: written into a
    record's INSERT, the number costs no round trip of its own. ``qms_next_reference`` (migration
    qms 0007) takes the counter's row, which stays locked by the creating transaction until it
    commits: numbers are unique and gap-free, and a rolled-back creation rolls its number back too."""

    function = "qms_next_reference"
    output_field = models.CharField()

    def __init__(self, prefix: str, year: int):
        super().__init__(models.Value(prefix), models.Value(year))


def next_reference(prefix: str, year: int) -> str:
    """Allocate the next number for `prefix` in `year`. Must run inside the creating transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT qms_next_reference(%s, %s)", [prefix, year])
        return cursor.fetchone()[0]


class _HistoryDescriptor(HistoryDescriptor):
    """``record.history`` with its manager class made once per model: simple-history's own
    descriptor makes it on every access (``from_queryset`` inspects every queryset method, about
    0.3 ms), which was a seventh of creating a record."""

    @functools.cached_property
    def _manager(self):
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager(self.model, instance)


class KernelHistory(HistoricalRecords):
    """django-simple-history as records and child rows keep it, indexed only where it is read.

    The history of a record is read by the record's id (its page, the audit pack), a child row's
    by its parent's key (the record's page shows its child rows' history) and every table's by
    ``history_user`` (simple-history's own index, which removing a person looks up). The indexes
    simple-history adds on every other copied key and unique field (owner, department, creator,
    reference twice) and on ``history_date`` alone were written on every change and never read:
    7 of the NCR history's 10 indexes, 30 of its 44 MB on a ten-year archive."""

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        read_by = {model._meta.pk.name, getattr(model, "parent_field", "")}
        for name, field in fields.items():
            if name not in read_by:
                field.db_index = False
        return fields

    def get_extra_fields(self, model, fields):
        extra = super().get_extra_fields(model, fields)
        extra["history_date"].db_index = False
        return extra

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        plain = sender.__dict__.get(self.manager_name)
        if type(plain) is HistoryDescriptor:
            faster = _HistoryDescriptor(plain.model, plain.manager_class, plain.queryset_class)
            setattr(sender, self.manager_name, faster)


class RecordQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=self.model.workflow.closed)

    def overdue(self, today: dt.date | None = None):
        """Open records past their due date, in a status where that is late (``late_statuses``)."""
        late = self.open().filter(due_date__lt=today or timezone.localdate())
        statuses = self.model.late_statuses
        return late if statuses is None else late.filter(status__in=statuses)


class Record(FastLoad, models.Model):
    """The abstract record every module's main models inherit: a reference number unique per
    module and year, a title, an owner and department, a due date, a status driven by the model's
    declared workflow, and full field-level history (who, when, why)."""

    # Given by record_create as ``NextReference(…)`` in the INSERT and read back from it: a field
    # with a database default is one Django reads back (RETURNING). The default is what a record
    # made without the service had before, the empty reference.
    reference = models.CharField(max_length=30, unique=True, editable=False, db_default="")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=30, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    history = KernelHistory(inherit=True)
    objects = RecordQuerySet.as_manager()

    # Declared by each concrete model.
    reference_prefix: ClassVar[str] = ""
    workflow: ClassVar[Workflow | None] = None
    # "department": visible to the owner's department (and QM/auditors); "company": to everyone.
    visibility: ClassVar[str] = "department"
    # A record about one person (a training file): staff see only their own, never their
    # colleagues'; heads, stewards and the company-wide roles see it as ``visibility`` says.
    personal: ClassVar[bool] = False
    # Who may create one (qms.access): None = anyone who may write; else relations such as
    # {"quality", "steward"}.
    create_roles: ClassVar[frozenset[str] | None] = None
    # How the record's due date reads in headers ("due", "next review", "target date").
    due_label: ClassVar[str] = "due"
    # The statuses in which a passed due date makes the record late; None: every open status. An
    # audit or a review is late only until it takes place (what follows has dates of its own).
    late_statuses: ClassVar[frozenset[str] | None] = None
    # Relations that may attach files besides those that may change the record (``qms.access.
    # can_attach``): the owner of a CAPA's action attaches the evidence that it was done.
    attach_relations: ClassVar[frozenset[str]] = frozenset()
    # A field holding the number users quote, if not the reference (found by the link form).
    quoted_reference_field: ClassVar[str | None] = None
    # Fields the History tab leaves out (``qms.history``): internal state that the record's page
    # never shows either (a counter, an encoding of codes). Their history rows keep them.
    history_hidden: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def default_due_days(cls) -> int | None:
        """Days after its creation that a record created without a due date is due (an NCR's
        disposition), so that it is someone's due item; None: no due date unless one is given."""
        return None

    def edit_refused(self) -> str | None:
        """Why the record's own fields may not be edited now, or None when they may (an audit
        whose report is issued): its page then offers no Edit, and its edit page refuses."""
        return None

    @classmethod
    def default_owner_id(cls, user) -> int | None:
        """Whom a new record's form offers as its owner: whoever creates it, unless the record's
        due work is not theirs to do (an NCR's disposition)."""
        return user.pk

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        # Registers list the newest first and page by keyset on (created_at, id).
        indexes = [models.Index(fields=["-created_at", "-id"], name="%(app_label).8s_%(class).12s_created")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def display_reference(self) -> str:
        """What users quote (a document's own number, say); the reference by default."""
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status in self.workflow.closed

    @property
    def is_draft(self) -> bool:
        return self.status == self.workflow.initial

    @property
    def is_overdue(self) -> bool:
        if self.late_statuses is not None and self.status not in self.late_statuses:
            return False
        return bool(self.due_date and not self.is_closed and self.due_date < timezone.localdate())

    @property
    def root(self) -> Record:
        return self

    def get_status_display(self) -> str:
        return self.workflow.label(self.status)

    @classmethod
    def model_label(cls) -> str:
        return cls._meta.label_lower

    def get_absolute_url(self) -> str:
        return reverse(f"{self._meta.app_label}:{self._meta.model_name}_detail", args=[self.pk])

    def get_history_url(self) -> str:
        """The record's history with its child rows' (its page's History tab loads it)."""
        return reverse(f"{self._meta.app_label}:{self._meta.model_name}_history", args=[self.pk])


def due_index(name: str, *, open_rows: Q, due: str = "due_date", owner: str = "owner") -> models.Index:
    """The index My work, the Overview, alerts and the digest read a due-item provider through:
    only the open rows, by due date, with whose they are (a ten-year archive's closed rows are never
    scanned, and the counts by department are read from the index alone)."""
    return models.Index(fields=[due, "id"], condition=open_rows, include=[owner], name=name)


def owner_due_index(name: str, *, open_rows: Q, due: str = "due_date", owner: str = "owner") -> models.Index:
    """The index a department's counts and lists of due items read: each person's open rows, by
    due date. A department of fifty people is then fifty short reads of this index instead of a
    walk through the whole company's open rows (26,000 pending acknowledgments on a ten-year
    archive: 167 ms → 1.3 ms for one department's count). Worth it beside ``due_index`` where a
    table holds thousands of open rows."""
    return models.Index(fields=[owner, due], condition=open_rows, name=name)


def search_index(name: str, *fields: str) -> GinIndex:
    """A trigram index over the fields a register's search box matches: ``icontains`` compares
    UPPER(field) with LIKE '%…%', which this index answers without reading every row."""
    return GinIndex(*(OpClass(Upper(field), name="gin_trgm_ops") for field in fields), name=name)


class ChildRecord(FastLoad, models.Model):
    """A row that belongs to one record, directly or through another child: an action of a
    CAPA, a revision of a document and the files of that revision, a calibration event.

    A child is only ever found through its parent, within the user's scope (``qms.access``); its
    history rows are shown in the record's history under the record's reference; it may have a
    small workflow of its own, moved by the same transition service as records; with an assignee
    and a due date it can be a due item. It is never deleted except while it is draft work (see
    ``removal_refused``)."""

    history = KernelHistory(inherit=True)

    # Declared by each concrete model.
    parent_field: ClassVar[str] = ""  # the ForeignKey to the parent (a record or another child)
    workflow: ClassVar[Workflow | None] = None
    status_field: ClassVar[str] = "status"
    # The person the row is assigned to, who may report progress on it ("owner", "user" …), and
    # the fields that person alone may change (the progress they report: ``("note",)``).
    assignee_field: ClassVar[str | None] = None
    assignee_fields: ClassVar[tuple[str, ...]] = ()
    # True when the assignee is the person the row is about (their acknowledgment, their training
    # need, the gauge they took out), not a job: it is not handed over when they leave
    # (``qms.services.handover``).
    personal_assignee: ClassVar[bool] = False
    due_field: ClassVar[str | None] = None
    url_kwarg: ClassVar[str] = ""  # URL keyword of its pages; "<model_name>_pk" by default
    # Where on the parent's page the row is shown ("#actions").
    anchor: ClassVar[str] = ""
    # The relations ``__str__`` reads ("revision__document", "user"), fetched in one query when
    # the record's history names its child rows; none declared: the row's own foreign keys but its
    # parent's, one step deep (``qms.history``).
    history_related: ClassVar[tuple[str, ...]] = ()
    # Fields the record's History tab leaves out, as ``Record.history_hidden``.
    history_hidden: ClassVar[frozenset[str]] = frozenset()
    # The URL name of the row's own page, when it has one ("documents:revision_detail").
    page: ClassVar[str] = ""

    class Meta:
        abstract = True

    @property
    def parent(self) -> models.Model:
        return getattr(self, self.parent_field)

    @property
    def root(self) -> Record:
        """The record this row belongs to, through however many parents."""
        return self.parent.root

    @classmethod
    def parent_model(cls) -> type[models.Model]:
        return cls._meta.get_field(cls.parent_field).related_model

    @classmethod
    def root_model(cls) -> type[Record]:
        parent = cls.parent_model()
        return parent.root_model() if issubclass(parent, ChildRecord) else parent

    @classmethod
    def root_path(cls) -> str:
        """The lookup from this model to its record: ``"capa"``, ``"revision__document"``."""
        parent = cls.parent_model()
        if issubclass(parent, ChildRecord):
            return f"{cls.parent_field}__{parent.root_path()}"
        return cls.parent_field

    @classmethod
    def open_rows(cls) -> models.QuerySet:
        """Rows still to be worked: not in a closed status of their own (done, cancelled), of a
        record that is not closed."""
        root = cls.root_model()
        rows = cls._default_manager.all()
        if cls.workflow is not None:
            rows = rows.filter(**{f"{cls.status_field}__in": cls.workflow.open})
        return rows.exclude(**{f"{cls.root_path()}__status__in": root.workflow.closed})

    @classmethod
    def kwarg(cls) -> str:
        return cls.url_kwarg or f"{cls._meta.model_name}_pk"

    @property
    def status_value(self) -> str:
        return getattr(self, self.status_field)

    @property
    def is_closed(self) -> bool:
        return self.workflow is not None and self.status_value in self.workflow.closed

    @property
    def assignee_id(self) -> int | None:
        return getattr(self, f"{self.assignee_field}_id", None) if self.assignee_field else None

    @property
    def is_overdue(self) -> bool:
        due = getattr(self, self.due_field, None) if self.due_field else None
        return bool(due and not self.is_closed and due < timezone.localdate())

    def get_status_display(self) -> str:
        if self.workflow is None:
            return ""
        return self.workflow.label(self.status_value)

    def removal_refused(self) -> str | None:
        """Why this row may not be removed now, or None when it may. Quality records are closed,
        cancelled or made obsolete, never removed; models allow removal of draft work only."""
        return f"A {self._meta.verbose_name} is never removed; close or cancel it instead."

    def edit_refused(self) -> str | None:
        """Why this row may not be edited now, or None when it may (a completed calibration is
        kept as it was recorded): its page then offers no Edit, and ``child_update`` refuses it."""
        return None

    @classmethod
    def add_refused(cls, parent) -> str | None:
        """Why no row of this kind may be added to ``parent`` now, or None when one may (a
        question to an audit whose report is issued): the parent's page then offers no form, and
        ``child_add`` refuses it."""
        return None

    def url_kwargs(self) -> dict[str, int]:
        """The URL keywords that address this row: its own, every parent's, the record's ``pk``."""
        kwargs: dict[str, int] = {}
        obj: models.Model = self
        while isinstance(obj, ChildRecord):
            kwargs[type(obj).kwarg()] = obj.pk
            obj = obj.parent
        kwargs["pk"] = obj.pk
        return kwargs

    def get_absolute_url(self) -> str:
        """The row's own page, or where it is shown on its parent's page."""
        if self.page:
            return reverse(self.page, kwargs=self.url_kwargs())
        return self.parent.get_absolute_url() + self.anchor
