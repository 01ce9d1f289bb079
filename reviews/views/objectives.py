"""The quality objectives: the register, the page with the monthly trend against the target and
its status, the values its owner enters, setting and changing an objective."""

from __future__ import annotations

from qms.charts import line_chart
from qms.filters import RecordFilter
from qms.views import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import services
from ..models import Objective
from ..progress import progress_of
from ..selectors import unit_suffix


class ObjectiveFilter(RecordFilter):
    class Meta:
        model = Objective
        fields = ["status", "department", "owner", "overdue"]


class ObjectiveListView(RecordListView):
    title = "Quality objectives"
    filterset_class = ObjectiveFilter
    search_fields = ("reference", "title")
    columns = [
        ("reference", "Reference"),
        ("title", "Objective"),
        ("status", "Status"),
        ("target", "Target"),
        ("unit", "Unit (entered)"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("due_date", "Deadline"),
    ]


class ObjectiveDetailView(RecordDetailView):
    def get_queryset(self):
        return super().get_queryset().select_related("owner", "department")

    def extra_context_for(self, record, forms: dict) -> dict:
        (progress,) = progress_of([record])
        suffix = unit_suffix(record.unit_label)
        measure = record.measure
        return {
            "progress": progress,
            "suffix": suffix,
            "measure": measure,
            "chart": line_chart(
                progress.labels,
                [(record.title, progress.values)],
                title=f"{record.title}: monthly against the target",
                target=progress.target,
                urls=progress.urls,
                unit="%" if suffix == "%" else "",
            ),
            "months": list(zip(progress.months, progress.values, progress.urls, strict=True)),
        }


class ObjectiveCreateView(RecordCreateView):
    def create(self, form) -> Objective:
        return services.objective_create(by=self.request.user, **form.record_fields())


class ObjectiveUpdateView(RecordUpdateView):
    def update(self, form) -> Objective:
        return services.objective_update(
            objective=form.instance,
            by=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            **form.record_fields(),
        )
