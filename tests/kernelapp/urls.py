from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import services
from .forms import ApproveForm, PartForm, PartRenameForm, RenameForm, WidgetForm
from .models import Widget, WidgetPart
from .views import WidgetDetailView

app_name = "kernelapp"
urlpatterns = [
    *record_urlpatterns(Widget, form_class=WidgetForm, detail_view=WidgetDetailView, prefix="widgets"),
    *form_urlpatterns(Widget, name="approve", form=ApproveForm, service=services.widget_approve),
    *form_urlpatterns(Widget, name="rename", form=RenameForm, service=services.widget_rename, page=True),
    *child_urlpatterns(
        WidgetPart,
        prefix="parts",
        name="part",
        form=PartForm,
        add=services.part_add,
        edit_form=PartForm,
        edit=services.part_update,
        remove=True,
    ),
    *form_urlpatterns(
        WidgetPart, name="rename", form=PartRenameForm, service=services.part_rename, success="Renamed."
    ),
]
