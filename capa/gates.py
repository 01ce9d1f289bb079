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

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from qms import gates
from qms.selectors import linked_by_record

from .models import Nonconformity


def _names(names) -> list[str]:
    return [n.strip() for n in names if n and n.strip()]


def _names_q(names: list[str]) -> Q:
    named = Q()
    for name in names:
        # "24-1187", or one of a list typed into the field ("24-1187, 24-1203"; "… / …").
        named |= Q(lot__iexact=name) | Q(lot__iregex=rf"(^|[,;/\s]){re.escape(name)}($|[,;/\s])")
    return named


def _names_lot(ncr: Nonconformity, names: list[str]) -> bool:
    """``_names_q`` of one NCR already read: does its lot field name one of ``names``?"""
    lot = ncr.lot or ""
    return any(
        lot.lower() == name.lower()
        or re.search(rf"(^|[,;/\s]){re.escape(name)}($|[,;/\s])", lot, re.IGNORECASE)
        for name in names
    )


def _refusal(ncr: Nonconformity) -> gates.Refusal:
    return gates.Refusal(
        f"{ncr.reference} “{ncr.title}” has no disposition yet: decide what becomes of the "
        "nonconforming parts (scrap, rework, use as is under concession, return to supplier).",
        ncr.get_absolute_url(),
    )


def nonconformity_undecided(*, on: dt.date, records, names) -> list[gates.Refusal]:
    """Gate: each NCR without a disposition that names one of ``records`` (a link either way) or
    one of ``names`` in its lot field refuses, naming it and what decides it."""
    return nonconformity_undecided_each(on=on, subjects={0: {"records": records, "names": names}})[0]


def nonconformity_undecided_each(*, on: dt.date, subjects: dict) -> dict:
    """The gate for many subjects ({key: {records, names}}) in one reading: the links of all
    their records and the undecided NCRs naming any of them, then each NCR given to the subjects
    it names. Two queries, however many subjects."""
    subjects = {key: (list(s["records"]), _names(s["names"])) for key, s in subjects.items()}
    links = linked_by_record([r for records, _ in subjects.values() for r in records], Nonconformity)
    ids = set().union(*links.values())
    named = _names_q(sorted({n for _, names in subjects.values() for n in names}))
    if not ids and not named:
        return {key: [] for key in subjects}
    undecided = list(Nonconformity.objects.filter(Q(pk__in=ids) | named, status="open").order_by("pk"))
    found = {}
    for key, (records, names) in subjects.items():
        linked = set().union(
            *(links.get((ContentType.objects.get_for_model(r).pk, r.pk), set()) for r in records)
        )
        found[key] = [_refusal(ncr) for ncr in undecided if ncr.pk in linked or _names_lot(ncr, names)]
    return found


nonconformity_undecided.each = nonconformity_undecided_each
ANSWERS = {"nonconformity_undecided": nonconformity_undecided}
