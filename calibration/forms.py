"""Forms of the calibration module: each checks what a person types and shows the error beside
the field; the services check every rule again, so a hand-made POST skips none."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from documents.models import Document
from qms.forms import ChildForm, ChildModelForm, DateRuleMixin, RecordForm, people
from suppliers.models import Supplier

from .models import (
    AffectedItem,
    Calibration,
    CalibrationCertificate,
    Decision,
    ImpactAssessment,
    Instrument,
    Machine,
    MaintenanceEvent,
    MaintenancePlan,
    Source,
)

NUMBER_ERROR = "Enter a number, e.g. 25.0012."
MAX_LABELS = 500


def number(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    field = forms.DecimalField(
        label=label, required=required, max_digits=16, decimal_places=6, help_text=help_text
    )
    field.error_messages["invalid"] = NUMBER_ERROR
    return field


# Said beside the laboratory field when another supplier is named (an aluminium stockist).
NOT_A_LAB = (
    "Choose a calibration laboratory: a supplier marked as one on the approved supplier list "
    "(and not disqualified)."
)


def lab_choices(form) -> None:
    """The laboratory field offers the calibration laboratories: a plain select of them (a short
    list, narrowed after the form gave every supplier field a search box that finds any)."""
    field = form.fields["lab"]
    field.queryset = labs()
    field.widget = forms.Select(attrs={"class": "form-select"})
    field.widget.choices = field.choices
    field.error_messages["invalid_choice"] = NOT_A_LAB


def labs():
    """The suppliers a calibration may name as its laboratory (8.4: an external provider of
    calibration is on the supplier list as one)."""
    return Supplier.objects.filter(calibration_lab=True).exclude(status="disqualified").order_by("name")


def usable_instruments():
    return Instrument.objects.exclude(status__in=("retired", "lost")).order_by("tag")


# The longest calibration interval in months: ten years (3,650 is the limit in days).
MAX_INTERVAL_MONTHS = 120


class InstrumentForm(RecordForm):
    class Meta:
        model = Instrument
        fields = [
            "tag",
            "title",
            "type_name",
            "manufacturer",
            "serial_number",
            "measuring_range",
            "resolution",
            "required_accuracy",
            "location",
            "procedure",
            "source",
            "lab",
            "interval_value",
            "interval_unit",
            "usage_limit",
            "is_reference_standard",
            "owner",
            "department",
        ]
        labels = {"title": "Description"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lab_choices(self)
        self.fields["procedure"].queryset = Document.objects.exclude(status="obsolete").order_by("number")
        self.fields["interval_value"].error_messages["min_value"] = "The interval must be at least 1."

    def clean_tag(self):
        tag = self.cleaned_data["tag"].strip()
        clash = Instrument.objects.filter(tag__iexact=tag).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(f"{clash.reference} has the ID {clash.tag} already.")
        return tag

    def clean(self):
        data = super().clean()
        if data.get("source") == Source.EXTERNAL and not data.get("lab"):
            self.add_error("lab", "Name the laboratory that calibrates it.")
        value, unit = data.get("interval_value"), data.get("interval_unit")
        if value and unit == "months" and value > MAX_INTERVAL_MONTHS:
            self.add_error(
                "interval_value",
                f"At most {MAX_INTERVAL_MONTHS} months (ten years): {value} months would be due in "
                f"{timezone.localdate().year + value // 12}.",
            )
        return data


class CalibrationForm(DateRuleMixin, ChildModelForm):
    class Meta:
        model = Calibration
        fields = [
            "calibrated_on",
            "source",
            "performed_by",
            "lab",
            "certificate_number",
            "temperature",
            "humidity",
            "conditions",
            "uncertainty",
            "adjusted",
            "note",
        ]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 2}),
            "calibrated_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lab_choices(self)
        instrument = (
            self.parent if isinstance(self.parent, Instrument) else getattr(self.instance, "instrument", None)
        )
        if instrument is not None and not self.instance.pk:
            self.fields["source"].initial = instrument.source
            self.fields["lab"].initial = instrument.lab_id
        for name in ("temperature", "humidity", "uncertainty"):
            self.fields[name].error_messages["invalid"] = NUMBER_ERROR

    def clean_uncertainty(self):
        value = self.cleaned_data.get("uncertainty")
        if value is not None and value == 0:
            # No measurement is exact: a zero would hide every low test uncertainty ratio.
            raise forms.ValidationError(
                "An expanded uncertainty is never zero: give the certificate's, or leave it empty."
            )
        return value


class PointForm(ChildForm):
    characteristic = forms.CharField(max_length=100, required=False, help_text="e.g. Flatness, 25 mm")
    unit = forms.CharField(max_length=20, initial="mm")
    nominal = number("Nominal")
    plus_minus = number("Tolerance ±", required=False, help_text="Or give the lowest and highest allowed.")
    lower_limit = number("Lowest allowed", required=False)
    upper_limit = number("Highest allowed", required=False)
    as_found = number("As found", help_text="The reading before any adjustment.")
    as_left = number("As left", required=False, help_text="After adjustment; empty when not adjusted.")

    def clean(self):
        data = super().clean()
        nominal, pm = data.get("nominal"), data.get("plus_minus")
        lower, upper = data.get("lower_limit"), data.get("upper_limit")
        if self.errors:
            return data
        if pm is not None:
            if pm < 0:
                self.add_error("plus_minus", "The tolerance ± cannot be negative.")
            elif lower is not None or upper is not None:
                self.add_error(
                    "plus_minus", "Give the tolerance as ±, or as lowest and highest allowed, not both."
                )
            else:
                data["lower_limit"], data["upper_limit"] = nominal - pm, nominal + pm
        elif lower is None or upper is None:
            self.add_error("plus_minus", "Give the tolerance: ±, or the lowest and highest allowed.")
        elif lower > upper:
            self.add_error("lower_limit", "The lowest allowed is above the highest allowed.")
        return data


class StandardForm(ChildForm):
    standard = forms.ModelChoiceField(
        label="Reference standard",
        queryset=Instrument.objects.none(),
        help_text="An instrument of the register this one was calibrated against.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = usable_instruments().order_by("-is_reference_standard", "tag")
        self.fields[
            "standard"
        ].help_text = (
            "An instrument of the register marked as a reference standard, this one was calibrated against."
        )


class CertificateForm(ChildModelForm):
    class Meta:
        model = CalibrationCertificate
        fields = ["file"]


class CheckOutForm(ChildForm):
    holder = forms.ModelChoiceField(label="Taken by", queryset=people())
    note = forms.CharField(
        max_length=200, required=False, help_text="Where it is used, e.g. Cell 4 final inspection."
    )


class EmptyForm(ChildForm):
    """A button on a page that needs nothing typed (check in, ask where-used again)."""


class LabelForm(forms.Form):
    """Which instruments get labels: a list of ids (the register's selection)."""

    ids = forms.CharField(required=False)

    def clean_ids(self):
        raw = [part for part in self.cleaned_data["ids"].replace(";", ",").split(",") if part.strip()]
        if not raw:
            raise forms.ValidationError("Choose at least one instrument to print labels for.")
        if len(raw) > MAX_LABELS:
            raise forms.ValidationError(
                f"At most {MAX_LABELS} labels at a time ({len(raw)} chosen): narrow the list."
            )
        try:
            return sorted({int(part) for part in raw})
        except ValueError:
            raise forms.ValidationError("The list of instruments is not valid.") from None


class AssessmentForm(RecordForm):
    class Meta:
        model = ImpactAssessment
        fields = ["title", "summary", "owner", "department", "due_date"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}


class AssessmentCreateForm(DateRuleMixin, RecordForm):
    """An impact assessment opened by hand (a gauge dropped, a doubtful reading): which
    instrument, since when."""

    class Meta:
        model = ImpactAssessment
        fields = ["instrument", "period_from", "period_to", "summary"]
        labels = {"period_from": "Measured with it since", "period_to": "Until"}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "period_from": forms.DateInput(attrs={"type": "date"}),
            "period_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from qms import access

        self.fields["instrument"].queryset = access.restrict(
            Instrument.objects.exclude(status__in=("retired", "lost")), self.user, action="change"
        ).order_by("tag")

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_from", "The period starts after it ends.")
        return data


class AffectedItemForm(DateRuleMixin, ChildModelForm):
    not_future_fields = ("used_on",)

    class Meta:
        model = AffectedItem
        fields = ["used_on", "what", "reference", "title", "decision", "reason"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 2}),
            "used_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        if data.get("decision") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why: the auditor reads it.")
        return data


class DecisionForm(ChildModelForm):
    """An affected item's decision, changed on its page: it opens on the decision as it stands (a
    plain form opened on "No impact", and saving only a new reason lifted a hold)."""

    decision = forms.ChoiceField(choices=Decision.choices[1:])
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    class Meta:
        model = AffectedItem
        fields = ["decision", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.decision:
            self.fields["decision"].choices = [("", "Choose a decision"), *Decision.choices[1:]]


class MachineForm(RecordForm):
    class Meta:
        model = Machine
        fields = [
            "asset_number",
            "title",
            "location",
            "manufacturer",
            "model_name",
            "serial_number",
            "counter_unit",
            "counter_value",
            "owner",
            "department",
        ]
        labels = {"title": "Machine"}

    def clean_asset_number(self):
        number_ = self.cleaned_data["asset_number"].strip()
        clash = Machine.objects.filter(asset_number__iexact=number_).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(
                f"{clash.reference} has the asset number {clash.asset_number} already."
            )
        return number_


class PlanForm(DateRuleMixin, ChildModelForm):
    class Meta:
        model = MaintenancePlan
        fields = [
            "name",
            "checklist",
            "interval_days",
            "interval_counter",
            "responsible",
            "next_due",
            "postponement_limit",
        ]
        widgets = {
            "checklist": forms.Textarea(attrs={"rows": 4}),
            "next_due": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("next_due")  # moved by maintenance done or an approved postponement

    def clean(self):
        data = super().clean()
        if not data.get("interval_days") and not data.get("interval_counter") and not self.errors:
            self.add_error("interval_days", "Give the interval in days, or by the counter, or both.")
        return data


class CounterForm(ChildForm):
    counter_value = forms.IntegerField(label="Counter reading", min_value=0, max_value=2_147_483_647)


class RepairForm(DateRuleMixin, ChildModelForm):
    """Maintenance outside the plans (a repair)."""

    class Meta:
        model = MaintenanceEvent
        fields = ["done_on", "done_by", "work_done", "parts", "downtime_hours", "counter_reading"]
        widgets = {
            "work_done": forms.Textarea(attrs={"rows": 2}),
            "done_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_downtime_hours(self):
        hours = self.cleaned_data.get("downtime_hours")
        if hours is not None and hours > MAX_DOWNTIME_HOURS:
            raise forms.ValidationError(
                f"At most {MAX_DOWNTIME_HOURS:,} hours (a year) for one repair: check the number."
            )
        return hours


# One repair's downtime: a year at most (99,999 h is eleven years, a typing error).
MAX_DOWNTIME_HOURS = 8760


RESULTS = [("done", "Done"), ("not_ok", "Done: found a problem"), ("not_done", "Not done")]


class MaintenanceDoneForm(DateRuleMixin, ChildForm):
    """Maintenance done under a plan: a result for each task of its checklist."""

    done_on = forms.DateField(label="Done on", widget=forms.DateInput(attrs={"type": "date"}))
    done_by = forms.ModelChoiceField(label="Done by", queryset=people())
    work_done = forms.CharField(label="Work done", widget=forms.Textarea(attrs={"rows": 2}))
    parts = forms.CharField(label="Parts used", required=False, widget=forms.Textarea(attrs={"rows": 1}))
    downtime_hours = forms.DecimalField(
        label="Downtime (hours)", min_value=Decimal(0), max_digits=7, decimal_places=2, initial=0
    )
    counter_reading = forms.IntegerField(
        label="Counter reading", min_value=0, max_value=2_147_483_647, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.parent
        self.tasks = plan.tasks if isinstance(plan, MaintenancePlan) else []
        for i, task in enumerate(self.tasks):
            self.fields[f"task_{i}"] = forms.ChoiceField(label=task, choices=RESULTS, initial="done")

    def clean(self):
        data = super().clean()
        data["checklist_results"] = {
            task: data.pop(f"task_{i}", "not recorded") for i, task in enumerate(self.tasks)
        }
        return data


class PostponeForm(DateRuleMixin, ChildForm):
    not_past_fields = ("new_due",)
    new_due = forms.DateField(label="Postpone to", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why it cannot be done on time (backlog, parts, production). The head approves it.",
    )
