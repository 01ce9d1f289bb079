"""Receipts, lots, inspections and shipments: the rules a user meets when recording them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inspection import services
from inspection.models import GoodsReceipt, ProductionLot
from qms.services import record_transition
from tests.helpers import field_error
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def test_the_example_lot_is_inspected_with_500_samples():
    plan = f.plan(aql="0.65")
    lot = f.lot(quantity=100_000)
    found = f.inspect(lot, plan_=plan, sample=2)
    assert (found.code_letter, found.required_sample, found.ac, found.re) == ("N", 500, 7, 8)
    assert found.below_sample


@pytest.mark.parametrize("size", [0, -5])
def test_a_lot_size_of_zero_or_negative_is_refused_beside_the_field(size):
    plan, lot = f.plan(), f.lot()
    with pytest.raises(ValidationError) as exc:
        services.inspection_create(
            by=f.qm(), plan=plan, inspector=f.qm(), inspected_on=f.today(), lot_size=size, lot=lot
        )
    assert "lot_size" in exc.value.message_dict


def test_a_sample_larger_than_the_lot_is_refused():
    plan, lot = f.plan(), f.lot(quantity=50)
    found = services.inspection_create(
        by=f.qm(), plan=plan, inspector=f.qm(), inspected_on=f.today(), lot_size=50, lot=lot
    )
    with pytest.raises(ValidationError) as exc:
        services.inspection_update(inspection=found, by=f.qm(), sample_size=60)
    assert "sample_size" in exc.value.message_dict
    found.refresh_from_db()
    assert found.sample_size == 0


def test_a_measured_value_that_is_not_a_number_is_refused_and_nothing_is_saved():
    plan, lot = f.plan(), f.lot()
    found = f.inspect(lot, plan_=plan, sample=0)
    bore = plan.characteristics.get(name__startswith="Bore")
    with pytest.raises(ValidationError) as exc:
        services.characteristic_result_add(
            inspection=found, by=f.qm(), characteristic=bore, values="12.005 abc"
        )
    assert "“abc” is not a number" in exc.value.message_dict["values"][0]
    assert not found.results.exists()


def test_measured_values_outside_the_tolerance_count_as_nonconforming():
    plan, lot = f.plan(), f.lot(quantity=50)
    found = f.inspect(lot, plan_=plan, sample=0)
    bore = plan.characteristics.get(name__startswith="Bore")
    row = services.characteristic_result_add(
        inspection=found, by=f.qm(), characteristic=bore, values="12.005 12,010 12.027 11.999"
    )
    assert (row.inspected, row.nonconforming) == (4, 2)
    found.refresh_from_db()
    assert (found.sample_size, found.nonconforming) == (4, 2)


def test_measured_values_must_match_the_count_given():
    """Five values typed for three items saved five: refused beside the count, nothing saved.
    (A characteristic may be recorded in batches: each row is further items of the sample.)"""
    plan, lot = f.plan(), f.lot(quantity=50)
    found = f.inspect(lot, plan_=plan, sample=0)
    bore = plan.characteristics.get(name__startswith="Bore")
    with pytest.raises(ValidationError) as exc:
        services.characteristic_result_add(
            inspection=found,
            by=f.qm(),
            characteristic=bore,
            values="12.005 12.010 12.001 12.002 12.003",
            inspected=3,
        )
    assert "5 values typed for 3 items" in exc.value.message_dict["inspected"][0]
    assert not found.results.exists()


def test_a_lot_consuming_more_material_than_the_receipt_holds_is_refused():
    receipt = f.receipt(quantity=100)
    first, second = f.lot(), f.lot()
    services.material_use_add(lot=first, by=f.qm(), receipt=receipt, quantity=80)
    with pytest.raises(ValidationError) as exc:
        services.material_use_add(lot=second, by=f.qm(), receipt=receipt, quantity=30)
    assert "20 left" in exc.value.message_dict["quantity"][0]
    assert not second.materials.exists()


def test_a_shipment_of_a_lot_that_is_not_released_is_refused():
    lot = f.lot()
    shipment = f.shipment()
    with pytest.raises(ValidationError) as exc:
        services.shipment_line_add(shipment=shipment, by=f.qm(), lot=lot, quantity=10)
    assert "not released" in exc.value.message_dict["lot"][0]
    assert not shipment.lines.exists()


def test_incoming_inspection_decides_the_receipt():
    supplier = f.supplier()
    plan = f.plan(stage="iqc", part="BAR-42", supplier_=supplier)
    receipt = f.receipt(supplier_=supplier, quantity=500)
    found = f.decide(f.inspect(receipt, plan_=plan, nonconforming=5))
    assert found.status == "rejected"
    receipt.refresh_from_db()
    assert receipt.status == "rejected"


def test_a_receipt_is_accepted_only_on_its_plans_sample_measured_with_usable_gauges(client_for):
    """Accepting an incoming inspection lets the receipt into production, and no release asks
    again: on fewer items than the plan's sample, or measured with a gauge overdue that day, it is
    refused saying why and the receipt stays received; the whole sample with a calibrated gauge
    accepts it. (A final inspection below its sample is still decided: the lot's release refuses.)"""
    from inspection.models import GoodsReceipt
    from qms.workflow import TransitionError

    supplier = f.supplier()
    plan = f.plan(stage="iqc", part="BAR-42", supplier_=supplier)
    receipt = f.receipt(supplier_=supplier, quantity=500)
    short = f.inspect(receipt, plan_=plan, sample=5)
    overdue = f.gauge(tag="BG-OLD", on=f.days(-400))  # a yearly calibration, lapsed a month ago
    services.gauge_use_add(inspection=short, by=f.qm(), instrument=overdue)
    with pytest.raises(TransitionError) as refused:
        record_transition(record=short, name="accept", by=f.qm())
    message = str(refused.value)
    assert f"5 items were inspected; the sampling plan asks for {short.required_sample}" in message
    assert "BG-OLD" in message and "overdue for calibration" in message
    assert GoodsReceipt.objects.get(pk=receipt.pk).status == "received"
    # The inspector's page says the same when Accept is pressed.
    client = client_for(f.qm())
    # Listed, the gauge is said not usable on the inspection's page at once.
    page = client.get(short.get_absolute_url()).content.decode()
    assert 'data-testid="gauge-problems"' in page and "BG-OLD" in page and "overdue for calibration" in page
    url = reverse("inspection:inspection_transition", args=[short.pk])
    page = client.post(url, {"transition": "accept"}, follow=True).content.decode()
    assert "the sampling plan asks for" in page and "BG-OLD" in page

    receipt_ok = f.receipt(supplier_=supplier, quantity=500)
    whole = f.inspect(receipt_ok, plan_=plan)
    services.gauge_use_add(inspection=whole, by=f.qm(), instrument=f.gauge(tag="BG-NEW"))
    assert 'data-testid="gauge-problems"' not in client.get(whole.get_absolute_url()).content.decode()
    assert f.decide(whole).status == "accepted"
    assert GoodsReceipt.objects.get(pk=receipt_ok.pk).status == "accepted"
    # A rejection needs no full sample: the rejection number was reached.
    receipt_bad = f.receipt(supplier_=supplier, quantity=500)
    assert f.decide(f.inspect(receipt_bad, plan_=plan, sample=5, nonconforming=5)).status == "rejected"


def test_a_receipt_accepted_without_inspection_says_by_whom_when_and_why_on_its_page(client_for):
    """The quality manager may accept a receipt without incoming inspection, with a reason; its
    page says so where the inspections are listed (an auditor's first question), and its Reject
    is styled as the destructive step it is. A receipt its inspection accepted says nothing of it."""
    qm = f.qm()
    waved = f.receipt(quantity=400)
    record_transition(record=waved, name="accept", by=qm, reason="Critical supplier: certificate checked")
    page = client_for(qm).get(waved.get_absolute_url()).content.decode()
    said = f"Accepted without incoming inspection on {f.today():%-d %b %Y} by {qm}"
    assert f"{said}: Critical supplier: certificate checked" in page
    assert 'class="btn btn-sm btn-outline-danger" type="submit" name="transition" value="reject"' in page
    supplier = f.supplier()
    inspected = f.receipt(supplier_=supplier, quantity=500)
    f.decide(f.inspect(inspected, plan_=f.plan(stage="iqc", part="BAR-42", supplier_=supplier)))
    inspected.refresh_from_db()
    assert inspected.status == "accepted"
    assert (
        "Accepted without incoming inspection"
        not in client_for(qm).get(inspected.get_absolute_url()).content.decode()
    )


def test_an_inspection_cannot_be_accepted_with_more_nonconforming_than_ac():
    from qms.workflow import TransitionError

    plan, lot = f.plan(), f.lot(quantity=1000)
    found = f.inspect(lot, plan_=plan, nonconforming=4)  # J: n 80, Ac 2
    with pytest.raises((TransitionError, ValidationError)):
        record_transition(record=found, name="accept", by=f.qm())


def test_two_bad_parts_of_two_inspected_never_accept_a_lot_of_100000():
    """The story's seventh gap: two parts of 100,000 inspected, both out of tolerance on a
    critical bore, and the lot was accepted (2 within the Ac 10 of a sample of 500)."""
    from inspection.models import PlanCharacteristic
    from qms.workflow import TransitionError

    plan, lot = f.plan(), f.lot(quantity=100_000)
    qm = f.qm()
    found = f.inspect(lot, plan_=plan, sample=0)
    assert found.required_sample == 500 and found.ac > 2
    bore, marking = plan.characteristics.all()
    services.characteristic_result_add(inspection=found, by=qm, characteristic=bore, values="12.020 12.022")
    services.characteristic_result_add(inspection=found, by=qm, characteristic=marking, inspected=2)
    found.refresh_from_db()
    with pytest.raises(TransitionError, match="fewer than the 500 the plan asks for"):
        record_transition(record=found, name="accept", by=qm)
    record_transition(record=found, name="reject", by=qm)  # what is left to decide
    found.refresh_from_db()
    assert found.status == "rejected"

    # A critical bore accepts no bad part, even within Ac on the whole sample.
    PlanCharacteristic.objects.filter(pk=bore.pk).update(critical=True)
    again = f.inspect(f.lot(quantity=1000), plan_=plan, nonconforming=1)  # J: n 80, Ac 2
    with pytest.raises(TransitionError, match="critical to quality \\(Bore Ø12 H7\\)"):
        record_transition(record=again, name="accept", by=qm)
    record_transition(record=again, name="reject", by=qm)
    again.refresh_from_db()
    assert again.status == "rejected"


def test_an_ncr_raised_from_a_lot_names_its_part_lot_and_quantity(client_for):
    """Raised from a lot, the NCR started from its title alone (raised from its inspection, it
    named the part and the lot)."""
    from django.urls import reverse

    lot = f.lot(part="H-220", quantity=6200)
    url = reverse("capa:nonconformity_create") + f"?from=inspection.productionlot:{lot.pk}"
    form = client_for(f.qm()).get(url).context["form"]
    assert (form.initial["part"], form.initial["lot"], form.initial["quantity_affected"]) == (
        "H-220",
        lot.lot_number,
        6200,
    )


def test_an_ncr_raised_from_a_rejected_inspection_is_prefilled_with_part_lot_and_findings(client_for):
    from django.urls import reverse

    from capa.models import Nonconformity

    plan, lot = f.plan(part="H-220"), f.lot(quantity=1000)
    rejected = f.decide(f.inspect(lot, plan_=plan, nonconforming=5))
    assert rejected.status == "rejected"
    client = client_for(f.qm())
    url = reverse("capa:nonconformity_create") + f"?from=inspection.inspection:{rejected.pk}"
    assert url in client.get(rejected.get_absolute_url()).content.decode()  # one click away
    form = client.get(url).context["form"]
    assert form.initial["part"] == "H-220" and form.initial["lot"] == lot.lot_number
    assert form.initial["quantity_affected"] == 1000
    assert f"5 nonconforming in a sample of {rejected.sample_size}" in form.initial["description"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(severity="major", owner=f.qm().pk, department=f.qm().department_id)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    ncr = Nonconformity.objects.get(lot=lot.lot_number)
    assert rejected.reference in client.get(ncr.get_absolute_url()).content.decode()  # linked


def test_a_scar_raised_from_the_ncr_of_a_rejected_incoming_inspection_names_the_supplier(client_for):
    """The NCR is linked to the inspection that rejected the delivery, not to the supplier: the
    SCAR raised from it named no supplier. The inspected receipt names it: the SCAR starts from
    that supplier, its quality contact and the NCR's problem."""
    from capa.models import Nonconformity
    from qms.services import child_add
    from suppliers.models import SupplierContact
    from tests.suppliers import factories as sf

    steel = sf.approved(f.home(f.qm()), owner=f.qm(), name="Hüttenstahl Brenner GmbH")
    sf.supplier(f.home(f.qm()), name="Another Steel AG")  # not the one delivered
    petra = child_add(
        model=SupplierContact,
        by=f.qm(),
        supplier=steel,
        name="Petra",
        email="p@example.com",
        quality_contact=True,
    )
    plan = f.plan(stage="iqc", part="BAR-42", supplier_=steel)
    rejected = f.decide(f.inspect(f.receipt(supplier_=steel), plan_=plan, nonconforming=9))
    client = client_for(f.qm())
    url = reverse("capa:nonconformity_create") + f"?from=inspection.inspection:{rejected.pk}"
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data.update(severity="major", owner=f.qm().pk, department=f.qm().department_id)
    assert client.post(url, data).status_code == 302
    ncr = Nonconformity.objects.get(part="BAR-42")

    raise_scar = reverse("suppliers:scar_create") + f"?from=capa.nonconformity:{ncr.pk}"
    assert raise_scar in client.get(ncr.get_absolute_url()).content.decode().replace("&amp;", "&")
    page = client.get(raise_scar)
    initial = page.context["form"].initial
    assert (initial["supplier"], initial["contact"]) == (steel.pk, petra.pk)
    assert initial["title"] == f"SCAR: {ncr.title}" and "9 nonconforming" in initial["problem"]
    assert f'<option value="{steel.pk}" selected>' in page.content.decode()


def test_a_lot_is_not_accepted_on_a_sample_its_results_do_not_cover(client_for):
    """A sample of 80 typed in beside three measured bores and no marking checked is three parts
    of the lot: accepting it is refused on the page, with what is missing, and nothing changes."""
    plan, lot = f.plan(), f.lot(quantity=1000)  # J: n 80, Ac 2
    qm = f.qm()
    found = f.inspect(lot, plan_=plan, sample=0)
    bore, marking = plan.characteristics.all()
    services.characteristic_result_add(
        inspection=found, by=qm, characteristic=bore, values="12.005 12.010 12.012"
    )
    services.inspection_update(inspection=found, by=qm, sample_size=80)
    found.refresh_from_db()
    page = client_for(qm).post(
        found.get_absolute_url() + "transition/", {"transition": "accept", "reason": ""}, follow=True
    )
    found.refresh_from_db()
    assert found.status == "open"
    text = page.content.decode()
    assert "each of the 80 items of the sample" in text and "Marking: 0" in text and "Bore Ø12 H7: 3" in text
    # The rest of the bores and the marking of every item: now the sample is covered.
    services.characteristic_result_add(inspection=found, by=qm, characteristic=bore, inspected=77)
    services.characteristic_result_add(inspection=found, by=qm, characteristic=marking, inspected=80)
    record_transition(record=found, name="accept", by=qm)
    found.refresh_from_db()
    assert found.status == "accepted"


def test_production_finishes_on_the_day_it_is_marked_finished_never_before_it_started():
    """A lot started tomorrow could be finished, released and shipped today, its checks judged on
    a day still to come: finishing is refused before the start, and records the day it happens;
    back in production, it finishes again."""
    from qms.workflow import TransitionError

    # A lot is no longer recorded with a start still to come (``test_dates``); one stored with
    # it before that rule is still refused at the finish.
    early = f.lot()
    ProductionLot.objects.filter(pk=early.pk).update(started_on=f.days(1))
    early.refresh_from_db()
    with pytest.raises(TransitionError, match="cannot finish before"):
        record_transition(record=early, name="finish", by=f.qm())
    early.refresh_from_db()
    assert early.status == "open" and early.finished_on is None

    lot = f.lot(started=f.days(-3))
    record_transition(record=lot, name="finish", by=f.qm())
    lot.refresh_from_db()
    assert lot.status == "finished" and lot.finished_on == f.today()
    assert lot.production_days == [f.days(-3), f.today()]
    record_transition(record=lot, name="reopen", by=f.qm(), reason="Rework of 40 housings")
    lot.refresh_from_db()
    assert lot.status == "open" and lot.finished_on is None


def test_a_lot_size_typed_wrong_is_corrected_on_the_edit_page_and_sizes_the_sample_again(client_for):
    """700 typed for a receipt of 800 could not be corrected: the edit page takes the lot size,
    no more than the receipt holds, and the sampling plan follows it."""
    from django.urls import reverse

    quality = f.qm()
    supplier = f.supplier()
    plan = f.plan(stage="iqc", part="BAR-42", supplier_=supplier)
    receipt = f.receipt(supplier_=supplier, part="BAR-42", quantity=800)
    found = f.inspect(receipt, plan_=plan, sample=0, lot_size=700)
    url = reverse("inspection:inspection_update", args=[found.pk])
    form = client_for(quality).get(url).context["form"]
    assert "lot_size" in form.fields
    data = {
        "title": found.title,
        "inspector": quality.pk,
        "inspected_on": f.today().isoformat(),
        "sample_size": 0,
        "nonconforming": 0,
        "owner": found.owner_id,
        "department": found.department_id,
        "reason": "Lot size typed wrong",
    }
    response = client_for(quality).post(url, {**data, "lot_size": 900})
    assert response.status_code == 400 and "The lot holds 800 items." in response.content.decode()
    assert client_for(quality).post(url, {**data, "lot_size": 800}).status_code == 302
    found.refresh_from_db()
    from inspection.services.inspections import sampling_plan

    expected = sampling_plan(plan, 800)
    assert (found.lot_size, found.required_sample) == (800, expected.sample_size)


def test_the_plans_history_leaves_out_the_switching_rules_tally():
    """Each decided lot moves the plan's tally of the last normal lots (stored as codes "AN…"):
    the plan's history reads what the page shows (severity, switching score), not "N → NA"."""
    from qms.history import history_rows

    plan = f.plan()
    for nonconforming in (0, 5):
        f.decide(f.inspect(f.lot(quantity=1000), plan_=plan, nonconforming=nonconforming))
    plan.refresh_from_db()
    assert plan.normal_results == "AN"  # the tally moved twice, so two rows of the plan changed it
    fields = {c["field"] for r in history_rows(plan) for c in r["changes"]}
    assert "normal results" not in fields and "tightened accepted run" not in fields
    assert "switching score" in fields


def _receipt_form(**changes) -> dict:
    qm = f.qm()
    data = {
        "title": "Bar stock",
        "supplier": f.supplier().pk,
        "part_number": "BAR-42",
        "quantity": 500,
        "received_on": f.today().isoformat(),
        "owner": qm.pk,
        "department": f.home(qm).pk,
    }
    return data | changes


def test_a_receipt_of_zero_pieces_is_refused_beside_its_quantity(client_for):
    """Refused beside the field in the users' words (it said Django's "Ensure this value is
    greater than or equal to 1."), on the page and for every other caller, nothing saved."""
    said = "A receipt holds at least one piece: enter how many arrived."
    client = client_for(f.qm())
    response = client.post("/inspection/receipts/new/", _receipt_form(quantity=0))
    assert response.status_code == 400
    assert field_error(response, "quantity") == said
    assert not GoodsReceipt.objects.exists()
    with pytest.raises(ValidationError) as refused:
        f.receipt(quantity=0)
    assert refused.value.message_dict["quantity"] == [said]
    assert not GoodsReceipt.objects.exists()
    response = client.post("/inspection/receipts/new/", _receipt_form(quantity=-1))
    assert response.status_code == 400 and field_error(response, "quantity") == said
    assert client.post("/inspection/receipts/new/", _receipt_form(quantity=1)).status_code == 302
