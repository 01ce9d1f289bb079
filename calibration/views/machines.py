"""Machines and their preventive maintenance: the kernel's views, declared."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Exists, Min, OuterRef, Q

from qms.filters import RecordFilter
from qms.views import ChildDetailView, RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import selectors, services
from ..models import Machine, Postponement


class MachineFilter(RecordFilter):
    # The machines with a postponement of their maintenance approved, asked for in these days (what
    # the KPI "Maintenance postponements" counts): both ends apply to the same postponement.
    postponed_from = django_filters.DateFilter(label="Postponement asked from", method="filter_postponed")
    postponed_to = django_filters.DateFilter(label="Postponement asked until", method="filter_postponed")

    class Meta:
        model = Machine
        fields: list[str] = []

    def filter_postponed(self, queryset, name, value):
        start, end = self.form.cleaned_data.get("postponed_from"), self.form.cleaned_data.get("postponed_to")
        if name == "postponed_to" and start is not None:
            return queryset  # applied with both ends by ``postponed_from``
        found = Postponement.objects.filter(plan__machine=OuterRef("pk"), status="approved")
        if start is not None:
            found = found.filter(requested_on__gte=start)
        if end is not None:
            found = found.filter(requested_on__lte=end)
        return queryset.filter(Exists(found))


class MachineListView(RecordListView):
    filterset_class = MachineFilter
    title = "Machines and equipment"
    columns = [
        ("asset_number", "Asset"),
        ("title", "Machine"),
        ("location", "Location"),
        ("department", "Department"),
        ("next_maintenance", "Next maintenance"),
        ("postponed", "Postponements"),
        ("status", "Status"),
    ]
    select_related = ("department",)
    search_fields = ("asset_number", "reference", "title", "location")
    ordering = ("asset_number", "pk")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                next_maintenance=Min("plans__next_due", filter=Q(plans__status="active")),
                postponed=Count("plans__postponements", filter=Q(plans__postponements__status="approved")),
            )
        )


class MachineCreateView(RecordCreateView):
    def create(self, form):
        return services.machine_create(by=self.request.user, **form.record_fields())


class MachineUpdateView(RecordUpdateView):
    def update(self, form):
        fields = {name: form.cleaned_data[name] for name in form.record_fields()}
        machine = Machine.objects.get(pk=form.instance.pk)
        return services.machine_update(
            machine=machine, by=self.request.user, reason=form.cleaned_data.get("reason", ""), **fields
        )


class MachineDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return selectors.machine_page(record, self.request.user)


class PlanDetailView(ChildDetailView):
    def extra_context_for(self, row, forms) -> dict:
        return selectors.plan_page(row)
