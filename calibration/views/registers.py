"""The registers across instruments and machines: every calibration and every maintenance
postponement the reader may see, each row opening its own page. The KPIs "Calibrations on time",
"Out-of-tolerance findings" and "Maintenance postponements" open them narrowed to the rows they
counted (``calibration.kpis``)."""

from __future__ import annotations

import django_filters
from django.db.models import Case, CharField, F, Q, TextField, Value, When
from django.db.models.functions import Coalesce

from qms.compiled import once
from qms.csv_sql import NOTHING, name_of
from qms.filters import RowFilter, StatusFilter, date_range
from qms.models import Department, User
from qms.views import RecordListView

from ..models import Calibration, Postponement
from ..models.calibrations import JUDGED, ON_TIME

YES_NO = [("yes", "Yes"), ("no", "No")]
# The calibrations "On time" judges (what the KPI's share is of): those that had a due date.
ON_TIME_CHOICES = [("due", "On time or late"), *YES_NO]
TOLERANCE = {True: "In tolerance", False: "Out of tolerance"}


# --- calibrations ------------------------------------------------------------------------------


class CalibrationFilter(RowFilter):
    """By the day calibrated, the instrument's department (as the KPIs count it), whether it was
    on time and how it was found. "On time" judges completed calibrations that had a due date
    only: a draft has no due date of its own yet, an instrument's first calibration none at all."""

    calibrated_from, calibrated_to = date_range("calibrated_on", "Calibrated")
    department = django_filters.ModelChoiceFilter(
        label="Instrument department",
        field_name="instrument__department",
        queryset=Department.objects.all(),
        empty_label="Any department",
    )
    on_time = django_filters.ChoiceFilter(
        label="On time", choices=ON_TIME_CHOICES, method="filter_on_time", empty_label="Any"
    )
    as_found = django_filters.ChoiceFilter(
        label="As found",
        choices=[("ok", "In tolerance"), ("out", "Out of tolerance")],
        method="filter_as_found",
        empty_label="Any finding",
    )
    status = StatusFilter(Calibration)

    class Meta:
        model = Calibration
        fields: list[str] = []

    def filter_on_time(self, queryset, name, value):
        judged = queryset.filter(JUDGED, status="completed")
        if value == "yes":
            return judged.filter(ON_TIME)
        if value == "no":
            return judged.filter(due_on__lt=F("calibrated_on"))  # what ON_TIME is not
        return judged

    def filter_as_found(self, queryset, name, value):
        return queryset.filter(as_found_ok=value == "ok")


def _on_time() -> Case:
    """Whether a completed calibration was done by its due day ("Yes"/"No"), "—" for one that had
    no due day (an instrument's first: the page's dash, the CSV's empty cell), nothing for a draft.
    The page and its CSV both read it."""
    completed = Q(status="completed")
    return Case(
        When(completed & ON_TIME, then=Value("Yes")),
        When(completed & JUDGED, then=Value("No")),
        When(completed, then=Value(NOTHING)),
        output_field=CharField(),
    )


def _result() -> Case:
    """The result as left, and whether it had to be adjusted to get there."""
    return Case(
        When(as_left_ok=False, then=Value("Out of tolerance as left")),
        When(as_left_ok=True, adjusted=True, then=Value("Adjusted, in tolerance")),
        When(as_left_ok=True, then=Value("In tolerance")),
        output_field=CharField(),
    )


class CalibrationRegisterView(RecordListView):
    """Every calibration of the instruments the user may read: the register a metrologist and an
    auditor sample, and the rows behind the calibration KPIs."""

    model = Calibration
    creatable = False  # a calibration is recorded on its instrument's page
    filterset_class = CalibrationFilter
    title = "Calibrations"
    columns = [
        ("instrument__tag", "Instrument"),
        ("instrument__title", "Description"),
        ("instrument__department", "Department"),
        ("calibrated_on", "Calibrated on"),
        ("due_on", "Due on"),
        ("on_time", "On time"),
        ("as_found_ok", "As found"),
        ("result", "Result"),
        ("calibrated_by", "Calibrated by"),
        ("certificate_number", "Certificate"),
        ("status", "Status"),
    ]
    labels = {"as_found_ok": TOLERANCE}
    select_related = ("instrument__department",)
    search_fields = ("instrument__tag", "instrument__title", "certificate_number", "lab__name")
    ordering = ("-calibrated_on", "-pk")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                on_time=once(Calibration, _on_time),
                result=once(Calibration, _result),
                # The laboratory that calibrated it, else the in-house technician.
                calibrated_by=Coalesce(
                    "lab__name", name_of(User)("performed_by__"), output_field=TextField()
                ),
            )
        )


# --- maintenance postponements -----------------------------------------------------------------


class PostponementFilter(RowFilter):
    """By the day asked for (what the KPI counts by), status and the machine's department."""

    requested_from, requested_to = date_range("requested_on", "Requested")
    status = StatusFilter(Postponement)
    department = django_filters.ModelChoiceFilter(
        label="Machine department",
        field_name="plan__machine__department",
        queryset=Department.objects.all(),
        empty_label="Any department",
    )

    class Meta:
        model = Postponement
        fields: list[str] = []


class PostponementRegisterView(RecordListView):
    """Every postponement of preventive maintenance, asked, approved or refused: one row each,
    opening the plan's page where it was asked and decided."""

    model = Postponement
    creatable = False  # asked for on the plan's page
    filterset_class = PostponementFilter
    title = "Maintenance postponements"
    columns = [
        ("plan__machine__asset_number", "Machine"),
        ("plan__machine__title", "Description"),
        ("plan__name", "Plan"),
        ("plan__machine__department", "Department"),
        ("original_due", "Original due"),
        ("new_due", "Postponed to"),
        ("requested_on", "Requested on"),
        ("requested_by", "Requested by"),
        ("status", "Status"),
        ("decided_by", "Decided by"),
        ("reason", "Reason"),
    ]
    # A postponement has no page of its own and is shown on its plan's: each row's link is read
    # from its plan and machine, joined here with every column's row.
    select_related = ("plan__machine__department", "requested_by", "decided_by")
    search_fields = ("plan__machine__asset_number", "plan__machine__title", "plan__name", "reason")
    ordering = ("-requested_on", "-pk")
