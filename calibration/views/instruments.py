"""Instruments, calibrations and impact assessments: the kernel's views, declared, with the
module's services behind create and edit; the label sheet, the suspect list and the charts."""

from __future__ import annotations

import base64
import io

import django_filters
import qrcode
import qrcode.image.svg
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import TemplateView

from qms import access
from qms.charts import bar_chart
from qms.filters import RecordFilter, StandingOn, date_range
from qms.pdf import pdf_response, render_pdf
from qms.views import (
    ChildDetailView,
    QMSView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordScopeMixin,
    RecordUpdateView,
)

from .. import kpis, selectors, services
from ..forms import MAX_LABELS, AssessmentCreateForm, LabelForm
from ..models import ImpactAssessment, Instrument, Source, Standing


class InstrumentFilter(RecordFilter):
    standing = django_filters.ChoiceFilter(
        label="Standing", choices=Standing.choices, method="filter_standing", empty_label="Any standing"
    )
    type_name = django_filters.CharFilter(label="Type", lookup_expr="iexact")
    source = django_filters.ChoiceFilter(
        label="Calibrated", choices=Source.choices, empty_label="In-house or external"
    )
    is_reference_standard = django_filters.BooleanFilter(label="Reference standard")
    due_from, due_to = date_range("due_date", "Due")
    # What the KPI "Instruments overdue for calibration" counts on a day (a past month's end): in
    # use then, and its calibration lapsed by then, judged from the calibrations on record.
    overdue_on = StandingOn(label="Overdue on", method="filter_overdue_on")

    class Meta:
        model = Instrument
        fields: list[str] = []

    def filter_standing(self, queryset, name, value):
        return queryset.filter(standing=value)

    def filter_overdue_on(self, queryset, name, value):
        return queryset.filter(pk__in=kpis.overdue_on(value))


class _StandingScope(RecordScopeMixin):
    """The register's base queryset: each instrument's standing computed in the database, so
    the filters, the page and the CSV read it without a query per row."""

    def get_queryset(self):
        return access.restrict(Instrument.objects.with_standing(), self.request.user)


class InstrumentListView(RecordListView, _StandingScope):
    template_name = "calibration/instrument_list.html"
    filterset_class = InstrumentFilter
    title = "Instruments and gauges"
    columns = [
        ("tag", "ID"),
        ("title", "Description"),
        ("type_name", "Type"),
        ("location", "Location"),
        ("department", "Department"),
        ("last_calibrated_on", "Last calibrated"),
        ("due_date", "Next due"),
        ("standing", "Standing"),
        ("holder", "Checked out to"),
    ]
    select_related = ("department", "holder")
    search_fields = ("tag", "reference", "title", "type_name", "serial_number", "location")
    ordering = ("tag", "pk")

    # The standing as people read it ("Due soon", not "due_soon"), on the page and in the export.
    labels = {"standing": dict(Standing.choices)}


class InstrumentCreateView(RecordCreateView):
    def create(self, form):
        return services.instrument_create(by=self.request.user, **form.record_fields())


class InstrumentUpdateView(RecordUpdateView):
    def update(self, form):
        fields = {name: form.cleaned_data[name] for name in form.record_fields()}
        instrument = Instrument.objects.get(pk=form.instance.pk)
        return services.instrument_update(
            instrument=instrument, by=self.request.user, reason=form.cleaned_data.get("reason", ""), **fields
        )


class InstrumentDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return selectors.instrument_page(record, self.request.user)


class CalibrationDetailView(ChildDetailView):
    def extra_context_for(self, row, forms) -> dict:
        return selectors.calibration_page(row)


class SuspectListView(QMSView, TemplateView):
    """Every instrument whose calibration is suspect, with the standard that made it so and its
    open impact assessment."""

    template_name = "calibration/suspect_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        suspects = list(selectors.suspect_instruments(user).order_by("tag"))
        assessments = access.restrict(
            ImpactAssessment.objects.filter(instrument__in=suspects, cause="suspect"), user
        ).select_related("standard")
        by_instrument = {}
        for a in assessments.order_by("-created_at"):
            by_instrument.setdefault(a.instrument_id, a)
        ctx["rows"] = [(i, by_instrument.get(i.pk)) for i in suspects]
        return ctx


def qr_svg(url: str) -> str:
    """The QR code of a URL as an inline SVG data URI (the ``qrcode`` library, as MFA uses)."""
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=1)
    buffer = io.BytesIO()
    img.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class LabelsView(QMSView):
    """A sheet of labels (A4, several per page): ID, last calibration, next due and a QR code
    that opens the instrument's page. ``?ids=1,2,3``, or the register's filters."""

    def get(self, request):
        user = request.user
        if "ids" in request.GET:
            form = LabelForm(request.GET)
            if not form.is_valid():
                return self.refuse(request, form.errors["ids"][0])
            found = access.restrict(Instrument.objects.filter(pk__in=form.cleaned_data["ids"]), user)
        else:
            view = InstrumentListView()
            view.request = request
            found = view.get_queryset()
        instruments = list(found.order_by("tag", "pk")[: MAX_LABELS + 1])
        if not instruments:
            return self.refuse(request, "No instrument matches: choose at least one to print labels for.")
        if len(instruments) > MAX_LABELS:
            return self.refuse(
                request, f"More than {MAX_LABELS} instruments match: narrow the list to print labels."
            )
        base = request.build_absolute_uri("/").rstrip("/")
        labels = [(i, qr_svg(base + i.get_absolute_url())) for i in instruments]
        pdf = render_pdf("calibration/labels_pdf.html", {"labels": labels, "today": timezone.localdate()})
        return pdf_response(pdf, f"instrument-labels-{timezone.localdate().isoformat()}.pdf")

    def refuse(self, request, message: str):
        return render(request, "calibration/labels_refused.html", {"message": message}, status=400)


class ChartsView(QMSView, TemplateView):
    """Where people would rather look than read: the calibrations falling due per month (the
    lab's workload), the out-of-tolerance rate by type, maintenance postponements per month."""

    template_name = "calibration/charts.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["due_chart"] = bar_chart(
            selectors.due_per_month(user),
            title="Calibrations due per month",
            columns=("Month", "Calibrations due"),
        )
        oot = selectors.oot_rate_by_type(user)
        ctx["oot_chart"] = (
            bar_chart(
                oot,
                title="Out of tolerance as found, % by instrument type",
                unit="%",
                columns=("Instrument type", "Out of tolerance as found"),
            )
            if oot
            else None
        )
        ctx["postponement_chart"] = bar_chart(
            selectors.postponements_by_month(user=user),
            title="Maintenance postponements per month",
            columns=("Month", "Postponements"),
        )
        return ctx


class AssessmentFilter(RecordFilter):
    # The date of the calibration that found the instrument out of tolerance (an assessment opened
    # by hand or by the cascade from a failed standard has none).
    found_from, found_to = date_range("calibration__calibrated_on", "Found out of tolerance")

    class Meta:
        model = ImpactAssessment
        fields: list[str] = ["cause"]


class AssessmentListView(RecordListView):
    filterset_class = AssessmentFilter
    title = "Out-of-tolerance impact assessments"
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("instrument__tag", "Instrument"),
        ("get_cause_display", "Cause"),
        ("department", "Department"),
        ("due_date", "Due"),
        ("status", "Status"),
    ]
    select_related = ("department", "instrument")
    search_fields = ("reference", "title", "instrument__tag")


class AssessmentCreateView(RecordCreateView):
    def get_form_class(self):
        return AssessmentCreateForm

    def create(self, form):
        data = form.record_fields()
        return services.assessment_open(
            instrument=data["instrument"],
            by=self.request.user,
            since=data.get("period_from"),
            until=data["period_to"],
            summary=data.get("summary", ""),
        )


class AssessmentDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        calibration = record.calibration
        if calibration is not None and calibration.instrument_id == record.instrument_id:
            calibration.instrument = record.instrument  # its link names the instrument read already
        cascaded = access.restrict(record.cascaded.all(), self.request.user).select_related("instrument")
        return {"cascaded": list(cascaded)}
