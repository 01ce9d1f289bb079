"""Keyset pagination for registers: page N of a ten-year archive costs what page 1 costs (an
index range scan), where OFFSET would read and throw away every row before it.

The ordering must be unique (end with the primary key); a page is addressed by the values of the
ordering fields of the row it follows (``after``) or precedes (``before``), in an opaque token.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    object_list: list
    count: int
    next_token: str | None
    previous_token: str | None
    first: bool


def _encode(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(token: str, model, fields: list[tuple[str, bool]]) -> list | None:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, list) or len(raw) != len(fields):
            return None
        values = []
        for (name, _), value in zip(fields, raw, strict=True):
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            values.append(field.to_python(value))
        return values
    except (ValueError, TypeError, ValidationError, FieldDoesNotExist, UnicodeDecodeError):
        return None


def _after(fields: list[tuple[str, bool]], values: list, *, backwards: bool) -> Q:
    """Rows that come after ``values`` in the ordering (before them when ``backwards``)."""
    condition = Q(pk__in=[])
    for i, (name, desc) in enumerate(fields):
        step = Q(**{f"{n}": v for (n, _), v in zip(fields[:i], values[:i], strict=True)})
        later = (not desc) != backwards
        step &= Q(**{f"{name}__{'gt' if later else 'lt'}": values[i]})
        condition |= step
    return condition


@dataclass
class KeysetRead:
    """A page about to be read (``keyset_read``): the statement of its rows, ``size + 1`` of them
    to know whether more follow (None when a filter refused its input: nothing to read), and the
    page they make (``page``)."""

    rows: QuerySet | None
    counted: QuerySet
    fields: list[tuple[str, bool]]
    size: int
    values: list | None  # the token's row, None on the first page
    backwards: bool

    def needs_count(self, rows: list) -> bool:
        """Whether the page's count is a statement of its own: not for a first page with room to
        spare, which holds every row (most registers of a small company are one page)."""
        return self.rows is not None and not (self.values is None and len(rows) <= self.size)

    def shown(self, rows: list) -> list:
        """The rows the page shows, in the register's order."""
        return rows[: self.size][::-1] if self.backwards else rows[: self.size]

    def page(self, rows: list, count: int | None = None) -> KeysetPage:
        """The page of the rows its statement read; ``count``, when the page needs one
        (``needs_count``) and it was read already, else counted here."""
        if self.rows is None:
            return KeysetPage(object_list=[], count=0, next_token=None, previous_token=None, first=True)
        if self.backwards:
            has_next, has_previous = True, len(rows) > self.size
        else:
            has_next, has_previous = len(rows) > self.size, self.values is not None
        shown = self.shown(rows)
        if not self.needs_count(rows):
            count = len(shown)
        elif count is None:
            count = self.counted.count()

        def token_of(row) -> str:
            return _encode([getattr(row, name) for name, _ in self.fields])

        return KeysetPage(
            object_list=shown,
            count=count,
            next_token=token_of(shown[-1]) if shown and has_next else None,
            previous_token=token_of(shown[0]) if shown and has_previous else None,
            first=not has_previous,
        )


def keyset_read(
    queryset: QuerySet,
    ordering: tuple[str, ...],
    *,
    after: str = "",
    before: str = "",
    size: int = 50,
    read: Callable[[QuerySet], QuerySet] | None = None,
) -> KeysetRead:
    """The statement of one page of ``queryset`` in ``ordering``, after or before the row a token
    names, unread: a page can send it and write the rest while PostgreSQL reads (``qms.ahead``).
    Its rows are what ``read`` makes of the queryset (values rather than records, say: each row
    must still have the ordering's fields as attributes); the count is of the queryset itself."""
    fields = [(f.lstrip("-"), f.startswith("-")) for f in ordering]
    if queryset.query.is_empty():  # a filter refused its input (``none()``): nothing to read or write
        return KeysetRead(None, queryset, fields, size, None, False)
    model = queryset.model
    ordered = queryset.order_by(*ordering)
    if read is not None:
        ordered = read(ordered)
    token, backwards = (before, True) if before else (after, False)
    values = _decode(token, model, fields) if token else None
    if values is not None:
        ordered = ordered.filter(_after(fields, values, backwards=backwards))
    backwards = backwards and values is not None
    if backwards:
        reverse = [f[1:] if f.startswith("-") else f"-{f}" for f in ordering]
        ordered = ordered.order_by(*reverse)
    return KeysetRead(ordered[: size + 1], queryset, fields, size, values, backwards)


def keyset_page(
    queryset: QuerySet,
    ordering: tuple[str, ...],
    *,
    after: str = "",
    before: str = "",
    size: int = 50,
    read: Callable[[QuerySet], QuerySet] | None = None,
) -> KeysetPage:
    """One page of ``queryset`` in ``ordering`` (``keyset_read``), read now.

    Query contract: the page's rows in one statement (``size + 1`` rows, to know whether more
    follow), then the count in a second, unless the first page already holds every row."""
    plan = keyset_read(queryset, ordering, after=after, before=before, size=size, read=read)
    return plan.page([] if plan.rows is None else list(plan.rows))
