"""Named through links: "which records of a kind does this record name?" An NCR raised from an
incoming inspection is linked to the inspection, not to the supplier; the inspection's receipt
names the supplier. The module that keeps a record declares which of its fields name a record of
another kind (``Module.names``: ``{"inspection.inspection": {"suppliers.supplier":
"receipt__supplier"}}``); the kernel follows a record's links one step, to the records linked to
it and to those they name. A SCAR raised from that NCR starts from that supplier.

It answers with primary keys, not records: the asking module reads them through its own
selectors, within the user's scope."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q

# The label of a record that names others -> {the label of those named: the field path to them}.
_paths: dict[str, dict[str, str]] = {}


def declare(label: str, named: str, path: str) -> None:
    """Records ``label`` name a record ``named`` through ``path`` ("receipt__supplier")."""
    _paths.setdefault(label, {})[named] = path


def named_ids(record: Model, model: type[Model]) -> set[int]:
    """The pks of the ``model`` records ``record`` is linked to, or names through a record linked to
    it. One query for the links, one per kind of linked record that names a ``model``."""
    from .models import RecordLink

    ct, wanted = ContentType.objects.get_for_model(record), model._meta.label_lower
    linked: dict[int, set[int]] = {}
    rows = RecordLink.objects.filter(
        Q(source_type=ct, source_id=record.pk) | Q(target_type=ct, target_id=record.pk)
    ).values_list("source_type_id", "source_id", "target_type_id", "target_id")
    for s_t, s_id, t_t, t_id in rows:
        other_type, other_id = (t_t, t_id) if (s_t, s_id) == (ct.pk, record.pk) else (s_t, s_id)
        linked.setdefault(other_type, set()).add(other_id)
    found: set[int] = set()
    for type_id, ids in linked.items():
        other = ContentType.objects.get_for_id(type_id).model_class()
        if other is model:
            found |= ids
        elif other is not None and (path := _paths.get(other._meta.label_lower, {}).get(wanted)):
            values = other._default_manager.filter(pk__in=ids, **{f"{path}__isnull": False})
            found |= set(values.values_list(path, flat=True))
    return found
