"""Reads the kernel's pages assemble: a record's links as the user may see them, the records
the one search box finds. Every read takes the user and goes through ``qms.access``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.text import capfirst

from . import access
from .models import Record, RecordLink, User
from .scoped import read_once


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
        for obj in read_once(access.restrict(model._default_manager.filter(pk__in=ids), user)):
            resolved[(type_id, obj.pk)] = obj
    visible = [{"link": link, "other": resolved[other]} for link, other in pairs if other in resolved]
    return visible, len(pairs) - len(visible)


def linked_ids(records: Iterable[Record], model: type[Record]) -> set[int]:
    """The ids of ``model``'s rows linked either way to any of ``records``, whoever may read them
    (a check that something stands in the way, not a page). One query."""
    return set().union(*linked_by_record(records, model).values())


def linked_by_record(records: Iterable[Record], model: type[Record]) -> dict[tuple[int, int], set[int]]:
    """``linked_ids`` for each of ``records`` apart, by (content type id, pk): what each of a
    shipment's lots has linked to it, asked once for all of them. One query."""
    by_type: dict[int, set[int]] = {}
    for record in records:
        by_type.setdefault(ContentType.objects.get_for_model(record).pk, set()).add(record.pk)
    if not by_type:
        return {}
    kind = ContentType.objects.get_for_model(model).pk
    q = Q()
    for type_id, ids in by_type.items():
        q |= Q(source_type=type_id, source_id__in=ids, target_type=kind)
        q |= Q(target_type=type_id, target_id__in=ids, source_type=kind)
    found: dict[tuple[int, int], set[int]] = {}
    for source_type, source_id, target_type, target_id in RecordLink.objects.filter(q).values_list(
        "source_type", "source_id", "target_type", "target_id"
    ):
        if source_type == kind:
            found.setdefault((target_type, target_id), set()).add(source_id)
        else:
            found.setdefault((source_type, source_id), set()).add(target_id)
    return found


def linked_models(record: Record) -> set[type]:
    """The kinds of record linked to ``record`` either way, whoever may read them: an action
    offered only once (a finding raises one CAPA) is not offered again because its CAPA lies
    outside the reader's scope. One query."""
    ct = ContentType.objects.get_for_model(record)
    kinds = set()
    for source_type, source_id, target_type in RecordLink.objects.filter(_link_q(record)).values_list(
        "source_type", "source_id", "target_type"
    ):
        mine = source_type == ct.pk and source_id == record.pk
        kinds.add(target_type if mine else source_type)
    return {ContentType.objects.get_for_id(kind).model_class() for kind in kinds}


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


def _reference_pattern() -> tuple[re.Pattern | None, dict[str, type[Record]]]:
    from .registry import record_models

    by_prefix = {m.reference_prefix: m for m in record_models() if getattr(m, "reference_prefix", "")}
    if not by_prefix:
        return None, {}
    prefixes = "|".join(sorted(map(re.escape, by_prefix), key=len, reverse=True))
    one = rf"\b(?:{prefixes})-\d{{4}}-\d{{3,}}\b"
    # A run of references ("NCR-2026-0004, NCR-2026-0001 and NCR-2026-0007") is shortened as one.
    return re.compile(rf"{one}(?:(?:, | and |, and ){one})*"), by_prefix


def hide_references(texts: Iterable[str], user: User) -> dict[str, str]:
    """Each text (a history reason, a note) as ``user`` may read it: the reference numbers of
    records outside their scope are left out and counted ("Raised from NCR-2026-0004 and 1 record
    outside your view"), as links are. One query per kind of record named, whatever the number of
    texts."""
    pattern, by_prefix = _reference_pattern()
    texts = {t for t in texts if t}
    if pattern is None:
        return {t: t for t in texts}
    single = re.compile(r"\b([A-Z]+)-\d{4}-\d{3,}\b")
    named: dict[str, set[str]] = {}
    for text in texts:
        for match in single.finditer(text):
            if match.group(1) in by_prefix:
                named.setdefault(match.group(1), set()).add(match.group(0))
    visible: set[str] = set()
    for prefix, references in named.items():
        model = by_prefix[prefix]
        found = access.restrict(model._default_manager.filter(reference__in=references), user)
        visible.update(found.values_list("reference", flat=True))

    def shorten(run: re.Match) -> str:
        references = [m.group(0) for m in single.finditer(run.group(0))]
        shown = [r for r in references if r in visible]
        hidden = len(references) - len(shown)
        if not hidden:
            return run.group(0)
        outside = f"{hidden} record{'s' if hidden > 1 else ''} outside your view"
        return f"{', '.join(shown)} and {outside}" if shown else outside

    return {text: pattern.sub(shorten, text) for text in texts}


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
            found.append((searchable.label or capfirst(searchable.model._meta.verbose_name_plural), rows))
    return found
