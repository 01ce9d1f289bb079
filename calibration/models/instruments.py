"""Instruments and gauges (ISO 9001 7.1.5): the register with each instrument's standing, and who
holds which gauge. Their calibrations are in ``calibrations.py``."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from documents.models import Document
from qms.access import CHANGE_RELATIONS
from qms.compiled import once
from qms.models import ChildRecord, Record, RecordQuerySet
from qms.workflow import Transition, Workflow
from suppliers.models import Supplier

DUE_SOON_DAYS = 30  # an instrument due within this many days reads "due soon"
NUMBER = {"max_digits": 16, "decimal_places": 6}


class Source(models.TextChoices):
    INTERNAL = "internal", "In-house"
    EXTERNAL = "external", "External laboratory"


class IntervalUnit(models.TextChoices):
    DAYS = "days", "days"
    MONTHS = "months", "months"


class Standing(models.TextChoices):
    """What the register shows: the recorded state combined with the dates, never typed."""

    IN_SERVICE = "in_service", "In service"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    SUSPECT = "suspect", "Calibration suspect"
    QUARANTINED = "quarantined", "Quarantined"
    OUT_OF_SERVICE = "out_of_service", "Out of service"
    RETIRED = "retired", "Retired"
    LOST = "lost", "Lost"


UNUSABLE = frozenset({"overdue", "suspect", "quarantined", "out_of_service", "retired", "lost"})
STANDING_COLOURS = {
    "in_service": "success",
    "due_soon": "warning",
    "overdue": "danger",
    "suspect": "danger",
    "quarantined": "danger",
    "out_of_service": "secondary",
    "retired": "secondary",
    "lost": "dark",
}


def _no_open_assessment(instrument) -> str | None:
    found = instrument.assessments.filter(status="open").first()
    return (
        f"{found.reference} is still open: close the impact assessment before the instrument "
        "leaves quarantine."
        if found
        else None
    )


def _not_suspect(instrument) -> str | None:
    return (
        "The calibration of this instrument is suspect: calibrate it again before it goes back in service."
        if instrument.suspect
        else None
    )


ANY_STATE = ("in_service", "out_of_service", "quarantined")


def standing_case(today: dt.date) -> Case:
    """An instrument's standing on ``today`` as SQL: its recorded state where that says it may not
    be used, else what its calibration dates and uses say."""
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    return Case(
        When(status__in=("retired", "lost", "out_of_service", "quarantined"), then=F("status")),
        When(suspect=True, then=Value("suspect")),
        # Never calibrated is overdue whatever due date it was given (imported without its
        # last calibration): release refuses what it measured (gate instrument_usable).
        When(
            Q(due_date__lt=today) | Q(due_date__isnull=True) | Q(last_calibrated_on__isnull=True),
            then=Value("overdue"),
        ),
        When(usage_limit__isnull=False, uses__gte=F("usage_limit"), then=Value("overdue")),
        When(due_date__lte=soon, then=Value("due_soon")),
        default=Value("in_service"),
        output_field=models.CharField(),
    )


class InstrumentQuerySet(RecordQuerySet):
    def overdue(self, today: dt.date | None = None):
        """Past their next calibration, and never calibrated whatever their due date (an import's):
        the instruments whose standing is overdue by date, for the register's "Overdue" filter."""
        never = self.open().filter(last_calibrated_on__isnull=True)
        return super().overdue(today) | never

    def with_standing(self, today: dt.date | None = None):
        """Each instrument's standing computed in the database (one CASE, no row read in Python),
        so a register of 20,000 filters and counts by it. The CASE is compiled once a day
        (``qms.compiled.once``): every register page and its count read it."""
        return self.annotate(standing=once(Instrument, standing_case, today or timezone.localdate()))


class Instrument(Record):
    """A measuring instrument or gauge (or a reference standard): what it is, where it is, how
    and how often it is calibrated, and its recorded state. Its due date is the next calibration;
    whether it may be used is computed from the state and the dates (``standing``)."""

    def ncr_prefill(self) -> dict:
        """An NCR raised from a gauge: the calibration source, the 6M's measurement."""
        return {"source": "calibration", "cause_category": "measurement"}

    # Read by every department: inspections and lots name the gauges used, and whoever measures
    # checks the gauge's calibration; its department and the calibration stewards change it.
    visibility = "company"
    reference_prefix = "INS"
    quoted_reference_field = "tag"
    due_label = "next calibration"
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[
            ("in_service", "In service"),
            ("out_of_service", "Out of service"),
            ("quarantined", "Quarantined"),
            ("retired", "Retired"),
            ("lost", "Lost"),
        ],
        transitions=[
            Transition(
                "take_out",
                "Take out of service",
                ("in_service",),
                "out_of_service",
                CHANGE_RELATIONS,
                reason_required=True,
                style="outline-secondary",
            ),
            Transition(
                "put_back",
                "Put back in service",
                ("out_of_service",),
                "in_service",
                CHANGE_RELATIONS,
                reason_required=True,
                guards=(_not_suspect,),
            ),
            Transition(
                "quarantine",
                "Quarantine",
                ("in_service", "out_of_service"),
                "quarantined",
                CHANGE_RELATIONS,
                reason_required=True,
                style="outline-danger",
                reason_prompt="Say why the instrument is quarantined (dropped, damaged, doubtful reading…).",
            ),
            Transition(
                "release",
                "Release from quarantine",
                ("quarantined",),
                "in_service",
                CHANGE_RELATIONS,
                reason_required=True,
                guards=(_no_open_assessment, _not_suspect),
            ),
            Transition(
                "retire",
                "Retire",
                ANY_STATE,
                "retired",
                CHANGE_RELATIONS,
                reason_required=True,
                style="outline-danger",
                confirm="Retire this instrument? It can no longer be used; its records are kept.",
            ),
            Transition(
                "report_lost",
                "Report lost",
                ANY_STATE,
                "lost",
                CHANGE_RELATIONS,
                reason_required=True,
                style="outline-danger",
            ),
            Transition(
                "found",
                "Found (quarantine it)",
                ("lost",),
                "quarantined",
                CHANGE_RELATIONS,
                reason_required=True,
                reason_prompt="Say where it was found: it stays quarantined until checked.",
            ),
        ],
        initial="in_service",
        closed=frozenset({"retired", "lost"}),
    )

    tag = models.CharField(
        "ID (as engraved)", max_length=50, help_text="The number engraved or labelled on the instrument."
    )
    type_name = models.CharField(
        "instrument type", max_length=100, help_text="e.g. Outside micrometer, Caliper, Gauge block set."
    )
    manufacturer = models.CharField(max_length=100, blank=True)
    serial_number = models.CharField("serial number", max_length=100, blank=True)
    measuring_range = models.CharField("range", max_length=100, blank=True, help_text="e.g. 25–50 mm")
    resolution = models.CharField(max_length=50, blank=True, help_text="e.g. 0.001 mm")
    required_accuracy = models.CharField(
        "accuracy the use requires", max_length=100, blank=True, help_text="e.g. ±0.002 mm"
    )
    location = models.CharField("location or crib", max_length=100, blank=True)
    procedure = models.ForeignKey(
        Document,
        verbose_name="calibration procedure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField("calibrated", max_length=10, choices=Source.choices, default=Source.INTERNAL)
    lab = models.ForeignKey(
        Supplier,
        verbose_name="calibration laboratory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For external calibration: the laboratory (a supplier) that calibrates it.",
    )
    interval_value = models.PositiveSmallIntegerField(
        "calibration interval",
        default=12,
        validators=[MinValueValidator(1, "The interval must be at least 1."), MaxValueValidator(3650)],
    )
    interval_unit = models.CharField(
        "interval unit", max_length=10, choices=IntervalUnit.choices, default=IntervalUnit.MONTHS
    )
    usage_limit = models.PositiveIntegerField(
        "uses between calibrations",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "The usage count must be at least 1.")],
        help_text="Optional: the instrument is due after this many uses, whichever comes first.",
    )
    uses = models.PositiveIntegerField("uses since calibration", default=0)
    is_reference_standard = models.BooleanField(
        "reference standard", default=False, help_text="Used to calibrate other instruments in-house."
    )
    last_calibrated_on = models.DateField("last calibrated", null=True, blank=True, editable=False)
    suspect = models.BooleanField("calibration suspect", default=False, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="checked out to",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = InstrumentQuerySet.as_manager()

    class Meta(Record.Meta):
        verbose_name = "instrument"
        constraints = [
            models.UniqueConstraint(
                Lower("tag"),
                name="calibration_instrument_unique_tag",
                violation_error_message="An instrument with this ID exists already.",
            )
        ]
        indexes = [
            *Record.Meta.indexes,
            models.Index(fields=["due_date", "id"], name="calibration_instr_due"),
            # The register's order (the ID as engraved): 4,000 instruments sorted for each page
            # without it (4–6 ms on the archive).
            models.Index(fields=["tag", "id"], name="calibration_instr_register"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.title}"

    @property
    def display_reference(self) -> str:
        return self.tag

    @property
    def interval_text(self) -> str:
        return f"{self.interval_value} {self.get_interval_unit_display()}"

    def next_due_from(self, day: dt.date) -> dt.date:
        """The next calibration due after one on ``day``, by the interval."""
        if self.interval_unit == IntervalUnit.DAYS:
            return day + dt.timedelta(days=self.interval_value)
        month = day.month - 1 + self.interval_value
        year, month = day.year + month // 12, month % 12 + 1
        return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    def standing_on(self, today: dt.date | None = None) -> str:
        """The standing of this one instrument (the register computes it in SQL)."""
        today = today or timezone.localdate()
        if self.status in ("retired", "lost", "out_of_service", "quarantined"):
            return self.status
        if self.suspect:
            return "suspect"
        if self.due_date is None or self.due_date < today or self.last_calibrated_on is None:
            return "overdue"
        if self.usage_limit and self.uses >= self.usage_limit:
            return "overdue"
        if self.due_date <= today + dt.timedelta(days=DUE_SOON_DAYS):
            return "due_soon"
        return "in_service"

    @property
    def standing_label(self) -> str:
        return Standing(getattr(self, "standing", None) or self.standing_on()).label

    @property
    def standing_colour(self) -> str:
        return STANDING_COLOURS[getattr(self, "standing", None) or self.standing_on()]


class CheckOut(ChildRecord):
    """Who took the gauge out of the crib, when, and when it came back."""

    personal_assignee = True  # not handed over when the person leaves

    parent_field, anchor = "instrument", "#checkouts"
    assignee_field = "holder"
    history_related = ("holder",)

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="checkouts")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="taken by", on_delete=models.PROTECT, related_name="+"
    )
    out_on = models.DateField("taken on")
    returned_on = models.DateField("returned on", null=True, blank=True, editable=False)
    note = models.CharField(
        max_length=200, blank=True, help_text="Where it is used, e.g. Cell 4 final inspection."
    )

    class Meta:
        ordering = ["-out_on", "-pk"]
        verbose_name = "check-out"
        constraints = [
            models.UniqueConstraint(
                fields=["instrument"],
                condition=Q(returned_on__isnull=True),
                name="calibration_one_open_checkout",
                violation_error_message="The instrument is checked out already: check it in first.",
            )
        ]

    def __str__(self) -> str:
        return f"Checked out to {self.holder}"

    def removal_refused(self) -> str | None:
        return "Check-outs are kept."
