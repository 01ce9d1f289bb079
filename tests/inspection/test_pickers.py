"""Goods receipts, lots, documents, revisions, instruments and NCRs are long lists (tens of
thousands in a ten-year archive): wherever one is chosen, the page writes only what is chosen and
a search-as-you-type box finds the rest (``qms.widgets``), as people are found. A lot's page
offered its material as a select of every receipt (1.5 s on the archive), a new CAPA every NCR
(5.4 s, 8.6 MB)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms.services import record_transition
from tests.capa.factories import NonconformityFactory
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def options(html: str, name: str) -> list[str]:
    """The options of the select called ``name``."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


def test_a_lots_material_is_found_by_typing_not_listed(client_for):
    quality = f.qm()
    lot = f.lot(owner=quality)
    receipts = [f.receipt(part=f"BAR-{n}") for n in range(3)]
    page = client_for(quality).get(lot.get_absolute_url()).content.decode()
    assert 'data-picker="/pick/inspection.goodsreceipt/"' in page
    listed = " ".join(options(page, "receipt"))
    assert not any(r.reference in listed for r in receipts)


def test_the_receipt_search_finds_by_part_and_leaves_rejected_receipts_out(client_for):
    quality = f.qm()
    wanted, rejected, other = f.receipt(part="FLANGE-7"), f.receipt(part="FLANGE-9"), f.receipt(part="BAR-1")
    record_transition(record=rejected, name="reject", by=quality, reason="Cracks on arrival")
    found = client_for(quality).get("/pick/inspection.goodsreceipt/", {"q": "flange"}).json()["results"]
    assert [r["id"] for r in found] == [wanted.pk]
    assert found[0]["label"] == str(wanted) and other.pk not in [r["id"] for r in found]
    assert client_for(quality).get("/pick/inspection.goodsreceipt/").json() == {"results": []}


def test_a_lot_chosen_for_material_still_saves(client_for):
    quality = f.qm()
    lot, stock = f.lot(owner=quality), f.receipt(quantity=200)
    response = client_for(quality).post(
        f"{lot.get_absolute_url()}material/add/", {"receipt": stock.pk, "quantity": 50}
    )
    assert response.status_code == 302
    assert lot.materials.get().receipt == stock


def test_a_new_capa_finds_its_ncrs_by_typing_within_the_readers_scope(client_for, head, other_head, dept):
    ncr = NonconformityFactory(owner=head, department=dept, title="Burr on bore")
    page = client_for(head).get("/capa/new/").content.decode()
    assert 'data-picker="/pick/capa.nonconformity/"' in page and ncr.reference not in page
    found = client_for(head).get("/pick/capa.nonconformity/", {"q": "burr"}).json()["results"]
    assert [r["id"] for r in found] == [ncr.pk]
    assert client_for(other_head).get("/pick/capa.nonconformity/", {"q": "burr"}).json() == {"results": []}


def test_the_revision_search_labels_each_revision_with_its_document_in_one_read(client_for):
    quality = f.qm()
    revisions = [f.drawing_revision(owner=quality) for _ in range(3)]
    client = client_for(quality)
    number = revisions[0].document.number
    with CaptureQueriesContext(connection) as one:
        found = client.get("/pick/documents.revision/", {"q": number}).json()["results"]
    assert [r["label"] for r in found] == [str(revisions[0])]
    with CaptureQueriesContext(connection) as three:
        found = client.get("/pick/documents.revision/", {"q": number[:3]}).json()["results"]
    assert {r["id"] for r in found} >= {r.pk for r in revisions}
    assert len(three) == len(one)


def test_only_a_declared_picker_is_searched_by_the_kernel(client_for):
    """The kernel's search answers for the lists modules declared in ``Module.pickers``: not for
    people (a search of their own, by role too), another record model or a made-up name."""
    client = client_for(f.qm())
    assert client.get("/pick/calibration.instrument/", {"q": "x"}).status_code == 200
    for label in ("qms.user", "capa.capa", "no.such", "capa.nonconformity.x"):
        assert client.get(f"/pick/{label}/", {"q": "x"}).status_code == 404, label


def test_a_shipment_finds_released_lots_only_and_says_why_another_is_refused(client_for):
    """The shipment's "Add a released lot" searched every lot; choosing one on hold answered "Select
    a valid choice". Its search finds released lots only, and a lot not released is refused saying
    so, beside the field."""
    from inspection.models import ProductionLot, ShipmentLine

    quality = f.qm()
    held, released = f.lot(number="24-1203"), f.lot(number="24-1204")
    ProductionLot.objects.filter(pk=released.pk).update(status="released")  # cleared by its release
    shipment = f.shipment(owner=quality)
    client = client_for(quality)
    page = client.get(shipment.get_absolute_url()).content.decode()
    assert 'data-picker="/pick/inspection.productionlot/?status=released"' in page
    found = client.get("/pick/inspection.productionlot/", {"q": "24-12", "status": "released"}).json()[
        "results"
    ]
    assert [r["id"] for r in found] == [released.pk]
    assert {
        r["id"] for r in client.get("/pick/inspection.productionlot/", {"q": "24-12"}).json()["results"]
    } == {
        held.pk,
        released.pk,
    }
    response = client.post(f"{shipment.get_absolute_url()}lots/add/", {"lot": held.pk, "quantity": 10})
    assert response.status_code == 400
    assert "Only a released lot is shipped" in response.content.decode()
    assert not ShipmentLine.objects.exists()


def test_a_revision_no_longer_in_force_says_so_and_is_found_as_its_label_reads(client_for):
    from tests.documents.factories import issue

    quality = f.qm()
    old = f.drawing_revision(owner=quality)
    document = old.document
    new = issue(document, quality, summary="Chamfer 0.5")
    old.refresh_from_db()
    found = client_for(quality).get("/pick/documents.revision/", {"q": f"{document.number} rev. {old.label}"})
    labels = {r["id"]: r["label"] for r in found.json()["results"]}
    assert labels[old.pk] == f"{old} (superseded)"
    assert new.status == "effective" and labels.get(new.pk, str(new)) == str(new)
