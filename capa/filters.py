"""Register filters: the kernel's status, department, owner and overdue, plus source, severity,
the cause category and the dates reported (NCRs) and kind and the date opened (CAPAs): what the
analysis page's bars and counts open."""

from __future__ import annotations

import django_filters

from qms.filters import RecordFilter, date_range

from .models import Capa, CauseCategory, Nonconformity, Severity, Source

UNCLASSIFIED = "none"  # an NCR whose cause category is not chosen yet


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

    class Meta:
        model = Capa
        fields = ["status", "kind", "source", "severity", "department", "owner", "overdue"]
