"""The inspection module's pages: registers run a constant number of queries (two sizes, as the
quality manager and as staff, with CSV), record pages show their story, bad input comes back beside
its field with nothing changed."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspection.models import GoodsReceipt, Inspection, InspectionPlan, ProductionLot, Shipment
from qms.services import record_transition
from tests import walker
from tests.helpers import body
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db

REGISTERS = [
    ("/inspection/plans/", InspectionPlan),
    ("/inspection/receipts/", GoodsReceipt),
    ("/inspection/lots/", ProductionLot),
    ("/inspection/shipments/", Shipment),
    ("/inspection/inspections/", Inspection),
]


@pytest.mark.parametrize("url, model", REGISTERS, ids=[u for u, _ in REGISTERS])
def test_register_query_count_does_not_grow_with_rows(request, staff, dept, url, model):
    """As the quality manager and as staff, who read the same rows (built once for each size)."""
    import tests.inspection.walk  # noqa: F401

    build = walker.BUILDERS[model._meta.label_lower]
    clients = {}
    for role in ("quality_manager", "staff"):
        clients[role] = Client()
        clients[role].force_login(request.getfixturevalue(role))

    def queries_with(client, total):
        while model.objects.count() < total:
            build(staff, dept)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as csv_ctx:
            export = client.get(url + "?format=csv")
            assert export.status_code == 200
            body(export)
        return len(ctx.captured_queries), len(csv_ctx.captured_queries), len(response.context["object_list"])

    small = {role: queries_with(client, 3) for role, client in clients.items()}
    large = {role: queries_with(client, 12) for role, client in clients.items()}
    for role in clients:
        *at_small, shown_small = small[role]
        *at_large, shown_large = large[role]
        assert shown_large > shown_small > 0, role
        assert at_small == at_large, role


def test_the_lot_page_shows_its_whole_story(client_for, quality_manager, staff, dept):
    import tests.inspection.walk as w

    kwargs = w.build_lot(staff, dept)
    lot = kwargs["_record"]
    page = client_for(quality_manager).get(lot.get_absolute_url()).content.decode()
    for testid in ("release-checks", "material", "operators", "schedule", "lot-inspections", "lot-shipments"):
        assert f'data-testid="{testid}"' in page
    assert lot.drawing_revision.document.number in page or str(lot.drawing_revision) in page


def test_a_shipment_page_traces_every_material_lot_operator_and_drawing(
    client_for, quality_manager, staff, dept
):
    import tests.inspection.walk as w

    shipment = w.build_shipment(staff, dept)["_record"]
    lot = shipment.lines.get().lot
    page = client_for(quality_manager).get(shipment.get_absolute_url()).content.decode()
    receipt = lot.materials.get().receipt
    assert receipt.reference in page and lot.lot_number in page
    assert str(lot.operators.get().person) in page


def test_a_lot_size_of_zero_comes_back_beside_the_field_and_nothing_is_created(
    client_for, quality_manager, dept
):
    plan, lot = f.plan(), f.lot()
    client = client_for(quality_manager)
    response = client.post(
        "/inspection/inspections/new/",
        {
            "plan": plan.pk,
            "lot": lot.pk,
            "inspector": quality_manager.pk,
            "inspected_on": f.today().isoformat(),
            "lot_size": "0",
            "sample_size": "0",
            "nonconforming": "0",
            "original": "on",
            "owner": quality_manager.pk,
            "department": dept.pk,
        },
    )
    assert response.status_code == 400
    assert "lot_size" in response.context["form"].errors
    assert not Inspection.objects.exists()


def test_a_value_that_is_not_a_number_comes_back_beside_the_field(client_for, quality_manager):
    plan, lot = f.plan(), f.lot()
    inspection = f.inspect(lot, plan_=plan, sample=0)
    bore = plan.characteristics.get(name__startswith="Bore")
    response = client_for(quality_manager).post(
        f"/inspection/inspections/{inspection.pk}/results/add/",
        {"characteristic": bore.pk, "values": "12.01 twelve"},
    )
    assert response.status_code == 400
    assert "“twelve” is not a number" in response.content.decode()
    assert not inspection.results.exists()


def test_shipments_are_filtered_by_customer_status_and_shipping_date(client_for, quality_manager):
    """Dispatch looks up what went to one customer, or left in one week, without paging."""
    import datetime as dt

    meyer, acme = f.shipment(customer="Meyer Pumps"), f.shipment(customer="Acme Valves")
    packing = f.shipment()
    Shipment.objects.filter(pk=meyer.pk).update(status="shipped", shipped_on=dt.date(2026, 11, 2))
    Shipment.objects.filter(pk=acme.pk).update(status="shipped", shipped_on=dt.date(2026, 11, 20))
    client = client_for(quality_manager)

    def shown(query):
        response = client.get("/inspection/shipments/", query)
        assert response.status_code == 200
        return {row.reference for row in response.context["object_list"]}

    assert shown({}) == {meyer.reference, acme.reference, packing.reference}
    assert shown({"customer": "acme"}) == {acme.reference}
    assert shown({"status": "_open"}) == {packing.reference}
    assert shown({"shipped_from": "2026-11-10"}) == {acme.reference}
    assert shown({"shipped_from": "2026-11-01", "shipped_to": "2026-11-09"}) == {meyer.reference}
    page = client.get("/inspection/shipments/", {"shipped_from": "last week"}).content.decode()
    assert "Enter a real date as YYYY-MM-DD, for example 2026-05-31." in page
    assert "Nothing here matches the filter." in page


def test_inspecting_a_lot_or_a_receipt_proposes_the_plan_in_use_for_its_part(client_for, quality_manager):
    final = f.plan(stage="final", part="H-220")
    in_process = f.plan(stage="ipqc", part="H-220")
    f.plan(stage="final", part="OTHER")
    incoming = f.plan(stage="iqc", part="BAR-42")
    client = client_for(quality_manager)
    lot = f.lot(part="H-220", quantity=1000)
    form = client.get(reverse("inspection:inspection_create") + f"?lot={lot.pk}").context["form"]
    assert (form.initial["plan"], form.initial["lot_size"]) == (in_process.pk, 1000)  # being made
    record_transition(record=lot, name="finish", by=quality_manager)
    form = client.get(reverse("inspection:inspection_create") + f"?lot={lot.pk}").context["form"]
    assert form.initial["plan"] == final.pk  # finished: its final inspection
    receipt = f.receipt(part="BAR-42", quantity=500)
    form = client.get(reverse("inspection:inspection_create") + f"?receipt={receipt.pk}").context["form"]
    assert (form.initial["plan"], form.initial["lot_size"]) == (incoming.pk, 500)
    # Two plans in use for the part at the same stage: the inspector chooses.
    f.plan(stage="final", part="H-220")
    form = client.get(reverse("inspection:inspection_create") + f"?lot={lot.pk}").context["form"]
    assert form.initial.get("plan") is None


def test_a_new_inspection_proposes_today_and_its_inspector(client_for, quality_manager):
    page = client_for(quality_manager).get(reverse("inspection:inspection_create"))
    html = page.content.decode()
    assert f'name="inspected_on" value="{f.today().isoformat()}"' in html
    assert f'<option value="{quality_manager.pk}" selected>' in html


def test_a_plan_page_reads_as_its_drawing_does(client_for, quality_manager):
    """A measured characteristic with its nominal and unit, an attribute one as pass / fail (no
    unit for a marking), and the lot sizes the plan is shown for with their thousands."""
    plan = f.plan()
    page = client_for(quality_manager).get(plan.get_absolute_url()).content.decode()
    table = page.split('data-testid="characteristics"')[1].split("</table>")[0]
    assert "<td>12.0000 mm</td>" in table
    assert "<td>attribute (pass / fail)</td>" in table and "attribute mm" not in table
    assert "<td>100,000</td>" in page


def test_a_new_goods_receipt_is_dated_today_until_changed(client_for, quality_manager):
    """The goods-in clerk books what came in today: the form says so, as an inspection's does."""
    import re

    from django.utils import timezone

    html = client_for(quality_manager).get("/inspection/receipts/new/").content.decode()
    box = re.search(r'<input[^>]*name="received_on"[^>]*>', html)[0]
    assert f'value="{timezone.localdate().isoformat()}"' in box


def test_a_lots_history_names_its_operators_in_queries_that_do_not_grow_with_them(dept):
    # An operator is named by the person (``LotOperator.__str__``): the names are read with the
    # rows, one query for all of them, however many there are.
    from inspection.models import LotOperator
    from qms.history import history_rows
    from qms.services import child_add
    from tests.factories import UserFactory

    lot = f.lot()

    def queries_naming(total):
        while lot.operators.count() < total:
            child_add(model=LotOperator, by=f.qm(), lot=lot, person=UserFactory(department=dept))
        with CaptureQueriesContext(connection) as ctx:
            rows = history_rows(lot)
        named = {r["part"] for r in rows if r["part"].startswith("Lot operator: ")}
        assert named == {f"Lot operator: {o.person}" for o in lot.operators.select_related("person")}
        return len(ctx.captured_queries)

    assert queries_naming(1) == queries_naming(4)
