"""Reads the kernel's pages assemble: a record's links as the user may see them, the records
the one search box finds. Every read takes the user and goes through ``qms.access``."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from . import access
from .models import Record, RecordLink, User


def _link_q(record: Record) -> Q:
    ct = ContentType.objects.get_for_model(record)
    return Q(source_type=ct, source_id=record.pk) | Q(target_type=ct, target_id=record.pk)


def links_of(record: Record, user: User) -> tuple[list[dict], int]:
    """Links from and to the record, resolved to the other record, and how many point at records
    outside the user's scope: those are only counted, their reference and title are not theirs to
    read. A constant number of queries per kind of linked record."""
    ct = ContentType.objects.get_for_model(record)
    links = list(RecordLink.objects.filter(_link_q(record)).select_related("created_by"))
    by_type: dict[int, set[int]] = {}
    pairs = []
    for link in links:
        if link.source_type_id == ct.pk and link.source_id == record.pk:
            other = (link.target_type_id, link.target_id)
        else:
            other = (link.source_type_id, link.source_id)
        by_type.setdefault(other[0], set()).add(other[1])
        pairs.append((link, other))
    resolved: dict[tuple[int, int], Any] = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        for obj in access.restrict(model._default_manager.filter(pk__in=ids), user):
            resolved[(type_id, obj.pk)] = obj
    visible = [{"link": link, "other": resolved[other]} for link, other in pairs if other in resolved]
    return visible, len(pairs) - len(visible)


def visible_references(records, user: User) -> tuple[list, int]:
    """Of ``records`` (one model), those the user may see, and how many more there are: for a
    sentence such as "Raised from NCR-2026-0004 and 1 record outside your view"."""
    records = list(records)
    if not records:
        return [], 0
    model = type(records[0])
    seen = set(
        access.restrict(model._default_manager.filter(pk__in=[r.pk for r in records]), user).values_list(
            "pk", flat=True
        )
    )
    shown = [r for r in records if r.pk in seen]
    return shown, len(records) - len(shown)


def search(text: str, user: User, *, limit: int = 10) -> list[tuple[str, list]]:
    """Records matching ``text`` in the fields each module declares searchable (reference,
    number, title), per kind of record, as the user may see them."""
    from .modules import collect

    text = text.replace("\x00", "").strip()
    if not text:
        return []
    found = []
    for searchable in collect("search"):
        q = Q()
        for field in searchable.fields:
            q |= Q(**{f"{field}__icontains": text})
        rows = list(access.restrict(searchable.model.objects.filter(q), user).order_by("-pk")[: limit + 1])
        if rows:
            found.append((searchable.label or searchable.model._meta.verbose_name_plural.capitalize(), rows))
    return found
