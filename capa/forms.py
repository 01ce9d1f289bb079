from qms.forms import RecordForm

from .models import Nonconformity


class NonconformityForm(RecordForm):
    class Meta:
        model = Nonconformity
        fields = ["title", "source", "severity", "description", "owner", "department", "due_date"]
