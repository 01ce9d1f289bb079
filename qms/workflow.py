"""Declared workflows. Each record model and each child row with a lifecycle declares its statuses
and allowed transitions (and who may perform each); ``qms.services.transition`` is the one service
that moves either.

A workflow is declarative and has no side effects: guards only read. What a transition *does*
beyond changing the status (stamping who closed it, planning the next check) is registered by the
module's services with ``workflow.on("close")``, so models never write and never import services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from .models import User

# A guard returns an error message when the transition is not allowed right now, else None.
Guard = Callable[["Model"], str | None]
# An effect runs inside the transition's transaction, after the status changed and before the
# row is saved: effect(obj, *, by, reason, old_status, **kwargs). It may refuse with TransitionError.
Effect = Callable[..., None]
# The effects of creating a record are kept under this name (no transition is called so).
CREATED = "+created"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    # Who may perform it: relations from qms.access.relations ("owner", "head", "quality",
    # "steward", "assignee" for a child's assignee, or a module's own such as "verifier").
    allowed: frozenset[str] = frozenset({"owner", "head", "quality"})
    reason_required: bool = False
    guards: tuple[Guard, ...] = ()
    style: str = "primary"  # button colour in the interface
    # Performed through a form of its own (it needs more than a reason), not a plain button.
    form: bool = False
    # Asks for confirmation before it is done (a destructive step such as "Make obsolete").
    confirm: str = ""
    # What the user is told when a required reason is missing ("Say why the action is cancelled.").
    reason_prompt: str = ""
    # A child row's step that may still happen once its record is closed (an effectiveness check
    # is judged months after its CAPA closed); every other step waits until the record is reopened.
    while_record_closed: bool = False


@dataclass
class Workflow:
    statuses: list[tuple[str, str]]
    transitions: list[Transition]
    initial: str
    closed: frozenset[str] = field(default_factory=frozenset)
    _effects: dict[str, list[Effect]] = field(default_factory=dict, repr=False, compare=False)

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

    @property
    def open(self) -> list[str]:
        """The statuses that are not closed, in their order: ``status__in=workflow.open`` is the
        predicate of a partial index on open rows, which ``exclude(status__in=closed)`` is not."""
        return [s for s, _ in self.statuses if s not in self.closed]

    def get(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def between(self, source: str, target: str) -> Transition | None:
        """The transition that moves from ``source`` to ``target`` (a status chosen in a form)."""
        return next((t for t in self.transitions if source in t.sources and t.target == target), None)

    def step_from(self, name: str, status: str, *, what: str = "record") -> Transition:
        """The transition ``name`` out of ``status``; a TransitionError saying so when there is none
        (``what`` names the thing moved in that message: "record", "revision")."""
        step = self.get(name)
        if step is None or status not in step.sources:
            raise TransitionError(
                f"“{step.label if step else name}” is not possible while the {what}'s status is "
                f"“{self.label(status)}”."
            )
        return step

    def from_status(self, status: str) -> Iterable[Transition]:
        return [t for t in self.transitions if status in t.sources]

    def available(self, obj: Model, user: User) -> list[Transition]:
        """Transitions the user could perform from the current status (guards unchecked)."""
        from .access import relations

        rel = relations(user, obj)
        status = getattr(obj, getattr(obj, "status_field", "status"))
        return [t for t in self.from_status(status) if t.allowed & rel]

    def buttons(self, obj: Model, user: User) -> list[Transition]:
        """The available transitions that are plain buttons (not performed through a form), less
        those the object refuses this user (``refused``): no button that would be refused."""
        return [t for t in self.available(obj, user) if not t.form and not self.refused(obj, t.name, user)]

    @staticmethod
    def refused(obj: Model, name: str, user: User) -> str | None:
        """Why ``user`` may not take transition ``name`` of ``obj`` although their role may: the
        object's ``transition_refused(name, user)`` (who asked for a postponement does not
        approve it), or None."""
        ask = getattr(obj, "transition_refused", None)
        return ask(name, user) if ask is not None else None

    # --- effects, registered by services ------------------------------------------------------

    def on(self, *names: str) -> Callable[[Effect], Effect]:
        """Decorator for a service function: run it when any of the named transitions happens."""
        unknown = [n for n in names if self.get(n) is None]
        assert not unknown, f"no such transition: {unknown}"

        def register(fn: Effect) -> Effect:
            for name in names:
                effects = self._effects.setdefault(name, [])
                if fn not in effects:
                    effects.append(fn)
            return fn

        return register

    def effects(self, name: str) -> list[Effect]:
        return list(self._effects.get(name, ()))

    def on_create(self, fn: Effect) -> Effect:
        """Decorator for a service function: run it when a record of this workflow is created
        (``qms.services.record_create``), after it is saved: effect(record, *, by). An NCR raised
        from any module tells whoever subscribed."""
        effects = self._effects.setdefault(CREATED, [])
        if fn not in effects:
            effects.append(fn)
        return fn


class TransitionError(Exception):
    """A refused transition; the message is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.field = field
