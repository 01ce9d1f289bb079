"""Calibrations of an instrument (ISO 9001 7.1.5): when and by whom, the measurement points as
found and as left, the reference standards used and the certificate."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from qms.access import CHANGE_RELATIONS
from qms.models import ChildRecord, StoredFile
from qms.numbers import decimal_text
from qms.workflow import Transition, Workflow
from suppliers.models import Supplier

from .instruments import NUMBER, Instrument, Source

# A completed calibration was on time when done by the date it was due (``due_on``). The first of
# an instrument answered no due date: it is neither on time nor late, so it is not judged at all
# (``JUDGED``): the KPI "Calibrations on time" leaves it out and the register says "—". The KPI
# and the register's "On time" read these two rules.
JUDGED = Q(due_on__isnull=False)
ON_TIME = JUDGED & Q(calibrated_on__lte=F("due_on"))


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
        "temperature (°C)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(-50), MaxValueValidator(150)],
    )
    humidity = models.DecimalField(
        "relative humidity (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
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

    def edit_refused(self) -> str | None:
        return None if self.status == "draft" else "A completed calibration is kept as it was recorded."

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
        return f"{self.characteristic or 'Point'} {decimal_text(self.nominal)} {self.unit}"

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
