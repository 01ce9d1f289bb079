"""The inspection module's URLs: plans, receipts, lots, shipments and inspections with their rows,
and the forms of release, deviations, re-assessment and the switching rules."""

from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import forms, services, views
from .models import (
    CharacteristicResult,
    GaugeUse,
    GoodsReceipt,
    Inspection,
    InspectionPlan,
    LotOperator,
    MaterialUse,
    PlanChange,
    PlanCharacteristic,
    ProductionLot,
    ReceiptCertificate,
    ScheduleChange,
    Shipment,
    ShipmentLine,
)
from .release import checks_now

app_name = "inspection"


def _quality(user, obj) -> bool:
    return not user.is_auditor and user.is_quality_manager


def _open_inspection(user, inspection) -> bool:
    from qms.views.actions import may_change

    return may_change(user, inspection)


plans = [
    *record_urlpatterns(
        InspectionPlan,
        form_class=forms.PlanForm,
        list_view=views.PlanListView,
        detail_view=views.PlanDetailView,
        prefix="plans",
    ),
    *child_urlpatterns(
        PlanCharacteristic,
        prefix="characteristics",
        name="characteristic",
        form=forms.CharacteristicForm,
        add=True,
        edit=True,
        remove=True,
    ),
    *child_urlpatterns(
        PlanChange,
        prefix="changes",
        name="plan_change",
        form=forms.PlanChangeForm,
        add=services.plan_change_record,
    ),
    *form_urlpatterns(
        InspectionPlan,
        name="reassess",
        form=forms.ReassessForm,
        service=services.plan_reassess,
        kw="plan",
        success="Sampling re-assessed.",
    ),
    *form_urlpatterns(
        InspectionPlan,
        name="reduced",
        form=forms.ReducedForm,
        service=services.plan_reduced_approve,
        kw="plan",
        may=_quality,
        success="Saved.",
    ),
    *form_urlpatterns(
        InspectionPlan,
        name="resume",
        form=forms.ResumeForm,
        service=services.plan_resume,
        kw="plan",
        may=lambda user, plan: _quality(user, plan) and plan.discontinued,
        success="Inspection resumed (tightened).",
    ),
]

receipts = [
    *record_urlpatterns(
        GoodsReceipt,
        form_class=forms.ReceiptForm,
        list_view=views.ReceiptListView,
        detail_view=views.ReceiptDetailView,
        prefix="receipts",
    ),
    *child_urlpatterns(
        ReceiptCertificate, prefix="certificates", name="certificate", form=forms.CertificateForm, add=True
    ),
]

lots = [
    *record_urlpatterns(
        ProductionLot,
        form_class=forms.LotForm,
        list_view=views.LotListView,
        detail_view=views.LotDetailView,
        update_view=views.LotUpdateView,
        prefix="lots",
    ),
    *child_urlpatterns(
        LotOperator, prefix="operators", name="operator", form=forms.OperatorForm, add=True, remove=True
    ),
    *child_urlpatterns(
        MaterialUse,
        prefix="material",
        name="material",
        form=forms.MaterialForm,
        add=services.material_use_add,
        remove=True,
    ),
    *child_urlpatterns(
        ScheduleChange,
        prefix="schedule",
        name="schedule_change",
        form=forms.ScheduleChangeForm,
        add=services.schedule_change_propose,
        # Anyone who reads the lot proposes (sales hears of the customer's new date first); the
        # head or the quality manager decides.
        may_add=services.may_propose_schedule_change,
    ),
    *form_urlpatterns(
        ProductionLot,
        name="release",
        form=forms.ReleaseForm,
        service=services.lot_release,
        kw="lot",
        may=lambda user, lot: lot.status == "finished" and services.may_release(user, lot),
        success="Lot released.",
    ),
    *form_urlpatterns(
        ProductionLot,
        name="deviation",
        form=forms.DeviationForm,
        service=services.deviation_accept,
        kw="lot",
        may=lambda user, lot: (
            lot.status in ("open", "finished")
            and services.may_accept_deviation(user, lot)
            and any(c.blocks for c in checks_now(lot))
        ),
        success="Deviation accepted and signed.",
    ),
]

shipments = [
    *record_urlpatterns(
        Shipment,
        form_class=forms.ShipmentForm,
        list_view=views.ShipmentListView,
        detail_view=views.ShipmentDetailView,
        prefix="shipments",
    ),
    *child_urlpatterns(
        ShipmentLine,
        prefix="lots",
        name="shipment_line",
        form=forms.ShipmentLineForm,
        add=services.shipment_line_add,
        remove=True,
    ),
]

inspections = [
    *record_urlpatterns(
        Inspection,
        form_class=forms.InspectionForm,
        list_view=views.InspectionListView,
        detail_view=views.InspectionDetailView,
        create_view=views.InspectionCreateView,
        update_view=views.InspectionUpdateView,
        prefix="inspections",
    ),
    *child_urlpatterns(
        CharacteristicResult,
        prefix="results",
        name="result",
        form=forms.ResultForm,
        add=services.characteristic_result_add,
        remove=True,
    ),
    *child_urlpatterns(
        GaugeUse, prefix="gauges", name="gauge", form=forms.GaugeForm, add=services.gauge_use_add, remove=True
    ),
]

urlpatterns = [*plans, *receipts, *lots, *shipments, *inspections]
