"""The approved supplier list and the certificate register: the kernel's record views declared
for suppliers, and the workflow steps' ``may``."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone

from qms import access
from qms.compiled import once
from qms.filters import FilterSet, RecordFilter, StandingOn
from qms.views import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import selectors, services
from ..models import (
    CertificateKind,
    Scar,
    Supplier,
    SupplierCertificate,
    SupplierChange,
    Tier,
)
from ..selectors import VALIDITY, validity_case


def step_may(name: str):
    """``may`` of a form that performs the workflow step ``name``: offered where the step is, to
    those the step allows."""

    def may(user, obj) -> bool:
        step = type(obj).workflow.get(name)
        return obj.status in step.sources and bool(access.relations(user, obj) & step.allowed)

    may.__name__ = f"may_{name}"
    return may


# --- suppliers ---------------------------------------------------------------------------------


class SupplierFilter(RecordFilter):
    tier = django_filters.ChoiceFilter(choices=Tier.choices, empty_label="Any tier")
    calibration_lab = django_filters.BooleanFilter(label="Calibration laboratory")
    # What the KPIs of 8.4 count on a day: suppliers in use lacking a required certificate, or
    # whose evaluation was due before it; ``supplier`` narrows to one (a scorecard's figure).
    lacking_on = StandingOn(label="Lacking a required certificate on", method="filter_lacking")
    evaluation_overdue_on = StandingOn(label="Evaluation overdue on", method="filter_evaluation_overdue")
    supplier = django_filters.NumberFilter(field_name="pk", widget=forms.HiddenInput)

    def filter_lacking(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.lacking_required([value])[value])

    def filter_evaluation_overdue(self, queryset, name, value):
        return queryset.filter(status__in=selectors.IN_USE, due_date__lt=value)

    class Meta:
        model = Supplier
        fields: list[str] = []


class SupplierListView(RecordListView):
    filterset_class = SupplierFilter
    title = "Approved supplier list"
    columns = [
        ("reference", "Reference"),
        ("name", "Supplier"),
        ("get_tier_display", "Tier"),
        ("status", "Status"),
        ("commodities", "Supplies"),
        ("due_date", "Next evaluation"),
        ("owner", "Kept by"),
    ]
    select_related = ("owner", "department")
    search_fields = ("reference", "name", "commodities", "processes", "part_numbers", "vat_number")


class SupplierCreateView(RecordCreateView):
    def create(self, form):
        return services.supplier_create(by=self.request.user, **form.record_fields())


class SupplierUpdateView(RecordUpdateView):
    def update(self, form):
        fields = {name: form.cleaned_data[name] for name in form.record_fields()}
        supplier = Supplier.objects.get(pk=form.instance.pk)
        return services.supplier_update(
            supplier=supplier, by=self.request.user, reason=form.cleaned_data.get("reason", ""), **fields
        )


class SupplierDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        policy = selectors.policy_for(record.tier)
        required = selectors.required_kinds(record, policy)
        today = timezone.localdate()
        changes = list(record.changes.order_by("-received_on", "-pk")[:20])
        return {
            "policy": policy,
            "required": [(kind, dict(CertificateKind.choices)[kind]) for kind in required],
            "missing": selectors.missing_certificates(record, policy=policy),
            "open_changes": [c for c in changes if c.is_open],
            "changes": changes,
            "scars": list(record.scars.order_by("-created_at")[:20]),
            "today": today,
            "renew_from": today + timezone.timedelta(days=60),
            "can_raise_change": access.can_create(self.request.user, SupplierChange),
            "can_raise_scar": access.can_create(self.request.user, Scar) and record.status != "prospective",
        }


# --- certificates ------------------------------------------------------------------------------


class CertificateFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, empty_label="Any kind")
    expiring = django_filters.ChoiceFilter(
        label="Expiry",
        choices=[("expired", "Expired"), ("60", "Expiring within 60 days")],
        method="filter_expiring",
        empty_label="Any expiry",
    )
    status = django_filters.ChoiceFilter(
        choices=SupplierCertificate.workflow.choices, empty_label="Current or withdrawn"
    )

    class Meta:
        model = SupplierCertificate
        fields: list[str] = []

    def filter_expiring(self, queryset, name, value):
        today = timezone.localdate()
        if value == "expired":
            return queryset.filter(expires_on__lt=today)
        return queryset.filter(expires_on__gte=today, expires_on__lte=today + timezone.timedelta(days=60))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"


class CertificateListView(RecordListView):
    model = SupplierCertificate
    filterset_class = CertificateFilter
    title = "Supplier certificates"
    creatable = False
    columns = [
        ("supplier__name", "Supplier"),
        ("get_kind_display", "Certificate"),
        ("number", "Number"),
        ("issuer", "Issued by"),
        ("issued_on", "Issued"),
        ("expires_on", "Expires"),
        ("validity", "Status"),
    ]
    labels = {"validity": VALIDITY}
    select_related = ("supplier",)
    search_fields = ("supplier__name", "number", "issuer")
    ordering = ("expires_on", "pk")

    def get_queryset(self):
        validity = once(SupplierCertificate, validity_case, timezone.localdate())
        return super().get_queryset().annotate(validity=validity)
