"""The register every record model gets: filters (django-filter), a search box, keyset pages, and
a CSV export of the filtered view streamed in constant memory. A constant number of queries
whatever the number of rows: declare ``select_related`` for every column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, ForeignKey, Q, TextField
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst, slugify
from django.views.generic import ListView

from .. import access, ahead, search
from ..csv_sql import compile_export
from ..filters import standing_on_note
from ..formhtml import filter_fields_html
from ..html import escape, escape_all
from ..models.loading import select_named
from ..paging import keyset_read
from ..widgets import send_choices, use_quick_widgets
from .base import QMSView, RecordScopeMixin, csv_copy_response, csv_response, querystring
from .cells import cell_getter, cell_text, resolve_path, screen_cells
from .links import url_maker

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
    # Relations (foreign keys of the model) whose columns a register read as values looks up after
    # its page, one statement for the ids on it, rather than joining them into the page's
    # statement: for a register of many relations, whose join costs more to plan than to run.
    late_names: tuple[str, ...] = ()

    def get_ordering(self) -> tuple[str, ...]:
        if self.ordering:
            return tuple(self.ordering)
        base = tuple(self.model._meta.ordering or ("-pk",))
        if base[-1].lstrip("-") in ("pk", "id"):
            return base
        return (*base, "-pk" if base[0].startswith("-") else "pk")

    def get_queryset(self):
        qs = select_named(super().get_queryset(), self.select_related)
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
        """The page, written while PostgreSQL reads (``qms.ahead``): the filter bar's whole tables
        are sent first and arrive while the rows' statement compiles; the rows are sent and the
        filter bar is written; then, for a register longer than its page, the count is sent and
        the rows are written."""
        get = self.request.GET
        ordering = self.get_ordering()
        form = self.filterset.form if self.filterset is not None else None
        with ahead.reading():
            if form is not None:
                send_choices(form)
            if self.read_as_values and _default_cells(type(self)):
                self.cells = screen_cells(queryset, self.columns, ordering, self.labels, self.late_names)
            else:
                self.cells = None
            plan = keyset_read(
                queryset,
                ordering,
                after=get.get("after", ""),
                before=get.get("before", ""),
                size=page_size,
                read=self.cells.read if self.cells else None,
            )
            sent = None if plan.rows is None else ahead.send_rows(plan.rows)
            self.filter_fields = filter_fields_html(form) if form is not None else ""
            read = [] if sent is None else sent.rows()
            counting = ahead.send_count(plan.counted) if plan.needs_count(read) else None
            self.written = self.rows(plan.shown(read))
            self.written_html = self.rows_html(self.written)
        self.page = plan.page(read, count=None if counting is None else counting.value())
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
        cell links to the record; each cell carries its column's name for the phone layout.

        A row's texts are escaped together (``qms.html.escape_all``) and put into the row's markup
        with one ``str.format``: one call each per row rather than a few per cell."""
        url_of = url_maker(self.model, self.__dict__.get("cells"))
        row_format = self._row_format()
        overdue = self._overdue()
        late_format = self._row_format(late=True) if overdue else None
        out = []
        for record, cells in rows:
            texts = [url_of(record), *cells]
            chosen = late_format if overdue is not None and overdue(cells) else row_format
            out.append(chosen.format(*escape_all([v if type(v) is str else cell_text(v) for v in texts])))
        return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped

    def _row_format(self, *, late: bool = False) -> str:
        """One row's markup with a ``{}`` for each text; ``late``: the due date in red, saying
        "overdue" (words, not only a colour, for a screen reader and the phone layout)."""
        cells = []
        for field, label in self.columns[1:]:
            name = escape(label).replace("{", "{{").replace("}", "}}")
            if late and field == "due_date":
                cells.append(f'<td data-label="{name}" class="text-danger fw-semibold">{{}} · overdue</td>')
            elif is_free_text(self.model, field):
                cells.append(f'<td data-label="{name}" class="free-text">{{}}</td>')
            else:
                cells.append(f'<td data-label="{name}">{{}}</td>')
        return "".join(['<tr><td class="text-nowrap"><a href="{}">{}</a></td>', *cells, "</tr>"])

    def _overdue(self) -> Callable[[list], bool] | None:
        """Whether a row is overdue, read from its cells as ``Record.is_overdue`` says it: a due
        date before today on a record in a status where that is late (``late_statuses``, else any
        status not closed), the status shown as its label. None for a register without both."""
        fields = [f for f, _ in self.columns]
        workflow = getattr(self.model, "workflow", None)
        if "due_date" not in fields or "status" not in fields or workflow is None:
            return None
        due, status = fields.index("due_date"), fields.index("status")
        late = getattr(self.model, "late_statuses", None)
        if late is None:
            late = {value for value, _ in workflow.statuses} - set(workflow.closed)
        late_shown = {workflow.label(s) for s in late} | set(late)
        today = timezone.localdate()

        def overdue(cells: list) -> bool:
            day = cells[due]
            return type(day) is dt.date and day < today and cells[status] in late_shown

        return overdue

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
            title=self.title or capfirst(opts.verbose_name_plural),
            columns=self.columns,
            header_html=header_html(self.columns),
            rows=self.written,
            rows_html=self.written_html,
            filter=self.filterset,
            filter_fields=self.filter_fields,
            standing_on=standing_on_note(self.filterset),
            page=self.page,
            can_create=self.creatable and access.can_create(self.request.user, self.model),
            create_url=reverse(f"{opts.app_label}:{opts.model_name}_create") if self.creatable else "",
            query=self.request.GET.get("q", ""),
            querystring=querystring(self.request, drop=("after", "before", "page", "format")),
        )
        return ctx


def is_free_text(model, field: str) -> bool:
    """Whether a column holds typed text (a title, a description): it may be one unbroken run of
    200 characters, so its cells may break anywhere (``free-text`` in app.css) rather than widen
    the table. A status, a reference or a name of a few words keeps its words whole."""
    try:
        model_field = model._meta.get_field(field)
    except FieldDoesNotExist:
        return False
    if isinstance(model_field, TextField):
        return True
    return (
        isinstance(model_field, CharField)
        and not model_field.choices
        and (model_field.max_length or 0) >= 200
    )


def header_html(columns) -> SafeString:
    """The table's column headings."""
    return mark_safe("".join(f'<th scope="col">{escape(label)}</th>' for _, label in columns))  # noqa: S308 - escaped


def _unshown_people_columns(model, related: Sequence[str], columns) -> list[str]:
    """The columns of each person the register joins (``owner``, ``file__owner``) that its
    cells do not show: a person's cell is their name (``str(user)``)."""
    from ..models import User

    named = {"id", "first_name", "last_name", "username"}
    shown = {field for field, _ in columns}
    unshown = []
    for path in related:
        target = resolve_path(model, path)
        if target is None or target.related_model is not User:
            continue
        unshown += [
            f"{path}__{field.name}"
            for field in User._meta.concrete_fields
            if field.attname not in named and f"{path}__{field.name}" not in shown
        ]
    return unshown


def _default_cells(view_class) -> bool:
    """Whether a register shows its columns as the kernel does (no module's own cells or rows)."""
    return (
        view_class.cell is RecordListView.cell
        and view_class.rows is RecordListView.rows
        and view_class.rows_html is RecordListView.rows_html
    )


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
        field = resolve_path(model, name)
        if field is None:
            return None
        if isinstance(field, ForeignKey):
            plan.append((name, field.related_model))
        elif field.choices:
            plan.append((name, {k: str(v) for k, v in field.flatchoices}))
        else:
            plan.append((name, None))
    return plan
