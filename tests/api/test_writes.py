"""Writes through the screens' forms and services: rules, history and reasons hold; a retried
POST with its Idempotency-Key creates one record."""

import pytest

from capa.models import Nonconformity
from inspection.models import GoodsReceipt, ProductionLot, Shipment
from tests.capa.factories import NonconformityFactory
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def receipt_body(supplier_, **extra):
    return {
        "title": "Bar stock 42CrMo4",
        "supplier": supplier_.pk,
        "part_number": "BAR-42",
        "po_reference": "PO-7781",
        "quantity": 500,
        "received_on": f.today().isoformat(),
        "supplier_lot": "H-2231",
        **extra,
    }


def test_an_erp_posts_a_goods_receipt(api_for, head):
    supplier = f.supplier()
    response = api_for(head).post("/api/v1/goods-receipts/", receipt_body(supplier))
    assert response.status_code == 201, response.content
    data = response.json()
    receipt = GoodsReceipt.objects.get(pk=data["id"])
    assert data["reference"] == receipt.reference and data["status"] == "received"
    assert receipt.owner == head and receipt.department == head.department  # as the screen's form starts
    assert response["Location"].endswith(f"/api/v1/goods-receipts/{receipt.pk}/")
    assert receipt.history.first().history_user == head


def test_field_errors_come_back_per_field_and_nothing_is_saved(api_for, head):
    supplier = f.supplier()
    body = receipt_body(supplier, quantity=0, received_on="31.02.2026", supplier=999999, colour="red")
    response = api_for(head).post("/api/v1/goods-receipts/", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"colour"}  # unknown fields are refused before anything else
    del body["colour"]
    error = api_for(head).post("/api/v1/goods-receipts/", body).json()["error"]
    assert {"quantity", "received_on", "supplier"} <= set(error["fields"])
    assert not GoodsReceipt.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        [1, 2, 3],
        "a string",
        {"title": {"nested": "object"}},
        {"quantity": [1, 2]},
        {"received_on": 20260101},
        {"title": True},
        {"quantity": False},
        {"title": "\x00"},
        {"quantity": 10**30},
        {"supplier": -1},
    ],
)
def test_hostile_bodies_are_400s_never_500s(api_for, head, body):
    response = api_for(head).post("/api/v1/goods-receipts/", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_broken_json_is_a_400_in_the_error_shape(api_for, head):
    api = api_for(head)
    response = api.client.post("/api/v1/goods-receipts/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    response = api.client.post(
        "/api/v1/goods-receipts/", "a=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"


def test_staff_may_not_create_receipts_as_on_the_screen(api_for, staff):
    response = api_for(staff).post("/api/v1/goods-receipts/", receipt_body(f.supplier()))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_auditors_token_reads_but_never_writes(api_for, auditor, head):
    supplier = f.supplier()
    api = api_for(auditor)
    assert api.get("/api/v1/goods-receipts/").status_code == 200
    response = api.post("/api/v1/goods-receipts/", receipt_body(supplier))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Auditors have read-only access."
    assert not GoodsReceipt.objects.exists()


def test_a_retried_post_with_the_same_key_creates_one_receipt(api_for, head):
    api, body = api_for(head), receipt_body(f.supplier())
    first = api.post("/api/v1/goods-receipts/", body, **{"Idempotency-Key": "erp-4711"})
    again = api.post("/api/v1/goods-receipts/", body, **{"Idempotency-Key": "erp-4711"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert GoodsReceipt.objects.count() == 1
    other = api.post("/api/v1/goods-receipts/", body, **{"Idempotency-Key": "erp-4712"})
    assert other.status_code == 201 and GoodsReceipt.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(api_for, head):
    api, supplier = api_for(head), f.supplier()
    api.post("/api/v1/goods-receipts/", receipt_body(supplier), **{"Idempotency-Key": "erp-1"})
    response = api.post(
        "/api/v1/goods-receipts/", receipt_body(supplier, quantity=7), **{"Idempotency-Key": "erp-1"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert GoodsReceipt.objects.count() == 1


def test_a_refused_post_keeps_its_key_free_for_the_corrected_retry(api_for, head):
    api, supplier = api_for(head), f.supplier()
    assert (
        api.post(
            "/api/v1/goods-receipts/", receipt_body(supplier, quantity=0), **{"Idempotency-Key": "k"}
        ).status_code
        == 400
    )
    assert (
        api.post("/api/v1/goods-receipts/", receipt_body(supplier), **{"Idempotency-Key": "k"}).status_code
        == 201
    )


def test_keys_are_per_user(api_for, head, quality_manager):
    supplier = f.supplier()
    api_for(head).post("/api/v1/goods-receipts/", receipt_body(supplier), **{"Idempotency-Key": "same"})
    body = receipt_body(supplier, department=head.department_id)
    response = api_for(quality_manager).post("/api/v1/goods-receipts/", body, **{"Idempotency-Key": "same"})
    assert response.status_code == 201 and GoodsReceipt.objects.count() == 2


def test_an_ncr_is_raised_but_dispositioned_only_on_its_page(api_for, head):
    """Raising an NCR is an integration's job; its disposition (scrap, rework, use as is) is a
    decision with a form of its own on the NCR's page, not a bare step."""
    api = api_for(head)
    response = api.post(
        "/api/v1/ncrs/",
        {
            "title": "Bore oversize on lot 24-0007",
            "severity": "major",
            "description": "12 of 50 parts at 12.03",
        },
    )
    assert response.status_code == 201, response.content
    ncr = Nonconformity.objects.get(pk=response.json()["id"])
    assert (ncr.severity, ncr.source, ncr.owner, ncr.department) == (
        "major",
        "internal",
        head,
        head.department,
    )
    unknown = api.post(f"/api/v1/ncrs/{ncr.pk}/transitions/", {"name": "explode"})
    assert unknown.status_code == 400 and "disposition" in unknown.json()["error"]["fields"]["name"][0]
    form_step = api.post(f"/api/v1/ncrs/{ncr.pk}/transitions/", {"name": "disposition"})
    assert form_step.status_code == 400 and "form" in form_step.json()["error"]["message"]
    assert Nonconformity.objects.get(pk=ncr.pk).status == "open"


def test_a_lot_is_finished_with_the_reason_from_the_header(api_for, quality_manager):
    lot = f.lot(owner=quality_manager)
    api = api_for(quality_manager)
    response = api.post(
        f"/api/v1/production-lots/{lot.pk}/transitions/",
        {"name": "finish"},
        **{"X-Change-Reason": "MES: last part off the line"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "finished"
    lot.refresh_from_db()
    assert lot.history.first().history_change_reason == "MES: last part off the line"
    refused = api.post(f"/api/v1/production-lots/{lot.pk}/transitions/", {"name": "reopen"})
    assert refused.status_code == 400 and "reason" in str(refused.json()["error"]).lower()
    assert ProductionLot.objects.get(pk=lot.pk).status == "finished"


def test_a_shipment_cannot_ship_an_unreleased_lot(api_for, quality_manager, dept):
    api = api_for(quality_manager)
    body = {"title": "Delivery 881", "customer": "Meyer Pumps", "department": dept.pk}
    response = api.post("/api/v1/shipments/", body)
    assert response.status_code == 201, response.content
    shipment = response.json()["id"]
    unreleased = f.lot(owner=quality_manager)
    line = api.post(f"/api/v1/shipments/{shipment}/lines/", {"lot": unreleased.pk, "quantity": 10})
    assert line.status_code == 400 and "lot" in line.json()["error"]["fields"]
    step = api.post(f"/api/v1/shipments/{shipment}/transitions/", {"name": "ship"})
    assert step.status_code == 409 and step.json()["error"]["code"] == "refused"
    assert Shipment.objects.get(pk=shipment).status == "draft"


def test_an_inspection_and_its_results_are_posted(api_for, quality_manager):
    plan = f.plan(stage="final", owner=quality_manager)
    lot = f.lot(owner=quality_manager, quantity=200)
    api = api_for(quality_manager)
    response = api.post(
        "/api/v1/inspections/",
        {
            "plan": plan.pk,
            "lot": lot.pk,
            "inspector": quality_manager.pk,
            "inspected_on": f.today().isoformat(),
            "lot_size": 200,
            "department": f.home(quality_manager).pk,
        },
    )
    assert response.status_code == 201, response.content
    inspection = response.json()
    assert inspection["required_sample"] > 0
    characteristic = plan.characteristics.get(name="Marking")
    result = api.post(
        f"/api/v1/inspections/{inspection['id']}/results/",
        {"characteristic": characteristic.pk, "inspected": 5, "nonconforming": 0},
    )
    assert result.status_code == 201, result.content
    rows = api.get(f"/api/v1/inspections/{inspection['id']}/results/").json()
    assert [r["id"] for r in rows["results"]] == [result.json()["id"]]


def test_another_departments_ncr_cannot_be_moved(api_for, staff, other_staff, other_dept):
    theirs = NonconformityFactory(owner=other_staff, department=other_dept)
    response = api_for(staff).post(f"/api/v1/ncrs/{theirs.pk}/transitions/", {"name": "close"})
    assert response.status_code == 404
