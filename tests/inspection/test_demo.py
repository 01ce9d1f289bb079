"""The demo company tells the story end to end: the lot shipped before the customer complaint
carries its flags as they stood (its forced release reconstructed with deviations), the lot made
the same way this week is held with all seven checks refusing, and the complaint's CAPA links to
both, so every gap is one click away from it."""

import pytest
from django.core.management import call_command

from inspection.models import ProductionLot, Shipment
from inspection.release import checks_for
from qms.models import RecordLink

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_story(client_for):
    call_command("load_demo", "--if-empty")

    held = ProductionLot.objects.get(lot_number="24-1203")
    assert held.status == "finished"
    states = {c.key: c.state for c in checks_for(held)}
    assert states == dict.fromkeys(states, "failed"), states
    assert len(states) == 7

    shipped = ProductionLot.objects.get(lot_number="24-1187")
    assert shipped.status == "shipped" and shipped.released_at is not None
    snapshot = {c["key"]: c["state"] for c in shipped.release_checks}
    assert snapshot["supplier_change"] == "accepted" and snapshot["sampling"] == "accepted"
    assert shipped.deviations.count() == sum(1 for s in snapshot.values() if s == "accepted")
    shipment = Shipment.objects.get(lines__lot=shipped)
    assert shipment.customer == "Meyer Pumpen GmbH" and shipment.shipped_on < held.started_on

    from capa.models import Capa

    capa = Capa.objects.get(title__icontains="H-220")
    from django.contrib.contenttypes.models import ContentType

    linked = set(
        RecordLink.objects.filter(
            source_type=ContentType.objects.get_for_model(capa),
            source_id=capa.pk,
            target_type=ContentType.objects.get_for_model(ProductionLot),
        ).values_list("target_id", flat=True)
    )
    assert {shipped.pk, held.pk} <= linked

    from qms.models import User

    client = client_for(User.objects.get(username="kmaier"))
    page = client.get(held.get_absolute_url()).content.decode()
    assert page.count('data-state="failed"') == 7
    assert "Release refused" in page
    # Its bar stock was let in without incoming inspection on the day it arrived, and says so.
    receipt = held.materials.get().receipt
    said = f"Accepted without incoming inspection on {receipt.received_on:%-d %b %Y} by Eva Schneider:"
    assert said in client.get(receipt.get_absolute_url()).content.decode()

    # Its history tells one story: the release and the shipment on the story's days, no date
    # jumping back under a later person's change (the auditor read "Released at: 6 Dec → 9 Nov"
    # beside "Shipped with SHP-…" and "Status: Shipped → Released" beside "Link added").
    from qms.history import history_rows

    quality = User.objects.get(username="qm")
    moved_by = {"released at": "Released", "shipped on": "Ship"}  # the only rows that set them
    for record in (shipped, shipment):
        for row in history_rows(record, quality):
            if row["is_child"]:
                continue
            for change in row["changes"]:
                if change["field"] in moved_by:
                    assert row["why"].startswith(moved_by[change["field"]]), (row["why"], change)
            assert not (row["why"].startswith("Link to") and row["changes"]), (row["why"], row["changes"])
