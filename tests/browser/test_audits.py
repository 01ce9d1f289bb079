"""An internal audit on a tablet: the lead auditor walks the checklist question by question,
answers one conforming and one as a finding with a photo, records the major finding from that
question (prefilled), raises a CAPA from it in one click (prefilled, linked both ways), and sees the
finding waiting for its CAPA. No page is wider than the tablet."""

import pytest
from playwright.sync_api import expect

from audits.models import Finding
from capa.models import Capa
from qms.models import Role
from tests.audits import factories as af
from tests.factories import DepartmentFactory, UserFactory
from tests.uploads import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], f"{page.url} is {width}px wide on a tablet"


def test_an_audit_on_a_tablet_from_checklist_to_a_finding_that_raises_a_capa(
    page, login, other_dept, other_head, tmp_path
):
    quality = DepartmentFactory(name="Quality Management", code="QM")
    lead = UserFactory(
        username="eschneider",
        first_name="Eva",
        last_name="Schneider",
        role=Role.QUALITY_MANAGER,
        department=quality,
    )
    furnace = af.process(other_dept, "Heat treatment")
    audit = af.audit(
        lead=lead,
        audited=[other_dept],
        department=quality,
        process=furnace,
        clauses=("7.2", "7.5"),
        start=True,
        title="Heat treatment: process audit",
    )
    page.set_viewport_size(TABLET)
    login(lead)

    page.goto(audit.get_absolute_url())
    fits(page)
    checklist = page.get_by_test_id("checklist")
    assert "0 of 2 answered" in page.locator("#checklist").inner_text()
    checklist.locator("a").first.click()

    # Question 1 (7.2): saved before an answer is chosen, refused on the question itself; then conforming.
    assert "7.2" in page.locator("h1").inner_text()
    fits(page)
    form = page.get_by_test_id("answer-form")
    form.get_by_label("Notes").fill("Furnace operators' records sampled")
    form.get_by_role("button", name="Save answer").click()
    assert "7.2" in page.locator("h1").inner_text()
    form = page.get_by_test_id("answer-form")
    expect(form.get_by_role("group", name="Answer")).to_contain_text(
        "Choose an answer: conforming, a finding or not applicable."
    )
    fits(page)
    form.get_by_text("Conforming", exact=True).click()
    form.get_by_label("Notes").fill(
        "Furnace operators' records sampled: Zimmer qualified, Yilmaz in training."
    )
    form.get_by_role("button", name="Save answer").click()
    assert page.get_by_test_id("answer").inner_text() == "Conforming"
    page.get_by_test_id("next").click()

    # Question 2 (7.5): a finding, with a photo of what was seen.
    assert "7.5" in page.locator("h1").inner_text()
    form = page.get_by_test_id("answer-form")
    form.get_by_text("Finding", exact=True).click()
    form.get_by_label("Notes").fill("Drawing DRW-40512 rev B at the furnace; rev C effective since March.")
    form.get_by_role("button", name="Save answer").click()
    photo = tmp_path / "furnace-drawing.png"
    photo.write_bytes(image_bytes())
    page.get_by_test_id("photo-form").locator("input[type=file]").set_input_files(str(photo))
    page.get_by_test_id("photo-form").get_by_role("button", name="Add photo").click()
    assert "furnace-drawing.png" in page.get_by_test_id("photos").inner_text()
    fits(page)

    # Record the finding from the question: audit, question, clause and evidence come prefilled.
    page.get_by_test_id("record-finding").click()
    assert page.get_by_label("Clause").input_value() == "7.5"
    assert "rev B at the furnace" in page.get_by_label("Objective evidence").input_value()
    page.get_by_label("Grade").select_option(label="Major nonconformity")
    fits(page)
    page.get_by_role("button", name="Save").click()
    finding = Finding.objects.get()
    assert finding.grade == "major" and finding.owner == other_head and finding.item.answer == "finding"
    assert "None raised yet" in page.get_by_test_id("raised").inner_text()

    # Raise a CAPA in one click: the form is prefilled from the finding and linked to it.
    page.get_by_test_id("raise-actions").get_by_role("link", name="Raise a CAPA").click()
    assert page.get_by_label("Title").input_value() == finding.title
    fits(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()  # the CAPA's page, read whole (read mid-load, its content was "")
    capa = Capa.objects.get()
    assert capa.source == "audit" and capa.severity == "major" and capa.department == other_dept
    assert finding.reference in page.content()

    page.goto(finding.get_absolute_url())
    assert capa.reference in page.get_by_test_id("raised").inner_text()
    assert "closes by itself" in page.content()
