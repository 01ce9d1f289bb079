"""The due-item providers over querysets, which nearly every module declares: a provider over any
queryset with a due date (``QuerysetDueProvider``), over a kernel record model
(``RecordDueProvider``) and over a kind of child row (``ChildDueProvider``). Each gives its items
ordered and limited in SQL, and its counts by department in one GROUP BY, as ``qms.due.DueProvider``
asks; the registry (``qms.due.registry``) asks them all in one round trip."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence

from django.db.models import BigIntegerField, Count, F, Func, Q, QuerySet, Value
from django.urls import reverse
from django.utils.text import capfirst

from .due import DueCount, DueItem
from .due_sql import Statement, StatementCache, by_department, fetch, union_all


class QuerysetDueProvider:
    """A provider over any queryset with a due date: declare the fields, get the items, ordered
    and limited in SQL, and their counts by department in one GROUP BY.

    ``owner_field`` is the relation to the person who owes it (``"owner"``, ``"user"``,
    ``"verifier"``); the item's department is that person's. ``url_name`` is reversed once, with
    the values of ``url_fields`` (default: ``url_pk_field``) as its arguments, e.g.
    ``url_fields=("revision__document_id", "revision_id")``.
    """

    _PLACEHOLDERS = (987654321, 987654322, 987654323)

    def __init__(
        self,
        *,
        module: str,
        kind: str,
        queryset: QuerySet | Callable[[], QuerySet],
        url_name: str,
        key_prefix: str,
        reference_field: str = "reference",
        title_field: str = "title",
        owner_field: str = "owner",
        due_field: str = "due_date",
        url_pk_field: str = "pk",
        url_fields: tuple[str, ...] | None = None,
        anchor: str = "",
    ):
        self.module, self.kind = module, kind
        self.anchor = anchor  # the part of the page the item is in ("#actions"), opened on arrival
        self._queryset = queryset
        self.url_name, self.key_prefix = url_name, key_prefix
        owner = owner_field.removesuffix("_id")
        self.owner_f, self.dept_f = f"{owner}_id", f"{owner}__department_id"
        self.ref_f, self.title_f, self.due_f = reference_field, title_field, due_field
        self.url_fields = url_fields or (url_pk_field,)
        self._statements = StatementCache()

    def queryset(self) -> QuerySet:
        return self._queryset() if callable(self._queryset) else self._queryset.all()

    @functools.cached_property
    def model(self) -> type:
        """The model of the rows this provider reads (a record, or a row of one)."""
        return self.queryset().model

    def _scoped(self, *, until, owner_ids, department_ids, since=None) -> QuerySet:
        qs = self.queryset().filter(**{f"{self.due_f}__lte": until, f"{self.owner_f}__isnull": False})
        if since is not None:
            qs = qs.filter(**{f"{self.due_f}__gte": since})
        if owner_ids is not None or department_ids is not None:
            scope = Q()
            if owner_ids is not None:
                scope |= Q(**{f"{self.owner_f}__in": list(owner_ids)})
            if department_ids is not None:
                scope |= Q(**{f"{self.dept_f}__in": list(department_ids)})
            qs = qs.filter(scope)
        return qs

    def _items_queryset(
        self, *, until, owner_ids=None, department_ids=None, since=None, others_than=None, limit=None
    ) -> QuerySet:
        qs = self._scoped(until=until, owner_ids=owner_ids, department_ids=department_ids, since=since)
        if others_than is not None:
            qs = qs.exclude(**{self.owner_f: others_than})
        rows = qs.order_by(self.due_f, "pk").values_list(
            "pk", self.ref_f, self.title_f, self.owner_f, self.dept_f, self.due_f, *self.url_fields
        )
        return rows[:limit] if limit is not None else rows

    def _counts_queryset(self, *, until, today, department_ids=None) -> QuerySet:
        # By owner, not by department: the owner is on the row (or its record), so a count of the
        # whole company reads the open-rows index alone, and the owners' departments are joined
        # once for every provider (``by_department``) instead of once in each. Rows are counted,
        # not ids (``COUNT(1)``, the same number; Django writes no ``COUNT(*)`` with a filter): an
        # index that holds the owner and the due date but not the id then answers alone.
        return (
            self._scoped(until=until, owner_ids=None, department_ids=department_ids)
            .order_by()
            .values(due_owner=F(self.owner_f))
            .annotate(
                overdue=Count(Value(1), filter=Q(**{f"{self.due_f}__lt": today})),
                due=Count(Value(1), filter=Q(**{f"{self.due_f}__gte": today})),
            )
        )

    def _total_queryset(self, *, until, department_ids=None) -> QuerySet:
        # One row, how many: ``COUNT`` written as a function, not an aggregate, so that nothing is
        # grouped (an open-rows index answers it alone). ``COUNT(*)``, not of the ids: a head's
        # total counted its department's 555 pending acknowledgments by reading all 21,665 through
        # the one index that holds the id (5.7 ms); by person, through theirs, 0.4 ms.
        return (
            self._scoped(until=until, owner_ids=None, department_ids=department_ids)
            .order_by()
            .annotate(n=Func(template="COUNT(*)", output_field=BigIntegerField()))
            .values_list("n")
        )

    @property
    def width(self) -> int:
        """The columns of an items statement's row: pk, reference, title, owner, department, due
        date, then the URL's arguments."""
        return 6 + len(self.url_fields)

    def items_statement(
        self, *, until, owner_ids=None, department_ids=None, since=None, limit=None, others_than=None
    ) -> Statement | None:
        """The SQL of ``items`` (None when nothing can match), compiled once per shape."""
        arguments = _scope_arguments(owner_ids, department_ids)
        if arguments is None or limit == 0:
            return None
        arguments.update(until=until, since=since, others_than=others_than)
        build = functools.partial(self._items_queryset, limit=limit)
        return self._statements.statement(f"items:{limit}", build, arguments)

    def counts_statement(self, *, until, today, department_ids=None) -> Statement | None:
        """The SQL of ``counts`` by owner: rows of (owner, overdue, due)."""
        arguments = _scope_arguments(None, department_ids)
        if arguments is None:
            return None
        del arguments["owner_ids"]
        arguments.update(until=until, today=today)
        return self._statements.statement("counts", self._counts_queryset, arguments)

    def total_statement(self, *, until, department_ids=None) -> Statement | None:
        """The SQL of how many items are due on or before ``until``: one row of one number."""
        arguments = _scope_arguments(None, department_ids)
        if arguments is None:
            return None
        del arguments["owner_ids"]
        arguments["until"] = until
        return self._statements.statement("total", self._total_queryset, arguments)

    def item(self, row: Sequence) -> DueItem:
        """The due item of one row of ``items_statement``."""
        pk, ref, title, owner, dept, due, *url_args = row
        url = self._url_template
        for placeholder, value in zip(self._PLACEHOLDERS, url_args, strict=False):
            url = url.replace(str(placeholder), str(value))
        return DueItem(
            key=f"{self.key_prefix}:{pk}",
            module=self.module,
            kind=self.kind,
            reference=ref or "",
            title=title or "",
            owner_id=owner,
            department_id=dept,
            due_date=due,
            url=url,
        )

    @functools.cached_property
    def _url_template(self) -> str:
        return reverse(self.url_name, args=self._PLACEHOLDERS[: len(self.url_fields)]) + self.anchor

    def items(
        self, *, until, owner_ids=None, department_ids=None, since=None, limit=None, others_than=None
    ) -> Iterator[DueItem]:
        statement = self.items_statement(
            until=until,
            owner_ids=owner_ids,
            department_ids=department_ids,
            since=since,
            limit=limit,
            others_than=others_than,
        )
        if statement is not None:
            # A limited list is fetched at once; everything (alerts, the digest) streams in chunks.
            for row in fetch(statement, chunked=limit is None):
                yield self.item(row)

    def counts(self, *, until, today, department_ids=None) -> list[DueCount]:
        statement = self.counts_statement(until=until, today=today, department_ids=department_ids)
        if statement is None:
            return []
        rows = fetch(by_department(union_all([(statement, 3)], ("", "", ""))))
        return [DueCount(self.module, dept, overdue, due) for _, dept, overdue, due in rows]


def _scope_arguments(owner_ids, department_ids) -> dict | None:
    """Owners and departments as the statements take them: without repeats; an empty list that
    is not the only narrowing dropped (it adds nothing to the other); None when nothing can match."""
    given = {
        name: list(dict.fromkeys(ids))
        for name, ids in (("owner_ids", owner_ids), ("department_ids", department_ids))
        if ids is not None
    }
    if given and not any(given.values()):
        return None
    return {name: given.get(name) or None for name in ("owner_ids", "department_ids")}


class RecordDueProvider(QuerysetDueProvider):
    """Open records of a kernel model that have a due date, owned by their owner."""

    def __init__(self, model, *, module: str, kind: str | None = None):
        opts = model._meta
        super().__init__(
            module=module,
            kind=kind or capfirst(opts.verbose_name),
            queryset=lambda: model.objects.open(),
            url_name=f"{opts.app_label}:{opts.model_name}_detail",
            key_prefix=opts.label_lower,
        )


class ChildDueProvider(QuerysetDueProvider):
    """Open rows of a child model with an assignee and a due date (``assignee_field``,
    ``due_field``), owed by their assignee, shown on their own page or where their record's page
    lists them. A row in a closed status (done, cancelled) is not due, nor is any row of a closed
    record."""

    def __init__(self, model, *, module: str, kind: str | None = None, title_field: str = "title"):
        from .models import ChildRecord

        root, path = model.root_model(), model.root_path()
        opts, root_opts = model._meta, root._meta
        # The URL's arguments, from the record down to the row: ("part__widget_id", "part_id", "pk").
        lookups, prefix, current = ["pk"], "", model
        while issubclass(current, ChildRecord):
            prefix += current.parent_field
            lookups.insert(0, f"{prefix}_id")
            prefix, current = prefix + "__", current.parent_model()
        super().__init__(
            module=module,
            kind=kind or capfirst(opts.verbose_name),
            queryset=model.open_rows,
            url_name=model.page or f"{root_opts.app_label}:{root_opts.model_name}_detail",
            key_prefix=opts.label_lower,
            reference_field=f"{path}__reference",
            title_field=title_field,
            owner_field=f"{model.assignee_field}_id",
            due_field=model.due_field,
            url_fields=tuple(lookups) if model.page else (lookups[0],),
            anchor="" if model.page else model.anchor,
        )
