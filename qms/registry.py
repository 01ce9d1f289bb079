"""Finding records across modules: every record model, a model by its label, a record by the
reference (or the number) users quote."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db.models import Model


def record_models() -> list[type[Model]]:
    """Every concrete model built on the record kernel."""
    from .models import Record

    return [m for m in apps.get_models() if issubclass(m, Record) and not m._meta.abstract]


@cache
def child_models(record_model: type[Model]) -> tuple[type[Model], ...]:
    """Every child row model whose record is ``record_model`` (its parts, and their files)."""
    from .models import ChildRecord

    return tuple(
        m
        for m in apps.get_models()
        if issubclass(m, ChildRecord) and not m._meta.abstract and m.root_model() is record_model
    )


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
