"""The calibration module's URLs: the kernel's record, child-row, form and register views,
declared, the registers of calibrations and postponements, and the label sheet, the suspect list
and the charts."""

from django.urls import path

from qms import access
from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import forms, selectors, services, views
from .models import (
    AffectedItem,
    Calibration,
    CalibrationCertificate,
    CheckOut,
    ImpactAssessment,
    Instrument,
    Machine,
    MaintenanceEvent,
    MaintenancePlan,
    MeasurementPoint,
    Postponement,
    ReferenceUse,
)

app_name = "calibration"


def _draft(user, calibration) -> bool:
    return (
        calibration.status == "draft"
        and access.can_change(user, calibration)
        and not calibration.root.is_closed
    )


def _may_check_out(user, instrument) -> bool:
    """Offered only for a gauge that may be used today (its page says why not otherwise)."""
    return (
        access.can_change(user, instrument)
        and not instrument.is_closed
        and not instrument.holder_id
        and not selectors.usable_refusals_today(instrument)
    )


def _may_check_in(user, instrument) -> bool:
    return access.can_change(user, instrument) and bool(instrument.holder_id)


def _may_postpone(user, plan) -> bool:
    if user.is_auditor or plan.status != "active" or plan.root.is_closed:
        return False
    return access.can_change(user, plan) or plan.responsible_id == user.pk


def _may_record(user, plan) -> bool:
    return (
        plan.status == "active"
        and not plan.root.is_closed
        and (access.can_change(user, plan) or plan.responsible_id == user.pk)
    )


def _may_read_counter(user, machine) -> bool:
    return bool(machine.counter_unit) and access.can_change(user, machine) and not machine.is_closed


instruments = [
    path("instruments/labels.pdf", views.LabelsView.as_view(), name="labels"),
    path("instruments/suspect/", views.SuspectListView.as_view(), name="suspect_list"),
    path("calibrations/", views.CalibrationRegisterView.as_view(), name="calibration_register"),
    *record_urlpatterns(
        Instrument,
        form_class=forms.InstrumentForm,
        list_view=views.InstrumentListView,
        detail_view=views.InstrumentDetailView,
        create_view=views.InstrumentCreateView,
        update_view=views.InstrumentUpdateView,
        prefix="instruments",
    ),
    *form_urlpatterns(
        Instrument,
        name="check_out",
        form=forms.CheckOutForm,
        service=services.instrument_check_out,
        may=_may_check_out,
        success="Checked out.",
    ),
    *form_urlpatterns(
        Instrument,
        name="check_in",
        form=forms.EmptyForm,
        service=services.instrument_check_in,
        may=_may_check_in,
        success="Checked in.",
    ),
    *child_urlpatterns(CheckOut, prefix="checkouts", name="checkout", steps=False),
    *child_urlpatterns(
        Calibration,
        prefix="calibrations",
        name="calibration",
        kw="calibration",
        form=forms.CalibrationForm,
        add=services.calibration_add,
        edit=services.calibration_update,
        remove=True,
        detail_view=views.CalibrationDetailView,
    ),
    *child_urlpatterns(
        MeasurementPoint,
        prefix="points",
        name="point",
        form=forms.PointForm,
        add=services.point_add,
        remove=True,
        may_add=_draft,
    ),
    *child_urlpatterns(
        ReferenceUse,
        prefix="standards",
        name="standard",
        form=forms.StandardForm,
        add=services.standard_add,
        remove=True,
        may_add=_draft,
    ),
    *child_urlpatterns(
        CalibrationCertificate,
        prefix="certificates",
        name="certificate",
        form=forms.CertificateForm,
        add=services.certificate_add,
        remove=True,
        may_add=_draft,
    ),
]

assessments = [
    *record_urlpatterns(
        ImpactAssessment,
        form_class=forms.AssessmentForm,
        list_view=views.AssessmentListView,
        detail_view=views.AssessmentDetailView,
        create_view=views.AssessmentCreateView,
        prefix="impact",
    ),
    *form_urlpatterns(
        ImpactAssessment,
        name="where_used",
        form=forms.EmptyForm,
        service=services.items_from_where_used,
        kw="assessment",
        may=services.may_refill,
        success="Where-used asked again.",
    ),
    *child_urlpatterns(
        AffectedItem,
        prefix="items",
        name="item",
        kw="affecteditem",
        form=forms.AffectedItemForm,
        add=services.item_add,
        edit_form=forms.DecisionForm,
        edit=services.item_decide,
        remove=True,
    ),
]

machines = [
    path("postponements/", views.PostponementRegisterView.as_view(), name="postponement_register"),
    *record_urlpatterns(
        Machine,
        form_class=forms.MachineForm,
        list_view=views.MachineListView,
        detail_view=views.MachineDetailView,
        create_view=views.MachineCreateView,
        update_view=views.MachineUpdateView,
        prefix="machines",
    ),
    *form_urlpatterns(
        Machine,
        name="counter",
        form=forms.CounterForm,
        service=services.counter_read,
        may=_may_read_counter,
        success="Counter read.",
    ),
    *child_urlpatterns(
        MaintenancePlan,
        prefix="plans",
        name="plan",
        kw="plan",
        form=forms.PlanForm,
        add=services.plan_add,
        edit=services.plan_update,
        detail_view=views.PlanDetailView,
    ),
    *form_urlpatterns(
        MaintenancePlan,
        name="done",
        form=forms.MaintenanceDoneForm,
        service=lambda *, plan, by, **data: services.maintenance_record(
            machine=plan.machine, by=by, plan=plan, **data
        ),
        kw="plan",
        may=_may_record,
        success="Maintenance recorded.",
    ),
    *form_urlpatterns(
        MaintenancePlan,
        name="postpone",
        form=forms.PostponeForm,
        service=services.postponement_request,
        kw="plan",
        may=_may_postpone,
        success="Postponement asked: it waits for its approval (on the head's My work).",
    ),
    *child_urlpatterns(Postponement, prefix="postponements", name="postponement"),
    *child_urlpatterns(
        MaintenanceEvent,
        prefix="events",
        name="event",
        form=forms.RepairForm,
        add=services.maintenance_record,
    ),
]

urlpatterns = [
    path("", views.ChartsView.as_view(), name="overview"),
    *instruments,
    *assessments,
    *machines,
]
