"""A recall decided for a lot already released or shipped (ISO 9001 8.7, 7.1.5.2): an
out-of-tolerance assessment of a gauge decided Recall for the lot, one of its inspections or a
shipment that carried it. The people who must act are told by email, once each: the quality
managers, the lot's owner and the owners of the shipments that carried it. Calibration publishes
the decision (``calibration.item_decided``); this module knows the lots and answers it."""

from __future__ import annotations

import re
from collections import defaultdict

from django.db.models import Q
from django.template.loader import render_to_string

from notifications import conf as mail_conf
from notifications.delivery import Draft, deliveries_queue
from notifications.emails import mailable_users
from qms import access
from qms.models import Role, User

from ..models import ProductionLot, Shipment, ShipmentLine
from ..release import held_each

RECALL_EMAIL = "recall"
RECALL = "recall"  # calibration's decision, as its event names it


def _readable(shipments: list[Shipment], person: User) -> list[Shipment]:
    if not shipments or access.reads_every(person, Shipment):
        return shipments
    readable = set(
        access.restrict(Shipment.objects.filter(pk__in=[s.pk for s in shipments]), person).values_list(
            "pk", flat=True
        )
    )
    return [s for s in shipments if s.pk in readable]


def lots_recalled(
    *, item_id: int, assessment_id: int, decision: str, named: str, item: str, reason: str, **ignored
) -> None:
    """Email a recall of each released or shipped lot the decided item names (by its number or
    reference, one of its inspections, or a shipment that carried it) to whoever must act on it.
    Safe to run twice: one email per item, lot and person."""
    if decision != RECALL or not named:
        return
    lots = list(
        ProductionLot.objects.filter(status__in=("released", "shipped"))
        .filter(
            Q(lot_number__iexact=named)
            | Q(reference__iexact=named)
            | Q(inspections__reference__iexact=named)
            | Q(shipment_lines__shipment__reference__iexact=named)
        )
        .distinct()
        .select_related("owner")
        .order_by("pk")
    )
    if not lots:
        return
    carried_by: dict[int, set[int]] = defaultdict(set)
    for lot_id, shipment_id in ShipmentLine.objects.filter(lot__in=lots).values_list("lot_id", "shipment_id"):
        carried_by[lot_id].add(shipment_id)
    shipments = list(
        Shipment.objects.filter(pk__in=set().union(*carried_by.values()))
        .select_related("owner")
        .order_by("shipped_on", "pk")
    )
    held = held_each([lot.pk for lot in lots])
    owners = {lot.owner_id for lot in lots} | {s.owner_id for s in shipments}
    everyone = list(
        User.objects.filter(mailable_users())
        .filter(Q(role=Role.QUALITY_MANAGER) | Q(pk__in=owners))
        .order_by("pk")
    )
    drafts = []
    for lot in lots:
        carried = [s for s in shipments if s.pk in carried_by[lot.pk]]
        why = {lot.owner_id: "you own the lot"}
        for shipment in carried:
            why.setdefault(shipment.owner_id, f"you own shipment {shipment.reference}")
        people = [p for p in everyone if p.role == Role.QUALITY_MANAGER or p.pk in why]
        for person in people:
            context = {
                "lot": lot,
                "item": item,
                "reason": reason,
                # The shipments as the person's own pages list them (read through their scope).
                "shipments": _readable(carried, person),
                "held": held[lot.pk],
                "why": why.get(person.pk, "you are a quality manager"),
                "base_url": mail_conf.base_url(),
            }
            subject = render_to_string("inspection/email/recall_subject.txt", context)
            drafts.append(
                Draft(
                    kind=RECALL_EMAIL,
                    key=f"recall:{item_id}:{lot.pk}:{person.pk}",
                    topic=lot.reference,
                    recipient_id=person.pk,
                    to_email=person.email,
                    subject=re.sub(r"\s+", " ", subject).strip(),
                    body_text=render_to_string("inspection/email/recall_body.txt", context),
                    body_html=render_to_string("inspection/email/recall_body.html", context),
                )
            )
    deliveries_queue(drafts=drafts, about=f"Recall of {', '.join(lot.reference for lot in lots)}")
