"""Pages of the risk register: the module's overview (programme, audits due, heat map, top risks,
proposals waiting), the register with its filters, a risk with its trend, assessments and actions,
and the proposals live records make."""

from __future__ import annotations

import django_filters
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.views.generic import TemplateView

from qms import access
from qms.filters import RecordFilter, StandingOn
from qms.models import Process
from qms.views import QMSView, RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import selectors, services
from ..models import Audit, Finding, Programme, Proposal, Risk, scale, threshold


class OverviewView(QMSView, TemplateView):
    """The module's front page: this year's programme, audits late or coming, the heat map of the
    register, the risks above the threshold, and the proposals waiting for a decision."""

    template_name = "audits/overview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        audits = access.restrict(Audit.objects.all(), user).select_related("owner", "process")
        risks = Risk.objects.filter(status="active")
        ctx.update(
            title="Internal audits and risks",
            programme=Programme.objects.filter(year=today.year).first(),
            late=list(audits.filter(status="planned", due_date__lt=today).order_by("due_date")[:20]),
            coming=list(
                audits.filter(status__in=("planned", "in_progress"), due_date__gte=today).order_by(
                    "due_date"
                )[:10]
            ),
            open_findings=access.restrict(Finding.objects.filter(status="open"), user).count(),
            late_findings=access.restrict(Finding.objects.overdue(today), user).count(),
            heat_map=selectors.heat_map(risks.filter(kind=Risk.Kind.RISK)),  # an opportunity is no red cell
            top=list(
                risks.filter(kind=Risk.Kind.RISK)
                .select_related("owner", "process")
                .order_by("-score", "-pk")[:5]
            ),
            above=risks.filter(kind=Risk.Kind.RISK, score__gte=threshold()).count(),
            threshold=threshold(),
            proposals=list(
                access.restrict(Proposal.objects.filter(status="proposed"), user)
                .select_related("owner", "risk")
                .order_by("due_date", "pk")[:10]
            ),
            may_plan=access.can_create(user, Audit),
        )
        return ctx


def _numbers():
    return [(n, str(n)) for n in range(1, scale() + 1)]


class RiskFilter(RecordFilter):
    kind = django_filters.ChoiceFilter(choices=Risk.Kind.choices, empty_label="Risks and opportunities")
    process = django_filters.ModelChoiceFilter(queryset=Process.objects.all(), empty_label="Any process")
    likelihood = django_filters.ChoiceFilter(choices=_numbers, empty_label="Any likelihood")
    severity = django_filters.ChoiceFilter(choices=_numbers, empty_label="Any severity")
    above = django_filters.BooleanFilter(label="Above the threshold", method="filter_above")
    # What the KPI "Risks above the company's threshold" counts on a day (a past month's end).
    above_on = StandingOn(label="Above the threshold on", method="filter_above_on")

    class Meta:
        model = Risk
        fields = ["status", "kind", "process", "likelihood", "severity", "department", "owner", "overdue"]

    def filter_above(self, queryset, name, value):
        if value is None:
            return queryset
        q = {"score__gte": threshold()}
        return queryset.filter(**q) if value else queryset.exclude(**q)

    def filter_above_on(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.risks_above_on(value))


class RiskListView(RecordListView):
    title = "Risks and opportunities"
    filterset_class = RiskFilter
    select_related = ("owner", "process")
    ordering = ("-score", "-pk")
    search_fields = ("reference", "title", "description")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("get_kind_display", "Kind"),
        ("process", "Process"),
        ("likelihood", "Likelihood"),
        ("severity", "Severity"),
        ("score", "Score"),
        ("owner", "Owner"),
        ("due_date", "Next review"),
        ("status", "Status"),
    ]


class RiskCreateView(RecordCreateView):
    def get_initial(self):
        initial = super().get_initial()
        initial["due_date"] = timezone.localdate().replace(year=timezone.localdate().year + 1)
        return initial

    def create(self, form):
        return services.risk_record(by=self.request.user, **form.record_fields())


class RiskUpdateView(RecordUpdateView):
    def update(self, form):
        return services.risk_update(
            risk=form.instance, by=self.request.user, reason=form.cleaned_data.get("reason", "")
        )


class RiskDetailView(RecordDetailView):
    def extra_context_for(self, record, forms):
        assessments = list(record.assessments.select_related("assessed_by").order_by("assessed_on", "pk"))
        return {
            "trend": selectors.trend(assessments) if assessments else None,
            "assessments": assessments,
            "proposals": list(
                access.restrict(record.proposals.all(), self.request.user).order_by("-created_at")[:20]
            ),
            "threshold": threshold(),
            "scale": scale(),
        }


class ProposalFilter(RecordFilter):
    kind = django_filters.ChoiceFilter(choices=Proposal.Kind.choices, empty_label="Any signal")

    class Meta:
        model = Proposal
        fields = ["status", "kind", "department", "owner", "overdue"]


class ProposalListView(RecordListView):
    title = "Risk proposals"
    filterset_class = ProposalFilter
    select_related = ("owner", "risk")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("get_kind_display", "Signal"),
        ("source_reference", "From"),
        ("risk_shown", "Risk"),
        ("status", "Status"),
        ("owner", "Decided by"),
        ("due_date", "Decide by"),
    ]

    def get_queryset(self):
        # The risk the proposal updates, or "New risk" for one it would record: the same words on
        # the page and in the export.
        shown = Coalesce(F("risk__reference"), Value("New risk"), output_field=CharField())
        return super().get_queryset().annotate(risk_shown=shown)


class ProposalCreateView(RecordCreateView):
    """A proposal raised by hand (an external issue no module sees), decided like any other."""

    def create(self, form):
        from qms.services import record_create

        return record_create(
            model=Proposal, by=self.request.user, kind=Proposal.Kind.BY_HAND, **form.record_fields()
        )


class ProposalDetailView(RecordDetailView):
    def extra_context_for(self, record, forms):
        source = services.risks.source_of(record)
        visible = (
            source is not None and hasattr(source, "root") and access.can_view(self.request.user, source)
        )
        return {"source": source if visible else None}


def may_decide(user, proposal: Proposal) -> bool:
    return proposal.status == "proposed" and access.can_change(user, proposal)


def may_assess(user, risk: Risk) -> bool:
    return risk.status == "active" and access.can_change(user, risk)
