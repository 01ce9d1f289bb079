"""The registry of due items. Each module registers providers ("what is due, whose, when, where");
"My work", the Overview, alerts, escalations, digests and dashboards all read this one registry.

A due item belongs to its owner and to its owner's department: that is where its escalation goes,
and where every page counts it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import inspect
import itertools
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone

from . import ahead
from .due_sql import Statement, by_department, fetch, union_all


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
        DueCounts computed in the database; the registry counts its items otherwise. The
        providers over querysets (``qms.due_providers``) give their statements instead
        (``items_statement``, ``counts_statement``, ``total_statement``), all asked at once."""


def _accepted(provider, arguments: dict) -> dict:
    """The arguments a provider's ``items`` takes: a provider written before ``since``, ``limit``
    or ``others_than`` existed is asked without them (the registry narrows its answer itself)."""
    parameters = inspect.signature(provider.items).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return arguments
    return {k: v for k, v in arguments.items() if k in parameters}


def _sql_union(providers: list, scope: dict) -> tuple[list, Statement] | None:
    """The providers that have a statement, and their statements as one (``union_all``), or None."""
    parts = [
        (p, st) for p in providers if hasattr(p, "items_statement") and (st := p.items_statement(**scope))
    ]
    if not parts:
        return None
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
    return [p for p, _ in parts], union


def _from_sql(providers: list, scope: dict) -> Iterator[DueItem]:
    """The items of every provider that has a statement, asked in one round trip."""
    found = _sql_union(providers, scope)
    if found is None:
        return
    asked, union = found
    for n, *row in fetch(union, chunked=scope.get("limit") is None):
        provider = asked[n]
        yield provider.item(row[: provider.width])


def _scope(until, owner_ids=None, department_ids=None, since=None, limit=None, others_than=None) -> dict:
    """The arguments the providers' ``items`` are asked with (the optional ones only when given)."""
    given = (("since", since), ("limit", limit), ("others_than", others_than))
    return {
        "until": until,
        "owner_ids": owner_ids,
        "department_ids": department_ids,
        **{k: v for k, v in given if v is not None},
    }


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
        scope = _scope(until, owner_ids, department_ids, since, limit, others_than)
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
        return self._counts_of(self._providers, until=until, today=today, department_ids=department_ids)

    def overdue_total(self, *, today: dt.date, department_ids: Collection[int] | None = None) -> int:
        """How many items are overdue (due before ``today``) in ``department_ids`` (None: the
        company): what ``counts`` gives summed, in one statement that counts each provider's open
        rows without grouping them by owner and department (the quality manager's My work: 21 ms
        of the ten-year archive's 51,000 open items against 11, ``bench/README.md``)."""
        until = today - dt.timedelta(days=1)
        in_sql = [p for p in self._providers if hasattr(p, "total_statement")]
        union = self._total_union(until, department_ids)
        total = sum(n for _, n in fetch(union)) if union is not None else 0
        others = [p for p in self._providers if p not in in_sql]
        counted = self._counts_of(others, until=until, today=today, department_ids=department_ids)
        return total + sum(c.overdue for c in counted)

    def _total_union(self, until: dt.date, department_ids: Collection[int] | None) -> Statement | None:
        asked = (
            p.total_statement(until=until, department_ids=department_ids)
            for p in self._providers
            if hasattr(p, "total_statement")
        )
        parts = [st for st in asked if st is not None]
        return union_all([(st, 1) for st in parts], ("",)) if parts else None

    def send_items(self, *, module: str | None = None, **arguments) -> None:
        """Inside ``qms.ahead.reading()``, send now the statement that ``items(**arguments)`` (a
        limited list) reads: a page that needs several lists and totals (a head's My work: their
        own items, their department's, its overdue total) has PostgreSQL run the later ones while
        Python builds the earlier ones' items. ``items`` then reads what was sent (the same
        statement, ``due_sql.fetch``); outside a block nothing is sent."""
        if not ahead.is_reading():
            return
        asked = [p for p in self._providers if module is None or p.module == module]
        found = _sql_union(asked, _scope(**arguments))
        if found is not None and arguments.get("limit") is not None:  # a list in chunks is not sent
            ahead.send(found[1])

    def send_overdue_total(self, *, today: dt.date, department_ids: Collection[int] | None = None) -> None:
        """``send_items`` for ``overdue_total(today=today, department_ids=department_ids)``."""
        if not ahead.is_reading():
            return
        union = self._total_union(today - dt.timedelta(days=1), department_ids)
        if union is not None:
            ahead.send(union)

    def _counts_of(
        self, providers: list, *, until: dt.date, today: dt.date, department_ids: Collection[int] | None
    ) -> list[DueCount]:
        found: Counter = Counter()
        in_sql = [p for p in providers if hasattr(p, "counts_statement")]
        rows: list[DueCount] = []
        parts = [
            (p, st)
            for p in in_sql
            if (st := p.counts_statement(until=until, today=today, department_ids=department_ids)) is not None
        ]
        if parts:
            union = union_all([(st, 3) for _, st in parts], ("", "", ""))
            rows += [DueCount(parts[n][0].module, *row) for n, *row in fetch(by_department(union))]
        for provider in providers:
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
        from .due_providers import QuerysetDueProvider

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
        arguments = self.own(user, days_ahead=days_ahead, today=today, limit=limit)
        return [i for i in self.items(**arguments) if i.owner_id == user.pk]

    @staticmethod
    def own(user, *, days_ahead: int = 30, today: dt.date | None = None, limit: int | None = None) -> dict:
        """What ``for_user`` asks ``items`` (for ``send_items``)."""
        until = (today or timezone.localdate()) + dt.timedelta(days=days_ahead)
        return {"until": until, "owner_ids": [user.pk], "limit": limit}


registry = DueRegistry()
