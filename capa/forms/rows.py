"""Forms of the rows inside a CAPA: add (on the CAPA page) and edit (a page of its own), with the
status select of actions and containment actions and the progress forms of their owners."""

from __future__ import annotations

from django import forms

from qms.forms import ChildModelForm, DateRuleMixin, people
from qms.rules import REASON_MAX

from ..models import PLAN_FIELDS, Action, ContainmentAction, FishboneCause, Why, plan_frozen


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
        moves = workflow.available(row, self.user)
        # A move the row refuses now (an action reopened under a CAPA in verification) is not
        # offered; chosen anyway, its refusal is said beside the status, not "not a valid choice".
        self.refused = {t.target: workflow.refused(row, t.name, self.user) for t in moves}
        targets = {current} | set(self.refused)
        self.fields["status"].choices = [(s, label) for s, label in workflow.statuses if s in targets]
        self.fields["status"].widget.choices = [
            (s, label) for s, label in self.fields["status"].choices if not self.refused.get(s)
        ]
        self.fields["status"].initial = current

    def clean_status(self):
        status = self.cleaned_data["status"]
        if self.refused.get(status):
            raise forms.ValidationError(self.refused[status])
        return status


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Said before it is typed: a change is refused beside the field (``action_update``).
        if self.parent is not None and plan_frozen(self.parent):
            for name in PLAN_FIELDS:
                self.fields[name].help_text = "Fixed while the CAPA is in verification."


class ActionProgressForm(_StatusForm):
    """What the owner of an action from outside the CAPA may report: status and evidence."""

    prefix = "action"
    field_order = ["status", "evidence", "reason"]

    class Meta:
        model = Action
        fields = ["evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}
