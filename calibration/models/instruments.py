"""Instruments and gauges (ISO 9001 7.1.5): the register, their calibrations with measurement
points, reference standards and certificates, and who holds which gauge."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from documents.models import Document
from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, Record, RecordQuerySet, StoredFile
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


class InstrumentQuerySet(RecordQuerySet):
    def with_standing(self, today: dt.date | None = None):
        """Each instrument's standing computed in the database (one CASE, no row read in Python),
        so a register of 20,000 filters and counts by it."""
        today = today or timezone.localdate()
        soon = today + dt.timedelta(days=DUE_SOON_DAYS)
        return self.annotate(
            standing=Case(
                When(status__in=("retired", "lost", "out_of_service", "quarantined"), then=F("status")),
                When(suspect=True, then=Value("suspect")),
                When(Q(due_date__lt=today) | Q(due_date__isnull=True), then=Value("overdue")),
                When(usage_limit__isnull=False, uses__gte=F("usage_limit"), then=Value("overdue")),
                When(due_date__lte=soon, then=Value("due_soon")),
                default=Value("in_service"),
                output_field=models.CharField(),
            )
        )


class Instrument(Record):
    """A measuring instrument or gauge (or a reference standard): what it is, where it is, how
    and how often it is calibrated, and its recorded state. Its due date is the next calibration;
    whether it may be used is computed from the state and the dates (``standing``)."""

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
        if self.due_date is None or self.due_date < today:
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


class Calibration(ChildRecord):
    """One calibration of an instrument: when, by whom or which laboratory, in what conditions,
    against which reference standards, the measurement points as found and as left, and the
    certificate. Recorded as a draft, then completed: completing computes the results and the
    next due date, and an as-found failure opens an impact assessment."""

    parent_field, anchor, page = "instrument", "#calibrations", "calibration:calibration_detail"
    url_kwarg = "calibration_pk"
    workflow = Workflow(
        statuses=[("draft", "Being recorded"), ("completed", "Completed")],
        transitions=[
            Transition(
                "complete",
                "Complete the calibration",
                ("draft",),
                "completed",
                CHANGE_RELATIONS,
                confirm="Complete the calibration? Its results, the next due date and any out-of-tolerance "
                "finding are recorded and can no longer be edited.",
            ),
        ],
        initial="draft",
        closed=frozenset({"completed"}),
    )

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="calibrations")
    calibrated_on = models.DateField("calibration date")
    source = models.CharField("calibrated", max_length=10, choices=Source.choices, default=Source.INTERNAL)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="technician",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lab = models.ForeignKey(
        Supplier,
        verbose_name="laboratory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    certificate_number = models.CharField("certificate number", max_length=100, blank=True)
    temperature = models.DecimalField(
        "temperature (°C)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    humidity = models.DecimalField(
        "relative humidity (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    conditions = models.CharField("other conditions", max_length=200, blank=True)
    uncertainty = models.DecimalField(
        "expanded uncertainty (k=2)",
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="In the unit of the points; the test uncertainty ratio is checked against it.",
        **NUMBER,
    )
    adjusted = models.BooleanField("adjusted", default=False)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=workflow.choices, default="draft", editable=False)
    as_found_ok = models.BooleanField("as found in tolerance", null=True, editable=False)
    as_left_ok = models.BooleanField("as left in tolerance", null=True, editable=False)
    next_due = models.DateField("next due", null=True, blank=True, editable=False)
    # The due date this calibration answered (the instrument's, when it was completed): on time
    # when done by then.
    due_on = models.DateField("was due", null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-calibrated_on", "-pk"]
        indexes = [models.Index(fields=["calibrated_on"], name="calibration_cal_on")]

    def __str__(self) -> str:
        return f"Calibration of {self.calibrated_on:%-d %b %Y}"

    def removal_refused(self) -> str | None:
        return None if self.status == "draft" else "A completed calibration is kept."

    @property
    def result_label(self) -> str:
        if self.as_found_ok is None:
            return "—"
        found = "in tolerance" if self.as_found_ok else "OUT OF TOLERANCE"
        left = "in tolerance" if self.as_left_ok else "out of tolerance"
        return f"As found {found}; as left {left}"


class MeasurementPoint(ChildRecord):
    """A point measured in a calibration: the nominal, its tolerance as absolute limits, and the
    readings as found (before any adjustment) and as left, each judged on its own."""

    parent_field, anchor = "calibration", "#points"

    calibration = models.ForeignKey(Calibration, on_delete=models.CASCADE, related_name="points")
    characteristic = models.CharField(max_length=100, blank=True, help_text="e.g. Flatness, 25 mm")
    unit = models.CharField(max_length=20, default="mm")
    nominal = models.DecimalField(**NUMBER)
    lower_limit = models.DecimalField("lowest allowed", **NUMBER)
    upper_limit = models.DecimalField("highest allowed", **NUMBER)
    as_found = models.DecimalField("as found", null=True, blank=True, **NUMBER)
    as_left = models.DecimalField("as left", null=True, blank=True, **NUMBER)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lower_limit__lte=F("upper_limit")), name="calibration_point_limits_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.characteristic or 'Point'} {self.nominal:g} {self.unit}"

    def removal_refused(self) -> str | None:
        return None if self.calibration.status == "draft" else "Points of a completed calibration are kept."

    def _within(self, reading) -> bool | None:
        if reading is None:
            return None
        return self.lower_limit <= reading <= self.upper_limit

    @property
    def as_found_ok(self) -> bool | None:
        return self._within(self.as_found)

    @property
    def as_left_ok(self) -> bool | None:
        # Not adjusted and nothing read after: it was left as it was found.
        return self._within(self.as_left if self.as_left is not None else self.as_found)

    @property
    def tur(self) -> Decimal | None:
        """Test uncertainty ratio: tolerance span ÷ twice the expanded uncertainty."""
        u = self.calibration.uncertainty
        if not u:
            return None
        return (self.upper_limit - self.lower_limit) / (2 * u)

    @property
    def tur_low(self) -> bool:
        tur = self.tur
        return tur is not None and tur < 4


class ReferenceUse(ChildRecord):
    """A reference standard (an instrument of the register) a calibration was made against:
    when the standard is later found out of tolerance, this calibration becomes suspect."""

    parent_field, anchor = "calibration", "#standards"
    history_related = ("standard",)

    calibration = models.ForeignKey(Calibration, on_delete=models.CASCADE, related_name="standards")
    standard = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="reference_uses")

    class Meta:
        ordering = ["pk"]
        verbose_name = "reference standard used"
        constraints = [
            models.UniqueConstraint(
                fields=["calibration", "standard"],
                name="calibration_standard_once",
                violation_error_message="This standard is listed already.",
            )
        ]

    def __str__(self) -> str:
        return str(self.standard)

    def removal_refused(self) -> str | None:
        return (
            None
            if self.calibration.status == "draft"
            else "The standards of a completed calibration are kept."
        )


class CalibrationCertificate(StoredFile, ChildRecord):
    """The certificate of a calibration (the laboratory's, or the in-house record), in the one
    file store with its SHA-256."""

    parent_field, store_folder, anchor = "calibration", "calibration/", "#certificates"
    calibration = models.ForeignKey(Calibration, on_delete=models.CASCADE, related_name="certificates")

    def removal_refused(self) -> str | None:
        return (
            None
            if self.calibration.status == "draft"
            else "The certificate of a completed calibration is kept."
        )


class CheckOut(ChildRecord):
    """Who took the gauge out of the crib, when, and when it came back."""

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
