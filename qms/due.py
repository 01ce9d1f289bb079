"""The registry of due items. Each module registers providers ("what is due, whose, when, where");
"My work", the Overview, alerts, escalations, digests and dashboards all read this one registry.

A due item belongs to its owner and to its owner's department: that is where its escalation goes,
and where every page counts it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import heapq
import inspect
import itertools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from .due_sql import Statement, StatementCache, fetch, union_all


@dataclass(frozen=True, slots=True)
class DueItem:
    key: str  # stable identity of the obligation, e.g. "capa.action:12"
    module: str  # "CAPA"
    kind: str  # "CAPA action"
    reference: str
    title: str
    owner_id: int
    department_id: int | None  # the owner's department
    due_date: dt.date
    url: str  # path; prefix with BASE_URL for emails

    def days_overdue(self, today: dt.date | None = None) -> int:
        return ((today or timezone.localdate()) - self.due_date).days


@dataclass(frozen=True, slots=True)
class DueCount:
    """How many items of one module a department has overdue and due in a window."""

    module: str
    department_id: int | None
    overdue: int
    due: int


class DueProvider(Protocol):
    module: str

    def items(
        self,
        *,
        until: dt.date,
        owner_ids: Collection[int] | None = None,
        department_ids: Collection[int] | None = None,
        since: dt.date | None = None,
        limit: int | None = None,
    ) -> Iterable[DueItem]:
        """Open items due on or before ``until`` (and on or after ``since``), narrowed to owners or
        to their owners' departments when given, in due-date order, at most ``limit``. Must run a
        constant number of queries, whatever the number of items.

        A provider may also offer ``counts(*, until, today, department_ids=None)`` returning
        DueCounts computed in the database; the registry counts its items otherwise."""


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
    ):
        self.module, self.kind = module, kind
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
        # once for every provider (``by_department``) instead of once in each.
        return (
            self._scoped(until=until, owner_ids=None, department_ids=department_ids)
            .order_by()
            .values(due_owner=F(self.owner_f))
            .annotate(
                overdue=Count("pk", filter=Q(**{f"{self.due_f}__lt": today})),
                due=Count("pk", filter=Q(**{f"{self.due_f}__gte": today})),
            )
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
        return reverse(self.url_name, args=self._PLACEHOLDERS[: len(self.url_fields)])

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


def by_department(union: Statement) -> Statement:
    """A ``union_all`` of counts by owner, rows of (part, owner, overdue, due), summed by the
    owners' departments: rows of (part, department, overdue, due); the department of someone
    without one is None."""
    from .models import User

    users, pk, dept = User._meta.db_table, User._meta.pk.column, User._meta.get_field("department").column
    return Statement(
        f'SELECT s.part, u."{dept}", SUM(s.overdue)::bigint, SUM(s.due)::bigint'  # noqa: S608
        f" FROM ({union.sql}) AS s(part, owner, overdue, due)"
        f' LEFT JOIN "{users}" u ON u."{pk}" = s.owner GROUP BY 1, 2',
        union.params,
        union.constant,
    )


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
            kind=kind or opts.verbose_name.capitalize(),
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
        self.anchor = "" if model.page else model.anchor
        super().__init__(
            module=module,
            kind=kind or opts.verbose_name.capitalize(),
            queryset=model.open_rows,
            url_name=model.page or f"{root_opts.app_label}:{root_opts.model_name}_detail",
            key_prefix=opts.label_lower,
            reference_field=f"{path}__reference",
            title_field=title_field,
            owner_field=f"{model.assignee_field}_id",
            due_field=model.due_field,
            url_fields=tuple(lookups) if model.page else (lookups[0],),
        )

    def item(self, row: Sequence) -> DueItem:
        item = super().item(row)
        return dataclasses.replace(item, url=item.url + self.anchor) if self.anchor else item


def _accepted(provider, arguments: dict) -> dict:
    """The arguments a provider's ``items`` takes: a provider written before ``since``, ``limit``
    or ``others_than`` existed is asked without them (the registry narrows its answer itself)."""
    parameters = inspect.signature(provider.items).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return arguments
    return {k: v for k, v in arguments.items() if k in parameters}


def _from_sql(providers: list, scope: dict) -> Iterator[DueItem]:
    """The items of every provider that has a statement, asked in one round trip."""
    parts = [
        (p, st) for p in providers if hasattr(p, "items_statement") and (st := p.items_statement(**scope))
    ]
    if not parts:
        return
    width = max(p.width for p, _ in parts)
    # Reference, title and the URL's arguments as text: the same column holds every provider's.
    casts = ("text", "text", "text", "", "", "") + ("text",) * (width - 6)
    union = union_all([(st, p.width) for p, st in parts], casts)
    if (limit := scope.get("limit")) is not None:
        # Each part brings its most urgent ``limit``; of them all only the most urgent ``limit``
        # come back, with every item due on the same day as the last (the registry's order goes on
        # past the date, so it decides between them): My work builds 50 items, not 50 per module.
        union = dataclasses.replace(
            union, sql=f"{union.sql} ORDER BY 7 FETCH FIRST {int(limit)} ROWS WITH TIES"
        )
    for n, *row in fetch(union, chunked=limit is None):
        provider = parts[n][0]
        yield provider.item(row[: provider.width])


def _order(item: DueItem) -> tuple:
    return (item.due_date, item.module, item.reference, item.key)


class DueRegistry:
    def __init__(self) -> None:
        self._providers: list[DueProvider] = []

    def register(self, provider: DueProvider) -> None:
        if provider not in self._providers:
            self._providers.append(provider)

    @property
    def providers(self) -> list[DueProvider]:
        return list(self._providers)

    def modules(self) -> list[str]:
        return sorted({p.module for p in self._providers})

    def items(
        self,
        *,
        until: dt.date,
        owner_ids: Collection[int] | None = None,
        department_ids: Collection[int] | None = None,
        since: dt.date | None = None,
        limit: int | None = None,
        module: str | None = None,
        others_than: int | None = None,
    ) -> list[DueItem]:
        """Every open due item up to ``until`` from every module (or one ``module``), most overdue
        first; with ``limit``, only the most urgent ones (each provider limits in SQL); with
        ``others_than``, not that person's own (a provider that cannot say is filtered here)."""
        scope = {
            "until": until,
            "owner_ids": owner_ids,
            "department_ids": department_ids,
            **{
                k: v
                for k, v in (("since", since), ("limit", limit), ("others_than", others_than))
                if v is not None
            },
        }
        asked = [p for p in self._providers if module is None or p.module == module]
        streams = [sorted(_from_sql(asked, scope), key=_order)]
        streams += [
            sorted(p.items(**_accepted(p, scope)), key=_order)
            for p in asked
            if not hasattr(p, "items_statement")
        ]
        merged = heapq.merge(*streams, key=_order)
        # Narrowed here too, for a provider that could not be asked to (it cost it more, no harm).
        if since is not None:
            merged = (item for item in merged if item.due_date >= since)
        if others_than is not None:
            merged = (item for item in merged if item.owner_id != others_than)
        return list(itertools.islice(merged, limit) if limit is not None else merged)

    def counts(
        self, *, until: dt.date, today: dt.date, department_ids: Collection[int] | None = None
    ) -> list[DueCount]:
        """Overdue (before ``today``) and due (``today`` to ``until``) items per module and
        department, counted in the database by every provider that can."""
        found: Counter = Counter()
        in_sql = [p for p in self._providers if hasattr(p, "counts_statement")]
        rows: list[DueCount] = []
        parts = [
            (p, st)
            for p in in_sql
            if (st := p.counts_statement(until=until, today=today, department_ids=department_ids)) is not None
        ]
        if parts:
            union = union_all([(st, 3) for _, st in parts], ("", "", ""))
            rows += [DueCount(parts[n][0].module, *row) for n, *row in fetch(by_department(union))]
        for provider in self._providers:
            if provider in in_sql:
                continue
            counted = getattr(provider, "counts", None)
            if counted is not None:
                rows += counted(until=until, today=today, department_ids=department_ids)
            else:
                rows += [
                    DueCount(
                        provider.module, i.department_id, int(i.due_date < today), int(i.due_date >= today)
                    )
                    for i in provider.items(until=until, department_ids=department_ids)
                ]
        for row in rows:
            found[(row.module, row.department_id, "overdue")] += row.overdue
            found[(row.module, row.department_id, "due")] += row.due
        keys = {(m, d) for m, d, _ in found}
        return [
            DueCount(m, d, found[(m, d, "overdue")], found[(m, d, "due")]) for m, d in sorted(keys, key=str)
        ]

    def openable(self, user, items: Iterable[DueItem]) -> set[str]:
        """The keys of the ``items`` whose page ``user`` may open, decided by ``access.restrict``:
        a list of someone else's items (a department's, the company's) shows the others without a
        link. One query per kind of row the user does not read in full, whatever the number of
        items."""
        from . import access

        wanted: dict[str, list[int]] = {}
        for item in items:
            prefix, _, pk = item.key.rpartition(":")
            wanted.setdefault(prefix, []).append(int(pk) if pk.isdigit() else pk)
        models = {p.key_prefix: p.model for p in self._providers if isinstance(p, QuerysetDueProvider)}
        found: set[str] = set()
        for prefix, pks in wanted.items():
            model = models.get(prefix)
            root = access.record_model(model) if model is not None else None
            if root is None or not hasattr(root, "visibility") or access.reads_every(user, root):
                found.update(f"{prefix}:{pk}" for pk in pks)
                continue
            readable = access.restrict(model._default_manager.filter(pk__in=pks), user)
            found.update(f"{prefix}:{pk}" for pk in readable.values_list("pk", flat=True))
        return found

    def for_user(self, user, *, days_ahead: int = 30, today: dt.date | None = None, limit: int | None = None):
        today = today or timezone.localdate()
        until = today + dt.timedelta(days=days_ahead)
        return [i for i in self.items(until=until, owner_ids=[user.pk], limit=limit) if i.owner_id == user.pk]


registry = DueRegistry()
