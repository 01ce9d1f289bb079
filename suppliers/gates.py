"""The kernel gate ``supplier_change_open`` answered from the change notifications: was a change
at this supplier, affecting this part, open (not approved or rejected) on the date asked? The
lots and inspection module asks it before it releases a lot of the supplier's material, with the
lot's own dates, so a lot is judged as things stood then."""

from __future__ import annotations

import datetime as dt

from django.db.models import Model, Q

from qms import gates

from .models import Supplier, SupplierChange


def _supplier_id(supplier) -> int | None:
    if isinstance(supplier, Supplier):
        return supplier.pk
    if isinstance(supplier, int | str) and str(supplier).isdigit():
        return int(supplier)
    return None


def _linked_change_ids(target: Model) -> set[int]:
    """Changes linked to ``target`` (a drawing the change affects), whichever side the link is on."""
    from django.contrib.contenttypes.models import ContentType

    from qms.models import RecordLink

    change_type = ContentType.objects.get_for_model(SupplierChange)
    target_type = ContentType.objects.get_for_model(target)
    links = RecordLink.objects.filter(
        Q(source_type=change_type, target_type=target_type, target_id=target.pk)
        | Q(target_type=change_type, source_type=target_type, source_id=target.pk)
    ).values_list("source_type_id", "source_id", "target_id")
    return {src_id if st == change_type.pk else tgt_id for st, src_id, tgt_id in links}


def open_changes(*, on: dt.date, supplier, part) -> list[SupplierChange]:
    """The changes at the supplier open on ``on`` that affect ``part``: a part number or a part
    described at more length (text), or a record the change is linked to (a drawing). A change
    is open from its first changed delivery (else the day we learned of it) until the day it was
    approved or rejected."""
    supplier_id = _supplier_id(supplier)
    if supplier_id is None:
        return []
    candidates = (
        SupplierChange.objects.filter(supplier_id=supplier_id)
        .filter(Q(effective_from__lte=on) | Q(effective_from__isnull=True, received_on__lte=on))
        .filter(Q(decided_on__isnull=True) | Q(decided_on__gt=on))
        .exclude(status__in=("approved", "rejected"), decided_on__isnull=True)
        .select_related("supplier")
        .order_by("received_on", "pk")
    )
    if isinstance(part, Model):
        linked = _linked_change_ids(part)
        return [c for c in candidates if c.pk in linked or c.affects(str(part))]
    return [c for c in candidates if c.affects(str(part or ""))]


def supplier_change_open(
    *, on: dt.date, supplier, part, delivered_on: dt.date | None = None
) -> list[gates.Refusal]:
    """Gate: an open change at the supplier affecting the part refuses, naming the change. Asked
    of a delivery (``delivered_on``, the day it was received), a change whose first changed
    delivery came later does not: that material was made before the change."""
    refusals = []
    for change in open_changes(on=on, supplier=supplier, part=part):
        if (
            delivered_on is not None
            and change.effective_from is not None
            and change.effective_from > delivered_on
        ):
            continue
        state = "not evaluated" if change.status == "recorded" else "evaluated, not approved"
        refusals.append(
            gates.Refusal(
                f"{change.reference}: {change.supplier} {change.get_kind_display().lower()} change "
                f"({state}) was open on {on:%-d %b %Y} for {part}.",
                change.get_absolute_url(),
            )
        )
    return refusals


ANSWERS = {"supplier_change_open": supplier_change_open}
