from django.urls import path

from qms.views import record_urlpatterns

from . import views
from .forms import CapaForm, NonconformityForm
from .models import Capa, Nonconformity

app_name = "capa"

urlpatterns = [
    *record_urlpatterns(
        Nonconformity,
        form_class=NonconformityForm,
        list_view=views.NonconformityListView,
        detail_view=views.NonconformityDetailView,
        prefix="ncr",
    ),
    path("ncr/<int:pk>/disposition/", views.NcrDispositionView.as_view(), name="ncr_disposition"),
    path("analysis/", views.AnalysisView.as_view(), name="analysis"),
    *record_urlpatterns(
        Capa,
        form_class=CapaForm,
        list_view=views.CapaListView,
        detail_view=views.CapaDetailView,
        create_view=views.CapaCreateView,
        update_view=views.CapaUpdateView,
        prefix="",
    ),
    path("<int:pk>/8d.pdf", views.EightDReportView.as_view(), name="capa_8d"),
    path("<int:pk>/containment/", views.ContainmentAddView.as_view(), name="containment_add"),
    path(
        "<int:pk>/containment/<int:containment_pk>/",
        views.ContainmentEditView.as_view(),
        name="containment_edit",
    ),
    path("<int:pk>/whys/", views.WhyAddView.as_view(), name="why_add"),
    path("<int:pk>/whys/<int:why_pk>/", views.WhyEditView.as_view(), name="why_edit"),
    path("<int:pk>/whys/<int:why_pk>/delete/", views.WhyDeleteView.as_view(), name="why_delete"),
    path("<int:pk>/causes/", views.CauseAddView.as_view(), name="cause_add"),
    path("<int:pk>/causes/<int:cause_pk>/", views.CauseEditView.as_view(), name="cause_edit"),
    path("<int:pk>/causes/<int:cause_pk>/delete/", views.CauseDeleteView.as_view(), name="cause_delete"),
    path("<int:pk>/root-cause/", views.RootCauseView.as_view(), name="root_cause"),
    path("<int:pk>/8d/", views.DisciplineView.as_view(), name="discipline_set"),
    path("<int:pk>/actions/", views.ActionAddView.as_view(), name="action_add"),
    path("<int:pk>/actions/<int:action_pk>/", views.ActionEditView.as_view(), name="action_edit"),
    path("<int:pk>/verify/", views.VerifyView.as_view(), name="verify"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("<int:pk>/checks/<int:check_pk>/plan/", views.CheckPlanView.as_view(), name="check_plan"),
    path("<int:pk>/checks/<int:check_pk>/result/", views.CheckResultView.as_view(), name="check_result"),
]
