"""The NCR and CAPA registers, the register of effectiveness checks across CAPAs, and raising
and editing a CAPA (with the NCRs it deals with)."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateField, Expression, Subquery, Value
from django.db.models.functions import Coalesce, ExtractDay, Now, TruncDate

from qms import access
from qms.compiled import count_of, once
from qms.views import RecordCreateView, RecordListView, RecordUpdateView

from .. import services
from ..filters import CapaFilter, EffectivenessCheckFilter, NonconformityFilter
from ..forms import capa_initial
from ..models import OPEN_ACTION_STATUSES, Action, Capa, EffectivenessCheck, Nonconformity


class NonconformityListView(RecordListView):
    title = "Nonconformities (NCR register)"
    filterset_class = NonconformityFilter
    search_fields = ("reference", "title", "part", "lot")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("get_source_display", "Source"),
        ("get_severity_display", "Severity"),
        ("part", "Part"),
        ("lot", "Lot"),
        ("quantity_affected", "Qty"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("due_date", "Due"),
        ("age_days", "Age (days)"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(age_days=_age_days(Nonconformity))


def _age_days(model, on: dt.date | None = None) -> Expression:
    """Days open, to closing when closed (the record's ``aging_days``), computed by the database so
    the register and its CSV read plain values (the CSV then streams from ``values_list``). ``on``:
    the age on that day instead, for the records open then (the aging figure of a past month)."""
    if on is not None:
        return ExtractDay(Value(on, output_field=DateField()) - TruncDate("created_at"))
    return once(model, age_to_close)


def age_to_close() -> ExtractDay:
    """Days from opening to closing, or to now while open (compiled once: ``qms.compiled``)."""
    return ExtractDay(TruncDate(Coalesce("closed_at", Now())) - TruncDate("created_at"))


# The number of open actions of the CAPA in the row: a correlated subquery the database runs for
# the rows shown only (not a GROUP BY over every action), so the pager counts CAPAs plainly. COUNT
# as a plain function keeps Django from grouping; over no rows it is 0. Compiled once
# (``qms.compiled.once``).
def open_actions() -> Subquery:
    return count_of(Action.objects.filter(status__in=OPEN_ACTION_STATUSES), "capa")


class CapaListView(RecordListView):
    title = "CAPA register"
    filterset_class = CapaFilter
    search_fields = ("reference", "title", "customer", "customer_reference")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("get_kind_display", "Kind"),
        ("get_source_display", "Source"),
        ("get_severity_display", "Severity"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("due_date", "Target date"),
        ("closed_on", "Closed"),
        ("open_actions", "Open actions"),
        ("age_days", "Age (days)"),
    ]

    def get_queryset(self):
        queryset = super().get_queryset()
        # "Open on" a day lists the CAPAs open at its end, each aged to it: the ages the aging
        # figure of that month averages.
        form = self.filterset.form
        on = form.cleaned_data.get("open_on") if self.filterset.is_valid() else None
        return queryset.annotate(
            open_actions=once(Capa, open_actions),
            age_days=_age_days(Capa, on),
            closed_on=TruncDate("closed_at"),
        )


class CapaCreateView(RecordCreateView):
    """A new CAPA; raised from NCRs with ``?ncr=<pk>&ncr=<pk>`` (or, like any record, from one
    NCR with the kernel's ``?from=``), it starts from them."""

    def get_initial(self):
        initial = super().get_initial()
        ids = [int(v) for v in self.request.GET.getlist("ncr") if v.isdigit() and len(v) < 12]
        if ids:
            found = access.restrict(Nonconformity.objects.filter(pk__in=ids), self.request.user)
            initial.update(capa_initial(list(found.order_by("created_at", "pk"))))
        return initial

    def create(self, form):
        fields = form.record_fields()
        ncrs = fields.pop("nonconformities", [])
        return services.capa_create(by=self.request.user, nonconformities=ncrs, **fields)


class CapaUpdateView(RecordUpdateView):
    def update(self, form):
        return services.capa_update(
            capa=form.instance,
            by=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            nonconformities=form.cleaned_data.get("nonconformities"),
        )


class EffectivenessCheckListView(RecordListView):
    """Every effectiveness check the user may see, across CAPAs: planned, judged effective or not,
    by whom and when. What the figure "effectiveness checks found effective" counted; each row
    opens its CAPA's effectiveness section, where checks are planned and judged."""

    model = EffectivenessCheck
    creatable = False
    title = "Effectiveness checks"
    filterset_class = EffectivenessCheckFilter
    columns = [
        ("capa__reference", "CAPA"),
        ("capa__title", "Title"),
        ("capa__department", "Department"),
        ("planned_date", "Check due on"),
        ("verifier", "Verifier"),
        ("get_result_display", "Result"),
        ("verified_at", "Judged"),
        ("verified_by", "Judged by"),
    ]
    select_related = ("capa", "capa__department", "verifier", "verified_by")
    search_fields = ("capa__reference", "capa__title", "criteria")
    ordering = ("-planned_date", "-pk")
