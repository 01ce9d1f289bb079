"""The register every record model gets: filters (django-filter), a search box, keyset pages, and
a CSV export of the filtered view streamed in constant memory. A constant number of queries
whatever the number of rows: declare ``select_related`` for every column."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partialmethod
from keyword import iskeyword
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.generic import ListView

from .. import access, html, search
from ..csv_sql import compile_export, name_of
from ..paging import keyset_page
from ..widgets import use_quick_widgets
from .base import QMSView, RecordScopeMixin, csv_copy_response, csv_response, querystring

CSV_CHUNK = 2000


class RecordListView(RecordScopeMixin, QMSView, ListView):
    template_name = "qms/record_list.html"
    paginate_by = 50
    filterset_class = None
    columns: list[tuple[str, str]] = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("due_date", "Due"),
    ]
    select_related: tuple[str, ...] = ("owner", "department")
    search_fields: tuple[str, ...] = ("reference", "title")
    # The register's order; unique, ending with the primary key. By default the model's ordering.
    ordering: tuple[str, ...] | None = None
    title: str = ""
    # Labels for a column that is not a choice field (an annotation: ``{"standing": {...}}``),
    # shown on the screen and in the CSV.
    labels: dict[str, dict] = {}
    # False for a register of child rows (training records across files): rows are added on
    # their record's page, so the register offers no "New".
    creatable: bool = True
    # False keeps a register reading records even when its columns could be read as values
    # (``screen_cells``): when one statement joining every named row costs more than the records
    # and a prefetch per relation.
    read_as_values: bool = True

    def get_ordering(self) -> tuple[str, ...]:
        if self.ordering:
            return tuple(self.ordering)
        base = tuple(self.model._meta.ordering or ("-pk",))
        if base[-1].lstrip("-") in ("pk", "id"):
            return base
        return (*base, "-pk" if base[0].startswith("-") else "pk")

    def get_queryset(self):
        qs = super().get_queryset().select_related(*self.select_related)
        if type(self).cell is RecordListView.cell and type(self).rows is RecordListView.rows:
            # The columns alone are read from the rows: a person is shown by name, so the rest of
            # their row (password hash, dates, flags) is left in the database.
            qs = qs.defer(*_unshown_people_columns(qs.model, self.select_related, self.columns))
        # PostgreSQL text cannot hold NUL; a search for one finds nothing rather than failing.
        q = self.request.GET.get("q", "").replace("\x00", "").strip()
        if q:
            qs = qs.filter(self.search_q(qs.model, q))
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET, queryset=qs, request=self.request)
            use_quick_widgets(self.filterset.form)  # every register's filter bar, whatever its filterset
            qs = self.filterset.qs if self.filterset.is_valid() else qs.none()
        else:
            self.filterset = None
        return qs

    def search_q(self, model, text: str) -> Q:
        """The rows the search box finds: any of ``search_fields`` containing ``text``, each
        related table searched on its own (``qms.search``) so that indexes can answer."""
        return search.contains(model, text, self.search_fields)

    def paginate_queryset(self, queryset, page_size):
        get = self.request.GET
        ordering = self.get_ordering()
        if self.read_as_values and _default_cells(type(self)):
            self.cells = screen_cells(queryset, self.columns, ordering, self.labels)
        else:
            self.cells = None
        self.page = keyset_page(
            queryset,
            ordering,
            after=get.get("after", ""),
            before=get.get("before", ""),
            size=page_size,
            read=self.cells.read if self.cells else None,
        )
        return None, None, self.page.object_list, self.page.next_token or self.page.previous_token

    def cell(self, record, field: str) -> Any:
        """What a column shows for a record: a choice's label (``status``, ``get_<field>_display``),
        else the value at the ``__`` path (called when it is a method), "" past a None."""
        getters = self.__dict__.get("_cell_getters")
        if getters is None:
            getters = self._cell_getters = {}
        getter = getters.get(field)
        if getter is None:
            getter = getters[field] = cell_getter(self.model, field, self.labels.get(field))
        return getter(record)

    def rows(self, records):
        if self.__dict__.get("cells") is not None:  # the page was read as values (``screen_cells``)
            return self.cells.rows(records)
        if type(self).cell is RecordListView.cell:  # no module's own columns: one getter per column
            getters = [cell_getter(self.model, f, self.labels.get(f)) for f, _ in self.columns]
            return [(r, [get(r) for get in getters]) for r in records]
        return [(r, [self.cell(r, f) for f, _ in self.columns]) for r in records]

    def rows_html(self, rows) -> SafeString:
        """The table's rows, written here rather than by the template engine: a register page is
        50 rows of a dozen cells, and the engine's loops cost more than the page's SQL. The first
        cell links to the record; each cell carries its column's name for the phone layout."""
        opens = [f'<td data-label="{escape(label)}">' for _, label in self.columns[1:]]
        url_of = _url_maker(self.model, self.__dict__.get("cells"))
        out = []
        for record, (first, *rest) in rows:
            cells = "".join([f"{td}{_html(value)}</td>" for td, value in zip(opens, rest, strict=True)])
            link = f'<a href="{_html(url_of(record))}">{_html(first)}</a>'
            out.append(f'<tr><td class="text-nowrap">{link}</td>{cells}</tr>')
        return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            name = f"{slugify(self.model._meta.verbose_name_plural)}-{timezone.localdate():%Y%m%d}"
            header = [label for _, label in self.columns]
            delimiter = ";" if request.GET.get("sep") == "semicolon" else ","
            queryset = self.get_queryset().order_by(*self.get_ordering())
            if (compiled := self.csv_sql(queryset)) is not None:
                return csv_copy_response(name, header, *compiled, delimiter=delimiter)
            return csv_response(name, header, self.csv_rows(queryset), delimiter=delimiter)
        return super().get(request, *args, **kwargs)

    # --- CSV ----------------------------------------------------------------------------------

    def csv_sql(self, queryset) -> tuple[str, Sequence] | None:
        """The export as one SELECT that PostgreSQL writes as CSV (``qms.csv_sql``): the same
        queryset as the screen's, each column the text ``csv_rows`` gives. None when this register
        writes its rows in Python (it overrides ``csv_rows``) or a column does not compile."""
        if type(self).csv_rows is not RecordListView.csv_rows:
            return None
        plan = _csv_plan(self.model, queryset, self.columns, self.labels)
        return None if plan is None else compile_export(queryset, plan)

    def csv_rows(self, queryset) -> Iterator[list]:
        """The export's rows: from ``values_list`` with choice labels and names looked up once,
        when every column is a field, a label or an annotation; from the records otherwise."""
        plan = _csv_plan(self.model, queryset, self.columns, self.labels)
        if plan is None:
            for record in queryset.iterator(chunk_size=CSV_CHUNK):
                yield [self.cell(record, f) for f, _ in self.columns]
            return
        paths = [path for path, _ in plan]
        names: dict[type, dict] = {}
        # One lookup per column, bound once: a foreign key's names (filled chunk by chunk), a
        # label map, or None for the value as it is.
        lookups = [
            names.setdefault(c, {}).get if isinstance(c, type) else c.get if isinstance(c, dict) else None
            for _, c in plan
        ]
        rows = queryset.values_list(*paths).iterator(chunk_size=CSV_CHUNK)
        while True:
            chunk = [row for _, row in zip(range(CSV_CHUNK), rows, strict=False)]
            if not chunk:
                return
            for i, (_, convert) in enumerate(plan):
                if isinstance(convert, type):  # a foreign key: the related rows' names, once each
                    known = names[convert]
                    wanted = {row[i] for row in chunk if row[i] is not None and row[i] not in known}
                    if wanted:
                        known.update(
                            {pk: str(obj) for pk, obj in convert._default_manager.in_bulk(wanted).items()}
                        )
            for row in chunk:
                yield [
                    value if lookup is None or value is None else lookup(value, value)
                    for lookup, value in zip(lookups, row, strict=True)
                ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opts = self.model._meta
        ctx.update(
            title=self.title or opts.verbose_name_plural.capitalize(),
            columns=self.columns,
            rows=(rows := self.rows(ctx["object_list"])),
            rows_html=self.rows_html(rows),
            filter=self.filterset,
            page=self.page,
            can_create=self.creatable and access.can_create(self.request.user, self.model),
            create_url=reverse(f"{opts.app_label}:{opts.model_name}_create") if self.creatable else "",
            query=self.request.GET.get("q", ""),
            querystring=querystring(self.request, drop=("after", "before", "page", "format")),
        )
        return ctx


def _unshown_people_columns(model, related: Sequence[str], columns) -> list[str]:
    """The columns of each person the register joins (``owner``, ``file__owner``) that its
    cells do not show: a person's cell is their name (``str(user)``)."""
    from ..models import User

    named = {"id", "first_name", "last_name", "username"}
    shown = {field for field, _ in columns}
    unshown = []
    for path in related:
        target = _resolve(model, path)
        if target is None or target.related_model is not User:
            continue
        unshown += [
            f"{path}__{field.name}"
            for field in User._meta.concrete_fields
            if field.attname not in named and f"{path}__{field.name}" not in shown
        ]
    return unshown


def _url_maker(model, cells: ScreenCells | None = None):
    """A row's page URL without a ``reverse()`` per row, for models that keep the kernel's
    ``get_absolute_url`` (a record's page, or a child row's own page, addressed by its
    ``url_kwargs``, or by the values ``cells`` read for them); any other model is asked row by
    row."""
    from ..models import ChildRecord, Record

    opts, anchor = model._meta, ""
    if model.get_absolute_url is Record.get_absolute_url:
        name, keys, kwargs_of = f"{opts.app_label}:{opts.model_name}_detail", ["pk"], _record_kwargs
    elif _on_record_page(model):  # shown on its record's page, at its anchor
        parent = model.parent_model()._meta
        name, keys, anchor = f"{parent.app_label}:{parent.model_name}_detail", ["pk"], model.anchor
        kwargs_of = _parent_kwargs(model.parent_field)
    elif model.get_absolute_url is ChildRecord.get_absolute_url and model.page:
        name, keys, kwargs_of = model.page, [], ChildRecord.url_kwargs
        level = model
        while issubclass(level, ChildRecord):
            keys.append(level.kwarg())
            level = level.parent_model()
        keys.append("pk")
    else:
        return lambda row: row.get_absolute_url()
    if cells is not None:
        kwargs_of = cells.url_kwargs
    # Reversed once with a stand-in number for each keyword, which each row's value then replaces.
    stand_ins = {key: str(987654321 + i) for i, key in enumerate(keys)}
    template = reverse(name, kwargs=stand_ins)

    def url_of(row) -> str:
        url = template
        for key, value in kwargs_of(row).items():
            url = url.replace(stand_ins[key], str(value))
        return url + anchor

    return url_of


def _url_keys(model) -> list[tuple[str, str]] | None:
    """The keywords of a row's URL and the values that fill them (``_url_maker``'s, as paths a
    values query reads); None for a model that writes its own URL."""
    from ..models import ChildRecord, Record

    if issubclass(model, Record) and model.get_absolute_url is Record.get_absolute_url:
        return [("pk", "pk")]
    if _on_record_page(model):
        return [("pk", f"{model.parent_field}_id")]
    if not (
        issubclass(model, ChildRecord)
        and model.get_absolute_url is ChildRecord.get_absolute_url
        and model.page
    ):
        return None
    # A child row's page is addressed by its own key, each parent's and its record's.
    keys, path, level = [(model.kwarg(), "pk")], "", model
    while issubclass(level, ChildRecord):
        path = f"{path}__{level.parent_field}" if path else level.parent_field
        level = level.parent_model()
        keys.append((level.kwarg() if issubclass(level, ChildRecord) else "pk", path))
    return keys


def _on_record_page(model) -> bool:
    """A child row without a page of its own, shown on its record's page (a supplier's
    certificates, a training file's needs)."""
    from ..models import ChildRecord, Record

    if (
        not issubclass(model, ChildRecord)
        or model.page
        or model.get_absolute_url is not ChildRecord.get_absolute_url
    ):
        return False
    parent = model.parent_model()
    return issubclass(parent, Record) and parent.get_absolute_url is Record.get_absolute_url


def _parent_kwargs(parent_field: str):
    attname = f"{parent_field}_id"
    return lambda row: {"pk": getattr(row, attname)}


def _record_kwargs(record) -> dict[str, int]:
    return {"pk": record.pk}


def _text(value: Any) -> str:
    """A cell as the register shows it: dates as the forms write them, Yes/No, nothing for None."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return f"{local.day} {local:%b %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _html(value: Any) -> str:
    """A cell's text, escaped exactly as ``django.utils.html.escape`` escapes it."""
    return html.escape(_text(value))


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


def _default_cells(view_class) -> bool:
    """Whether a register shows its columns as the kernel does (no module's own cells or rows)."""
    return (
        view_class.cell is RecordListView.cell
        and view_class.rows is RecordListView.rows
        and view_class.rows_html is RecordListView.rows_html
    )


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

    def read(self, queryset: QuerySet) -> QuerySet:
        # A view's prefetches are for records; values have nothing to prefetch into.
        return queryset.prefetch_related(None).annotate(**self.named).values_list(*self.fields, named=True)

    def rows(self, rows) -> list[tuple[Any, list]]:
        shown = self.shown
        return [
            (row, [_value(row[i]) if labels is None else _label(labels, row[i]) for i, labels in shown])
            for row in rows
        ]

    def url_kwargs(self, row) -> dict:
        return {keyword: row[i] for keyword, i in self.keys}


def _value(value):
    return "" if value is None else value  # as ``cell_getter`` reads a path that meets None


def _label(labels: dict, value):
    found = labels.get(value, value)
    return found if type(found) is str else force_str(found, strings_only=True)


_SCREEN_CELLS: dict[tuple, ScreenCells | None] = {}


def screen_cells(queryset: QuerySet, columns, ordering: Sequence[str], labels=None) -> ScreenCells | None:
    """The page of ``queryset`` read as values, showing what ``cell_getter`` shows for each
    column; None when a column is something only a record can say (a method, a property, a
    related row the database cannot name) or the model writes its rows' URLs its own way.

    Worked out once per register (its model, columns, ordering and the names of its
    annotations, the view's ``labels``): the names' SQL expressions are built once, each page
    resolves copies of them."""
    labels = labels or {}
    shown_by = tuple((column, tuple(labels[column].items())) for column, _ in columns if column in labels)
    key = (queryset.model, tuple(columns), tuple(ordering), tuple(queryset.query.annotations), shown_by)
    if key not in _SCREEN_CELLS:
        _SCREEN_CELLS[key] = _screen_cells(queryset, columns, ordering, labels)
    return _SCREEN_CELLS[key]


def _screen_cells(
    queryset: QuerySet, columns, ordering: Sequence[str], view_labels: dict
) -> ScreenCells | None:
    from ..models import ChildRecord, Record

    model = queryset.model
    keys = _url_keys(model)
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
    for i, (column, _) in enumerate(columns):
        found: dict | None = view_labels.get(column)
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
            field = _resolve(model, column)
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
    fields = list(
        dict.fromkeys([*(path for _, path in keys), *(name.lstrip("-") for name in ordering), *read])
    )
    if not all(name.isidentifier() and not name.startswith("_") and not iskeyword(name) for name in fields):
        return None  # a row's values are named by these
    shown = tuple((fields.index(path), found) for path, found in zip(read, labels, strict=True))
    places = tuple((keyword, fields.index(path)) for keyword, path in keys)
    return ScreenCells(tuple(fields), named, shown, places)


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


def _csv_plan(model, queryset, columns, labels=None) -> list[tuple[str, Any]] | None:
    """For each column, the values_list path and how to show its value (a label map, the related
    model whose name to look up, or None for the value as it is); None when a column is neither."""
    plan = []
    annotations = queryset.query.annotations
    for field_name, _ in columns:
        if labels and field_name in labels:
            plan.append((field_name, labels[field_name]))
            continue
        if field_name == "status" and getattr(model, "workflow", None) is not None:
            plan.append(("status", dict(model.workflow.statuses)))
            continue
        if field_name in annotations:
            plan.append((field_name, None))
            continue
        name = (
            field_name.removeprefix("get_").removesuffix("_display")
            if field_name.endswith("_display")
            else field_name
        )
        field = _resolve(model, name)
        if field is None:
            return None
        if isinstance(field, ForeignKey):
            plan.append((name, field.related_model))
        elif field.choices:
            plan.append((name, {k: str(v) for k, v in field.flatchoices}))
        else:
            plan.append((name, None))
    return plan


def _resolve(model, path: str):
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
