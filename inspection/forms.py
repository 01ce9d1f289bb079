"""Forms of the inspection module: each checks what a person types and shows the error beside
the field; the services check every rule again, so a hand-made POST skips none."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from calibration.models import Instrument, Machine
from documents.models import Revision
from qms.forms import ChildForm, ChildModelForm, DateRuleMixin, RecordForm, people
from suppliers.models import Supplier
from training.models import Competence

from . import sampling
from .models import (
    GoodsReceipt,
    Inspection,
    InspectionPlan,
    LotOperator,
    PlanChange,
    PlanCharacteristic,
    ProductionLot,
    ReceiptCertificate,
    ScheduleChange,
    Shipment,
)
from .release import CHECKS, checks_now


def _today():
    return timezone.localdate()


class PlanForm(RecordForm):
    aql = forms.TypedChoiceField(label="AQL", choices=sampling.AQL_CHOICES, coerce=str, initial="1.0")

    class Meta:
        model = InspectionPlan
        fields = [
            "title",
            "part_number",
            "stage",
            "supplier",
            "drawing",
            "process",
            "level",
            "aql",
            "owner",
            "department",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.order_by("name")
        if self.instance.pk and self.instance.aql is not None:
            self.initial["aql"] = self.instance.aql_text

    def clean(self):
        data = super().clean()
        if data.get("stage") == "iqc" and not data.get("supplier"):
            self.add_error("supplier", "An incoming inspection plan is for one supplier's deliveries.")
        return data


class CharacteristicForm(ChildModelForm):
    class Meta:
        model = PlanCharacteristic
        fields = ["name", "nominal", "lower", "upper", "unit", "critical"]

    def clean(self):
        data = super().clean()
        if data.get("nominal") is None and (data.get("lower") is not None or data.get("upper") is not None):
            self.add_error("nominal", "A tolerance needs a nominal value.")
        low, high = data.get("lower"), data.get("upper")
        if low is not None and high is not None and low > high:
            self.add_error("upper", "The upper tolerance must not lie below the lower one.")
        return data


class PlanChangeForm(DateRuleMixin, ChildForm):
    kind = forms.ChoiceField(label="What changed", choices=PlanChange.Kind.choices)
    changed_on = forms.DateField(label="Changed on", initial=_today)
    what = forms.CharField(label="Describe the change", max_length=300)


class ReassessForm(ChildForm):
    note = forms.CharField(
        label="Re-assessment",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Level and AQL confirmed, or changed (edit the plan) — and why.",
    )


class ReducedForm(ChildForm):
    approve = forms.BooleanField(label="Reduced inspection approved", required=False)
    note = forms.CharField(label="Note", required=False, max_length=300)


class ResumeForm(ChildForm):
    reason = forms.CharField(
        label="What the supplier or process has done", widget=forms.Textarea(attrs={"rows": 2})
    )


class ReceiptForm(DateRuleMixin, RecordForm):
    class Meta:
        model = GoodsReceipt
        fields = [
            "title",
            "supplier",
            "part_number",
            "po_reference",
            "quantity",
            "promised_on",
            "received_on",
            "supplier_lot",
            "owner",
            "department",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.order_by("name")
        if "quantity" in self.fields:  # -1 said "greater than or equal to 0", 0 the model's words
            self.fields["quantity"].error_messages["min_value"] = (
                "A receipt holds at least one piece: enter how many arrived."
            )
        if self.instance.pk is None and not self.initial.get("received_on"):
            self.initial["received_on"] = _today()  # the goods-in clerk books what came in today

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day and day > _today():
            raise forms.ValidationError("A receipt is recorded once the goods have arrived.")
        return day


class CertificateForm(ChildModelForm):
    class Meta:
        model = ReceiptCertificate
        fields = ["file"]


def drawing_revisions():
    return (
        Revision.objects.select_related("document")
        .exclude(status__in=("draft", "in_review"))
        .order_by("document__number", "label")
    )


class LotForm(DateRuleMixin, RecordForm):
    class Meta:
        model = ProductionLot
        fields = [
            "title",
            "lot_number",
            "part_number",
            "drawing_revision",
            "quantity",
            "work_centre",
            "process",
            "competence",
            "machine",
            "started_on",
            "finished_on",
            "planned_finish",
            "delivery_date",
            "customer",
            "owner",
            "department",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drawing_revision"].queryset = drawing_revisions()
        self.fields["competence"].queryset = Competence.objects.filter(status="active").order_by("title")
        self.fields["machine"].queryset = Machine.objects.order_by("reference")

    def clean(self):
        data = super().clean()
        start, end = data.get("started_on"), data.get("finished_on")
        if start and end and end < start:
            self.add_error("finished_on", "Production cannot finish before it started.")
        return data


class LotEditForm(LotForm):
    """Planned dates change through schedule changes only, so each one is recorded and approved."""

    class Meta(LotForm.Meta):
        fields = [f for f in LotForm.Meta.fields if f not in ("planned_finish", "delivery_date")]


class OperatorForm(ChildModelForm):
    class Meta:
        model = LotOperator
        fields = ["person", "task"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people()


class MaterialForm(ChildForm):
    receipt = forms.ModelChoiceField(
        label="Goods receipt",
        queryset=GoodsReceipt.objects.exclude(status="rejected").order_by("-received_on"),
    )
    quantity = forms.IntegerField(min_value=1, max_value=2_147_483_647)


class ScheduleChangeForm(DateRuleMixin, ChildForm):
    field = forms.ChoiceField(label="Date", choices=ScheduleChange.Field.choices)
    new_date = forms.DateField(label="New date")
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}))
    affects = forms.CharField(
        label="What it affects", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeviationForm(ChildForm):
    """Accept a refused check of the lot with a signed reason: only the checks that refuse the
    release now are offered (a clear or accepted one needs no deviation)."""

    check = forms.ChoiceField(
        label="Check", choices=[(k, f"{n}. {t}") for n, (k, t, _, _) in enumerate(CHECKS, 1)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None:
            refused = {c.key for c in checks_now(self.parent) if c.blocks}
            self.fields["check"].choices = [(k, t) for k, t in self.fields["check"].choices if k in refused]
            self.fields["check"].error_messages["invalid_choice"] = (
                "That check does not refuse the release now: it needs no deviation."
            )

    reason = forms.CharField(
        label="Why the lot may be released all the same", widget=forms.Textarea(attrs={"rows": 2})
    )
    password = forms.CharField(
        label="Your password (electronic signature)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReleaseForm(ChildForm):
    note = forms.CharField(label="Release note", required=False, max_length=300)


class ShipmentForm(RecordForm):
    class Meta:
        model = Shipment
        fields = ["title", "customer", "customer_order", "delivery_note", "owner", "department"]


class ShipmentLineForm(ChildForm):
    lot = forms.ModelChoiceField(
        label="Production lot",
        queryset=ProductionLot.objects.filter(status="released").order_by("lot_number"),
        error_messages={
            "invalid_choice": "Only a released lot is shipped: choose one the release has cleared."
        },
    )
    quantity = forms.IntegerField(min_value=1, max_value=2_147_483_647)

    def __init__(self, *args, **kwargs):
        self.base_fields["lot"].picker_statuses = ("released",)  # its search finds released lots only
        super().__init__(*args, **kwargs)


class InspectionForm(DateRuleMixin, RecordForm):
    class Meta:
        model = Inspection
        fields = [
            "title",
            "plan",
            "lot",
            "receipt",
            "inspector",
            "inspected_on",
            "lot_size",
            "sample_size",
            "nonconforming",
            "original",
            "note",
            "owner",
            "department",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        querysets = {
            "plan": InspectionPlan.objects.filter(status="active").order_by("part_number"),
            "lot": ProductionLot.objects.filter(status__in=("open", "finished")).order_by("lot_number"),
            "receipt": GoodsReceipt.objects.filter(status="received").order_by("-received_on"),
            "inspector": people(),
        }
        for name, queryset in querysets.items():
            if name in self.fields:
                self.fields[name].queryset = queryset
        # A new inspection's empty instance puts None in ``initial`` for every field: proposed here.
        if not self.initial.get("inspected_on"):
            self.initial["inspected_on"] = _today()
        if not self.initial.get("inspector"):
            self.initial["inspector"] = self.user.pk

    def clean(self):
        data = super().clean()
        lot_size, sample = data.get("lot_size"), data.get("sample_size")
        if lot_size is not None and sample is not None and sample > lot_size:
            self.add_error(
                "sample_size", f"The sample ({sample}) cannot be larger than the lot ({lot_size})."
            )
        bad = data.get("nonconforming")
        if bad is not None and sample is not None and bad > sample:
            self.add_error("nonconforming", "More nonconforming items than items inspected.")
        if data.get("inspected_on") and data["inspected_on"] > _today():
            self.add_error("inspected_on", "An inspection is recorded once it is done.")
        if "title" in self.fields and not data.get("title"):
            subject = data.get("lot") or data.get("receipt")
            what = getattr(subject, "lot_number", None) or getattr(subject, "reference", "")
            data["title"] = f"Inspection of {what}".strip() if subject else "Inspection"
        return data


class InspectionEditForm(InspectionForm):
    class Meta(InspectionForm.Meta):
        fields = [
            "title",
            "inspector",
            "inspected_on",
            "lot_size",
            "sample_size",
            "nonconforming",
            "note",
            "owner",
            "department",
        ]


class ResultForm(ChildForm):
    characteristic = forms.ModelChoiceField(queryset=PlanCharacteristic.objects.none())
    values = forms.CharField(
        label="Measured values",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One number per item, separated by spaces.",
    )
    inspected = forms.IntegerField(
        label="Items inspected", required=False, min_value=1, max_value=2_147_483_647
    )
    nonconforming = forms.IntegerField(
        label="Nonconforming items", required=False, min_value=0, max_value=2_147_483_647
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None:
            self.fields["characteristic"].queryset = self.parent.plan.characteristics.all()


class GaugeForm(ChildForm):
    instrument = forms.ModelChoiceField(label="Gauge", queryset=Instrument.objects.order_by("reference"))
