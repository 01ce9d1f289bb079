from qms.views import record_urlpatterns

from .forms import NonconformityForm
from .models import Nonconformity

app_name = "capa"

urlpatterns = [
    *record_urlpatterns(Nonconformity, form_class=NonconformityForm, prefix="ncr"),
]
