"""Gap 1 of the story in a real browser: the purchasing head records the bar-stock supplier's
notification that it changed its steel mill; the change is open and holds back lots of the
housing; quality evaluates it (risk, first-article inspection) and approves it with a signature."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qms import gates
from qms.models import Role
from suppliers.models import SupplierChange
from tests.factories import DepartmentFactory, UserFactory
from tests.suppliers import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proc(db):
    return DepartmentFactory(name="Procurement", code="PROC")


@pytest.fixture
def purchasing_head(proc):
    user = UserFactory(
        username="mweber", first_name="Markus", last_name="Weber", role=Role.DEPARTMENT_HEAD, department=proc
    )
    proc.head = user
    proc.save()
    return user


def test_purchasing_records_a_change_and_quality_evaluates_and_approves_it(
    page, login, purchasing_head, proc, quality_manager, password
):
    bar = f.approved(proc, owner=purchasing_head, name="Hüttenstahl Brenner GmbH", part_numbers="H-220")

    login(purchasing_head)
    page.goto(bar.get_absolute_url())
    page.get_by_test_id("record-change").click()
    page.get_by_label("What changes").select_option(label="Material")
    page.get_by_label("How we learned of it").select_option(label="Notified by the supplier")
    page.get_by_label("Description").fill(
        "From the next delivery the 42CrMo4 bars come from another steel mill, within nominal tolerance."
    )
    page.get_by_label("Affected parts").fill("H-220")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    change = SupplierChange.objects.get()
    assert page.get_by_test_id("status").inner_text() == "Open · not evaluated"
    assert "H-220" in page.get_by_test_id("change-open").inner_text()
    assert gates.check("supplier_change_open", on=timezone.localdate(), supplier=bar, part="Housing H-220")
    # Purchasing records it; approving is quality's.
    assert page.get_by_test_id("approve-form").count() == 0

    page.context.clear_cookies()
    login(quality_manager)
    page.goto(change.get_absolute_url())
    form = page.get_by_test_id("evaluate-form")
    form.get_by_label("Risk").select_option(label="High")
    form.get_by_label("Evaluation").fill(
        "Softer grade from the new mill: the boring offsets change. First article before release."
    )
    form.get_by_label("First-article inspection needed").check()
    form.get_by_role("button", name="Record the evaluation").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "Open · evaluated"
    assert "first-article inspection" in page.get_by_test_id("evaluation").inner_text()

    # Approved with the first-article inspection's result, which the evaluation asked for.
    approve = page.get_by_test_id("approve-form")
    approve.get_by_label("Password").fill(password)
    approve.get_by_role("button", name="Approve and sign").click()
    page.wait_for_load_state()
    assert "needed first-article inspection" in page.get_by_test_id("approve-form").inner_text()
    approve = page.get_by_test_id("approve-form")
    approve.get_by_label("Note").fill("FAI-2026-031: 30 housings within the drawing")
    approve.get_by_label("Password").fill(password)
    approve.get_by_role("button", name="Approve and sign").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "Approved"
    assert "Valid" in page.get_by_test_id("signatures").inner_text()
    assert page.get_by_test_id("change-open").count() == 0
    assert not gates.check(
        "supplier_change_open", on=timezone.localdate(), supplier=bar, part="Housing H-220"
    )


def test_the_scar_register_finds_a_supplier_by_typing_its_name(page, login, quality_manager, dept, staff):
    """The SCARs' filter bar lists no suppliers: typing part of a name finds the supplier, the
    result goes into the select, and the register shows that supplier's SCARs only."""
    from tests import walker

    walker.load_all()
    first = walker.BUILDERS["suppliers.scar"](staff, dept)["_record"]
    second = walker.BUILDERS["suppliers.scar"](staff, dept)["_record"]
    assert first.supplier != second.supplier
    login(quality_manager)
    page.goto("/suppliers/scars/")
    select = page.locator("select[name=supplier]")
    assert select.locator("option").count() == 1  # "Any supplier", nothing else
    box = page.get_by_label("Find a supplier")
    box.fill(first.supplier.name.split()[0])
    page.get_by_test_id("picker-result").get_by_text(first.supplier.name, exact=True).click()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    register = page.get_by_test_id("register").inner_text()
    assert first.reference in register and second.reference not in register
    assert f"supplier={first.supplier.pk}" in page.url


def _contact(supplier, by, name):
    from qms.services import child_add
    from suppliers.models import SupplierContact

    return child_add(
        model=SupplierContact, by=by, supplier=supplier, name=name, email=f"{name[0]}@example.com"
    )


def test_choosing_the_supplier_of_a_new_scar_lists_its_contacts(page, login, purchasing_head, proc):
    bar = f.approved(proc, owner=purchasing_head, name="Hüttenstahl Brenner GmbH")
    paint = f.approved(proc, owner=purchasing_head, name="Lackwerk Süd")
    _contact(bar, purchasing_head, "Petra Brenner")
    _contact(paint, purchasing_head, "Jonas Lack")

    login(purchasing_head)
    page.goto("/suppliers/scars/new/")
    contact = page.get_by_label("Contact")
    assert contact.locator("option").all_inner_texts() == ["---------"]  # the supplier comes first
    expect(page.get_by_text("Choose the supplier first: its contacts are listed here.")).to_be_visible()
    page.get_by_role("searchbox", name="Find a supplier").fill("Lackwerk")
    page.get_by_role("button", name="Lackwerk Süd").click()
    expect(page.locator("#id_contact")).to_contain_text("Jonas Lack")  # the list reloaded
    assert page.get_by_label("Contact").locator("option").all_inner_texts() == [
        "---------",
        "Jonas Lack <J@example.com>",
    ]
    expect(page.locator("#id_contact_helptext")).to_have_text("The chosen supplier's contacts.")
    expect(page.get_by_label("Contact")).to_have_attribute(
        "aria-describedby", "id_contact_helptext"
    )  # the help it names is still on the page
    page.get_by_label("Contact").select_option(label="Jonas Lack <J@example.com>")
    page.get_by_label("Nonconformity").fill("Paint blisters on 40 housings after the salt-spray test.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    from suppliers.models import Scar

    scar = Scar.objects.get()
    assert (scar.supplier, scar.contact.name) == (paint, "Jonas Lack")


def test_choosing_another_supplier_on_a_scar_being_edited_lists_its_contacts(
    page, login, purchasing_head, proc
):
    bar = f.approved(proc, owner=purchasing_head, name="Hüttenstahl Brenner GmbH")
    paint = f.approved(proc, owner=purchasing_head, name="Lackwerk Süd")
    _contact(bar, purchasing_head, "Petra Brenner")
    _contact(paint, purchasing_head, "Jonas Lack")
    scar = f.scar(bar, purchasing_head, problem="Paint blisters on 40 housings after the salt-spray test.")

    login(purchasing_head)
    page.goto(f"/suppliers/scars/{scar.pk}/edit/")
    assert page.get_by_label("Contact").locator("option").all_inner_texts() == [
        "---------",
        "Petra Brenner <P@example.com>",
    ]
    page.get_by_role("searchbox", name="Find a supplier").fill("Lackwerk")
    page.get_by_role("button", name="Lackwerk Süd").click()
    expect(page.locator("#id_contact")).to_contain_text("Jonas Lack")  # the list reloaded
    page.get_by_label("Contact").select_option(label="Jonas Lack <J@example.com>")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/suppliers/scars/{scar.pk}/")
    scar.refresh_from_db()
    assert (scar.supplier, scar.contact.name) == (paint, "Jonas Lack")
