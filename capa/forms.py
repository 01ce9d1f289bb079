"""Forms of the CAPA module: the two record forms and the small forms on the CAPA page. Every form
validates what a user can get wrong and says so beside the field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from qms import access
from qms.forms import BootstrapMixin, RecordForm, people

from .models import (
    Action,
    Capa,
    CauseCategory,
    ContainmentAction,
    Discipline,
    EffectivenessCheck,
    FishboneCause,
    Nonconformity,
    Why,
)

YES_NO = [("", "— choose —"), ("yes", "Yes"), ("no", "No")]


# A date further ahead than this is a typo (2062 for 2026), not a plan.
MAX_YEARS_AHEAD = 10


def _not_too_far(value: dt.date | None, what: str = "The due date") -> dt.date | None:
    today = timezone.localdate()
    if value and value > today.replace(year=today.year + MAX_YEARS_AHEAD, day=min(today.day, 28)):
        raise forms.ValidationError(
            f"{what} is more than {MAX_YEARS_AHEAD} years ahead ({value:%d %b %Y}); check the year."
        )
    return value


def _not_past(value: dt.date | None, what: str = "The due date") -> dt.date | None:
    if value and value < timezone.localdate():
        raise forms.ValidationError(f"{what} is in the past; choose today or a later date.")
    return _not_too_far(value, what)


class _DueDateSane:
    """A record's due date, when set or changed, is neither in the past nor decades ahead; an
    unchanged due date that has since passed (an overdue record) may stay as it is."""

    due_what = "The due date"

    def clean_due_date(self):
        value = self.cleaned_data.get("due_date")
        if self.instance.pk is None or value != self.instance.due_date:
            _not_past(value, self.due_what)
        return value


class NonconformityForm(_DueDateSane, RecordForm):
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
        help_texts = {"due_date": "When the disposition and closing of this NCR are due."}

    def clean_quantity_affected(self):
        value = self.cleaned_data.get("quantity_affected")
        if value is not None and value == 0:
            raise forms.ValidationError("Give the number of parts affected (at least 1), or leave it empty.")
        return value


class DispositionForm(BootstrapMixin, forms.Form):
    prefix = "disposition"

    disposition = forms.ChoiceField(
        label="Disposition of the nonconforming product",
        choices=[("", "— choose —"), *Nonconformity.Disposition.choices],
    )
    note = forms.CharField(
        label="Decision note",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a concession: who granted it and its reference.",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("disposition") == Nonconformity.Disposition.CONCESSION
            and not data.get("note", "").strip()
        ):
            self.add_error("note", "A concession needs a note: who granted it and its reference.")
        return data


class CapaForm(_DueDateSane, RecordForm):
    due_what = "The target date"

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
        self.fields["due_date"].required = True

    def clean(self):
        data = super().clean()
        customer_complaint = data.get("source") == Capa.Source.CUSTOMER
        if customer_complaint and data.get("eight_d") and not data.get("customer", "").strip():
            self.add_error("customer", "Name the customer who asks for the 8D report.")
        return data


class RootCauseForm(BootstrapMixin, forms.Form):
    prefix = "rootcause"

    root_cause = forms.CharField(
        label="Root cause", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    cause_category = forms.ChoiceField(
        label="Root cause category (6M)", choices=[("", "— choose —"), *CauseCategory.choices]
    )


class ContainmentForm(_DueDateSane, BootstrapMixin, forms.ModelForm):
    prefix = "containment"

    class Meta:
        model = ContainmentAction
        fields = ["description", "owner", "due_date"]
        labels = {"description": "Containment action"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()


class ContainmentUpdateForm(ContainmentForm):
    class Meta(ContainmentForm.Meta):
        fields = ["description", "owner", "due_date", "status", "result"]
        widgets = {"result": forms.Textarea(attrs={"rows": 3})}


class ContainmentProgressForm(BootstrapMixin, forms.ModelForm):
    """What the owner of a containment action from outside the CAPA may report."""

    prefix = "containment"

    class Meta:
        model = ContainmentAction
        fields = ["status", "result"]
        widgets = {"result": forms.Textarea(attrs={"rows": 3})}


class WhyForm(BootstrapMixin, forms.ModelForm):
    prefix = "why"

    class Meta:
        model = Why
        fields = ["answer"]
        labels = {"answer": "Why?"}
        widgets = {"answer": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"answer": "The answer to “why?” for the line above."}


class CauseForm(BootstrapMixin, forms.ModelForm):
    prefix = "cause"

    class Meta:
        model = FishboneCause
        fields = ["category", "description", "is_root_cause"]


class DisciplineForm(BootstrapMixin, forms.ModelForm):
    prefix = "discipline"

    class Meta:
        model = Discipline
        fields = ["discipline", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        labels = {"discipline": "Discipline", "text": "Text for the 8D report"}

    def validate_unique(self):
        # discipline_set rewrites an existing discipline; it is not a duplicate.
        pass


class ActionForm(_DueDateSane, BootstrapMixin, forms.ModelForm):
    prefix = "action"

    class Meta:
        model = Action
        fields = ["kind", "title", "owner", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()


class ActionUpdateForm(ActionForm):
    reason = forms.CharField(
        label="Note for the history",
        required=False,
        max_length=1000,
        help_text="Required when cancelling an action.",
    )

    class Meta(ActionForm.Meta):
        fields = ["kind", "title", "owner", "due_date", "status", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}


class ActionProgressForm(BootstrapMixin, forms.ModelForm):
    """What the owner of an action from outside the CAPA may report: status and evidence."""

    prefix = "action"
    reason = ActionUpdateForm.base_fields["reason"]

    class Meta:
        model = Action
        fields = ["status", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}


class CheckPlanForm(BootstrapMixin, forms.Form):
    prefix = "plan"

    planned_date = forms.DateField(
        label="Effectiveness check due on", help_text="Usually some months after the actions."
    )
    criteria = forms.CharField(
        label="Effectiveness criteria",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What must be true for the fix to count as effective, e.g. “no bore rejects in the "
        "next 10 lots”.",
    )
    verifier = forms.ModelChoiceField(
        label="Verifier", queryset=people(), help_text="Who will judge the result: not the CAPA owner."
    )

    def __init__(self, *args, capa: Capa, **kwargs):
        self.capa = capa
        super().__init__(*args, **kwargs)
        self.fields["verifier"].queryset = people().exclude(pk=capa.owner_id)

    def clean_planned_date(self):
        value = self.cleaned_data.get("planned_date")
        if value and value <= timezone.localdate():
            raise forms.ValidationError("The effectiveness check must be planned in the future.")
        return _not_too_far(value, "The effectiveness check date")


class VerifyForm(CheckPlanForm):
    """Actions finished: plan the effectiveness check and move to verification."""

    prefix = "verify"

    reason = forms.CharField(label="Note for the history", required=False, max_length=1000)


class CloseForm(BootstrapMixin, forms.Form):
    """Closing asks the questions of ISO 9001 10.2.1 e–f."""

    prefix = "close"

    risks_change = forms.ChoiceField(
        label="Must risks and opportunities be updated? (10.2.1 e)", choices=YES_NO
    )
    risks_note = forms.CharField(
        label="Which risks or opportunities",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    documents_change = forms.ChoiceField(
        label="Must documents (procedures, drawings, work instructions) change? (10.2.1 f)", choices=YES_NO
    )
    documents_note = forms.CharField(
        label="Which documents and how",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    document = forms.CharField(
        label="Raise a change request for document",
        required=False,
        max_length=30,
        help_text="Optional: the document's reference number; document control gets a change request.",
    )
    reason = forms.CharField(label="Closing note", required=False, max_length=1000)

    def __init__(self, *args, user=None, change_requests: bool = False, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not change_requests:
            self.fields.pop("document")

    def clean_document(self):
        from qms.registry import find_by_reference

        reference = self.cleaned_data.get("document", "").strip()
        if not reference:
            return None
        found = find_by_reference(reference)
        if found is None or found._meta.app_label != "documents" or not access.can_view(self.user, found):
            raise forms.ValidationError("No document with that reference that you can see.")
        return found

    def clean(self):
        data = super().clean()
        if data.get("risks_change") == "yes" and not data.get("risks_note", "").strip():
            self.add_error("risks_note", "Say which risks or opportunities must be updated.")
        if data.get("documents_change") == "yes" and not data.get("documents_note", "").strip():
            self.add_error("documents_note", "Say which documents must change and how.")
        if data.get("document") and data.get("documents_change") != "yes":
            self.add_error("document", "A change request is only raised when documents must change.")
        return data


class CheckResultForm(BootstrapMixin, forms.Form):
    prefix = "check"

    result = forms.ChoiceField(
        label="Result",
        choices=[
            ("", "— choose —"),
            (EffectivenessCheck.Result.EFFECTIVE, "Effective"),
            (EffectivenessCheck.Result.NOT_EFFECTIVE, "Not effective (reopens the CAPA)"),
        ],
    )
    notes = forms.CharField(
        label="Findings",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was checked against the criteria, and what was found.",
    )


class PeriodForm(BootstrapMixin, forms.Form):
    """The period of the analysis charts."""

    date_from = forms.DateField(label="From", required=False)
    date_to = forms.DateField(label="To", required=False)

    def _in_range(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        today = timezone.localdate()
        if value and not (dt.date(1970, 1, 1) <= value <= today + dt.timedelta(days=366)):
            raise forms.ValidationError(f"Choose a date between 1970 and {today.year + 1}.")
        return value

    def clean_date_from(self):
        return self._in_range("date_from")

    def clean_date_to(self):
        return self._in_range("date_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period is before its start.")
        if start and end and (end - start).days > 3660:
            self.add_error("date_from", "Choose a period of at most ten years.")
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        end = self.cleaned_data.get("date_to") or today
        start = self.cleaned_data.get("date_from") or end - dt.timedelta(days=365)
        return start, end
