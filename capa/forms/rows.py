"""Forms of the rows inside a CAPA: add (on the CAPA page) and edit (a page of its own), with the
status select of actions and containment actions and the progress forms of their owners."""

from __future__ import annotations

from django import forms

from qms.forms import ChildModelForm, DateRuleMixin, people
from qms.rules import REASON_MAX

from ..models import Action, ContainmentAction, FishboneCause, Why


class _StatusForm(ChildModelForm):
    """The status select of a row's edit page: its status now and those its workflow lets this
    user move it to, and a note for the history (required to cancel)."""

    status = forms.ChoiceField(label="Status")
    reason = forms.CharField(
        label="Note for the history",
        required=False,
        max_length=REASON_MAX,
        help_text="Required when cancelling.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        row = self.instance
        workflow, current = row.workflow, row.status_value
        targets = {current} | {t.target for t in workflow.available(row, self.user)}
        self.fields["status"].choices = [(s, label) for s, label in workflow.statuses if s in targets]
        self.fields["status"].initial = current


class _PersonField:
    """A row's owner is chosen from the people who can own records."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()


class ContainmentForm(_PersonField, DateRuleMixin, ChildModelForm):
    prefix = "containment"
    not_past_fields = ("due_date",)

    class Meta:
        model = ContainmentAction
        fields = ["description", "owner", "due_date"]
        labels = {"description": "Containment action"}


class ContainmentUpdateForm(ContainmentForm, _StatusForm):
    field_order = ["description", "owner", "due_date", "status", "result", "reason"]

    class Meta(ContainmentForm.Meta):
        fields = ["description", "owner", "due_date", "result"]
        widgets = {"result": forms.Textarea(attrs={"rows": 3})}


class ContainmentProgressForm(_StatusForm):
    """What the owner of a containment action from outside the CAPA may report."""

    prefix = "containment"
    field_order = ["status", "result", "reason"]

    class Meta:
        model = ContainmentAction
        fields = ["result"]
        widgets = {"result": forms.Textarea(attrs={"rows": 3})}


class WhyForm(ChildModelForm):
    prefix = "why"

    class Meta:
        model = Why
        fields = ["answer"]
        labels = {"answer": "Why?"}
        widgets = {"answer": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"answer": "The answer to “why?” for the line above."}


class CauseForm(ChildModelForm):
    prefix = "cause"

    class Meta:
        model = FishboneCause
        fields = ["category", "description", "is_root_cause"]


class ActionForm(_PersonField, DateRuleMixin, ChildModelForm):
    prefix = "action"
    not_past_fields = ("due_date",)

    class Meta:
        model = Action
        fields = ["kind", "title", "owner", "due_date"]


class ActionUpdateForm(ActionForm, _StatusForm):
    field_order = ["kind", "title", "owner", "due_date", "status", "evidence", "reason"]

    class Meta(ActionForm.Meta):
        fields = ["kind", "title", "owner", "due_date", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}


class ActionProgressForm(_StatusForm):
    """What the owner of an action from outside the CAPA may report: status and evidence."""

    prefix = "action"
    field_order = ["status", "evidence", "reason"]

    class Meta:
        model = Action
        fields = ["evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}
