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


def keyset_page(
    queryset: QuerySet,
    ordering: tuple[str, ...],
    *,
    after: str = "",
    before: str = "",
    size: int = 50,
    read: Callable[[QuerySet], QuerySet] | None = None,
) -> KeysetPage:
    """One page of ``queryset`` in ``ordering``, after or before the row a token names; its
    rows are what ``read`` makes of the queryset (values rather than records, say: each row must
    still have the ordering's fields as attributes), the count is of the queryset itself.

    Query contract: the page's rows in one statement (``size + 1`` rows, to know whether more
    follow), then the count in a second, unless the first page already holds every row."""
    if queryset.query.is_empty():  # a filter refused its input (``none()``): nothing to read or write
        return KeysetPage(object_list=[], count=0, next_token=None, previous_token=None, first=True)
    fields = [(f.lstrip("-"), f.startswith("-")) for f in ordering]
    model = queryset.model
    ordered = queryset.order_by(*ordering)
    if read is not None:
        ordered = read(ordered)
    token, backwards = (before, True) if before else (after, False)
    values = _decode(token, model, fields) if token else None
    if values is not None:
        ordered = ordered.filter(_after(fields, values, backwards=backwards))
    if backwards and values is not None:
        reverse = [f[1:] if f.startswith("-") else f"-{f}" for f in ordering]
        rows = list(ordered.order_by(*reverse)[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        has_next, has_previous = True, more_before
    else:
        rows = list(ordered[: size + 1])
        has_next, has_previous = len(rows) > size, values is not None
        rows = rows[:size]
    # A first page with room to spare holds every row: it is the count (most registers of a small
    # company are one page, and a COUNT is a statement of its own).
    count = len(rows) if values is None and not has_next else queryset.count()

    def token_of(row) -> str:
        return _encode([getattr(row, name) for name, _ in fields])

    return KeysetPage(
        object_list=rows,
        count=count,
        next_token=token_of(rows[-1]) if rows and has_next else None,
        previous_token=token_of(rows[0]) if rows and has_previous else None,
        first=not has_previous,
    )
