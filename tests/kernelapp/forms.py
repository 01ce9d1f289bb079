from django import forms

from qms.forms import ChildForm, ChildModelForm, DateRuleMixin, RecordForm, people

from .models import Widget, WidgetPart


class WidgetForm(RecordForm):
    class Meta:
        model = Widget
        fields = ["title", "description", "process", "owner", "department", "due_date"]


class PartForm(DateRuleMixin, ChildModelForm):
    not_past_fields = ("due_date",)

    class Meta:
        model = WidgetPart
        fields = ["name", "owner", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()


class ApproveForm(ChildForm):
    password = forms.CharField(widget=forms.PasswordInput, help_text="Your password signs the approval.")


class RenameForm(ChildForm):
    """A form that is a page of its own (``form_urlpatterns(page=True)``)."""

    title = forms.CharField(max_length=200)


class PartRenameForm(ChildForm):
    """A form about a row that has no page of its own: refusals come back as a message."""

    name = forms.CharField(max_length=100)
