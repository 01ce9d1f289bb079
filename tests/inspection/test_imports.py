"""Import of goods receipts, production lots and the material they consumed: a preview with
every row's errors beside it, nothing saved while any row is wrong, the screens' services doing
the writing, and the same file twice changing nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspection.models import GoodsReceipt, MaterialUse, ProductionLot
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def _runner(client):
    def run(key, text, *, name="list.csv"):
        url = f"/import/{key}/"
        preview = client.post(url, {"file": SimpleUploadedFile(name, text.encode())})
        assert preview.status_code in (200, 400)
        payload = re.search(r'name="payload" value="([^"]+)"', preview.content.decode())
        if payload:
            client.post(url, {"payload": payload.group(1)})
        return preview.content.decode()

    return run


RECEIPT_HEAD = "Title,Supplier,Part,Purchase order,Quantity,Promised,Received,Supplier lot,Owner,Department\n"


def test_receipts_are_imported_through_the_service_and_again_change_nothing(client_for, head, dept):
    steel = f.supplier("Stahl Nord")
    run = _runner(client_for(head))
    day = f.days(-3)
    sheet = RECEIPT_HEAD + (
        f"Bar C45,{steel.name},BAR-42,PO-7,500,{f.days(-5):%Y-%m-%d},{day:%d.%m.%Y},L-881,"
        f"{head.username},{dept.code}\n"
    )
    assert "1 new" in run("inspection.receipts", sheet)
    receipt = GoodsReceipt.objects.get(supplier_lot="L-881")
    assert (receipt.supplier, receipt.quantity, receipt.received_on) == (steel, 500, day)
    assert receipt.reference.startswith("GR-") and receipt.on_time is False
    assert "1 unchanged" in run("inspection.receipts", sheet)
    assert GoodsReceipt.objects.count() == 1


def test_a_wrong_receipt_row_is_shown_beside_its_row_and_nothing_is_saved(client_for, head, dept):
    steel = f.supplier("Stahl Nord")
    run = _runner(client_for(head))
    good = f"Bar,{steel.name},BAR-42,,500,,{f.days(-1):%Y-%m-%d},L-1,{head.username},{dept.code}\n"
    bad = (
        f"Bar,Nobody GmbH,BAR-42,,0,,{f.days(5):%Y-%m-%d},L-2,{head.username},{dept.code}\n"
        f"Bar,{steel.name},BAR-42,,many,,2026-13-40,L-3,{head.username},{dept.code}\n"
    )
    page = run("inspection.receipts", RECEIPT_HEAD + good + bad)
    assert "No supplier with that name." in page
    assert "arrived" in page  # received in the future
    assert "Enter a whole number." in page
    assert "2 with errors" in page
    assert GoodsReceipt.objects.count() == 0


LOT_HEAD = "Lot,Title,Part,Drawing,Revision,Quantity,Work centre,Started,Owner,Department\n"


def test_lots_and_their_material_are_imported_and_over_consumption_is_refused(client_for, head, dept):
    revision = f.drawing_revision()
    receipt = f.receipt(quantity=100)
    run = _runner(client_for(head))
    number, label = revision.document.number, revision.label
    lots = LOT_HEAD + (
        f"B-100,Housing,H-220,{number},{label},1000,Cell 3,{f.days(-2):%Y-%m-%d},"
        f"{head.username},{dept.code}\n"
    )
    assert "1 new" in run("inspection.lots", lots)
    lot = ProductionLot.objects.get(lot_number="B-100")
    assert lot.drawing_revision == revision and lot.quantity == 1000
    assert "1 unchanged" in run("inspection.lots", lots)

    unknown = LOT_HEAD + (
        f"B-101,Housing,H-220,{number},Z9,10,,{f.days(-2):%Y-%m-%d},{head.username},{dept.code}\n"
    )
    assert f"Drawing {number} has no released revision" in run("inspection.lots", unknown)
    assert not ProductionLot.objects.filter(lot_number="B-101").exists()

    material = "Lot,Receipt,Quantity\n"
    too_much = run(
        "inspection.materials", material + f"B-100,{receipt.reference},60\nB-100,{receipt.reference},60\n"
    )
    assert "already describes" in too_much  # the same lot and receipt twice in one file
    assert MaterialUse.objects.count() == 0
    assert "1 new" in run("inspection.materials", material + f"B-100,{receipt.reference},60\n")
    assert MaterialUse.objects.get().quantity == 60
    over = run("inspection.materials", material + f"B-100,{receipt.reference},70\n")
    assert "already consumed 60" in over
    assert MaterialUse.objects.get().quantity == 60


def test_an_imported_lot_keeps_its_planned_dates_for_a_schedule_change(client_for, head, dept):
    revision = f.drawing_revision()
    run = _runner(client_for(head))
    head_line = "Lot,Title,Part,Drawing,Revision,Quantity,Started,Delivery date,Owner,Department\n"

    def row(delivery):
        return (
            f"B-7,Housing,H-220,{revision.document.number},{revision.label},10,{f.days(-2):%Y-%m-%d},"
            f"{delivery:%Y-%m-%d},{head.username},{dept.code}\n"
        )

    assert "1 new" in run("inspection.lots", head_line + row(f.days(20)))
    page = run("inspection.lots", head_line + row(f.days(30)))
    assert "changes through a schedule change" in page
    assert ProductionLot.objects.get(lot_number="B-7").delivery_date == f.days(20)


def test_staff_outside_production_may_not_import_receipts(client_for, staff):
    response = client_for(staff).get("/import/inspection.receipts/")
    assert response.status_code in (403, 404)


def test_lots_are_read_from_an_excel_workbook_with_excel_dates(client_for, head, dept):
    import io

    from openpyxl import Workbook

    revision = f.drawing_revision()
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["Lot", "Title", "Part", "Drawing", "Revision", "Quantity", "Started", "Owner", "Department"]
    )
    started = f.days(-4)
    sheet.append(
        [
            "X-1",
            "Housing",
            "H-220",
            revision.document.number,
            revision.label,
            250,
            started,
            head.username,
            dept.code,
        ]
    )
    content = io.BytesIO()
    book.save(content)
    client = client_for(head)
    url = "/import/inspection.lots/"
    preview = client.post(url, {"file": SimpleUploadedFile("lots.xlsx", content.getvalue())}).content.decode()
    assert "1 new" in preview
    client.post(url, {"payload": re.search(r'name="payload" value="([^"]+)"', preview).group(1)})
    lot = ProductionLot.objects.get(lot_number="X-1")
    assert (lot.quantity, lot.started_on, lot.drawing_revision) == (250, started, revision)
