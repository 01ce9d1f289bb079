"""The gate the lots module asks before it releases a lot of a supplier's material: was a change at
that supplier, affecting that part, open on the lot's date? Answered as things stood then."""

import pytest
from django.urls import reverse

from qms import gates
from qms.services import link_add
from suppliers import services
from tests.documents.factories import DocumentFactory
from tests.suppliers import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def bar_stock(proc, purchasing_head):
    return f.approved(proc, owner=purchasing_head, name="Hüttenstahl Brenner GmbH")


def change(supplier, by, **fields):
    fields.setdefault("kind", "material")
    fields.setdefault("source", "notified")
    fields.setdefault("description", "Steel from another mill, within nominal tolerance.")
    fields.setdefault("received_on", f.days(-20))
    return services.change_create(by=by, supplier=supplier, owner=by, department=by.department, **fields)


def open_(supplier, part, on):
    return gates.check("supplier_change_open", on=on, supplier=supplier, part=part)


def test_the_gate_is_answered():
    assert ("supplier_change_open", True) in [(g.name, answered) for g, answered in gates.catalogue()]


def test_an_open_change_refuses_the_affected_part_and_names_the_change(bar_stock, purchasing_head):
    found = change(bar_stock, purchasing_head, affected_parts="H-220\nH-240")
    (refusal,) = open_(bar_stock, "Housing H-220, bore Ø12 H7", f.today())
    assert found.reference in refusal.message and "not evaluated" in refusal.message
    assert refusal.url == reverse("suppliers:supplierchange_detail", args=[found.pk]) and refusal.checked
    assert open_(bar_stock.pk, "H-240", f.today())  # a supplier by its id
    assert not open_(bar_stock, "H-2200", f.today())  # another part number
    assert not open_(bar_stock, "B-115", f.today())


def test_a_change_naming_no_part_holds_every_part_of_the_supplier(bar_stock, purchasing_head):
    change(bar_stock, purchasing_head, affected_parts="")
    assert open_(bar_stock, "anything at all", f.today())


def test_another_suppliers_change_does_not_refuse(bar_stock, proc, purchasing_head):
    other = f.approved(proc, owner=purchasing_head)
    change(other, purchasing_head, affected_parts="H-220")
    assert not open_(bar_stock, "H-220", f.today())


def test_lots_are_judged_as_things_stood_on_their_dates(
    bar_stock, purchasing_head, quality_manager, password
):
    found = change(
        bar_stock,
        purchasing_head,
        affected_parts="H-220",
        received_on=f.days(-20),
        effective_from=f.days(-30),
    )
    # Material of the change arrived from its first changed delivery, even before we learned of it.
    assert open_(bar_stock, "H-220", f.days(-25))
    assert not open_(bar_stock, "H-220", f.days(-31))
    services.change_evaluate(
        change=found,
        by=quality_manager,
        risk="high",
        evaluation="Softer grade: FAI and material test.",
        first_article=True,
        material_test=True,
    )
    assert "evaluated, not approved" in open_(bar_stock, "H-220", f.today())[0].message
    services.change_approve(
        change=found, by=quality_manager, password=password, note="FAI-031 passed; MT-17: 1.4301 confirmed"
    )
    # Approved today: a lot of today may go; a lot of last week was made while it was open.
    assert not open_(bar_stock, "H-220", f.today())
    assert open_(bar_stock, "H-220", f.days(-7))


def test_a_rejected_change_no_longer_holds_lots_after_the_decision(
    bar_stock, purchasing_head, quality_manager
):
    found = change(bar_stock, purchasing_head, affected_parts="H-220")
    services.change_reject(change=found, by=quality_manager, reason="Supplier keeps the old mill.")
    assert not open_(bar_stock, "H-220", f.today())
    assert open_(bar_stock, "H-220", f.days(-1))


def test_a_drawing_linked_to_the_change_is_held_too(bar_stock, purchasing_head, dept, head):
    drawing = DocumentFactory(owner=head, department=dept, number="DRW-40512")
    found = change(bar_stock, purchasing_head, affected_parts="H-220")
    assert not open_(bar_stock, drawing, f.today())
    link_add(source=found, target=drawing, by=purchasing_head)
    assert open_(bar_stock, drawing, f.today())


def test_material_delivered_before_the_changes_first_changed_delivery_is_not_of_it(
    bar_stock, purchasing_head
):
    """Bar stock received on 30 Nov; the mill's change came with the delivery of 1 Dec. The lot made
    from the November bars on 3 Dec was held for a change its material was not part of."""
    change(
        bar_stock, purchasing_head, affected_parts="H-220", received_on=f.days(-5), effective_from=f.days(-3)
    )
    asked = {"on": f.today(), "supplier": bar_stock, "part": "H-220"}
    assert not gates.check("supplier_change_open", delivered_on=f.days(-4), **asked)
    assert gates.check("supplier_change_open", delivered_on=f.days(-3), **asked)  # the first changed one
    assert gates.check("supplier_change_open", **asked)  # asked of no delivery: open is open
