"""Registries the modules plug into: navigation entries, record models, and audit-pack sections."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model


@dataclass(frozen=True)
class ModuleEntry:
    label: str
    url_name: str
    order: int = 100
    clause: str = ""


_modules: list[ModuleEntry] = []


def register_module(label: str, url_name: str, *, order: int = 100, clause: str = "") -> None:
    """Add a module to the navigation; a module not installed simply never registers."""
    if not any(m.url_name == url_name for m in _modules):
        _modules.append(ModuleEntry(label, url_name, order, clause))
        _modules.sort(key=lambda m: m.order)


def modules() -> list[ModuleEntry]:
    return list(_modules)


def record_models() -> list[type[Model]]:
    """Every concrete model built on the record kernel."""
    from .models import Record

    return [m for m in apps.get_models() if issubclass(m, Record) and not m._meta.abstract]


def model_by_label(label: str) -> type[Model] | None:
    for model in record_models():
        if model._meta.label_lower == label:
            return model
    return None


def find_by_reference(reference: str):
    """The record carrying this reference number, whichever module it belongs to."""
    text = reference.strip()
    reference = text.upper()
    for model in record_models():
        prefix = getattr(model, "reference_prefix", "")
        if prefix and reference.startswith(prefix + "-"):
            found = model.objects.filter(reference=reference).first()
            if found:
                return found
    # Then the numbers users quote (a document's DRW-40512), where a model declares one.
    for model in record_models():
        field = getattr(model, "quoted_reference_field", None)
        if field and text:
            found = model.objects.filter(**{f"{field}__iexact": text}).first()
            if found:
                return found
    return None
