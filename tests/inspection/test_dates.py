"""What lots and inspections record happened in the order it can happen: production has started
by the day it is said to have, an inspection is not dated before its receipt arrived or its lot's
production started. Refused beside the field on the page, with nothing saved, and by the model for
every other caller (the API, a service, an import)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inspection import services
from inspection.models import Inspection, ProductionLot
from tests.helpers import field_error
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def _inspection_form(plan, *, inspected_on, lot=None, receipt=None, lot_size=100) -> dict:
    data = {
        "plan": plan.pk,
        "inspector": f.qm().pk,
        "inspected_on": inspected_on.isoformat(),
        "lot_size": lot_size,
        "sample_size": 0,
        "nonconforming": 0,
        "original": "on",
        "owner": f.qm().pk,
        "department": f.home(f.qm()).pk,
    }
    if lot is not None:
        data["lot"] = lot.pk
    if receipt is not None:
        data["receipt"] = receipt.pk
    return data


def test_an_inspection_cannot_be_dated_before_its_receipt_was_received(client_for):
    """dlang entered 1 Dec for a receipt received 6 Dec: 'INSP-2026-0003 created.'"""
    qm = f.qm()
    plan = f.plan(stage="iqc", part="BAR-42")
    receipt = f.receipt(part="BAR-42", quantity=500, received=f.days(-2))
    url = reverse("inspection:inspection_create") + f"?receipt={receipt.pk}"
    response = client_for(qm).post(url, _inspection_form(plan, receipt=receipt, inspected_on=f.days(-7)))
    assert response.status_code == 400
    assert field_error(response, "inspected_on") == (
        f"{receipt.reference} was received on {f.days(-2):%-d %b %Y}: the inspection cannot be dated before."
    )
    assert not Inspection.objects.exists()
    # The service refuses it too (the API and an import call it), beside the same field.
    with pytest.raises(ValidationError) as refused:
        services.inspection_create(
            by=qm, plan=plan, inspector=qm, inspected_on=f.days(-7), lot_size=500, receipt=receipt
        )
    assert "cannot be dated before" in refused.value.message_dict["inspected_on"][0]
    assert not Inspection.objects.exists()
    # On the day it arrived, or later, it is recorded.
    found = services.inspection_create(
        by=qm, plan=plan, inspector=qm, inspected_on=f.days(-2), lot_size=500, receipt=receipt
    )
    assert found.inspected_on == f.days(-2)


def test_an_inspection_cannot_be_dated_before_its_lots_production_started(client_for):
    """kmaier entered 1 Nov for a lot started 4 Dec: 'INSP-2026-0007 created.'"""
    qm = f.qm()
    plan = f.plan(stage="ipqc", part="H-220")
    lot = f.lot(part="H-220", quantity=1000, started=f.days(-2))
    url = reverse("inspection:inspection_create") + f"?lot={lot.pk}"
    response = client_for(qm).post(url, _inspection_form(plan, lot=lot, inspected_on=f.days(-30)))
    assert response.status_code == 400
    assert field_error(response, "inspected_on") == (
        f"Production of lot {lot.lot_number} started on {f.days(-2):%-d %b %Y}: "
        "the inspection cannot be dated before."
    )
    assert not Inspection.objects.exists()
    with pytest.raises(ValidationError, match="cannot be dated before"):
        services.inspection_create(
            by=qm, plan=plan, inspector=qm, inspected_on=f.days(-30), lot_size=1000, lot=lot
        )
    assert not Inspection.objects.exists()


def test_an_inspection_moved_before_its_lot_started_on_its_edit_is_refused():
    qm = f.qm()
    lot = f.lot(part="H-220", quantity=1000, started=f.days(-2))
    found = f.inspect(lot, plan_=f.plan(stage="ipqc", part="H-220"), sample=0)
    with pytest.raises(ValidationError) as refused:
        services.inspection_update(inspection=found, by=qm, reason="Typo", inspected_on=f.days(-3))
    assert "inspected_on" in refused.value.message_dict
    found.refresh_from_db()
    assert found.inspected_on == f.today()


def _lot_form(**changes) -> dict:
    qm = f.qm()
    data = {
        "title": "Housing H-220",
        "lot_number": "24-9001",
        "part_number": "H-220",
        "drawing_revision": f.drawing_revision().pk,
        "quantity": 1000,
        "started_on": f.today().isoformat(),
        "owner": qm.pk,
        "department": f.home(qm).pk,
    }
    return data | changes


def test_production_cannot_have_started_in_the_future(client_for):
    """'/inspection/lots/new/ with Production started 2026-12-10 (in the future) gave LOT-… created.'"""
    qm = f.qm()
    client = client_for(qm)
    tomorrow = f.days(1)
    response = client.post("/inspection/lots/new/", _lot_form(started_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert field_error(response, "started_on") == (
        f"{tomorrow:%-d %b %Y} is still to come: record what has happened."
    )
    assert not ProductionLot.objects.exists()
    with pytest.raises(ValidationError) as refused:
        f.lot(started=tomorrow)
    assert "still to come" in refused.value.message_dict["started_on"][0]
    assert not ProductionLot.objects.exists()
    response = client.post("/inspection/lots/new/", _lot_form())
    assert response.status_code == 302
    assert ProductionLot.objects.get().started_on == f.today()


def test_an_edit_cannot_move_a_receipt_or_a_lot_past_its_inspections():
    """Hannah moved a lot's start after its inspection of 5 Dec, and goods-in a receipt's arrival
    after its IQC: both saved, the inspections then dated before what they inspected."""
    from qms.services import record_update

    receipt = f.receipt(received=f.days(-3))
    iqc = services.inspection_create(
        by=f.qm(),
        plan=f.plan(part="BAR-42", stage="iqc"),
        inspector=f.qm(),
        inspected_on=f.days(-2),
        lot_size=100,
        receipt=receipt,
    )
    with pytest.raises(ValidationError) as refused:
        record_update(record=receipt, by=f.qm(), reason="Date corrected", received_on=f.days(-1))
    assert refused.value.message_dict["received_on"] == [
        f"{iqc.reference} inspected it on {f.days(-2):%-d %b %Y}: it cannot have arrived after that."
    ]
    lot = f.lot(started=f.days(-3))
    inspection = services.inspection_create(
        by=f.qm(), plan=f.plan(), inspector=f.qm(), inspected_on=f.days(-2), lot_size=100, lot=lot
    )
    with pytest.raises(ValidationError) as refused:
        record_update(record=lot, by=f.qm(), reason="Corrected start", started_on=f.days(-1))
    assert refused.value.message_dict["started_on"] == [
        f"{inspection.reference} inspected it on {f.days(-2):%-d %b %Y}: its production cannot have started "
        "after that."
    ]
    lot.refresh_from_db()
    assert lot.started_on == f.days(-3)
