"""Events between modules: "a revision became effective", "a supplier change was opened", "a
person took a job role". A module declares what it publishes and subscribes services to what
others publish, both in its ``module.py``; the kernel delivers each event to its subscribers
after the publishing transaction commits, each in a transaction of its own. Explicit and listed
in one place (``catalogue()``), unlike Django signals.

Contract: a payload holds plain values (ids, strings, dates), never model instances, because a
subscriber runs after commit and must read the rows as they were committed. A subscriber must be
safe to run twice with the same payload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Model

logger = logging.getLogger(__name__)

Subscriber = Callable[..., None]


@dataclass(frozen=True, slots=True)
class EventType:
    name: str  # "documents.revision_effective"
    description: str
    payload: tuple[str, ...] = ()  # the keyword arguments subscribers receive


_types: dict[str, EventType] = {}
_subscribers: dict[str, list[Subscriber]] = {}


def declare(event: EventType) -> None:
    _types[event.name] = event


def subscribe(name: str, subscriber: Subscriber) -> None:
    found = _subscribers.setdefault(name, [])
    if subscriber not in found:
        found.append(subscriber)


def publish(name: str, **payload) -> None:
    """Queue delivery of the event to every subscriber once the current transaction commits."""
    event = _types.get(name)
    if event is None:
        raise KeyError(f"event {name!r} is not declared")
    missing = set(event.payload) - set(payload)
    if missing:
        raise TypeError(f"event {name!r} needs {sorted(missing)}")
    instances = sorted(k for k, v in payload.items() if isinstance(v, Model))
    if instances:
        raise TypeError(f"event {name!r}: pass ids, not model instances, for {instances}")
    for subscriber in _subscribers.get(name, ()):
        transaction.on_commit(partial(_deliver, name, subscriber, payload))


def _deliver(name: str, subscriber: Subscriber, payload: dict) -> None:
    try:
        with transaction.atomic():
            subscriber(**payload)
    except Exception:  # noqa: BLE001 - one failing subscriber must not hide the event from others
        logger.exception(
            "event %s: subscriber %s failed", name, getattr(subscriber, "__qualname__", subscriber)
        )


def catalogue() -> list[tuple[EventType, list[str]]]:
    """Every declared event and the subscribers it reaches, for the docs and the admin."""
    return [
        (event, [f"{s.__module__}.{s.__qualname__}" for s in _subscribers.get(name, ())])
        for name, event in sorted(_types.items())
    ]


declare(
    EventType(
        "record.transition",
        "A record or a child row moved along its workflow.",
        ("model", "pk", "transition", "status", "by_id"),
    )
)
