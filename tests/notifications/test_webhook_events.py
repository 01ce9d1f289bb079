"""The events the issue names, published by the modules' services and forwarded by a webhook: a
lot released, a lot held (an inspection rejected it, or a receipt rejected by hand)."""

import json

import pytest

from inspection import services
from notifications.webhooks import webhook_create
from qms.services import record_transition
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db
EVENTS = ["inspection.lot_held", "inspection.lot_released"]


@pytest.fixture
def erp(admin_user, receiver, eager):
    webhook_create(by=admin_user, name="ERP", url=receiver.url, events=EVENTS, run_as=f.qm())
    return receiver


def bodies(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests]


def test_a_released_lot_is_an_event(erp, django_capture_on_commit_callbacks):
    plan, lot = f.plan(), f.lot(quantity=1000)
    f.decide(f.inspect(lot, plan_=plan, on=f.today()))
    record_transition(record=lot, name="finish", by=f.qm())
    with django_capture_on_commit_callbacks(execute=True):
        services.lot_release(lot=lot, by=f.qm())
    [body] = bodies(erp)
    assert body["event"] == "inspection.lot_released" and body["data"] == {"lot_id": lot.pk}
    assert body["records"]["lot_id"]["reference"] == lot.reference
    assert body["records"]["lot_id"]["status"] == "released"


def test_a_lot_an_inspection_rejects_is_held(erp, django_capture_on_commit_callbacks):
    plan, lot = f.plan(), f.lot(quantity=1000)
    inspection = f.inspect(lot, plan_=plan, nonconforming=20)
    with django_capture_on_commit_callbacks(execute=True):
        f.decide(inspection)
    assert inspection.status == "rejected"
    [body] = bodies(erp)
    assert body["event"] == "inspection.lot_held"
    assert body["data"] == {
        "lot_id": lot.pk,
        "receipt_id": None,
        "inspection_id": inspection.pk,
        "reason": f"{inspection.reference}: rejected",
    }
    assert set(body["records"]) == {"lot_id", "inspection_id"}


def test_a_receipt_rejected_by_hand_is_held(erp, django_capture_on_commit_callbacks):
    receipt = f.receipt(quantity=100)
    with django_capture_on_commit_callbacks(execute=True):
        record_transition(record=receipt, name="reject", by=f.qm(), reason="Rust on the bars")
    [body] = bodies(erp)
    assert body["data"] == {
        "lot_id": None,
        "receipt_id": receipt.pk,
        "inspection_id": None,
        "reason": "Rust on the bars",
    }
    assert body["records"]["receipt_id"]["status"] == "rejected"


def test_a_revision_effective_is_forwarded_with_its_document(
    admin_user, quality_manager, head, dept, receiver, eager, django_capture_on_commit_callbacks
):
    from tests.documents.factories import DocumentFactory, issue

    webhook_create(
        by=admin_user,
        name="MES",
        url=receiver.url,
        events=["documents.revision_effective"],
        run_as=head,
    )
    document = DocumentFactory(owner=head, department=dept)
    with django_capture_on_commit_callbacks(execute=True):
        revision = issue(document, quality_manager, by=head)
    assert revision.status == "effective"
    [body] = bodies(receiver)
    assert body["data"] == {"revision_id": revision.pk, "document_id": document.pk}
    assert body["records"]["document_id"]["reference"] == document.reference
    assert body["records"]["revision_id"]["record"] == document.reference
    assert body["records"]["revision_id"]["status"] == "effective"
