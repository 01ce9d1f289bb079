"""The supplier module's URLs: the kernel's record, child-row and form views, declared, and the
scorecard, ranking, certificate register and tier policies."""

from django.urls import path

from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import forms, services, views
from .models import (
    Evaluation,
    Scar,
    Supplier,
    SupplierCertificate,
    SupplierChange,
    SupplierContact,
    SupplierSite,
)

app_name = "suppliers"


suppliers = [
    *record_urlpatterns(
        Supplier,
        form_class=forms.SupplierForm,
        list_view=views.SupplierListView,
        detail_view=views.SupplierDetailView,
        create_view=views.SupplierCreateView,
        update_view=views.SupplierUpdateView,
        prefix="",
    ),
    *form_urlpatterns(
        Supplier,
        name="approve",
        form=forms.ApproveForm,
        service=services.supplier_approve,
        may=views.step_may("approve"),
        success="Supplier approved.",
    ),
    *form_urlpatterns(
        Supplier,
        name="approve_conditionally",
        form=forms.ConditionalForm,
        service=services.supplier_approve_conditionally,
        may=views.step_may("approve_conditionally"),
        success="Supplier approved with conditions.",
    ),
    *form_urlpatterns(
        Supplier,
        name="disqualify",
        form=forms.DisqualifyForm,
        service=services.supplier_disqualify,
        may=views.step_may("disqualify"),
        success="Supplier disqualified.",
    ),
    *child_urlpatterns(
        SupplierContact,
        prefix="contacts",
        name="contact",
        form=forms.ContactForm,
        add=True,
        edit=True,
        remove=True,
    ),
    *child_urlpatterns(
        SupplierSite, prefix="sites", name="site", form=forms.SiteForm, add=True, edit=True, remove=True
    ),
    *child_urlpatterns(
        SupplierCertificate,
        prefix="certificates",
        name="certificate",
        form=forms.CertificateForm,
        add=services.certificate_add,
    ),
    *child_urlpatterns(
        Evaluation,
        prefix="evaluations",
        name="evaluation",
        form=forms.EvaluationForm,
        add=views.evaluation_add,
    ),
    path("<int:pk>/scorecard/", views.ScorecardView.as_view(), name="scorecard"),
]

changes = [
    *record_urlpatterns(
        SupplierChange,
        form_class=forms.ChangeForm,
        list_view=views.ChangeListView,
        detail_view=views.ChangeDetailView,
        create_view=views.ChangeCreateView,
        update_view=views.ChangeUpdateView,
        prefix="changes",
    ),
    *form_urlpatterns(
        SupplierChange,
        name="evaluate",
        form=forms.ChangeEvaluateForm,
        service=services.change_evaluate,
        kw="change",
        may=views.step_may("evaluate"),
        success="Evaluation recorded.",
    ),
    *form_urlpatterns(
        SupplierChange,
        name="approve",
        form=forms.ChangeApproveForm,
        service=services.change_approve,
        kw="change",
        may=views.step_may("approve"),
        success="Change approved.",
    ),
]

scars = [
    *record_urlpatterns(
        Scar,
        form_class=forms.ScarForm,
        list_view=views.ScarListView,
        detail_view=views.ScarDetailView,
        create_view=views.ScarCreateView,
        update_view=views.ScarUpdateView,
        prefix="scars",
    ),
    *form_urlpatterns(
        Scar,
        name="send",
        form=forms.ScarSendForm,
        service=services.scar_send,
        may=views.step_may("send"),
        success="SCAR sent to the supplier.",
    ),
    *form_urlpatterns(
        Scar,
        name="answer",
        form=forms.ScarAnswerForm,
        service=services.scar_answer,
        may=views.step_may("answer"),
        success="8D answer recorded.",
    ),
    *form_urlpatterns(
        Scar,
        name="reject",
        form=forms.ScarRejectForm,
        service=services.scar_reject,
        may=views.step_may("reject"),
        success="Answer rejected; the SCAR went back to the supplier.",
    ),
]

urlpatterns = [
    path("ranking/", views.RankingView.as_view(), name="ranking"),
    path(
        "certificates/",
        views.CertificateListView.as_view(model=SupplierCertificate),
        name="certificate_register",
    ),
    path("tiers/", views.TierPolicyListView.as_view(), name="tiers"),
    path("tiers/<str:tier>/edit/", views.TierPolicyUpdateView.as_view(), name="tier_update"),
    *changes,
    *scars,
    *suppliers,
]
