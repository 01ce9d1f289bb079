"""The NCR and CAPA pages: the records (kernel record views), the forms on their pages (kernel
form actions), the rows inside a CAPA (kernel child views), the 8D report, the analysis and the
register of effectiveness checks across CAPAs."""

from django.urls import path

from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import services, views
from .forms import (
    ActionForm,
    ActionProgressForm,
    ActionUpdateForm,
    CapaForm,
    CauseForm,
    CheckPlanForm,
    CheckResultForm,
    CloseForm,
    ContainmentForm,
    ContainmentProgressForm,
    ContainmentUpdateForm,
    DisciplineForm,
    DispositionForm,
    NonconformityForm,
    RootCauseForm,
    VerifyForm,
    WhyForm,
)
from .models import Action, Capa, ContainmentAction, EffectivenessCheck, FishboneCause, Nonconformity, Why
from .views import pages

app_name = "capa"

ncr_urls = [
    *record_urlpatterns(
        Nonconformity,
        form_class=NonconformityForm,
        list_view=views.NonconformityListView,
        detail_view=views.NonconformityDetailView,
        prefix="ncr",
    ),
    *form_urlpatterns(
        Nonconformity,
        name="disposition",
        form=DispositionForm,
        service=services.ncr_disposition,
        kw="ncr",
        may=pages.may_disposition,
        success="Disposition recorded.",
    ),
]

capa_urls = [
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
    *form_urlpatterns(
        Capa,
        name="root_cause",
        form=RootCauseForm,
        service=services.capa_root_cause_set,
        may=pages.may_analyse,
        success="Root cause recorded.",
    ),
    *form_urlpatterns(
        Capa,
        name="discipline",
        form=DisciplineForm,
        service=services.discipline_set,
        success="8D text saved.",
    ),
    *form_urlpatterns(
        Capa,
        name="verify",
        form=VerifyForm,
        service=services.capa_verification_start,
        may=pages.may_verify,
        success="Moved to verification.",
    ),
    *form_urlpatterns(
        Capa,
        name="close",
        form=CloseForm,
        service=services.capa_close,
        may=pages.may_close,
        success=pages.closed,
    ),
]

row_urls = [
    *child_urlpatterns(
        ContainmentAction,
        prefix="containment",
        name="containment",
        kw="containment",
        form=ContainmentForm,
        add=services.containment_add,
        edit_form=ContainmentUpdateForm,
        assignee_form=ContainmentProgressForm,
        edit=services.containment_update,
        steps=False,
    ),
    *child_urlpatterns(
        Why,
        prefix="whys",
        form=WhyForm,
        add=services.why_add,
        edit_form=WhyForm,
        edit=services.why_update,
        remove=services.why_remove,
    ),
    *child_urlpatterns(
        FishboneCause,
        prefix="causes",
        name="cause",
        kw="cause",
        form=CauseForm,
        add=services.cause_add,
        edit_form=CauseForm,
        edit=services.cause_update,
        remove=True,
    ),
    *child_urlpatterns(
        Action,
        prefix="actions",
        name="action",
        form=ActionForm,
        add=services.action_add,
        edit_form=ActionUpdateForm,
        assignee_form=ActionProgressForm,
        edit=services.action_update,
        steps=False,
    ),
    # The effectiveness check is planned on verification; re-planned and signed off on the CAPA.
    *child_urlpatterns(EffectivenessCheck, prefix="checks", name="check", kw="check", steps=False),
    *form_urlpatterns(
        EffectivenessCheck,
        name="plan",
        form=CheckPlanForm,
        service=services.check_update,
        kw="check",
        may=pages.may_replan,
        success="Effectiveness check re-planned.",
    ),
    *form_urlpatterns(
        EffectivenessCheck,
        name="result",
        form=CheckResultForm,
        service=services.effectiveness_check_record,
        kw="check",
        may=pages.may_judge,
        success=pages.judged,
    ),
]

urlpatterns = [
    *ncr_urls,
    path("analysis/", views.AnalysisView.as_view(), name="analysis"),
    path("checks/", views.EffectivenessCheckListView.as_view(), name="check_list"),
    *capa_urls,
    *row_urls,
]
