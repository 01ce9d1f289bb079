"""The management review module's pages: the KPI dashboard at its root, the input registry,
reviews with their forms and rows, the register of review actions across reviews, the minutes
PDF, and the quality objectives."""

from django.urls import path

from qms.forms import SignatureForm
from qms.views import ChildDetailView, child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import services, views
from .forms import (
    ActionEditForm,
    ActionForm,
    DecisionForm,
    HoldForm,
    InputsForm,
    MinutesForm,
    ObjectiveForm,
    ObjectiveValueEditForm,
    ObjectiveValueForm,
    ReviewForm,
)
from .models import Decision, Objective, ObjectiveValue, Review, ReviewAction

app_name = "reviews"

review_urls = [
    *record_urlpatterns(
        Review,
        form_class=ReviewForm,
        list_view=views.ReviewListView,
        detail_view=views.ReviewDetailView,
        create_view=views.ReviewCreateView,
        update_view=views.ReviewUpdateView,
        prefix="meetings",
    ),
    path("meetings/<int:pk>/minutes.pdf", views.MinutesPdfView.as_view(), name="review_minutes_pdf"),
    *form_urlpatterns(
        Review,
        name="inputs",
        form=InputsForm,
        service=services.review_inputs_enter,
        may=views.may_prepare,
        view=views.InputsPageView,
        success="Inputs saved.",
    ),
    *form_urlpatterns(
        Review,
        name="minutes",
        form=MinutesForm,
        service=services.review_minutes_write,
        may=views.may_write_minutes,
        view=views.MinutesPageView,
        success="Minutes saved.",
    ),
    *form_urlpatterns(
        Review,
        name="hold",
        form=HoldForm,
        service=services.review_hold,
        may=views.may_hold,
        view=views.HoldView,
    ),
    *form_urlpatterns(
        Review,
        name="sign",
        form=SignatureForm,
        service=services.review_sign,
        may=views.may_sign,
        view=views.SignView,
    ),
    *child_urlpatterns(
        Decision,
        prefix="decisions",
        form=DecisionForm,
        add=services.decision_add,
        edit_form=DecisionForm,
        edit=services.decision_update,
        remove=True,
        may_add=views.may_decide,
        detail_view=ChildDetailView,
    ),
    *child_urlpatterns(
        ReviewAction,
        prefix="actions",
        name="action",
        kw="action",
        form=ActionForm,
        add=services.action_add,
        edit_form=ActionEditForm,
        edit=True,
        detail_view=ChildDetailView,
    ),
]

objective_urls = [
    *record_urlpatterns(
        Objective,
        form_class=ObjectiveForm,
        list_view=views.ObjectiveListView,
        detail_view=views.ObjectiveDetailView,
        create_view=views.ObjectiveCreateView,
        update_view=views.ObjectiveUpdateView,
        prefix="objectives",
    ),
    *child_urlpatterns(
        ObjectiveValue,
        prefix="values",
        name="value",
        kw="entry",
        form=ObjectiveValueForm,
        add=services.objective_value_enter,
        edit_form=ObjectiveValueEditForm,
        edit=services.objective_value_update,
    ),
]

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("inputs/", views.InputRegistryView.as_view(), name="inputs"),
    path("actions/", views.ReviewActionListView.as_view(), name="action_list"),
    *review_urls,
    *objective_urls,
]
