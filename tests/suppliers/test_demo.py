"""The demo company tells the first gap of the story: the bar-stock supplier's steel-mill change is
open and not evaluated, affecting the complaint's housing H-220 and drawing DRW-40512, so the gate
refuses a lot of it; the rusty delivery's NCR names the supplier and its SCAR is late; the zinc
plater is conditional since its ISO 9001 expired; the calibration lab is accredited."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from documents.models import Document
from notifications.models import Delivery
from qms import gates
from qms.due import registry
from qms.models import User
from suppliers import demo
from suppliers.models import Scar, Supplier, SupplierChange
from suppliers.selectors import missing_certificates, ncr_ids_by_supplier

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_story():
    call_command("load_demo", "--if-empty")
    today = timezone.localdate()
    bar = Supplier.objects.get(name=demo.BAR_STOCK)

    change = SupplierChange.objects.get(supplier=bar)
    assert change.status == "recorded" and "steel mill" in change.title.lower()
    assert change.affects("Housing H-220, bore Ø12 H7")
    refusals = gates.check("supplier_change_open", on=today, supplier=bar, part="Housing H-220, bore Ø12 H7")
    assert refusals and change.reference in refusals[0].message
    drawing = Document.objects.get(number="DRW-40512")
    assert gates.check("supplier_change_open", on=today, supplier=bar, part=drawing)
    # Before the changed material came, lots were not held back.
    assert not gates.check(
        "supplier_change_open", on=change.open_from - timezone.timedelta(days=1), supplier=bar, part="H-220"
    )

    # The quality manager, who evaluates and decides it, sees it among her due items; the buyer,
    # who could not act on it, no longer carries it.
    quality = User.objects.get(username="qm")
    assert any(i.kind.startswith("Open supplier change") for i in registry.for_user(quality))
    buyer = User.objects.get(username="mweber")
    assert not any(i.kind.startswith("Open supplier change") for i in registry.for_user(buyer))

    # The rusty delivery's NCR names the supplier; its SCAR was emailed and is late.
    assert ncr_ids_by_supplier({bar.pk}).get(bar.pk)
    scar = Scar.objects.get(supplier=bar)
    assert scar.status == "sent" and scar.is_overdue
    assert Delivery.objects.filter(kind="scar", to_email="p.brenner@huettenstahl-brenner.example").exists()

    plater = Supplier.objects.get(name=demo.PLATER)
    assert plater.status == "conditional" and "ISO 9001" in plater.conditions
    lab = Supplier.objects.get(name="Präzisa Kalibrierdienst GmbH")
    assert lab.calibration_lab and lab.status == "approved" and not missing_certificates(lab)
    assert lab.certificates.filter(kind="iso17025", status="current").exists()
    assert Supplier.objects.filter(status="prospective").exists()
