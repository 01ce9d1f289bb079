"""The registry of due items. Each module registers providers ("what is due, whose, when, where");
"My work", alerts, escalations, digests and the dashboard all read this one registry."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone


@dataclass(frozen=True, slots=True)
class DueItem:
    key: str  # stable identity of the obligation, e.g. "capa.action:12"
    module: str  # "CAPA"
    kind: str  # "CAPA action"
    reference: str
    title: str
    owner_id: int
    department_id: int | None
    due_date: dt.date
    url: str  # path; prefix with BASE_URL for emails

    def days_overdue(self, today: dt.date | None = None) -> int:
        return ((today or timezone.localdate()) - self.due_date).days


class DueProvider(Protocol):
    module: str

    def items(
        self,
        *,
        until: dt.date,
        owner_ids: Collection[int] | None = None,
        department_ids: Collection[int] | None = None,
    ) -> Iterable[DueItem]:
        """Open items due on or before ``until``; narrowed to owners or departments when given.
        Must run a constant number of queries, whatever the number of items. A provider may also
        take ``since`` (items due on or after it), so the database filters the window; the
        registry filters for providers that do not."""


class QuerysetDueProvider:
    """A provider over any queryset with a due date: declare the fields, get the items.

    ``owner_field`` and ``department_field`` are lookups (``"owner_id"``, ``"capa__department_id"``);
    ``url_name`` is reversed once, with the values of ``url_fields`` (default: ``url_pk_field``) as
    its arguments, e.g. ``url_fields=("revision__document_id", "revision_id")``.
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
        owner_field: str = "owner_id",
        department_field: str = "department_id",
        due_field: str = "due_date",
        url_pk_field: str = "pk",
        url_fields: tuple[str, ...] | None = None,
    ):
        self.module, self.kind = module, kind
        self._queryset = queryset
        self.url_name, self.key_prefix = url_name, key_prefix
        self.fields = (reference_field, title_field, owner_field, department_field, due_field)
        self.url_fields = url_fields or (url_pk_field,)

    def queryset(self) -> QuerySet:
        return self._queryset() if callable(self._queryset) else self._queryset.all()

    def items(self, *, until, owner_ids=None, department_ids=None, since=None) -> Iterator[DueItem]:
        ref_f, title_f, owner_f, dept_f, due_f = self.fields
        qs = self.queryset().filter(**{f"{due_f}__lte": until}).exclude(**{f"{due_f}__isnull": True})
        if since is not None:
            qs = qs.filter(**{f"{due_f}__gte": since})
        if owner_ids is not None or department_ids is not None:
            scope = Q()
            if owner_ids is not None:
                scope |= Q(**{f"{owner_f}__in": list(owner_ids)})
            if department_ids is not None:
                scope |= Q(**{f"{dept_f}__in": list(department_ids)})
            qs = qs.filter(scope)
        placeholders = self._PLACEHOLDERS[: len(self.url_fields)]
        template = reverse(self.url_name, args=placeholders)
        rows = qs.values_list("pk", ref_f, title_f, owner_f, dept_f, due_f, *self.url_fields)
        for pk, ref, title, owner, dept, due, *url_args in rows.iterator(chunk_size=5000):
            if owner is None:
                continue
            url = template
            for placeholder, value in zip(placeholders, url_args, strict=True):
                url = url.replace(str(placeholder), str(value))
            yield DueItem(
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


@cache
def _takes_since(provider_class: type) -> bool:
    return "since" in inspect.signature(provider_class.items).parameters


class DueRegistry:
    def __init__(self) -> None:
        self._providers: list[DueProvider] = []

    def register(self, provider: DueProvider) -> None:
        self._providers.append(provider)

    @property
    def providers(self) -> list[DueProvider]:
        return list(self._providers)

    def items(
        self,
        *,
        until: dt.date,
        owner_ids: Collection[int] | None = None,
        department_ids: Collection[int] | None = None,
        since: dt.date | None = None,
    ) -> list[DueItem]:
        """Every open due item up to ``until`` (and from ``since``, when given) from every module,
        most overdue first."""
        found: list[DueItem] = []
        scope = {"until": until, "owner_ids": owner_ids, "department_ids": department_ids}
        for provider in self._providers:
            if since is None:
                found.extend(provider.items(**scope))
            elif _takes_since(type(provider)):
                found.extend(provider.items(**scope, since=since))
            else:
                found.extend(i for i in provider.items(**scope) if i.due_date >= since)
        found.sort(key=lambda i: (i.due_date, i.module, i.reference))
        return found

    def for_user(self, user, *, days_ahead: int = 30, today: dt.date | None = None) -> list[DueItem]:
        today = today or timezone.localdate()
        until = today + dt.timedelta(days=days_ahead)
        return [i for i in self.items(until=until, owner_ids=[user.pk]) if i.owner_id == user.pk]


registry = DueRegistry()
