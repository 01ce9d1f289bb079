"""The kernel's views: what modules build their pages from, and the kernel's own pages."""

from .actions import FormAction, FormActionView, FormPageView, form_urlpatterns
from .base import (
    QMSView,
    RecordScopeMixin,
    WriteView,
    add_errors,
    child_or_404,
    csv_response,
    csv_safe,
    has_page,
    querystring,
    register_page,
    render_page,
)
from .children import EDIT_FORM, ChildDetailView, ChildSpec, child_urlpatterns
from .records import (
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordTransitionView,
    RecordUpdateView,
    record_context,
    record_urlpatterns,
)

__all__ = [
    "EDIT_FORM",
    "FormAction",
    "FormActionView",
    "FormPageView",
    "form_urlpatterns",
    "ChildDetailView",
    "ChildSpec",
    "QMSView",
    "RecordCreateView",
    "RecordDetailView",
    "RecordListView",
    "RecordScopeMixin",
    "RecordTransitionView",
    "RecordUpdateView",
    "WriteView",
    "add_errors",
    "child_or_404",
    "child_urlpatterns",
    "csv_response",
    "csv_safe",
    "has_page",
    "querystring",
    "record_context",
    "record_urlpatterns",
    "register_page",
    "render_page",
]
