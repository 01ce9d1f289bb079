"""A recall decided by a gauge's out-of-tolerance impact assessment for a lot already released
or shipped is emailed to whoever must act on it: the quality managers, the lot's owner and the
owners of the shipments that carried it. Before, the decision was recorded and nobody was told."""

import pytest
from django.core import mail

from inspection import services
from notifications.delivery import deliveries_send
from notifications.models import Delivery
from qms.services import record_transition
from tests.factories import UserFactory
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def _shipped_lot_measured_with(gauge, *, owner, shipper):
    lot = f.lot(quantity=1000, owner=owner)
    inspection = f.inspect(lot, plan_=f.plan(), on=f.today())
    services.gauge_use_add(inspection=inspection, by=f.qm(), instrument=gauge)
    f.decide(inspection)
    record_transition(record=lot, name="finish", by=f.qm())
    lot.refresh_from_db()
    services.lot_release(lot=lot, by=f.qm())
    shipment = f.shipment(owner=shipper, customer="Meyer Pumps")
    services.shipment_line_add(shipment=shipment, by=f.qm(), lot=lot, quantity=lot.quantity)
    record_transition(record=shipment, name="ship", by=shipper)
    return lot, inspection, shipment


def test_a_recall_of_a_shipped_lot_emails_the_quality_manager_the_lot_owner_and_the_shipper(
    django_capture_on_commit_callbacks,
):
    from calibration.services import assessment_open, item_decide

    production = f.department("PROD", "Production")
    owner = UserFactory(department=production, email="lot.owner@example.com")
    shipper = UserFactory(department=f.department("WH", "Warehouse"), email="shipper@example.com")
    bystander = UserFactory(department=production, email="bystander@example.com")
    quality = f.qm()
    gauge = f.gauge()
    lot, inspection, shipment = _shipped_lot_measured_with(gauge, owner=owner, shipper=shipper)
    assessment = assessment_open(instrument=gauge, by=quality, until=f.today(), since=f.days(-1))
    items = {item.reference: item for item in assessment.items.all()}  # where-used: inspection, shipment

    with django_capture_on_commit_callbacks(execute=True):
        item_decide(affecteditem=items[shipment.reference], by=quality, decision="no_impact", reason="Sorted")
    assert not Delivery.objects.filter(kind="recall").exists()  # no recall, nobody emailed

    with django_capture_on_commit_callbacks(execute=True):
        item_decide(
            affecteditem=items[inspection.reference],
            by=quality,
            decision="recall",
            reason="Bore measured with the worn gauge",
        )
    sent = {d.to_email: d for d in Delivery.objects.filter(kind="recall")}
    assert set(sent) == {quality.email, owner.email, shipper.email}  # not the bystander
    mine = sent[shipper.email]
    assert lot.lot_number in mine.subject and "Recall" in mine.subject
    assert "Bore measured with the worn gauge" in mine.body_text and shipment.reference in mine.body_text
    assert f"you own shipment {shipment.reference}" in mine.body_text
    assert lot.get_absolute_url() in mine.body_html and assessment.reference in mine.body_text
    assert "you own the lot" in sent[owner.email].body_text

    deliveries_send()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(sent)

    # Decided again (a reason corrected): nobody is emailed twice.
    with django_capture_on_commit_callbacks(execute=True):
        item_decide(
            affecteditem=items[inspection.reference], by=quality, decision="recall", reason="Worn gauge"
        )
    assert Delivery.objects.filter(kind="recall").count() == 3 and bystander.email not in sent


def test_a_recall_of_a_lot_not_yet_released_emails_no_one(django_capture_on_commit_callbacks):
    """Release is refused anyway (the gauges check): nothing has left to recall."""
    from calibration.services import assessment_open, item_decide

    gauge = f.gauge()
    lot = f.lot(quantity=1000)
    inspection = f.inspect(lot, plan_=f.plan(), on=f.today())
    services.gauge_use_add(inspection=inspection, by=f.qm(), instrument=gauge)
    assessment = assessment_open(instrument=gauge, by=f.qm(), until=f.today(), since=f.days(-1))
    with django_capture_on_commit_callbacks(execute=True):
        for item in assessment.items.all():
            item_decide(affecteditem=item, by=f.qm(), decision="recall", reason="Worn gauge")
    assert not Delivery.objects.filter(kind="recall").exists()


def _released_lots_on_one_shipment(n: int, *, shipper, owners):
    shipment = f.shipment(owner=shipper, customer="Meyer Pumps")
    for _ in range(n):
        lot = f.lot(quantity=100, owner=UserFactory(department=owners))
        f.decide(f.inspect(lot, plan_=f.plan(), on=f.today()))
        record_transition(record=lot, name="finish", by=f.qm())
        lot.refresh_from_db()
        services.lot_release(lot=lot, by=f.qm())
        services.shipment_line_add(shipment=shipment, by=f.qm(), lot=lot, quantity=lot.quantity)
    return shipment


def test_a_recall_of_a_shipment_reads_the_same_few_statements_however_many_lots_it_carried():
    """Each lot's recipients were read with a statement of their own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inspection.services.recalls import lots_recalled

    production = f.department("PROD", "Production")
    warehouse = f.department("WH", "Warehouse")
    f.qm()
    counted = {}
    for n in (1, 4):
        shipment = _released_lots_on_one_shipment(
            n, shipper=UserFactory(department=warehouse), owners=production
        )
        with CaptureQueriesContext(connection) as ctx:
            lots_recalled(
                item_id=n,
                assessment_id=n,
                decision="recall",
                named=shipment.reference,
                item="Gauge",
                reason="Worn",
            )
        counted[n] = len(ctx.captured_queries)
        # Each lot's owner, the shipper and the quality manager, once per lot.
        assert Delivery.objects.filter(kind="recall", key__startswith=f"recall:{n}:").count() == n * 3
    assert counted[4] == counted[1], counted


def test_a_recall_decided_for_the_shipment_holds_the_lots_it_carried(django_capture_on_commit_callbacks):
    """The where-used list of a worn gauge names the shipment that carried a lot it measured; a
    recall decided there emailed the people but left the lot reading "Released"."""
    from calibration.services import assessment_open, item_decide
    from inspection.release import held

    shipper = UserFactory(department=f.department("WH", "Warehouse"))
    owner = UserFactory(department=f.department("PROD", "Production"))
    gauge = f.gauge()
    lot, inspection, shipment = _shipped_lot_measured_with(gauge, owner=owner, shipper=shipper)
    assessment = assessment_open(instrument=gauge, by=f.qm(), until=f.today(), since=f.days(-1))
    items = {item.reference: item for item in assessment.items.all()}
    item_decide(
        affecteditem=items[inspection.reference], by=f.qm(), decision="no_impact", reason="Re-measured"
    )
    # The shipment's item names the lot too: undecided, it holds the lot.
    lot.refresh_from_db()
    waiting = [h.message for h in held(lot)]
    assert len(waiting) == 1 and waiting[0].startswith(assessment.reference), waiting
    assert waiting[0].endswith(f"Shipped (suspect lot) {shipment.reference} waits for a decision"), waiting
    with django_capture_on_commit_callbacks(execute=True):
        item_decide(
            affecteditem=items[shipment.reference], by=f.qm(), decision="recall", reason="Customer lot"
        )
    lot.refresh_from_db()
    found = [h.message for h in held(lot)]
    assert len(found) == 1 and shipment.reference in found[0] and "is recalled" in found[0], found
    with django_capture_on_commit_callbacks(execute=True):
        item_decide(affecteditem=items[shipment.reference], by=f.qm(), decision="no_impact", reason="Sorted")
    lot.refresh_from_db()
    assert held(lot) == []
