"""The picker: wherever a person is chosen (owner, reviewers, approvers, distribution,
filters), or a row of another long list a module registers (every supplier, in a register's filter
bar), the page renders only the rows already chosen, and a search-as-you-type box
(qms/static/qms/picker.js, reading the list's search: /people/ for people) finds the others.
A select of every person costs a page of 2,000 options and most of its time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import DEFAULT_DB_ALIAS
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from . import ahead
from .csv_sql import name_of
from .due_sql import Statement, fetch
from .html import escape, escape_all
from .models import User
from .models.loading import select_named
from .scoped import read_once


def person_label(user: User) -> str:
    """ "Sofia Klein — Department head, Quality Control": who, in what role, where."""
    parts = [user.get_role_display()]
    if user.department_id:
        parts.append(str(user.department))
    return f"{user} — {', '.join(parts)}"


@dataclass(frozen=True, slots=True)
class PickerSource:
    """How the picker of a model finds its rows, declared once (``Module.pickers``): the kernel's
    search (``/pick/<app.model>/``, ``qms.views.pages.PickerSearchView``) answers ``GET ?q=`` with
    ``{"results": [{"id": …, "label": …}]}``: the rows of the asker's scope whose ``fields`` hold
    every word typed, 20 at most, in ``ordering``, less those in a status of ``left_out`` (a
    rejected goods receipt is used nowhere). ``hint`` is the box's placeholder and ``find`` its
    accessible name; ``label`` writes a row (in the search and in the rows chosen) and reads
    ``related``. ``narrowed`` lists (a queryset with a filter: the calibration laboratories among
    the suppliers) get the picker too when True; when False they stay a plain select, short by what
    narrowed them. ``url_name``: a search of its own instead of the kernel's (people, matched by
    the label of their role too).

    A form field narrowed to some statuses (a shipment takes released lots) says so with
    ``field.picker_statuses = ("released",)``: its box then searches those only
    (``?status=released``), as its queryset accepts them."""

    hint: str
    find: str
    fields: tuple[str, ...] = ("reference", "title")
    ordering: tuple[str, ...] = ("-pk",)
    left_out: tuple[str, ...] = ()
    label: Callable[[Any], str] = str
    related: tuple[str, ...] = ()
    narrowed: bool = True
    url_name: str = ""
    # Words of the label the search ignores ("rev" in "DRW-40512 rev C").
    noise: tuple[str, ...] = ()


_SOURCES: dict[type, PickerSource] = {
    User: PickerSource(
        "Type a name, role or department…",
        "Find a person",
        label=person_label,
        related=("department",),
        url_name="people_search",
    )
}


def register_picker(model: type, source: PickerSource) -> None:
    """A module's long list gets the picker (``Module.pickers``)."""
    _SOURCES[model] = source


def picker(label: str) -> tuple[type, PickerSource] | None:
    """The model labelled ``label`` ("capa.nonconformity") and its picker, when the kernel's search
    answers for it; None otherwise."""
    for model, source in _SOURCES.items():
        if model._meta.label_lower == label and not source.url_name:
            return model, source
    return None


def pickers() -> list[str]:
    """The labels of the models the kernel's search answers for (the route walker's URLs)."""
    return [model._meta.label_lower for model, source in _SOURCES.items() if not source.url_name]


def search_url(model: type, statuses: tuple[str, ...] = ()) -> str:
    """Where the picker of ``model`` searches (among rows in ``statuses``, when given)."""
    source = _SOURCES[model]
    if source.url_name:
        return reverse(source.url_name)
    url = reverse("picker_search", kwargs={"picker": model._meta.label_lower})
    return url + ("?" + urlencode([("status", s) for s in statuses]) if statuses else "")


def _picks(queryset) -> PickerSource | None:
    """The picker for a field's queryset, or None for a plain select."""
    source = _SOURCES.get(queryset.model)
    if source is None or (not source.narrowed and queryset.query.where):
        return None
    return source


class _Picker:
    model: type = User  # whose picker (``use_pickers`` sets it for each field)
    statuses: tuple[str, ...] = ()  # the statuses its field accepts (``picker_statuses``)

    def optgroups(self, name, value, attrs=None):
        wanted = [str(v) for v in value if v not in (None, "") and str(v).isdigit()]
        options = []
        if not self.allow_multiple_selected and not getattr(self, "is_required", False):
            empty = getattr(getattr(self.choices, "field", None), "empty_label", None) or "—"
            options.append(self.create_option(name, "", empty, not wanted, 0, attrs=attrs))
        queryset = getattr(self.choices, "queryset", None)
        source = _SOURCES[self.model]
        chosen = (
            read_once(select_named(queryset.filter(pk__in=wanted), source.related))
            if queryset is not None and wanted
            else []
        )
        for i, row in enumerate(chosen, start=len(options)):
            options.append(self.create_option(name, str(row.pk), source.label(row), True, i, attrs=attrs))
        return [(None, options, 0)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        source = _SOURCES[self.model]
        context["widget"]["attrs"]["data-picker"] = search_url(self.model, self.statuses)
        context["widget"]["attrs"]["data-picker-hint"] = source.hint
        context["widget"]["attrs"]["data-picker-find"] = source.find
        return context

    def render(self, name, value, attrs=None, renderer=None):
        """Django's markup, written straight to HTML (every register's filter bar has one)."""
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            (option["value"], option["label"], option["selected"])
            for _, group, _ in widget["optgroups"]
            for option in group
        ]
        return select_html(widget["name"], widget["attrs"], options)


class PickerSelect(_Picker, forms.Select):
    """One person (or one row of a registered long list), chosen with the picker."""


class PickerSelectMultiple(_Picker, forms.SelectMultiple):
    """Several people (a distribution list, reviewers), chosen with the picker."""


def use_pickers(form: forms.Form) -> None:
    """Give every field of ``form`` that chooses people (or a row of another registered long
    list) the picker (called by BootstrapMixin and the filter bars)."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None or _picks(queryset) is None:
            continue
        multiple = isinstance(field, forms.ModelMultipleChoiceField)
        widget = PickerSelectMultiple() if multiple else PickerSelect()
        widget.model = queryset.model
        widget.statuses = tuple(getattr(field, "picker_statuses", ()))
        widget.attrs.update({k: v for k, v in field.widget.attrs.items() if k != "size"})
        widget.is_required = field.required
        widget.choices = field.choices
        field.widget = widget


class ReadOnceChoices(ModelChoiceIterator):
    """A model choice field's options from its rows read once per request that changes nothing
    (``read_once``): every form's selects get it (``qms.forms.BootstrapMixin``)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in read_once(self.queryset):
            yield self.choice(row)


def read_choices_once(form: forms.Form) -> None:
    """Every model choice field of ``form`` not given the picker lists its rows through
    ``ReadOnceChoices``."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field.widget, _Picker):
            field.iterator = ReadOnceChoices
            field.widget.choices = field.choices


def use_quick_widgets(form: forms.Form, *, selects: bool = True) -> None:
    """Every plain select, yes/no select and text, date, number or hidden box of ``form`` written straight
    to HTML, as Django's templates write them (a register's filter bar: every list view applies it).
    ``selects=False`` (every other form, ``qms.forms.BootstrapMixin``) leaves the selects to Django, which
    read their options once per request (``ReadOnceChoices``), and writes the text areas and the
    e-mail and web address boxes too; a yes/no select there keeps Django's "Unknown"."""
    quick = _QUICK if selects else _QUICK_FORM
    for field in form.fields.values():
        widget = field.widget
        if type(widget) in quick:
            written = copy.copy(widget)  # its choices, format and type as they are
            written.attrs = dict(widget.attrs)
            written.__class__ = quick[type(widget)]
            if type(widget) is forms.NullBooleanSelect:  # a yes/no filter: "Any", as "Any status"
                written.choices = [("unknown", "Any"), *written.choices[1:]]
            field.widget = written


def _attributes(attrs: dict) -> str:
    """A tag's attributes as Django's ``attrs.html`` writes them: one that is True bare, one that is
    False left out, every other one's value as text (None as "None")."""
    return "".join(
        f" {escape(k)}" if v is True else f' {escape(k)}="{escape(v)}"'
        for k, v in attrs.items()
        if v is not False
    )


class _QuickInput:
    """An ``<input>`` written straight to HTML: what Django's ``input.html`` and ``attrs.html``
    write (an attribute that is True bare, one that is False left out), without the two template
    renders Django makes for each box."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        shown = "" if value is None else f' value="{escape(value)}"'
        attributes = _attributes(self.build_attrs(self.attrs, attrs))
        html = f'<input type="{escape(self.input_type)}" name="{escape(name)}"{shown}{attributes}>'
        return mark_safe(html)  # noqa: S308 - escaped


class _QuickTextarea:
    """A ``<textarea>`` written straight to HTML, as Django's ``textarea.html`` writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        attributes = _attributes(self.build_attrs(self.attrs, attrs))
        html = f'<textarea name="{escape(name)}"{attributes}>\n{escape(value) if value else ""}</textarea>'
        return mark_safe(html)  # noqa: S308 - escaped


_QUICK_INPUTS = {
    base: type(f"Quick{base.__name__}", (_QuickInput, base), {})
    for base in (
        forms.TextInput,
        forms.SearchInput,
        forms.NumberInput,
        forms.DateInput,
        forms.HiddenInput,
        forms.EmailInput,
        forms.URLInput,
    )
}


class _QuickSelect:
    """A select written straight to HTML: the same markup as Django's, without a template render
    per option (a register's filter bar renders a few selects of dozens of options on every page)."""

    def render(self, name, value, attrs=None, renderer=None):
        shown = self.format_value(value)  # a list for a select, one string for a yes/no select
        chosen = {shown} if isinstance(shown, str) else set(shown)
        options = []
        for option_value, label in _choice_pairs(self.choices):
            text = "" if option_value is None else str(getattr(option_value, "value", option_value))
            options.append((text, label, text in chosen))
        return select_html(name, self.build_attrs(self.attrs, attrs), options)


class QuickSelect(_QuickSelect, forms.Select):
    pass


_QUICK = {
    forms.Select: QuickSelect,
    forms.NullBooleanSelect: type("QuickNullBooleanSelect", (_QuickSelect, forms.NullBooleanSelect), {}),
    **_QUICK_INPUTS,
}
# A form's boxes (not its selects, nor a password box, which Django leaves empty when sent back).
_QUICK_FORM = {**_QUICK_INPUTS, forms.Textarea: type("QuickTextarea", (_QuickTextarea, forms.Textarea), {})}


def _choice_pairs(choices):
    """A model field's choices from one plain query. Django's ``ModelChoiceIterator`` reads its
    queryset with ``iterator()``, which on PostgreSQL is a server-side cursor (DECLARE … WITH
    HOLD, FETCH, CLOSE): three round trips and a materialised cursor for forty departments,
    the most expensive thing a register's filter bar did. Where SQL knows the model's name for a
    row (``qms.csv_sql.name_of``: departments, processes, competences …) and the field labels
    options by ``str()``, the rows are read as (value, name) pairs, not built as model instances:
    160 competences cost 1.0 ms as instances, 0.4 ms as pairs."""
    if not isinstance(choices, ModelChoiceIterator):
        return choices
    field = choices.field
    head = [("", field.empty_label)] if field.empty_label is not None else []
    if getattr(field, "null_label", None) is not None:  # django-filter's "None" choice
        head.append((field.null_value, field.null_label))
    queryset = choices.queryset
    named = _named(choices)
    if named is not None:
        statement = _whole_table(queryset, field.to_field_name or "pk", named)
        if statement is None:
            return head + list(queryset.values_list(field.to_field_name or "pk", named("")))
        return head + list(fetch(statement))
    return head + [choices.choice(obj) for obj in queryset.all()]


def _named(choices: ModelChoiceIterator):
    """How SQL writes the name of a choice's row, when the field labels its options by ``str()``."""
    if type(choices.field).label_from_instance is not forms.ModelChoiceField.label_from_instance:
        return None
    return name_of(choices.queryset.model)


def send_choices(form) -> None:
    """Send ahead (``qms.ahead.send``) the whole tables that a form's quick selects list, for a
    page that writes the form inside ``qms.ahead.reading()``: PostgreSQL reads them while the
    page's other statements are compiled."""
    for field in form.fields.values():
        choices = getattr(field.widget, "choices", None)
        if isinstance(field.widget, _QuickSelect) and isinstance(choices, ModelChoiceIterator):
            named = _named(choices)
            statement = named and _whole_table(choices.queryset, choices.field.to_field_name or "pk", named)
            if statement:
                ahead.send(statement)


# The statement listing a whole table as (value, name), by (model, value field, database): the
# same text on every request, so compiled once per process and kept prepared by PostgreSQL.
_WHOLE_TABLE: dict[tuple, Statement] = {}


def _whole_table(queryset, key: str, named) -> Statement | None:
    """The statement listing ``queryset`` as (value, name) pairs when it is a whole table (a filter
    bar's departments, processes, competences: no filter, no slice, the model's own order), whose
    list costs more to compile than to run: compiled once per process. None for a narrowed
    queryset (one request's own choices), which is compiled as it is."""
    query = queryset.query
    whole = not (
        query.where
        or query.annotations
        or query.extra
        or query.order_by
        or query.extra_order_by
        or query.distinct
        or query.combinator
        or query.low_mark
        or query.high_mark is not None
        or not query.default_ordering
        or queryset.db != DEFAULT_DB_ALIAS
    )
    if not whole:
        return None
    slot = (queryset.model, key, queryset.db)
    statement = _WHOLE_TABLE.get(slot)
    if statement is None:
        sql, params = queryset.values_list(key, named("")).query.sql_with_params()
        statement = _WHOLE_TABLE[slot] = Statement(sql, tuple(params), constant=True)
    return statement


def select_html(name: str, attrs: dict, options) -> SafeString:
    """``<select>`` as Django's ``select.html`` writes it: attributes in order, a true one bare,
    a false or None one left out; options as (value, label, selected). The options' texts are
    escaped together (``qms.html.escape_all``): a filter bar writes a couple of hundred options
    on every register page."""
    attributes = "".join(
        f" {k}" if v is True else f' {k}="{escape(v)}"'
        for k, v in attrs.items()
        if v is not None and v is not False
    )
    options = list(options)
    texts = [
        text if type(text) is str else str(text) for value, label, _ in options for text in (value, label)
    ]
    escaped = escape_all(texts)
    written = "".join(
        [
            f'<option value="{escaped[2 * i]}"{" selected" if selected else ""}>{escaped[2 * i + 1]}</option>'
            for i, (_, _, selected) in enumerate(options)
        ]
    )
    return mark_safe(f'<select name="{escape(name)}"{attributes}>{written}</select>')  # noqa: S308 - escaped
