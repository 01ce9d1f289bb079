"""What a register's rows show: each column's cell, read from a record (``cell_getter``) or, for
a register whose columns are the kernel's, from one named tuple of values per row
(``screen_cells``), shown as text (``cell_text``) in the table's HTML, each row linked to its page
(``links.url_maker``)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, partialmethod
from keyword import iskeyword
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, ForeignKey, QuerySet
from django.utils import timezone
from django.utils.encoding import force_str

from ..csv_sql import name_of
from ..numbers import decimal_text
from .links import url_keys


def cell_text(value: Any) -> str:
    """A cell as the register shows it: dates as the forms write them, Yes/No, nothing for None,
    a count or quantity with its thousands grouped ("100,000", as a record's page writes it), a
    decimal without the zeros its column's precision adds ("0.03", not "0.030000")."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is int:  # a number, the commonest cell after text
        return str(value) if -1000 < value < 1000 else f"{value:,}"
    if kind is Decimal:
        return decimal_text(value)
    if kind is dt.date:
        return _day_text(value)
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return f"{local.day} {local:%b %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


@lru_cache(maxsize=8192)
def _day_text(day: dt.date) -> str:
    """A day as the register writes it, "4 Dec 2026": a page's dates fall on a few hundred days,
    each ``strftime`` costing as much as the rest of its cell."""
    return f"{day.day} {day:%b %Y}"


def cell_getter(model, field: str, labels: dict | None = None) -> Callable[[Any], Any]:
    """How ``RecordListView.cell`` reads one column of ``model``, worked out once per column:
    a choice field's label from a map (what Django's ``get_<field>_display`` returns, without
    rebuilding the choices per cell), else the value along the ``__`` path, shown by its label
    when the view gives ``labels`` for the column."""
    if labels is not None:
        read = cell_getter(model, field)
        return lambda record: _label(labels, read(record))
    name = "status" if field == "status" else _display_of(field)
    labels = _labels(model, name) if name else None
    if labels is not None:
        attname, method = labels[0], f"get_{name}_display"
        mapping = labels[1]

        def label(record):
            value = getattr(record, attname)
            try:
                found = mapping.get(value, value)
            except TypeError:  # an unhashable value: as Django does it
                return getattr(record, method)()
            return found if type(found) is str else force_str(found, strings_only=True)

        return label
    if field == "status":
        return lambda record: record.get_status_display()
    parts = field.split("__")

    def value_at(record):
        value = record
        for part in parts:
            value = getattr(value, part, None)
            if value is None:
                return ""
        return value() if callable(value) else value

    return value_at


@dataclass(frozen=True)
class ScreenCells:
    """A register page read as values rather than as records: the columns' values (a related
    row's name computed by the database, ``qms.csv_sql.name_of``), the ordering's values for the
    page tokens and the keys of the row's link, in one named tuple per row. The cells are what
    ``cell_getter`` reads from a record; no record, person or department is built for them (50
    rows of a dozen columns cost more Python as records than their SQL)."""

    fields: tuple[str, ...]  # what a row holds: the keys, the ordering's fields, the columns
    named: dict[str, Any]  # the related rows' names among them, as the database computes them
    shown: tuple[tuple[int, dict | None], ...]  # per column: its place in the row, its labels
    keys: tuple[tuple[str, int], ...]  # the URL's keywords (the row's own, each parent's, the
    # record's ``pk``) and their places in the row
    # Relations read after the page, for its rows' ids (``RecordListView.late_names``); a column
    # of one is shown from the place past the row's own values where its lookup puts it.
    late: tuple[LateNames, ...] = ()

    def read(self, queryset: QuerySet) -> QuerySet:
        # A view's prefetches are for records; values have nothing to prefetch into.
        return queryset.prefetch_related(None).annotate(**self.named).values_list(*self.fields, named=True)

    def rows(self, rows) -> list[tuple[Any, list]]:
        shown = self.shown
        if self.late:
            return [
                (row, [_value(ext[i]) if labels is None else _label(labels, ext[i]) for i, labels in shown])
                for row, ext in zip(rows, self._with_late_values(rows), strict=True)
            ]
        return [
            (row, [_value(row[i]) if labels is None else _label(labels, row[i]) for i, labels in shown])
            for row in rows
        ]

    def url_kwargs(self, row) -> dict:
        return {keyword: row[i] for keyword, i in self.keys}

    def _with_late_values(self, rows) -> list[tuple]:
        """Each row with the values of its late relations after its own (None where it has none)."""
        found = [(late.place, late.lookup(rows), (None,) * len(late.values)) for late in self.late]
        return [
            (*row, *(value for place, values, blank in found for value in values.get(row[place], blank)))
            for row in rows
        ]


@dataclass(frozen=True)
class LateNames:
    """A relation a register page reads after its rows, in one statement for the ids they hold,
    rather than joining it into the page's statement (where planning a join of many tables can
    cost more than the page): what each of its columns shows, by the related row's id."""

    model: type  # the related model
    place: int  # where a row holds the related row's id
    values: tuple[tuple[str, Any], ...]  # (name, SQL expression) of each value shown from it

    def lookup(self, rows) -> dict[Any, tuple]:
        ids = {row[self.place] for row in rows} - {None}
        if not ids:
            return {}
        found = (
            self.model._base_manager.filter(pk__in=ids)
            .annotate(**dict(self.values))
            .values_list("pk", *(name for name, _ in self.values))
        )
        return {pk: values for pk, *values in found}


def _value(value):
    return "" if value is None else value  # as ``cell_getter`` reads a path that meets None


def _label(labels: dict, value):
    found = labels.get(value, value)
    return found if type(found) is str else force_str(found, strings_only=True)


_SCREEN_CELLS: dict[tuple, ScreenCells | None] = {}


def screen_cells(
    queryset: QuerySet, columns, ordering: Sequence[str], labels=None, late: Sequence[str] = ()
) -> ScreenCells | None:
    """The page of ``queryset`` read as values, showing what ``cell_getter`` shows for each
    column; None when a column is something only a record can say (a method, a property, a
    related row the database cannot name) or the model writes its rows' URLs its own way.

    Worked out once per register (its model, columns, ordering and the names of its
    annotations, the view's ``labels``): the names' SQL expressions are built once, each page
    resolves copies of them. The columns through a relation named in ``late`` are read after the
    page (``LateNames``)."""
    labels = labels or {}
    shown_by = tuple((column, tuple(labels[column].items())) for column, _ in columns if column in labels)
    key = (
        queryset.model,
        tuple(columns),
        tuple(ordering),
        tuple(queryset.query.annotations),
        shown_by,
        tuple(late),
    )
    if key not in _SCREEN_CELLS:
        _SCREEN_CELLS[key] = _screen_cells(queryset, columns, ordering, labels, tuple(late))
    return _SCREEN_CELLS[key]


def _screen_cells(
    queryset: QuerySet, columns, ordering: Sequence[str], view_labels: dict, late: tuple[str, ...] = ()
) -> ScreenCells | None:
    from ..models import ChildRecord, Record

    model = queryset.model
    keys = url_keys(model)
    if keys is None:
        return None
    # Where the status's label comes from when the status field has no choices of its own: the
    # record's or row's workflow, unless the model says its status its own way.
    if issubclass(model, Record):
        status = "status" if model.get_status_display is Record.get_status_display else ""
    else:
        own = model.get_status_display is not ChildRecord.get_status_display or model.workflow is None
        status = "" if own else model.status_field
    annotations = queryset.query.annotations
    named: dict[str, Any] = {}  # a related row's name, computed by the database
    read: list[str] = []  # what each column reads, in the order of the columns
    labels: list[dict | None] = []
    later: dict[str, list] = {relation: [] for relation in late}  # (column, expression) by relation
    for i, (column, _) in enumerate(columns):
        found: dict | None = view_labels.get(column)
        relation, _, rest = column.partition("__")
        if relation in later and column not in view_labels:
            expression = _late_expression(model, relation, rest)
            if expression is None:
                return None
            later[relation].append((column, expression))
            read.append(column)
            labels.append(None)
            continue
        if column in annotations:
            path = column
        elif column == "status":
            choice = _labels(model, "status")  # Django's label of a status field with choices
            if choice is None:
                if not status:  # a model that says its status its own way
                    return None
                choice = (status, dict(model.workflow.statuses))
            path, found = choice
        elif display := _display_of(column):
            choice = _labels(model, display)
            if choice is None:
                return None
            path, found = choice
        else:
            field = resolve_path(model, column)
            if field is None:
                return None
            path = column
            if isinstance(field, ForeignKey):
                namer = name_of(field.related_model)
                if namer is None:
                    return None
                path = f"qms_cell_{i}"
                named[path] = namer(f"{column}__")
        read.append(path)
        labels.append(found)
    late_read = {column for columns_of in later.values() for column, _ in columns_of}
    ids = [model._meta.get_field(relation).attname for relation, columns_of in later.items() if columns_of]
    fields = list(
        dict.fromkeys(
            [
                *(path for _, path in keys),
                *(name.lstrip("-") for name in ordering),
                *(path for path in read if path not in late_read),
                *ids,
            ]
        )
    )
    if not all(name.isidentifier() and not name.startswith("_") and not iskeyword(name) for name in fields):
        return None  # a row's values are named by these
    # A late column's value comes after the row's own, in the order of the lookups and their values.
    past = {}
    lookups = []
    for relation, columns_of in later.items():
        if not columns_of:
            continue
        values = []
        for column, expression in columns_of:
            past[column] = len(fields) + len(past)
            values.append((f"qms_late_{len(past)}", expression))
        field = model._meta.get_field(relation)
        lookups.append(LateNames(field.related_model, fields.index(field.attname), tuple(values)))
    shown = tuple(
        (past[path] if path in past else fields.index(path), found)
        for path, found in zip(read, labels, strict=True)
    )
    places = tuple((keyword, fields.index(path)) for keyword, path in keys)
    return ScreenCells(tuple(fields), named, shown, places, tuple(lookups))


def _late_expression(model, relation: str, rest: str):
    """What a column through ``relation`` (a foreign key of ``model``) shows, as an expression
    on the related model: the related row's name, or the value (a related row's name) at
    ``rest``; None when the database cannot say it."""
    try:
        field = model._meta.get_field(relation)
    except FieldDoesNotExist:
        return None
    if not isinstance(field, ForeignKey):
        return None
    if not rest:
        namer = name_of(field.related_model)
        return None if namer is None else namer("")
    target = resolve_path(field.related_model, rest)
    if target is None:
        return None
    if isinstance(target, ForeignKey):
        namer = name_of(target.related_model)
        return None if namer is None else namer(f"{rest}__")
    return F(rest)


def _display_of(field: str) -> str:
    """``severity`` for ``get_severity_display``, else ""."""
    if field.startswith("get_") and field.endswith("_display") and "__" not in field:
        return field[4:-8]
    return ""


def _labels(model, name: str) -> tuple[str, dict] | None:
    """(attname, value -> label) of a choice field whose ``get_<name>_display`` is Django's own
    (a model that writes its own keeps it); None otherwise."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    display = inspect.getattr_static(model, f"get_{name}_display", None)
    if (
        not field.choices
        or not isinstance(display, partialmethod)
        or display.keywords.get("field") is not field
    ):
        return None
    return field.attname, {value: label for value, label in field.flatchoices}


def resolve_path(model, path: str):
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not field.concrete:
            return None
        model = field.related_model or model
    return field
