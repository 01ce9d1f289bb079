"""The kernel gate ``nonconformity_undecided`` answered from the NCR register: does an NCR that
has no disposition yet name these records (linked to them, raised from them, or naming the lot
by its number)? The lots and inspection module asks it before a lot is released and before it
ships: nonconforming output is kept from use and delivery until someone decides what becomes of
it (ISO 9001 8.7). Its disposition (scrap, rework, use as is under concession, return) is the
decision; the NCR may stay open for its CAPA afterwards.

An NCR's disposition is a fact of today: the gate answers as things stand now, whatever day is
asked (release and shipping ask on the day they happen)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q

from qms import gates
from qms.selectors import linked_ids

from .models import Nonconformity


def nonconformity_undecided(*, on: dt.date, records, names) -> list[gates.Refusal]:
    """Gate: each NCR without a disposition that names one of ``records`` (a link either way) or
    one of ``names`` in its lot field refuses, naming it and what decides it."""
    named = Q()
    for name in (n.strip() for n in names if n and n.strip()):
        # "24-1187", or one of a list typed into the field ("24-1187, 24-1203"; "… / …").
        named |= Q(lot__iexact=name) | Q(lot__iregex=rf"(^|[,;/\s]){re.escape(name)}($|[,;/\s])")
    ids = linked_ids(list(records), Nonconformity)
    if not ids and not named:
        return []
    undecided = Nonconformity.objects.filter(Q(pk__in=ids) | named, status="open")
    return [
        gates.Refusal(
            f"{ncr.reference} “{ncr.title}” has no disposition yet: decide what becomes of the "
            "nonconforming parts (scrap, rework, use as is under concession, return to supplier).",
            ncr.get_absolute_url(),
        )
        for ncr in undecided.order_by("pk")
    ]


ANSWERS = {"nonconformity_undecided": nonconformity_undecided}
