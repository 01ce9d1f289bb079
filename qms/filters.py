"""The one filter base of every register: status (with "All open"), department, owner and
overdue, reading the same on every page ("Any …"). A module subclasses it and adds its own;
a register of child rows (training records) starts from ``FilterSet``."""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.utils import timezone

from .forms import people
from .models import Department
from .widgets import use_pickers

OPEN = "_open"


class _Filters(dict):
    """A filterset's declared filters, which django-filter deep-copies for every request: each
    filter is copied with its own ``extra`` (what a request may change: a label, its choices, its
    queryset), not the querysets inside. A deep copy of every queryset's SQL tree was most of a
    register's filterset (some 350 objects copied per request)."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, flt in self.items():
            copied = copy.copy(flt)
            copied.extra = dict(flt.extra)
            if flt.method is not None:  # a filter method is bound to its filter: bind it to the copy
                copied.method = flt.method
            copies[name] = copied
        return copies


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with its form class built once per filterset class, not on every
    request (a field per filter, a label looked up for each, a class made of them: a third of
    a register's filter bar). A filterset's fields are therefore the same on every request: what
    one request changes (a queryset for this user) it sets on ``self.form.fields``, which are the
    form's own copies."""

    @classmethod
    def get_filters(cls):
        return _Filters(super().get_filters())

    def get_form_class(self):
        made = type(self).__dict__.get("_form_class")
        if made is None:
            made = super().get_form_class()
            type(self)._form_class = made
        return made


class RecordFilter(FilterSet):
    status = django_filters.ChoiceFilter(label="Status", method="filter_status", empty_label="Any status")
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), empty_label="Any department"
    )
    owner = django_filters.ModelChoiceFilter(queryset=people(), empty_label="Anyone")
    overdue = django_filters.ChoiceFilter(
        label="Overdue",
        choices=[("yes", "Overdue only"), ("no", "Not overdue")],
        method="filter_overdue",
        empty_label="Any due date",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["status"].extra["choices"] = [(OPEN, "All open"), *self._meta.model.workflow.choices]
        use_pickers(self.form)  # the list view writes the rest of the bar (qms.widgets.use_quick_widgets)
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
