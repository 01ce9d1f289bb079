"""Supplier change notifications and SCARs: their registers and record views, their own services
behind create and edit, and a SCAR filled from the supplier NCR it is raised from."""

from __future__ import annotations

import django_filters
from django.utils import timezone

from qms.filters import RecordFilter, StandingOn, date_range
from qms.views import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import selectors, services
from ..models import (
    Scar,
    Supplier,
    SupplierChange,
)
from ..models.changes import ChangeKind

# --- change notifications ----------------------------------------------------------------------


class ChangeFilter(RecordFilter):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.order_by("name"), empty_label="Any supplier"
    )
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices, empty_label="Any kind of change")
    open_on = StandingOn(label="Open on", method="filter_open_on")

    def filter_open_on(self, queryset, name, value):
        """The changes open on the day ``value`` (what the KPI "Supplier changes open" counts)."""
        return queryset.filter(selectors.changes_open_on(value))

    class Meta:
        model = SupplierChange
        fields: list[str] = []


class ChangeListView(RecordListView):
    filterset_class = ChangeFilter
    title = "Supplier change notifications"
    columns = [
        ("reference", "Reference"),
        ("supplier__name", "Supplier"),
        ("title", "Change"),
        ("get_kind_display", "What changes"),
        ("received_on", "Notified or found"),
        ("status", "Status"),
        ("due_date", "Evaluate by"),
    ]
    select_related = ("supplier", "owner", "department")
    search_fields = ("reference", "title", "supplier__name", "affected_parts")


class ChangeCreateView(RecordCreateView):
    def get_initial(self):
        initial = super().get_initial()
        supplier = self.request.GET.get("supplier", "")
        if supplier.isdigit() and len(supplier) < 12:
            initial["supplier"] = int(supplier)
        initial.setdefault("received_on", timezone.localdate())
        return initial

    def create(self, form):
        return services.change_create(by=self.request.user, **form.record_fields())


class ChangeUpdateView(RecordUpdateView):
    pass


class ChangeDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return {"supplier": record.supplier}


# --- SCARs -------------------------------------------------------------------------------------


class ScarFilter(RecordFilter):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.order_by("name"), empty_label="Any supplier"
    )
    due_from, due_to = date_range("due_date", "Answer due")
    # The SCARs a ranking's twelve months counted (raised since their first day).
    raised_from, raised_to = date_range("created_at__date", "Raised")
    late_on = StandingOn(label="Late as of", method="filter_late_on")

    def filter_late_on(self, queryset, name, value):
        """The SCARs late as of the day ``value`` (``scars_late_on``: what the KPI "SCARs answered
        late or overdue" counts as of today)."""
        return queryset.filter(selectors.scars_late_on(value))

    class Meta:
        model = Scar
        fields: list[str] = []


class ScarListView(RecordListView):
    filterset_class = ScarFilter
    title = "SCARs"
    columns = [
        ("reference", "Reference"),
        ("supplier__name", "Supplier"),
        ("title", "Title"),
        ("status", "Status"),
        ("due_date", "Answer due"),
        ("owner", "Owner"),
    ]
    select_related = ("supplier", "owner", "department")
    search_fields = ("reference", "title", "supplier__name")


class ChosenSupplierMixin:
    """``?supplier=``: the supplier chosen on the form (its contact list asked again) or the one a
    SCAR is raised from."""

    def get_initial(self):
        initial = super().get_initial()
        supplier = self.request.GET.get("supplier", "")
        if supplier.isdigit() and len(supplier) < 12:
            initial["supplier"] = int(supplier)
        return initial


class ScarCreateView(ChosenSupplierMixin, RecordCreateView):
    def create(self, form):
        return services.scar_create(by=self.request.user, **form.record_fields())


class ScarUpdateView(ChosenSupplierMixin, RecordUpdateView):
    pass


class ScarDetailView(RecordDetailView):
    pass


def scar_prefill(ncr) -> dict:
    """A SCAR raised from an NCR: the supplier the NCR names (a link), its quality contact, the
    nonconformity in the NCR's words. An NCR that names several suppliers (material from two on
    one lot) leaves the choice to whoever raises it: the first by name was the wrong one as often
    as not."""
    found = selectors.suppliers_of(ncr)
    initial = {
        "title": f"SCAR: {ncr.title}"[:200],
        "problem": "\n".join(
            line
            for line in (
                f"{ncr.reference}: {ncr.title}",
                f"Part: {ncr.part}" if ncr.part else "",
                f"Lot / delivery: {ncr.lot}" if ncr.lot else "",
                f"Quantity affected: {ncr.quantity_affected}" if ncr.quantity_affected else "",
                ncr.description,
            )
            if line
        ),
    }
    if len(found) == 1:
        (supplier,) = found
        initial["supplier"] = supplier.pk
        contact = supplier.contacts.filter(quality_contact=True).exclude(email="").first()
        if contact is not None:
            initial["contact"] = contact.pk
    return initial
