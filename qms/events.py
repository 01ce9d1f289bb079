"""Events between modules: "a revision became effective", "a supplier change was opened", "a
person took a job role". A module declares what it publishes and subscribes services to what
others publish, both in its ``module.py``; the kernel delivers each event to its subscribers
after the publishing transaction commits, each in a transaction of its own. Explicit and listed
in one place (``catalogue()``), unlike Django signals.

Contract: a payload holds plain values (ids, strings, dates), never model instances, because a
subscriber runs after commit and must read the rows as they were committed. A subscriber must be
safe to run twice with the same payload.

An *observer* (``observe``) receives every event, whatever its name, as an ``Occurrence``: the
name, the payload, when it was published and an id of its own, the same however often the
observer runs. Outgoing webhooks are one: they forward events to other systems, which
deduplicate on that id. ``EventType.records`` names the payload keys that are ids of records (and
their model), so an observer can read each through the scope of a user before passing it on.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

logger = logging.getLogger(__name__)

Subscriber = Callable[..., None]


@dataclass(frozen=True, slots=True)
class EventType:
    name: str  # "documents.revision_effective"
    description: str
    payload: tuple[str, ...] = ()  # the keyword arguments subscribers receive
    # Payload keys that are ids of records or child rows, and their model ("capa.nonconformity");
    # the first is what the event is about. A key may be None in a payload (a lot held through a
    # receipt names no production lot).
    records: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One publication of an event, as observers receive it."""

    id: uuid.UUID
    name: str
    at: dt.datetime
    payload: dict


Observer = Callable[[Occurrence], None]

_types: dict[str, EventType] = {}
_subscribers: dict[str, list[Subscriber]] = {}
_observers: list[Observer] = []


def declare(event: EventType) -> None:
    _types[event.name] = event


def subscribe(name: str, subscriber: Subscriber) -> None:
    found = _subscribers.setdefault(name, [])
    if subscriber not in found:
        found.append(subscriber)


def observe(observer: Observer) -> None:
    """Receive every event, after its transaction commits. The observer is called outside any
    transaction: one that writes opens its own (most events concern no observer, and asking
    costs one statement, not a transaction's three round trips)."""
    if observer not in _observers:
        _observers.append(observer)


def declared(name: str) -> EventType | None:
    return _types.get(name)


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
    if _observers:
        occurrence = Occurrence(uuid.uuid4(), name, timezone.now(), dict(payload))
        for observer in _observers:
            transaction.on_commit(partial(_deliver_occurrence, observer, occurrence))


def _deliver(name: str, subscriber: Subscriber, payload: dict) -> None:
    try:
        with transaction.atomic():
            subscriber(**payload)
    except Exception:  # noqa: BLE001 - one failing subscriber must not hide the event from others
        logger.exception(
            "event %s: subscriber %s failed", name, getattr(subscriber, "__qualname__", subscriber)
        )


def _deliver_occurrence(observer: Observer, occurrence: Occurrence) -> None:
    try:
        observer(occurrence)
    except Exception:  # noqa: BLE001 - as for subscribers: logged, never raised into the publisher
        logger.exception(
            "event %s: observer %s failed", occurrence.name, getattr(observer, "__qualname__", observer)
        )


def catalogue() -> list[tuple[EventType, list[str]]]:
    """Every declared event and the subscribers it reaches, for the docs and the admin."""
    return [
        (event, [f"{s.__module__}.{s.__qualname__}" for s in _subscribers.get(name, ())])
        for name, event in sorted(_types.items())
    ]


def observers() -> list[str]:
    """Who hears every event (``observe``), besides each event's own subscribers."""
    return [f"{o.__module__}.{o.__qualname__}" for o in _observers]


declare(
    EventType(
        "person.moved",
        "A person changed department (the administrator's user form): what is theirs follows them.",
        ("user_id", "from_department_id", "to_department_id", "by_id"),
    )
)
declare(
    EventType(
        "person.left",
        "A person's login was switched off (the administrator's user form), their open work handed over.",
        ("user_id", "successor_id", "by_id"),
    )
)
declare(
    EventType(
        "record.transition",
        "A record or a child row moved along its workflow.",
        ("model", "pk", "transition", "status", "by_id"),
        # ``model`` names the model of ``pk``: observers read it from the payload.
    )
)
