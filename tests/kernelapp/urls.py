from qms.forms import SignatureForm
from qms.views import ChildDetailView, child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import extra, services
from .forms import PartFileForm, PartForm, WidgetForm
from .models import PartFile, Widget, WidgetPart

app_name = "kernelapp"
urlpatterns = [
    *record_urlpatterns(Widget, form_class=WidgetForm, prefix="widgets"),
    *form_urlpatterns(Widget, name="approve", form=SignatureForm, service=services.widget_approve),
    *child_urlpatterns(
        WidgetPart,
        prefix="parts",
        name="part",
        form=PartForm,
        add=True,
        edit=True,
        remove=True,
        detail_view=ChildDetailView,
    ),
    *child_urlpatterns(PartFile, prefix="files", name="file", form=PartFileForm, add=True, remove=True),
]
urlpatterns += extra.urlpatterns()  # forms only the kernel's own tests use
