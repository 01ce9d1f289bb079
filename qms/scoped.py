"""What one piece of work asks for more than once, worked out once for it: a page reading many
measures (``qms.kpis.reading``), a request that changes nothing asking how its user stands to a
record (``qms.access.read_only_request``). Forgotten when the work ends, so the next reads fresh
data; outside one, every call works it out again. Per thread and task (a ``ContextVar``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


class ScopedCache:
    def __init__(self, name: str) -> None:
        self._found: ContextVar[dict | None] = ContextVar(name, default=None)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """A scope of its own (also a decorator); the one it was entered in is back after it."""
        token = self._found.set({})
        try:
            yield
        finally:
            self._found.reset(token)

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()``, or what it gave for ``key`` earlier in the same scope."""
        found = self._found.get()
        if found is None:
            return build()
        if key not in found:
            found[key] = build()
        return found[key]

    def get_many(self, keys: list, build: Callable[[list], dict]) -> list:
        """``get`` of several keys, those not worked out yet in the scope by one ``build(missing)``
        (a {key: value} of them): a shipment's lots read together, a lot its page read already
        not read again."""
        found = self._found.get()
        if found is None:
            built = build(list(keys))
            return [built[key] for key in keys]
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing:
            found.update(build(missing))
        return [found[key] for key in keys]


# While a request that changes nothing (GET, HEAD) is answered: ``qms.access.AccessMiddleware``
# enters it (``qms.access.read_only_request``). How each user stands to each record, and the rows
# that more than one part of a page reads by one statement (``read_once``), are read once for it.
read_only = ScopedCache("qms_read_only_request")


def read_once(queryset) -> list:
    """The rows of ``queryset``, read once while a request that changes nothing is answered
    (``read_only``): a form's two person fields naming the same person, a gate asked of a lot's
    drawing for each of its days, the records a page's links and its own list both name. By the
    statement's text and values; elsewhere, and for a queryset that prefetches, ``list(queryset)``."""
    from django.core.exceptions import EmptyResultSet

    if queryset._prefetch_related_lookups:
        return list(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
        key = ("rows", queryset.db, sql, tuple(params))
        hash(key)
    except EmptyResultSet:
        return []
    except TypeError:  # a value that is not hashable (a list of an array field): read as it is
        return list(queryset)
    return read_only.get(key, lambda: list(queryset))
