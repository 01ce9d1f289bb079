"""One declaration per module. Each app ships ``<app>/module.py`` with ``MODULE = Module(...)``:
its menu entry and ISO clause, its pages' tabs, URL prefix, due-item providers, audit-pack
sections, demo loader, search, gates and where-used answers, what its records name, events, raise
actions, KPIs, importers and the route-walk builders of its tests. The kernel discovers modules from
``INSTALLED_APPS`` at start and names none of them: adding an app to ``INSTALLED_APPS`` is all
it takes to appear everywhere.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps

from . import events, gates, kpis, naming, raising, whereused
from .due import registry as due_registry

if TYPE_CHECKING:
    from django.db.models import Model

    from .auditpack import AuditScreen, AuditSection
    from .due import DueProvider
    from .imports import Importer
    from .widgets import PickerSource


@dataclass(frozen=True, slots=True)
class Searchable:
    """A model the one search box looks into, and the fields it matches (case-insensitive)."""

    model: type[Model]
    fields: tuple[str, ...] = ("reference", "title")
    label: str = ""  # "NCR"; the model's verbose name by default


@dataclass(frozen=True)
class Module:
    label: str | None  # menu entry; None: the module has no entry in the menu
    url_name: str = ""  # where the menu entry leads: "capa:capa_list"
    clause: str = ""  # the ISO 9001 clause it serves, shown beside the entry: "10.2"
    order: int = 100  # position in the menu
    url_prefix: str | None = None  # "" or "capa/"; by default the app label
    due: Sequence[DueProvider] = ()
    audit_sections: Sequence[AuditSection] = ()
    audit_screens: Sequence[AuditScreen] = ()  # a clause's evidence on a screen, not in the pack
    demo: Callable[..., None] | None = None  # demo(company: qms.demo.DemoCompany)
    search: Sequence[Searchable] = ()
    declares: Sequence[gates.Gate] = ()  # gates this module adds to the kernel's catalogue
    gates: Mapping[str, gates.Answer] = field(default_factory=dict)  # gate name -> answer
    where_used: Mapping[str, whereused.Answer] = field(default_factory=dict)  # model label -> answer
    # What a module's records name of another kind, by which field: a record linked to them names
    # it too (``qms.naming``): {"inspection.goodsreceipt": {"suppliers.supplier": "supplier"}}.
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    publishes: Sequence[events.EventType] = ()
    subscribes: Mapping[str, Sequence[events.Subscriber]] = field(default_factory=dict)
    observes: Sequence[events.Observer] = ()  # receive every event (outgoing webhooks)
    raise_actions: Sequence[raising.RaiseAction] = ()
    measures: Sequence[kpis.Measure] = ()
    importers: Sequence[Importer] = ()
    pickers: Mapping[type[Model], PickerSource] = field(default_factory=dict)  # long lists: a search box
    # The module's own pages, one click apart: (label, URL name), shown as tabs above each register
    # of the module and wherever its templates write ``{{ module_tabs }}``.
    tabs: Sequence[tuple[str, str]] = ()
    walk: str = ""  # dotted path of the module's route-walk builders (``tests/<app>/walk.py``)
    # Emails the module sends through the delivery ledger besides alerts, escalations and the
    # digest: kind -> label, shown and filtered in the email log (``{"scar": "SCAR to a supplier"}``).
    email_kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Installed:
    """A discovered module: its declaration and the app it belongs to."""

    module: Module
    app: AppConfig

    @property
    def prefix(self) -> str:
        prefix = self.module.url_prefix
        return f"{self.app.label}/" if prefix is None else prefix

    @property
    def urls(self) -> str | None:
        name = f"{self.app.name}.urls"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                return None
            raise
        return name


_installed: list[Installed] = []


def discover() -> None:
    """Find and install every app's ``module.py``; called once when the kernel app is ready. The
    app's ``services`` are imported too, so the workflow effects they register (``workflow.on``)
    are in place in every process, web, worker or command."""
    if _installed:
        return
    for config in apps.get_app_configs():
        declaration = _optional(f"{config.name}.module")
        if declaration is None:
            continue
        _optional(f"{config.name}.services")
        install(Installed(declaration.MODULE, config))


def _optional(name: str):
    """Import ``name`` if the app has it; an import error inside it is not hidden."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def install(entry: Installed) -> None:
    module = entry.module
    _installed.append(entry)
    for provider in module.due:
        due_registry.register(provider)
    for gate in module.declares:
        gates.declare(gate)
    for name, answer in module.gates.items():
        gates.answer(name, answer)
    for label, answer in module.where_used.items():
        whereused.register(label, answer)
    for label, named in module.names.items():
        for other, path in named.items():
            naming.declare(label, other, path)
    for event in module.publishes:
        events.declare(event)
    for name, subscribers in module.subscribes.items():
        for subscriber in subscribers if isinstance(subscribers, list | tuple) else [subscribers]:
            events.subscribe(name, subscriber)
    for observer in module.observes:
        events.observe(observer)
    for action in module.raise_actions:
        raising.register(action)
    for measure in module.measures:
        kpis.register(measure)
    if module.pickers:
        from .widgets import register_picker

        for model, source in module.pickers.items():
            register_picker(model, source)


def installed() -> list[Installed]:
    return list(_installed)


def menu() -> list[Module]:
    return sorted((i.module for i in _installed if i.module.label), key=lambda m: m.order)


def collect(attribute: str) -> list[Any]:
    """Every module's entries of one kind (``audit_sections``, ``search``, ``importers`` …), in
    the order of ``INSTALLED_APPS``."""
    return [item for i in _installed for item in getattr(i.module, attribute)]
