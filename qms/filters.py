"""The one filter base of every register: status (with "All open"), department, owner and
overdue, reading the same on every page ("Any …"). A module subclasses it and adds its own;
a register of child rows (training records) starts from ``FilterSet``."""

from __future__ import annotations

import copy
import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django_filters.fields import ChoiceIterator

from .forms import people
from .models import Department
from .rules import DAY_FORMAT, NOT_A_DAY
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


class _Fields(dict):
    """A filter form's fields, which Django deep-copies for every form: each field copied as
    ``Field.__deepcopy__`` copies it (its widget, attributes, messages, validators, a model
    field's queryset), but without the reduce protocol of ``copy.copy`` for every object nor a
    deep walk of every choice (text pairs no one changes in place). A filter bar of nine fields
    cost a quarter of a millisecond to copy on every register page."""

    def __deepcopy__(self, memo):
        return {name: _copied(field) for name, field in self.items()}


def _copied(field: forms.Field) -> forms.Field:
    if type(field).__deepcopy__ not in _PLAIN_COPIES or type(field.widget).__deepcopy__ not in _PLAIN_WIDGETS:
        return copy.deepcopy(field)  # a field with parts of its own (a range of two): as Django does
    new = _shallow(field)
    new.widget = widget = _shallow(field.widget)
    widget.attrs = dict(field.widget.attrs)
    if isinstance(widget, forms.widgets.ChoiceWidget):
        widget.choices = copy.copy(field.widget.choices)
    new.error_messages = dict(field.error_messages)
    new.validators = list(field.validators)
    if isinstance(field, forms.ModelChoiceField):
        if field.queryset is not None:
            new.queryset = field.queryset.all()  # a queryset of its own, and a widget iterating it
    elif isinstance(field, forms.ChoiceField):
        choices = field._choices
        if type(choices) is list:
            new._choices = list(choices)
        elif type(choices) is ChoiceIterator:  # django-filter's: the choices, read for this field
            new._choices = ChoiceIterator(new, choices.choices)
        else:
            new._choices = copy.deepcopy(choices, {id(field): new})
    return new


def _shallow(obj):
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


# The copies ``_copied`` repeats: Django's own for a field, a choice field and a model choice field,
# for a widget and a choice widget.
_PLAIN_COPIES = {
    forms.Field.__deepcopy__,
    forms.ChoiceField.__deepcopy__,
    forms.ModelChoiceField.__deepcopy__,
}
_PLAIN_WIDGETS = {forms.Widget.__deepcopy__, forms.widgets.ChoiceWidget.__deepcopy__}


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
            made.base_fields = _Fields(made.base_fields)
            type(self)._form_class = made
        return made


class DateFilter(django_filters.DateFilter):
    """A day in the filter bar: the browser's date box (``type="date"``, its own picker on a phone
    or a tablet), which sends and shows the day as YYYY-MM-DD, the form a KPI's link to its
    records writes, and the only one read: a day written otherwise ("05/31/2026", typed into an
    address or into a browser without a date box) would filter the list while the date box,
    unable to show it, stood empty. It is refused beside the box in the words of the format. The
    widget is made once with the filterset's form class (``FilterSet.get_form_class``): nothing
    more per request."""

    def __init__(self, *args, **kwargs):
        box = forms.DateInput(format=DAY_FORMAT)
        box.input_type = "date"  # an attribute "type" would be written twice by the quick widget
        kwargs.setdefault("widget", box)
        kwargs.setdefault("input_formats", [DAY_FORMAT])
        kwargs.setdefault("error_messages", {"invalid": NOT_A_DAY})
        super().__init__(*args, **kwargs)


class DayFilter(DateFilter):
    """One end of a range of days (``lookup_expr`` "gte" or "lte"). A datetime read as a date
    (``field_name="created_at__date"``) is compared as datetimes from a midnight in the current
    time zone, which an index on the column answers (``created_at::date`` reads every row), and
    selects the same rows as ``kpis.within``, so a figure and the list it opens agree."""

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES or not self.field_name.endswith("__date"):
            return super().filter(qs, value)
        column = self.field_name.removesuffix("__date")
        if self.lookup_expr == "gte":
            lookup, day = "gte", value
        elif value == dt.date.max:  # "until the last day there is": no bound
            return qs
        else:
            lookup, day = "lt", value + dt.timedelta(days=1)
        midnight = dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())
        return self.get_method(qs)(**{f"{column}__{lookup}": midnight})


class StandingOn(DateFilter):
    """The rows a figure counted on a day ("Overdue on", "Open on": a KPI's month opens its
    register with it). The register says so above its rows (``standing_on_note``): the rows are
    those counted then, each shown as it is today."""


def standing_on_note(filterset) -> str:
    """What a register says above its rows when a ``StandingOn`` filter chose them; "" otherwise."""
    if filterset is None or not filterset.is_bound or not filterset.is_valid():
        return ""
    for name, found in filterset.filters.items():
        day = filterset.form.cleaned_data.get(name) if isinstance(found, StandingOn) else None
        if day:
            return f"Listed by “{found.label}” {day:%-d %b %Y}: each row shows the record as it is today."
    return ""


def date_range(field_name: str, label: str) -> tuple[DayFilter, DayFilter]:
    """The filters "<label> from" and "<label> until" on one date, both days included:
    ``reported_from, reported_to = date_range("created_at__date", "Reported")``. A KPI's link to
    its records names both ends (``?reported_from=2026-05-01&reported_to=2026-05-31``)."""
    return (
        DayFilter(field_name=field_name, lookup_expr="gte", label=f"{label} from"),
        DayFilter(field_name=field_name, lookup_expr="lte", label=f"{label} until"),
    )


class StatusFilter(django_filters.ChoiceFilter):
    """A child row's status with "All open" first, as a record's register offers it: every status
    its workflow leaves open (``status__in``, which a partial index on open rows answers), then
    each status. ``status = StatusFilter(ReviewAction)``."""

    def __init__(self, model, **kwargs):
        self.open_statuses = tuple(model.workflow.open)
        kwargs.setdefault("label", "Status")
        kwargs.setdefault("empty_label", "Any status")
        super().__init__(
            field_name=getattr(model, "status_field", "status"),
            choices=[(OPEN, "All open"), *model.workflow.choices],
            **kwargs,
        )

    def filter(self, qs, value):
        if value == OPEN:
            return self.get_method(qs)(**{f"{self.field_name}__in": self.open_statuses})
        return super().filter(qs, value)


class RowFilter(FilterSet):
    """A filter bar styled as every register's, its selects and boxes written straight to HTML by
    the list view (``qms.widgets.use_pickers``): a register of child rows (calibrations, review
    actions) starts from it. What a filterset sets on its filters before its form is made (a
    status's choices) goes in ``prepare``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepare()
        use_pickers(self.form)  # the list view writes the rest of the bar (qms.widgets.use_quick_widgets)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def prepare(self) -> None:
        pass


class RecordFilter(RowFilter):
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

    def prepare(self) -> None:
        self.filters["status"].extra["choices"] = [(OPEN, "All open"), *self._meta.model.workflow.choices]

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.open()
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue(timezone.localdate())
        if value == "yes":
            return overdue
        return queryset.exclude(pk__in=overdue.values("pk"))
