"""What people type in the management review module: objectives and their monthly values,
reviews (period, chair, attendees), the inputs and minutes of a review, holding it, decisions
and actions. Errors show beside the field; services check again."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from qms import kpis
from qms.forms import ChildForm, ChildModelForm, DateRuleMixin, RecordForm, people
from qms.models import Department, Role, User
from qms.rules import check_period

from .models import Decision, Objective, ObjectiveValue, Review, ReviewAction
from .services.reviews import ENTERED, MINUTES

NOT_A_NUMBER = "Enter a number, e.g. 95 or 2.5."
NO_MODULE = "No module behind this input — enter text."


def _any_department_for_top(form: RecordForm) -> None:
    """Top management sets objectives and reviews for every department (it belongs to none)."""
    if form.user.is_top_management and "department" in form.fields:
        form.fields["department"].queryset = Department.objects.all()


class _TopManagementForm(RecordForm):
    """A record form where top management, like the quality manager, files for any department."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _any_department_for_top(self)

    def clean_department(self):
        if self.user.is_top_management:
            return self.cleaned_data.get("department")
        return super().clean_department()


def measure_choices() -> list[tuple[str, str]]:
    return [("", "A value its owner enters each month")] + [
        (m.key, f"{m.label} ({m.unit})") for m in kpis.measures()
    ]


class ObjectiveForm(_TopManagementForm):
    due_what = "The deadline"
    due_not_past = True

    class Meta:
        model = Objective
        fields = [
            "title",
            "description",
            "measure_key",
            "for_department",
            "target",
            "unit",
            "better",
            "owner",
            "department",
            "due_date",
        ]
        labels = {"title": "Objective", "due_date": "Deadline", "owner": "Owner (who is accountable)"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"target": {"invalid": NOT_A_NUMBER}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = getattr(self.instance, "measure_key", "")
        choices = measure_choices()
        if current and current not in dict(choices):
            choices.append((current, f"{current} (no module measures it now)"))
        self.fields["measure_key"] = forms.ChoiceField(
            label="Measure",
            choices=choices,
            required=False,
            help_text=Objective._meta.get_field("measure_key").help_text,
        )
        self.fields["measure_key"].widget.attrs["class"] = "form-select"
        self.fields["due_date"].required = True
        self.fields[
            "unit"
        ].help_text = "For a value entered each month: %, points, days … (a KPI has its own)."
        self.fields["better"].help_text = "For a value entered each month (a KPI knows which way is good)."

    def clean_measure_key(self):
        key = self.cleaned_data.get("measure_key") or ""
        if key and kpis.get(key) is None and key != getattr(self.instance, "measure_key", ""):
            raise forms.ValidationError("No installed module measures this; choose another measure.")
        return key


class ReviewForm(_TopManagementForm):
    due_what = "The planned date"

    class Meta:
        model = Review
        fields = [
            "title",
            "period_start",
            "period_end",
            "due_date",
            "chair",
            "attendees",
            "owner",
            "department",
        ]
        labels = {"due_date": "Planned for", "owner": "Organised by"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].required = True
        self.fields["chair"].queryset = User.objects.filter(role=Role.TOP_MANAGEMENT, is_active=True)
        self.fields["attendees"].queryset = people()
        self.fields["attendees"].required = False
        self.fields["period_start"].help_text = "The period the review looks back on."

    def clean(self):
        data = super().clean()
        try:
            check_period(data.get("period_start"), data.get("period_end"))
        except forms.ValidationError as exc:
            names = {"date_from": "period_start", "date_to": "period_end"}
            for field, errors in exc.message_dict.items():
                name = names.get(field, field)
                if name not in self.errors:
                    self.add_error(name, errors)
        return data


class _InputTexts(ChildForm):
    """One text box per input of the review (``parent``), named ``<prefix><key>``."""

    field_prefix = ""
    attribute = ""

    def __init__(self, *args, **kwargs):
        kwargs.pop("initial", None)
        super().__init__(*args, **kwargs)
        measured = {key for key, data in _feeds().items() if data}
        for row in self.parent.inputs.all():
            spec = row.spec
            help_text = spec.entered if spec else ""
            if self.attribute == "entered" and row.key not in measured:
                help_text = f"{NO_MODULE} {help_text}"
            self.fields[self.field_prefix + row.key] = forms.CharField(
                label=f"{row.title} ({spec.clause if spec else row.key})",
                required=False,
                max_length=20000,
                initial=getattr(row, self.attribute),
                help_text=help_text,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )


def _feeds() -> dict[str, bool]:
    from .inputs import OWN_INPUTS

    return {spec.key: bool(kpis.feeding(spec.key)) or spec.key in OWN_INPUTS for spec in kpis.REVIEW_INPUTS}


class InputsForm(_InputTexts):
    """What is entered by hand for the review: everything no module measures."""

    field_prefix, attribute = ENTERED, "entered"


class MinutesForm(_InputTexts):
    """The minutes: what was said and concluded on each input."""

    field_prefix, attribute = MINUTES, "minutes"


class HoldForm(ChildForm):
    prefix = "hold"
    held_on = forms.DateField(label="Held on")
    attendees = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people()
        if self.parent is not None and not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("attendees", list(self.parent.attendees.values_list("pk", flat=True)))


class DecisionForm(ChildModelForm):
    prefix = "decision"

    class Meta:
        model = Decision
        fields = ["kind", "input_key", "text"]
        labels = {"kind": "Output (9.3.3)"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ActionForm(DateRuleMixin, ChildModelForm):
    prefix = "action"
    not_past_fields = ("due_date",)

    class Meta:
        model = ReviewAction
        fields = ["title", "owner", "due_date"]
        labels = {"due_date": "Due date"}


class ActionEditForm(DateRuleMixin, ChildModelForm):
    not_past_fields = ("due_date",)

    class Meta:
        model = ReviewAction
        fields = ["title", "owner", "due_date", "note"]
        labels = {"due_date": "Due date"}


class ObjectiveValueForm(DateRuleMixin, ChildModelForm):
    prefix = "value"

    class Meta:
        model = ObjectiveValue
        fields = ["month", "value", "note"]
        error_messages = {"value": {"invalid": NOT_A_NUMBER}}


class ObjectiveValueEditForm(ChildModelForm):
    class Meta:
        model = ObjectiveValue
        fields = ["value", "note"]
        error_messages = {"value": {"invalid": NOT_A_NUMBER}}
