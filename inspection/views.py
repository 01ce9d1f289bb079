"""The inspection module's pages: the kernel's record views, declared, with the release checks
and traceability on the lot, shipment and receipt pages."""

from __future__ import annotations

import contextlib

import django_filters
from django.db.models import Count, Exists, F, OuterRef, Sum

from qms import access, history
from qms.filters import RecordFilter, date_range
from qms.views import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView
from qms.widgets import use_pickers

from . import forms as f
from . import sampling, selectors, services
from .models import GoodsReceipt, Inspection, InspectionPlan, ProductionLot, ReleaseDeviation, Shipment
from .models.plans import Stage
from .release import checks_now, held, held_each

# --- plans -----------------------------------------------------------------------------------


class PlanFilter(RecordFilter):
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    severity = django_filters.ChoiceFilter(choices=sampling.SEVERITY_CHOICES, empty_label="Any severity")

    class Meta:
        model = InspectionPlan
        fields: list[str] = []


class PlanListView(RecordListView):
    filterset_class = PlanFilter
    title = "Inspection plans"
    columns = [
        ("reference", "Reference"),
        ("title", "Plan"),
        ("part_number", "Part"),
        ("get_stage_display", "Stage"),
        ("supplier", "Supplier"),
        ("get_level_display", "Level"),
        ("aql", "AQL"),
        ("get_severity_display", "Severity"),
        ("status", "Status"),
    ]
    select_related = ("supplier", "department", "owner")
    search_fields = ("reference", "title", "part_number")


class PlanDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        changes = list(record.changes.all())
        examples = []
        for size in (50, 500, 5000, 100_000):
            with contextlib.suppress(sampling.SamplingError):
                examples.append((size, record.plan_for(size)))
        return {
            "pending_change": record.pending_change(changes),
            "examples": examples,
            "recent": record.inspections.select_related("lot", "receipt").order_by("-inspected_on", "-pk")[
                :20
            ],
        }


# --- receipts --------------------------------------------------------------------------------


class ReceiptFilter(RecordFilter):
    supplier = django_filters.ModelChoiceFilter(queryset=None, empty_label="Any supplier")
    received_from, received_to = date_range("received_on", "Received")
    delivery = django_filters.ChoiceFilter(
        label="Delivery",
        choices=[("promised", "With a promised date"), ("on_time", "On time"), ("late", "Late")],
        method="filter_delivery",
        empty_label="Any delivery",
    )

    def filter_delivery(self, queryset, name, value):
        """The receipts on-time delivery counts (those with a promised date), on time or late."""
        promised = queryset.filter(promised_on__isnull=False)
        if value == "on_time":
            return promised.filter(received_on__lte=F("promised_on"))
        if value == "late":
            return promised.filter(received_on__gt=F("promised_on"))
        return promised

    def __init__(self, *args, **kwargs):
        from suppliers.models import Supplier

        super().__init__(*args, **kwargs)
        self.filters["supplier"].queryset = Supplier.objects.order_by("name")
        self.form.fields["supplier"].queryset = Supplier.objects.order_by("name")
        use_pickers(self.form)  # every supplier: found by typing (suppliers.module)

    class Meta:
        model = GoodsReceipt
        fields: list[str] = []


class ReceiptListView(RecordListView):
    filterset_class = ReceiptFilter
    title = "Goods receipts"
    columns = [
        ("reference", "Reference"),
        ("supplier", "Supplier"),
        ("part_number", "Part"),
        ("quantity", "Quantity"),
        ("supplier_lot", "Supplier lot"),
        ("promised_on", "Promised"),
        ("received_on", "Received"),
        ("status", "Status"),
    ]
    select_related = ("supplier", "department", "owner")
    search_fields = ("reference", "title", "part_number", "supplier_lot", "po_reference", "supplier__name")


class ReceiptDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        inspections = list(record.inspections.select_related("plan").order_by("-inspected_on"))
        return {
            "forward": selectors.trace_forward(record, self.request.user),
            "consumed": selectors.receipt_consumed(record),
            "receipt_inspections": inspections,
            # Accepted with no inspection: by whom, when and why, on the page an auditor reads.
            "accepted_without": None
            if inspections
            else history.entered(record, "accepted", self.request.user),
            "may_inspect": access.can_create(self.request.user, Inspection),
            # Awaiting inspection with no IQC plan for its part (from its supplier or any): said
            # here, where "Inspect it" would otherwise lead to a form no plan fits.
            "no_iqc_plan": record.status == "received" and not selectors.iqc_plan_exists(record),
        }


# --- lots ------------------------------------------------------------------------------------


class LotFilter(RecordFilter):
    part_number = django_filters.CharFilter(label="Part", lookup_expr="icontains")
    released_from, released_to = date_range("released_at__date", "Released")
    deviations = django_filters.ChoiceFilter(
        label="Deviations",
        choices=[("yes", "Released with deviations")],
        method="filter_deviations",
        empty_label="With or without deviations",
    )

    def filter_deviations(self, queryset, name, value):
        deviated = Exists(ReleaseDeviation.objects.filter(lot=OuterRef("pk")))
        return queryset.filter(deviated) if value == "yes" else queryset

    class Meta:
        model = ProductionLot
        fields: list[str] = []


class LotListView(RecordListView):
    filterset_class = LotFilter
    title = "Production lots"
    columns = [
        ("reference", "Reference"),
        ("lot_number", "Lot"),
        ("part_number", "Part"),
        ("drawing_revision__document__number", "Drawing"),
        ("drawing_revision__label", "Revision"),
        ("quantity", "Quantity"),
        ("work_centre", "Work centre"),
        ("started_on", "Started"),
        ("status", "Status"),
    ]
    select_related = ("drawing_revision__document", "department", "owner")
    search_fields = ("reference", "title", "lot_number", "part_number", "customer")


class LotUpdateView(RecordUpdateView):
    def get_form_class(self):
        return f.LotEditForm


class LotDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        user = self.request.user
        checks = checks_now(record) if record.status in ("open", "finished") else None
        return {
            "checks": checks,
            "snapshot": record.release_checks,
            "blocked": bool(checks and any(c.blocks for c in checks)),
            # An NCR without disposition, a recall since the release: kept from release and delivery.
            "held": held(record) if record.status != "shipped" else [],
            "may_release": services.may_release(user, record),
            "deviations": list(record.deviations.select_related("accepted_by").order_by("pk")),
            "lot_inspections": record.inspections.select_related("plan", "inspector").order_by(
                "inspected_on", "pk"
            ),
            "lot_shipments": record.shipment_lines.select_related("shipment").order_by("pk"),
            "trace": selectors.trace_back([record.pk], user),
            "may_inspect": access.can_create(user, Inspection),
        }


# --- shipments -------------------------------------------------------------------------------


class ShipmentFilter(RecordFilter):
    customer = django_filters.CharFilter(label="Customer", lookup_expr="icontains")
    shipped_from, shipped_to = date_range("shipped_on", "Shipped")

    class Meta:
        model = Shipment
        fields: list[str] = []


class ShipmentListView(RecordListView):
    filterset_class = ShipmentFilter
    title = "Shipments"
    columns = [
        ("reference", "Reference"),
        ("title", "Shipment"),
        ("customer", "Customer"),
        ("delivery_note", "Delivery note"),
        ("shipped_on", "Shipped"),
        ("status", "Status"),
    ]
    search_fields = ("reference", "title", "customer", "delivery_note", "customer_order")


class ShipmentDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        # Being packed: each lot as it stands now (released, but held since by an NCR or a
        # recall), asked once for all the lines. Shipped: what it shipped, as it was.
        held_lots = {}
        if record.is_draft:
            lot_ids = list(record.lines.order_by("pk").values_list("lot_id", flat=True))
            held_lots = {pk: found for pk, found in held_each(lot_ids).items() if found}
        return {"trace": selectors.shipment_trace(record, self.request.user), "held_lots": held_lots}


# --- inspections -----------------------------------------------------------------------------


class InspectionFilter(RecordFilter):
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    below = django_filters.ChoiceFilter(
        label="Sample",
        choices=[("yes", "Below the plan's sample")],
        method="filter_below",
        empty_label="Any sample",
    )

    first = django_filters.ChoiceFilter(
        label="First pass",
        choices=[("yes", "Original inspections, decided")],
        method="filter_first",
        empty_label="Any inspection",
    )
    inspected_from, inspected_to = date_range("inspected_on", "Inspected")

    def filter_below(self, queryset, name, value):
        return queryset.filter(sample_size__lt=F("required_sample")) if value == "yes" else queryset

    def filter_first(self, queryset, name, value):
        """What first-pass yield counts: original inspections (not re-inspections) accepted or rejected."""
        return (
            queryset.filter(original=True, status__in=("accepted", "rejected"))
            if value == "yes"
            else queryset
        )

    class Meta:
        model = Inspection
        fields: list[str] = []


class InspectionListView(RecordListView):
    filterset_class = InspectionFilter
    title = "Inspections"
    columns = [
        ("reference", "Reference"),
        ("title", "Inspection"),
        ("get_stage_display", "Stage"),
        ("inspected_on", "Inspected"),
        ("lot_size", "Lot size"),
        ("required_sample", "Sample required"),
        ("sample_size", "Sample inspected"),
        ("nonconforming", "Nonconforming"),
        ("inspector", "Inspector"),
        ("status", "Status"),
    ]
    select_related = ("inspector", "department", "owner")
    search_fields = ("reference", "title")


class InspectionCreateView(RecordCreateView):
    def get_initial(self):
        initial = super().get_initial()
        for key in ("lot", "receipt", "plan"):
            value = self.request.GET.get(key, "")
            if value.isdigit() and len(value) < 12:
                initial[key] = int(value)
        # The subject's size and the plan in use for its part (when one fits): what an inspector
        # would otherwise look up by hand each time (the form proposes today and themselves).
        user = self.request.user
        lot = initial.get("lot") and access.restrict(ProductionLot.objects.filter(pk=initial["lot"]), user)
        receipt = initial.get("receipt") and access.restrict(
            GoodsReceipt.objects.filter(pk=initial["receipt"]), user
        )
        lot, receipt = (lot.first() if lot else None), (receipt.first() if receipt else None)
        subject = lot or receipt
        if subject is not None:
            initial.setdefault("lot_size", subject.quantity)
            plan = selectors.proposed_plan(lot=lot, receipt=receipt)
            if plan is not None:
                initial.setdefault("plan", plan)
        return initial

    def create(self, form):
        data = form.record_fields()
        return services.inspection_create(by=self.request.user, **data)


class InspectionUpdateView(RecordUpdateView):
    def get_form_class(self):
        return f.InspectionEditForm

    def update(self, form):
        fields = {k: form.cleaned_data[k] for k in form.record_fields()}
        inspection = Inspection.objects.get(pk=form.instance.pk)
        return services.inspection_update(
            inspection=inspection, by=self.request.user, reason=form.cleaned_data.get("reason", ""), **fields
        )


class InspectionDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return {
            "characteristics": record.plan.characteristics.all(),
            # Said beside the gauges as soon as one is listed, not first at the decision.
            "gauge_problems": record.gauge_problems(),
        }


def lot_counts(queryset):
    return queryset.aggregate(n=Count("pk"), q=Sum("quantity"))
