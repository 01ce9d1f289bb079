"""Declared workflows. Each record model declares its statuses and allowed transitions (and who
may perform each); ``qms.services.record_transition`` is the one service that moves a record."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Record, User

# A guard returns an error message when the transition is not allowed right now, else None.
Guard = Callable[["Record"], str | None]
# An effect runs inside the transition's transaction after the status changed.
Effect = Callable[..., None]


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    # Who may perform it: relations from qms.access.relations ("owner", "head", "quality", ...).
    allowed: frozenset[str] = frozenset({"owner", "head", "quality"})
    reason_required: bool = False
    guards: tuple[Guard, ...] = ()
    effect: Effect | None = None
    style: str = "primary"  # button colour in the interface


@dataclass
class Workflow:
    statuses: list[tuple[str, str]]
    transitions: list[Transition]
    initial: str
    closed: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        known = {s for s, _ in self.statuses}
        assert self.initial in known, self.initial
        for t in self.transitions:
            assert t.target in known and set(t.sources) <= known, t.name
        self.closed = frozenset(self.closed)

    def label(self, status: str) -> str:
        return dict(self.statuses).get(status, status)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return list(self.statuses)

    def get(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def from_status(self, status: str) -> Iterable[Transition]:
        return [t for t in self.transitions if status in t.sources]

    def available(self, record: Record, user: User) -> list[Transition]:
        """Transitions the user could perform from the record's current status (guards unchecked)."""
        from .access import relations

        rel = relations(user, record)
        return [t for t in self.from_status(record.status) if t.allowed & rel]


class TransitionError(Exception):
    """A refused transition; the message is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.field = field
