"""Register filters: status, source, severity, department, owner, overdue."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone

from qms.forms import people
from qms.models import Department

from .models import Capa, Nonconformity, Severity, Source

OPEN = "_open"


class _RecordFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Status", method="filter_status", empty_label="Any status")
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label="Any source")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), empty_label="Any department"
    )
    owner = django_filters.ModelChoiceFilter(queryset=people(), empty_label="Anyone")
    overdue = django_filters.ChoiceFilter(
        label="Overdue",
        choices=[("yes", "Overdue only"), ("no", "Not overdue")],
        method="filter_overdue",
        empty_label="—",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["status"].extra["choices"] = [(OPEN, "All open"), *self._meta.model.workflow.choices]
        for field in self.form.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.open()
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue(timezone.localdate())
        if value == "yes":
            return overdue
        return queryset.exclude(pk__in=overdue.values("pk"))


class NonconformityFilter(_RecordFilter):
    class Meta:
        model = Nonconformity
        fields = ["status", "source", "severity", "department", "owner", "overdue"]


class CapaFilter(_RecordFilter):
    kind = django_filters.ChoiceFilter(choices=Capa.Kind.choices, empty_label="Any kind")

    class Meta:
        model = Capa
        fields = ["status", "kind", "source", "severity", "department", "owner", "overdue"]
