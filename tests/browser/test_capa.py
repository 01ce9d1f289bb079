"""The CAPA lifecycle in a real browser: from the customer's NCR to a closed, verified CAPA."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from capa.models import Capa, Nonconformity
from tests.browser.conftest import pick
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def iso(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def step(page, label: str) -> None:
    page.get_by_test_id("transitions").get_by_role("button", name=label).click()
    page.wait_for_load_state()


def test_from_ncr_to_closed_and_verified_capa(page, login, head, staff, quality_manager, dept):
    login(head)

    # The NCR: a customer complaint on a shipped lot.
    page.goto("/capa/ncr/new/")
    page.get_by_label("Title").fill("Bore oversize on lot 24-1187")
    page.get_by_label("Source").select_option(label="Customer complaint")
    page.get_by_label("Severity").select_option(label="Major")
    page.get_by_label("Part or product").fill("Housing H-220")
    page.get_by_label("Lot or batch").fill("24-1187")
    page.get_by_label("Quantity affected").fill("6200")
    page.get_by_label("Description").fill("Ø12 H7 bore measured 12.021–12.030 mm.")
    page.get_by_role("button", name="Save").click()
    ncr = Nonconformity.objects.get()
    assert page.get_by_test_id("status").inner_text() == "Open"

    form = page.get_by_test_id("disposition-form")
    form.get_by_label("Disposition of the nonconforming product").select_option(label="Scrap")
    form.get_by_role("button", name="Record disposition").click()
    assert "Scrap" in page.get_by_test_id("disposition").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Dispositioned"

    # Raise the CAPA from the NCR: the form comes filled from it.
    page.get_by_test_id("raise-actions").get_by_role("link", name="Raise a CAPA").click()
    assert page.get_by_label("Title").input_value() == "Bore oversize on lot 24-1187"
    page.get_by_label("Customer", exact=True).fill("Kessler Antriebstechnik")
    page.get_by_role("button", name="Save").click()
    capa = Capa.objects.get()
    assert ncr.reference in page.get_by_test_id("capa-ncrs").inner_text()

    step(page, "Start containment")
    page.get_by_text("Add a containment action").click()
    form = page.get_by_test_id("containment-form")
    form.get_by_label("Containment action").fill("Quarantine and sort all H-220 stock")
    pick(form, "Owner", staff)
    form.get_by_label("Due date").fill(iso(2))
    form.get_by_role("button", name="Add containment action").click()
    assert "Quarantine and sort" in page.get_by_test_id("containment-table").inner_text()

    step(page, "Start investigation")
    for answer in ("The bore was cut oversize.", "The supplier substituted the bar stock grade."):
        form = page.get_by_test_id("why-form")
        form.get_by_label("Why?").fill(answer)
        form.get_by_role("button", name="Add why").click()
    assert "substituted" in page.get_by_test_id("whys").inner_text()
    form = page.get_by_test_id("cause-form")
    form.get_by_label("Category").select_option(label="Material")
    form.locator("[name=cause-description]").fill("Substituted bar stock")
    form.get_by_label("Confirmed root cause").check()
    form.get_by_role("button", name="Add cause").click()

    # The gate: no actions before the root cause is recorded.
    step(page, "Root cause found: plan actions")
    assert "Record the root cause" in page.get_by_role("alert").first.inner_text()
    form = page.get_by_test_id("root-cause-form")
    form.locator("[name=rootcause-root_cause]").fill("Unevaluated supplier material change.")
    form.get_by_label("Root cause category (6M)").select_option(label="Material")
    form.get_by_role("button", name="Save root cause").click()
    step(page, "Root cause found: plan actions")
    assert page.get_by_test_id("status").inner_text() == "Actions"

    page.get_by_text("Add an action").click()
    form = page.get_by_test_id("action-form")
    form.get_by_label("Kind").select_option(label="Corrective")
    form.get_by_label("Action").fill("Require supplier change notifications")
    pick(form, "Owner", head)
    form.get_by_label("Due date").fill(iso(10))
    form.get_by_role("button", name="Add action").click()

    # The gate: no verification while an action is open — clear message, nothing changes.
    form = page.get_by_test_id("verify-form")
    form.get_by_label("Effectiveness check due on").fill(iso(90))
    form.get_by_label("Effectiveness criteria").fill("No bore rejects in the next 10 lots.")
    pick(form, "Verifier", quality_manager)
    form.get_by_role("button", name="Move to verification").click()
    assert "A1 is still open" in page.get_by_test_id("verify-form").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Actions"

    page.get_by_test_id("action-A1").get_by_role("link", name="Update").click()
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_label("Evidence").fill("Purchase conditions rev 4 issued.")
    page.get_by_role("button", name="Save").click()
    assert "Done" in page.get_by_test_id("action-A1").inner_text()

    form = page.get_by_test_id("verify-form")
    form.get_by_label("Effectiveness check due on").fill(iso(90))
    form.get_by_label("Effectiveness criteria").fill("No bore rejects in the next 10 lots.")
    pick(form, "Verifier", quality_manager)
    form.get_by_role("button", name="Move to verification").click()
    assert page.get_by_test_id("status").inner_text() == "Verification"

    # Closing asks whether risks and documents must change.
    form = page.get_by_test_id("close-form")
    form.get_by_role("button", name="Close CAPA").click()
    assert "This field is required." in page.get_by_test_id("close-form").inner_text()

    def close():
        form = page.get_by_test_id("close-form")
        form.get_by_label("Must risks and opportunities be updated? (10.2.1 e)").select_option(label="No")
        form.get_by_label(
            "Must documents (procedures, drawings, work instructions) change? (10.2.1 f)"
        ).select_option(label="No")
        form.get_by_role("button", name="Close CAPA").click()

    # The gate: not while the stock is still in quarantine, unsorted.
    close()
    assert "1 containment action is still open" in page.get_by_test_id("close-form").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Verification"
    page.get_by_test_id("stage-containment").locator("summary").first.click()
    page.get_by_test_id("containment-table").get_by_role("link", name="Update").click()
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_label("Result").fill("6,200 parts sorted, 410 scrapped.")
    page.get_by_role("button", name="Save").click()
    # Back on the CAPA's page, whose script opens the stage the address names: waited for, as a
    # reader would (a loaded machine read the table while its stage was still folded).
    expect(page.get_by_test_id("containment-table")).to_contain_text("Done")
    close()
    assert page.get_by_test_id("status").inner_text() == "Closed"
    assert str(head) in page.get_by_test_id("closure").inner_text()
    assert page.get_by_test_id("owner-cannot-sign").is_visible()

    # The verifier signs the effectiveness check off later.
    page.context.clear_cookies()
    login(quality_manager)
    page.goto(capa.get_absolute_url())
    form = page.get_by_test_id("check-form")
    form.get_by_label("Result").select_option(label="Effective")
    form.get_by_label("Findings").fill("10 lots delivered, no bore rejects.")
    # Signed before it is due: a reason, and the verifier's password (an e-signature).
    form.get_by_label("Why judge it before its due date").fill("Ten lots made already")
    form.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    form.get_by_role("button", name="Sign off effectiveness check").click()
    assert "e-signed by" in page.get_by_test_id("checks-table").inner_text()
    assert "Effective" in page.get_by_test_id("checks-table").inner_text()

    with page.expect_download() as info:
        page.get_by_test_id("pdf-8d").click()
    text = " ".join(p.extract_text() for p in PdfReader(info.value.path()).pages)
    assert "Unevaluated supplier material change." in " ".join(text.split())
    capa.refresh_from_db()
    assert capa.status == "closed" and capa.checks.get().verified_by == quality_manager


def test_auditor_sees_the_capa_without_any_control_that_changes_data(page, login, auditor, head, dept):
    from capa import services

    capa = services.capa_create(
        by=head,
        title="Scratch on housing",
        description="Handling damage.",
        owner=head,
        department=dept,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    services.why_add(capa=capa, by=head, answer="Parts stacked without separators.")
    login(auditor)
    page.goto(capa.get_absolute_url())
    main = page.locator("main")
    assert "Parts stacked without separators." in main.inner_text()
    assert main.locator("form[method=post]").count() == 0
    assert main.get_by_test_id("transitions").count() == 0
    assert main.get_by_test_id("pdf-8d").is_visible()


def test_a_form_sent_twice_at_once_reports_one_ncr(page, login, head):
    """Eight identical NCRs came of one form sent eight times at once (a double-click): the page
    sends a form once while its answer is on the way."""
    login(head)
    page.goto("/capa/ncr/new/")
    page.get_by_label("Title").fill("Burr on flange")
    page.get_by_label("Severity").select_option(label="Minor")
    page.get_by_label("Description").fill("Burr on the chamfer, 3 of 50 parts.")
    # Two submits in a row, each seen after the page's own handler (and held here, not sent).
    sent = page.evaluate(
        """() => {
            const form = document.querySelector("main form[method=post]");
            const seen = [];
            document.addEventListener("submit", (e) => {
                seen.push(!e.defaultPrevented);
                e.preventDefault();
            });
            form.requestSubmit();
            form.requestSubmit();
            return seen;
        }"""
    )
    assert sent == [True, False]
    page.goto("/capa/ncr/new/")
    page.get_by_label("Title").fill("Burr on flange")
    page.get_by_label("Severity").select_option(label="Minor")
    page.get_by_label("Description").fill("Burr on the chamfer, 3 of 50 parts.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert Nonconformity.objects.count() == 1
