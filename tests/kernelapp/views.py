from qms.services import signatures_of
from qms.views import RecordDetailView

from .models import Widget
from .services import widget_hash


class WidgetDetailView(RecordDetailView):
    def extra_context_for(self, widget: Widget, forms: dict) -> dict:
        now = widget_hash(widget)
        signatures = [(s, s.is_valid_for(now)) for s in signatures_of(widget)]
        return {"parts": widget.parts.select_related("owner"), "signatures": signatures}
