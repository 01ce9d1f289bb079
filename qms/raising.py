"""Raise from here: any record can offer "raise an NCR / a CAPA from this", prefilled and linked
both ways. The module that owns the new kind of record registers the action (in its
``module.py``); every record page shows the actions the user may take, and the kernel's create
view fills the form from the source and links the new record to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True, slots=True)
class RaiseAction:
    key: str  # "capa.ncr"
    label: str  # "Raise an NCR"
    url_name: str  # the create view of the new record: "capa:nonconformity_create"
    model: type  # the kind of record it creates
    prefill: Callable[[Any], dict]  # initial form values from the source record
    # Which sources offer it (model labels); empty: every record.
    sources: tuple[str, ...] = ()
    # Offered only until the source has a record of this kind linked (a finding raises one CAPA;
    # a gauge may raise an NCR every time it is found out of tolerance).
    once: bool = False
    # For ``once``: whether the source has its record already by a relation of its own, besides a
    # kernel link (a CAPA naming the NCR among its nonconformities).
    has_one: Callable[[Any], bool] | None = None

    def url_for(self, source) -> str:
        return reverse(self.url_name) + f"?from={source._meta.label_lower}:{source.pk}"


_actions: dict[str, RaiseAction] = {}


def register(action: RaiseAction) -> None:
    _actions[action.key] = action


def actions_for(source) -> list[RaiseAction]:
    label = source._meta.label_lower
    return [a for a in _actions.values() if not a.sources or label in a.sources]


def for_model(model: type, source) -> RaiseAction | None:
    """The action that raises a ``model`` record from ``source``, if one is offered."""
    return next((a for a in actions_for(source) if a.model is model), None)
