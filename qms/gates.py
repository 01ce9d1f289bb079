"""Gates: one API for every "may this happen?" question that crosses modules. May this person
do this process on that date? Was this gauge usable then? Was a supplier change open? A module
that knows answers a gate (in its ``module.py``); anyone may ask:

    refusals = gates.check("instrument_usable", on=day, instrument=gauge)

The answer is the list of reasons it may not happen; empty means yes. When no installed module
answers a gate, the one reason says the check could not be made (``checked=False``), so a caller
shows "not checked" instead of passing silently. Answers are given *on a date*, so a lot is
judged as things stood on its own dates.

A page asking one gate of many subjects (a shipment's lots) asks ``check_each`` once: an answer
that can read for many at once carries that form as its ``each`` attribute; any other is asked
one subject at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Gate:
    name: str
    question: str
    subject: tuple[str, ...]  # keyword arguments besides ``on``
    why: str = ""  # why it matters, for the page that shows a refusal


@dataclass(frozen=True, slots=True)
class Refusal:
    message: str
    url: str = ""  # where to fix it
    checked: bool = True  # False: no module could answer

    def __str__(self) -> str:
        return self.message


Answer = Callable[..., list[Refusal]]

_gates: dict[str, Gate] = {}
_answers: dict[str, Answer] = {}


def declare(gate: Gate) -> None:
    _gates[gate.name] = gate


def answer(name: str, fn: Answer) -> None:
    if name not in _gates:
        raise KeyError(f"gate {name!r} is not declared")
    _answers[name] = fn


def get(name: str) -> Gate:
    return _gates[name]


def answered(name: str) -> bool:
    return name in _answers


def check(name: str, *, on: dt.date, **subject) -> list[Refusal]:
    """The reasons ``name`` refuses for ``subject`` on the date ``on``; empty means it may."""
    check_subject(name, subject)
    gate, fn = _gates[name], _answers.get(name)
    if fn is None:
        return [Refusal(f"Not checked: no installed module answers “{gate.question}”", checked=False)]
    return list(fn(on=on, **subject))


def check_each(name: str, *, on: dt.date, subjects: Mapping[Hashable, dict]) -> dict[Hashable, list[Refusal]]:
    """``check(name, on=on, **subject)`` for each of ``subjects`` ({key: subject}), by key: in one
    reading when the answer has an ``each`` form ({key: subject} -> {key: refusals}), so a page
    of many subjects runs the gate's statements once, not once per subject."""
    fn = _answers.get(name)
    each = getattr(fn, "each", None)
    if each is None or not subjects:
        return {key: check(name, on=on, **subject) for key, subject in subjects.items()}
    for subject in subjects.values():
        check_subject(name, subject)
    found = each(on=on, subjects=subjects)
    return {key: list(found.get(key, ())) for key in subjects}


def check_subject(name: str, subject: Mapping) -> None:
    """Refuse a gate not declared, or a subject without the keyword arguments it needs."""
    gate = _gates.get(name)
    if gate is None:
        raise KeyError(f"gate {name!r} is not declared")
    missing = set(gate.subject) - set(subject)
    if missing:
        raise TypeError(f"gate {name!r} needs {sorted(missing)}")


def catalogue() -> list[tuple[Gate, bool]]:
    return [(gate, name in _answers) for name, gate in sorted(_gates.items())]


# The gates the kernel knows of; the modules that know the answers answer them.
for _gate in (
    Gate(
        "competence",
        "May this person do this work on that date?",
        ("person", "competence"),
        "Only a qualified person may perform or sign off the work (ISO 9001 7.2).",
    ),
    Gate(
        "instrument_usable",
        "Was this instrument usable for measuring on that date?",
        ("instrument",),
        "A measurement with an overdue, quarantined or suspect gauge proves nothing (7.1.5).",
    ),
    Gate(
        "supplier_change_open",
        "Was an unevaluated supplier change open for this supplier and part on that date?",
        ("supplier", "part"),
        "Material changed by a supplier must be evaluated before it is used (8.4).",
    ),
    Gate(
        "revision_effective",
        "Was this the effective revision on that date, acknowledged by the people named?",
        ("revision", "people"),
        "Work to an old drawing is the most common way a good shop ships bad parts (7.5.3).",
    ),
    Gate(
        "measurements_stand",
        "Do these measurements stand after the out-of-tolerance assessments of the gauges that took them?",
        ("names", "uses"),
        "What a gauge found out of tolerance measured since its last good calibration is suspect until "
        "its impact assessment decides it (7.1.5.2).",
    ),
    Gate(
        "nonconformity_undecided",
        "Does a nonconformity without a disposition name these records?",
        ("records", "names"),
        "Nonconforming output is kept from use and delivery until its disposition is decided (8.7).",
    ),
    Gate(
        "maintenance_in_order",
        "Was this machine's preventive maintenance in order on that date?",
        ("machine",),
        "Postponed maintenance is a cause waiting to happen (7.1.3).",
    ),
):
    declare(_gate)
