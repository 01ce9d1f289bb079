"""The two record forms (NCR and CAPA), what a new one raised from another record starts from,
and the period of the analysis charts. Dates follow the kernel's one date rule."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from qms import access
from qms.forms import PeriodForm, RecordForm
from qms.models import Department

from ..models import Capa, Nonconformity, analysis_frozen

# --- the records ---------------------------------------------------------------------------------


class NonconformityForm(RecordForm):
    due_not_past = True

    class Meta:
        model = Nonconformity
        fields = [
            "title",
            "source",
            "severity",
            "part",
            "lot",
            "quantity_affected",
            "description",
            "cause_category",
            "owner",
            "department",
            "due_date",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "due_date" in self.fields:
            self.fields["due_date"].help_text = (
                "When the disposition and closing of this NCR are due; "
                f"{Nonconformity.default_due_days()} days from today if left empty."
            )
        if "owner" in self.fields:
            self.fields[
                "owner"
            ].help_text = "Who decides the disposition: a department head or the quality manager."

    def clean_owner(self):
        """The owner decides the disposition: a staff owner left the NCR due on the My work of
        someone who could not act on it."""
        from qms.services.handover import may_head

        owner = self.cleaned_data.get("owner")
        if owner is not None and not may_head(owner):
            raise forms.ValidationError(
                f"{owner} cannot decide a disposition: choose a department head or the quality manager."
            )
        return owner

    def clean_quantity_affected(self):
        value = self.cleaned_data.get("quantity_affected")
        if value is not None and value == 0:
            raise forms.ValidationError("Give the number of parts affected (at least 1), or leave it empty.")
        return value


class CapaForm(RecordForm):
    due_what = "The target date"
    due_not_past = True

    class Meta:
        model = Capa
        fields = [
            "title",
            "kind",
            "source",
            "severity",
            "nonconformities",
            "description",
            "customer",
            "customer_reference",
            "eight_d",
            "owner",
            "department",
            "due_date",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        labels = {"due_date": "Target date"}
        help_texts = {"due_date": "When the CAPA should be closed."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["nonconformities"].queryset = access.restrict(Nonconformity.objects.all(), user).order_by(
            "-created_at"
        )
        self.fields["nonconformities"].widget.attrs["size"] = 6
        if self.instance.pk is not None and (frozen := analysis_frozen(self.instance)):
            self.fields["nonconformities"].disabled = True  # the NCRs the actions were verified against
            self.fields["nonconformities"].help_text = frozen
        self.fields["due_date"].required = True

    def clean(self):
        data = super().clean()
        customer_complaint = data.get("source") == Capa.Source.CUSTOMER
        if customer_complaint and data.get("eight_d") and not data.get("customer", "").strip():
            self.add_error("customer", "Name the customer who asks for the 8D report.")
        return data


def capa_initial(ncrs: list[Nonconformity]) -> dict:
    """A new CAPA raised from NCRs starts from the first one's title, source, severity and
    description, with a target date two months ahead."""
    if not ncrs:
        return {}
    first = ncrs[0]
    return {
        "nonconformities": [n.pk for n in ncrs],
        "title": first.title,
        "source": first.source,
        "severity": first.severity,
        "description": first.description,
        "due_date": timezone.localdate() + dt.timedelta(days=60),
    }


def ncr_initial(source) -> dict:
    """A new NCR raised from any record starts from that record's title; a record that knows more
    (an inspection: the part, the lot, what was found) says so in ``ncr_prefill()``."""
    initial = {
        "title": source.title,
        "description": f"Raised from {source.display_reference}: {source.title}",
    }
    more = getattr(source, "ncr_prefill", None)
    return {**initial, **more()} if callable(more) else initial


# --- the analysis --------------------------------------------------------------------------------


class AnalysisPeriodForm(PeriodForm):
    """The period of the analysis charts (up to ten years of the archive) and the department whose
    records they count (any, unless one is chosen: a department's NCR figure opens its own)."""

    max_days = 3660
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="Any department"
    )
