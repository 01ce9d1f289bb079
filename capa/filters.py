"""Register filters: the kernel's status, department, owner and overdue, plus source, severity,
the cause category and the dates reported (NCRs); kind, the dates opened and closed, closed on
time and open on a day (CAPAs); and the effectiveness checks by result, day judged and the
CAPA's department: what the analysis page's bars and the KPI dashboard's figures open."""

from __future__ import annotations

import django_filters

from qms.filters import RecordFilter, RowFilter, StandingOn, date_range
from qms.forms import people
from qms.models import Department

from .models import (
    CLOSED_ON_TIME,
    CLOSED_WITH_TARGET,
    Capa,
    CauseCategory,
    EffectivenessCheck,
    Nonconformity,
    Severity,
    Source,
    open_on,
)

UNCLASSIFIED = "none"  # an NCR whose cause category is not chosen yet
JUDGED = "judged"  # an effectiveness check found effective or not effective
JUDGED_RESULTS = (EffectivenessCheck.Result.EFFECTIVE, EffectivenessCheck.Result.NOT_EFFECTIVE)
CLOSED_WITH_A_TARGET = "dated"  # a CAPA closed with a target date: what "closed on time" judges


class _CapaModuleFilter(RecordFilter):
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label="Any source")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")


class NonconformityFilter(_CapaModuleFilter):
    cause_category = django_filters.ChoiceFilter(
        label="Cause (6M)",
        choices=[*CauseCategory.choices, (UNCLASSIFIED, "Not yet classified")],
        method="filter_cause",
        empty_label="Any cause",
    )
    reported_from, reported_to = date_range("created_at__date", "Reported")

    def filter_cause(self, queryset, name, value):
        return queryset.filter(cause_category="" if value == UNCLASSIFIED else value)

    class Meta:
        model = Nonconformity
        fields = ["status", "source", "severity", "department", "owner", "overdue"]


class CapaFilter(_CapaModuleFilter):
    kind = django_filters.ChoiceFilter(choices=Capa.Kind.choices, empty_label="Any kind")
    opened_from, opened_to = date_range("created_at__date", "Opened")
    closed_from, closed_to = date_range("closed_at__date", "Closed")
    on_time = django_filters.ChoiceFilter(
        label="Closed by the target date",
        choices=[
            (CLOSED_WITH_A_TARGET, "Closed, with a target date"),
            ("yes", "Closed on time"),
            ("no", "Closed late"),
        ],
        method="filter_on_time",
        empty_label="Any",
    )
    # The CAPAs open at the end of a day, each aged to it: what the aging figure of a month averages.
    open_on = StandingOn(label="Open on (aged to that day)", method="filter_open_on")

    class Meta:
        model = Capa
        fields = ["status", "kind", "source", "severity", "department", "owner", "overdue"]

    def filter_on_time(self, queryset, name, value):
        """What "CAPAs closed on time" judges: the CAPAs closed with a target date, and of them
        those closed by it ("yes") or after it ("no")."""
        closed = queryset.filter(CLOSED_WITH_TARGET)
        if value == "yes":
            return closed.filter(CLOSED_ON_TIME)
        if value == "no":
            return closed.exclude(CLOSED_ON_TIME)
        return closed

    def filter_open_on(self, queryset, name, value):
        return queryset.filter(open_on(value))


class EffectivenessCheckFilter(RowFilter):
    """The effectiveness checks across CAPAs: by result, the day judged, the CAPA's department and
    the verifier. "Judged" is what the figure "found effective" counts: effective or not."""

    result = django_filters.ChoiceFilter(
        label="Result",
        choices=[(JUDGED, "Judged (either result)"), *EffectivenessCheck.Result.choices],
        method="filter_result",
        empty_label="Any result",
    )
    judged_from, judged_to = date_range("verified_at__date", "Judged")
    department = django_filters.ModelChoiceFilter(
        label="CAPA department",
        field_name="capa__department",
        queryset=Department.objects.all(),
        empty_label="Any department",
    )
    verifier = django_filters.ModelChoiceFilter(queryset=people(), empty_label="Anyone")

    class Meta:
        model = EffectivenessCheck
        fields: list[str] = []

    def filter_result(self, queryset, name, value):
        if value == JUDGED:
            return queryset.filter(result__in=JUDGED_RESULTS)
        return queryset.filter(result=value)
