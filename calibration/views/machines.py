"""Machines and their preventive maintenance: the kernel's views, declared."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

from qms.compiled import count_of, least_of, once, sum_of
from qms.filters import DateFilter, RecordFilter
from qms.views import ChildDetailView, RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import selectors, services
from ..models import Machine, MaintenancePlan, Postponement


class MachineFilter(RecordFilter):
    # The machines with a postponement of their maintenance approved, asked for in these days (what
    # the KPI "Maintenance postponements" counts): both ends apply to the same postponement.
    postponed_from = DateFilter(label="Postponement asked from", method="filter_postponed")
    postponed_to = DateFilter(label="Postponement asked until", method="filter_postponed")

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
            .annotate(next_maintenance=once(Machine, next_maintenance), postponed=once(Machine, postponed))
        )


# Each machine's next maintenance and approved postponements, for the rows shown
# (``qms.compiled``): aggregated over the joins of its plans and their postponements, every
# machine was grouped before a page could be chosen, and the pager counted the groups again. The
# postponements are counted plan by plan: counted per machine over a join of plans and
# postponements, PostgreSQL hashed every postponement of the company again for each machine shown.
def next_maintenance() -> Subquery:
    return least_of(MaintenancePlan.objects.filter(status="active"), "machine", "next_due")


def postponed() -> Coalesce:
    per_plan = count_of(Postponement.objects.filter(status="approved"), "plan")
    return sum_of(MaintenancePlan.objects.all(), "machine", per_plan)


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
