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


# While a request that changes nothing (GET, HEAD) is answered: ``qms.access.AccessMiddleware``
# enters it (``qms.access.read_only_request``). How each user stands to each record, and the rows
# that more than one of a page's fields offer (``qms.widgets.read_once``), are read once for it.
read_only = ScopedCache("qms_read_only_request")
