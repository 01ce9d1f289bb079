from qms.forms import ChildModelForm, DateRuleMixin, RecordForm

from .models import PartFile, Widget, WidgetPart


class WidgetForm(RecordForm):
    class Meta:
        model = Widget
        fields = ["title", "description", "process", "owner", "department", "due_date"]


class PartForm(DateRuleMixin, ChildModelForm):
    not_past_fields = ("due_date",)

    class Meta:
        model = WidgetPart
        fields = ["name", "owner", "due_date", "critical", "note"]


class PartFileForm(ChildModelForm):
    class Meta:
        model = PartFile
        fields = ["file"]
