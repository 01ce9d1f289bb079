from django.urls import path

from qms.views import record_urlpatterns

from . import views
from .forms import DocumentForm
from .models import Document

app_name = "documents"

_rev = "<int:pk>/revisions/<int:revision_pk>/"

urlpatterns = [
    *record_urlpatterns(
        Document,
        form_class=DocumentForm,
        list_view=views.DocumentListView,
        detail_view=views.DocumentDetailView,
        create_view=views.DocumentCreateView,
        update_view=views.DocumentUpdateView,
        prefix="",
    ),
    path("acknowledgments/", views.AcknowledgmentRegisterView.as_view(), name="acknowledgment_register"),
    path("<int:pk>/revisions/new/", views.RevisionCreateView.as_view(), name="revision_create"),
    path(_rev, views.RevisionDetailView.as_view(), name="revision_detail"),
    path(f"{_rev}edit/", views.RevisionUpdateView.as_view(), name="revision_update"),
    path(f"{_rev}submit/", views.RevisionSubmitView.as_view(), name="revision_submit"),
    path(f"{_rev}sign/", views.RevisionSignView.as_view(), name="revision_sign"),
    path(f"{_rev}files/", views.RevisionFileUploadView.as_view(), name="revision_file_upload"),
    path(
        f"{_rev}files/<int:file_pk>/", views.RevisionFileDownloadView.as_view(), name="revision_file_download"
    ),
    path(
        f"{_rev}files/<int:file_pk>/remove/",
        views.RevisionFileRemoveView.as_view(),
        name="revision_file_remove",
    ),
    path(
        "<int:pk>/acknowledgments/<int:ack_pk>/confirm/", views.AcknowledgeView.as_view(), name="acknowledge"
    ),
    path("<int:pk>/periodic-review/", views.PeriodicReviewView.as_view(), name="periodic_review"),
    path(
        "<int:pk>/change-requests/new/", views.ChangeRequestCreateView.as_view(), name="change_request_create"
    ),
    path(
        "<int:pk>/change-requests/<int:request_pk>/decide/",
        views.ChangeRequestDecideView.as_view(),
        name="change_request_decide",
    ),
]
