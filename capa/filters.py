"""Register filters: the kernel's status, department, owner and overdue, plus source, severity
and (for CAPAs) kind."""

from __future__ import annotations

import django_filters

from qms.filters import RecordFilter

from .models import Capa, Nonconformity, Severity, Source


class _CapaModuleFilter(RecordFilter):
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label="Any source")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")


class NonconformityFilter(_CapaModuleFilter):
    class Meta:
        model = Nonconformity
        fields = ["status", "source", "severity", "department", "owner", "overdue"]


class CapaFilter(_CapaModuleFilter):
    kind = django_filters.ChoiceFilter(choices=Capa.Kind.choices, empty_label="Any kind")

    class Meta:
        model = Capa
        fields = ["status", "kind", "source", "severity", "department", "owner", "overdue"]
