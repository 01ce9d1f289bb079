"""The forms of the approved supplier list: a supplier, its contacts, sites, certificates and
evaluations, the signed decisions on it and the tier policies."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from qms.forms import ChildForm, ChildModelForm, DateRuleMixin, RecordForm, SignatureForm, people
from qms.rules import REASON_MAX, check_date

from ..models import (
    CertificateKind,
    Supplier,
    SupplierCertificate,
    SupplierContact,
    SupplierSite,
    TierPolicy,
)

# The criteria an evaluation starts from; the evaluator may change names and weights.
DEFAULT_CRITERIA = [
    ("Quality (rejections, NCRs)", 40),
    ("Delivery (on time, complete)", 30),
    ("Responsiveness (SCARs, questions)", 15),
    ("Cooperation and documentation", 15),
]
CRITERIA_ROWS = 6


class SupplierForm(DateRuleMixin, RecordForm):
    website = forms.URLField(required=False, assume_scheme="https", max_length=200)
    years_back = {"last_audit_on": 30}  # a supplier taken over from paper, audited long ago
    not_future_fields = ("last_audit_on",)

    class Meta:
        model = Supplier
        fields = [
            "name",
            "vat_number",
            "tier",
            "tier_reason",
            "calibration_lab",
            "commodities",
            "processes",
            "part_numbers",
            "address",
            "country",
            "email",
            "phone",
            "website",
            "last_audit_on",
            "owner",
            "department",
        ]
        widgets = {
            "commodities": forms.Textarea(attrs={"rows": 2}),
            "processes": forms.Textarea(attrs={"rows": 2}),
            "part_numbers": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def _clash(self, field: str, value: str) -> str:
        others = Supplier.objects.exclude(pk=self.instance.pk) if self.instance.pk else Supplier.objects.all()
        found = others.filter(**{f"{field}__iexact": value}).first()
        if found is not None:
            what = "name" if field == "name" else "VAT number"
            raise forms.ValidationError(f"{found.reference} {found.name} has this {what} already.")
        return value

    def clean_name(self):
        return self._clash("name", " ".join(self.cleaned_data["name"].split()))

    def clean_vat_number(self):
        vat = self.cleaned_data.get("vat_number", "").replace(" ", "").upper()
        return self._clash("vat_number", vat) if vat else vat

    def validate_unique(self):
        pass  # said above, naming the supplier that has the name or number

    def record_fields(self) -> dict:
        return super().record_fields()


class ApproveForm(SignatureForm):
    reason = forms.CharField(label="Note", max_length=REASON_MAX, required=False)
    field_order = ["reason", "password"]


class ConditionalForm(SignatureForm):
    conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="What the supplier must do or deliver, and what we do meanwhile (100% inspection …).",
    )
    until = forms.DateField(label="Conditional until")
    field_order = ["conditions", "until", "password"]

    def clean_until(self):
        # A condition is met within years, not centuries: a date beyond the plausible horizon
        # (qms.rules.check_date) is refused beside the field; the service wants it in the future.
        return check_date(self.cleaned_data.get("until"), what="The conditional-until date")


class DisqualifyForm(SignatureForm):
    reason = forms.CharField(label="Why", max_length=REASON_MAX)
    field_order = ["reason", "password"]


class ContactForm(ChildModelForm):
    prefix = "contact"

    class Meta:
        model = SupplierContact
        fields = ["name", "role", "email", "phone", "quality_contact"]


class SiteForm(ChildModelForm):
    prefix = "site"

    class Meta:
        model = SupplierSite
        fields = ["name", "address", "makes"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class CertificateForm(DateRuleMixin, ChildModelForm):
    prefix = "certificate"
    years_back = {"issued_on": 30}
    not_future_fields = ("issued_on",)

    class Meta:
        model = SupplierCertificate
        fields = ["kind", "number", "issuer", "scope", "issued_on", "expires_on", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Scan"
        self.fields["file"].help_text = "PDF or picture of the certificate (can follow later)."

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires <= issued:
            self.add_error("expires_on", "The expiry date must come after the issue date.")
        expiring = (CertificateKind.ISO9001, CertificateKind.IATF16949, CertificateKind.ISO17025)
        if data.get("kind") in expiring and not expires and "expires_on" not in self.errors:
            self.add_error(
                "expires_on", "A management-system certificate or accreditation expires: give the date."
            )
        return data

    def _post_clean(self):
        # The scan is stored by the service through the file store, not by the model form.
        file = self.cleaned_data.get("file")
        super()._post_clean()
        self.cleaned_data["file"] = file or None


class EvaluationForm(DateRuleMixin, ChildForm):
    """An evaluation: up to six criteria, each with a weight (per cent, adding up to 100) and a
    score from 1 (poor) to 5 (excellent)."""

    prefix = "evaluation"
    not_future_fields = ("evaluated_on",)

    evaluated_on = forms.DateField(label="Evaluated on", initial=timezone.localdate)
    evaluator = forms.ModelChoiceField(queryset=people())
    note = forms.CharField(
        label="Summary", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = people()
        if self.user is not None:
            self.fields["evaluator"].initial = self.user.pk
        for i in range(1, CRITERIA_ROWS + 1):
            name, weight = DEFAULT_CRITERIA[i - 1] if i <= len(DEFAULT_CRITERIA) else ("", None)
            self.fields[f"criterion_{i}"] = forms.CharField(
                label=f"Criterion {i}", max_length=100, required=False, initial=name
            )
            self.fields[f"weight_{i}"] = forms.IntegerField(
                label="Weight (%)", min_value=1, max_value=100, required=False, initial=weight
            )
            self.fields[f"score_{i}"] = forms.IntegerField(
                label="Score (1–5)",
                min_value=1,
                max_value=5,
                required=False,
                error_messages={
                    "min_value": "A score is between 1 and 5.",
                    "max_value": "A score is between 1 and 5.",
                },
            )
        # The fields added here after BootstrapMixin dressed the others.
        for name, field in self.fields.items():
            if name.split("_")[0] in ("criterion", "weight", "score"):
                field.widget.attrs["class"] = "form-control"

    def rows(self):
        return [
            (self[f"criterion_{i}"], self[f"weight_{i}"], self[f"score_{i}"])
            for i in range(1, CRITERIA_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        criteria, total, first_weight = [], 0, None
        for i in range(1, CRITERIA_ROWS + 1):
            name = (data.get(f"criterion_{i}") or "").strip()
            weight, score = data.get(f"weight_{i}"), data.get(f"score_{i}")
            if any(f"{p}_{i}" in self.errors for p in ("criterion", "weight", "score")):
                continue
            if not name and weight is None and score is None:
                continue
            if not name:
                self.add_error(f"criterion_{i}", "Name the criterion.")
                continue
            if weight is None:
                self.add_error(f"weight_{i}", "Give the criterion a weight.")
                continue
            if score is None:
                if weight is not None and not any(
                    data.get(f"score_{j}") for j in range(1, CRITERIA_ROWS + 1)
                ):
                    pass
                self.add_error(f"score_{i}", "Score the criterion from 1 to 5.")
                continue
            first_weight = first_weight or f"weight_{i}"
            total += weight
            criteria.append((name, weight, score))
        if not self.errors:
            if not criteria:
                self.add_error("criterion_1", "Score at least one criterion.")
            elif total != 100:
                self.add_error(first_weight, f"The weights add up to {total} %, not 100 %.")
        day = data.get("evaluated_on")
        if day and day > timezone.localdate():
            self.add_error("evaluated_on", "An evaluation is recorded when it was done, not ahead.")
        data["criteria"] = criteria
        return data

    @property
    def service_data(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("evaluated_on", "evaluator", "note", "criteria")}


class TierPolicyForm(forms.ModelForm):
    required_certificates = forms.MultipleChoiceField(
        choices=CertificateKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = TierPolicy
        fields = [
            "required_certificates",
            "material_certificates",
            "evaluation_months",
            "audit_months",
            "inspection_level",
        ]
