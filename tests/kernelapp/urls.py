from qms.forms import RecordForm
from qms.views import record_urlpatterns

from .models import Widget


class WidgetForm(RecordForm):
    class Meta:
        model = Widget
        fields = ["title", "description", "owner", "department", "due_date"]


app_name = "kernelapp"
urlpatterns = record_urlpatterns(Widget, form_class=WidgetForm, prefix="widgets")
