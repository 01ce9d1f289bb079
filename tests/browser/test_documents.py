"""Document control in a real browser: the author registers a drawing and drafts revision A, a
reviewer and the quality manager sign it, it becomes effective, and the operator at the
workstation acknowledges it from "My work"."""

import pytest
from playwright.sync_api import expect

from documents.models import Acknowledgment, Revision
from qms.models import Role, Signature
from tests.browser.conftest import pick
from tests.factories import UserFactory
from tests.uploads import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_user(page, login, user):
    page.context.clear_cookies()
    return login(user)


def test_full_document_lifecycle_author_reviewer_approver_effective_acknowledged(
    page, login, head, dept, quality_manager, password
):
    reviewer = UserFactory(username="nroth", first_name="Nina", last_name="Roth", department=dept)
    operator = UserFactory(
        username="eyilmaz", first_name="Emre", last_name="Yilmaz", role=Role.STAFF, department=dept
    )

    # The author registers the drawing with the operator on the distribution list.
    login(head)
    page.goto("/documents/")
    page.get_by_role("link", name="New", exact=True).click()
    page.get_by_label("Document number").fill("DRW-40512")
    page.get_by_label("Title").fill("Bracket, machined")
    page.get_by_label("Type").select_option("drawing")
    page.get_by_label("Used at workstations").fill("Cell 4")
    pick(page, "Distribution: people", operator)
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("doc-number").inner_text() == "DRW-40512"

    # Draft revision A with its PDF, sent to a reviewer and the quality manager.
    page.get_by_test_id("new-revision").click()
    assert page.get_by_label("Revision").input_value() == "A"
    page.get_by_label("Change summary").fill("First issue for production release")
    page.get_by_label("File").set_input_files(
        {"name": "DRW-40512.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("DRW-40512 rev A")}
    )
    page.get_by_role("button", name="Open draft").click()
    assert page.get_by_test_id("revision-status").inner_text() == "Draft"
    assert "DRAFT – NOT RELEASED FOR USE" in page.get_by_test_id("not-current-banner").inner_text()
    page.get_by_test_id("submit-for-review").click()
    pick(page, "Reviewers", operator)  # chosen by mistake, removed by tapping its ×
    pick(page, "Reviewers", reviewer)
    page.get_by_role("button", name=f"Remove {operator}").first.click()
    chosen = page.get_by_label("Reviewers").evaluate("s => Array.from(s.selectedOptions).map(o => o.value)")
    assert chosen == [str(reviewer.pk)]
    assert page.get_by_role("button", name=f"Remove {reviewer}").count() == 1
    pick(page, "Approvers", quality_manager)
    page.get_by_role("button", name="Send for review").click()
    assert page.get_by_test_id("revision-status").inner_text() == "In review"
    revision_url = page.url

    # The reviewer finds it in My work and signs "reviewed", first with a wrong password.
    switch_user(page, login, reviewer)
    page.get_by_test_id("my-work").get_by_role("link", name="DRW-40512").first.click()
    page.get_by_test_id("sign").click()
    page.get_by_label("Meaning of my signature").select_option("reviewed")
    page.get_by_label("Your password").fill("wrong password")
    page.get_by_role("button", name="Sign").click()
    assert "password is not correct" in page.locator("[data-field=password]").inner_text()
    assert not Signature.objects.exists()
    page.get_by_label("Meaning of my signature").select_option("reviewed")
    page.get_by_label("Your password").fill(password)
    page.get_by_role("button", name="Sign").click()
    assert "Nina Roth" in page.get_by_test_id("signatures").inner_text()

    # The quality manager approves; with no later effective date it is effective at once.
    switch_user(page, login, quality_manager)
    page.goto(revision_url)
    page.get_by_test_id("sign").click()
    page.get_by_label("Meaning of my signature").select_option("approved")
    page.get_by_label("Your password").fill(password)
    page.get_by_role("button", name="Sign").click()
    assert page.get_by_test_id("revision-status").inner_text() == "Effective"
    signatures = page.get_by_test_id("signatures").inner_text()
    assert str(quality_manager) in signatures and "Approved" in signatures and "UTC" in signatures
    assert page.get_by_test_id("not-current-banner").count() == 0

    # The document page shows the operator as not yet acknowledged.
    page.get_by_role("link", name="DRW-40512").first.click()
    assert "Emre Yilmaz" in page.get_by_test_id("not-acknowledged").inner_text()

    # The operator acknowledges from My work.
    switch_user(page, login, operator)
    row = page.get_by_test_id("my-work").locator("tr", has_text="Read and acknowledge")
    row.get_by_role("link").first.click()
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("my-ack")).to_have_count(0)
    ack = Acknowledgment.objects.get(user=operator)
    assert ack.status == "acknowledged"
    assert Revision.objects.get().status == "effective"

    # Back on the document page, nobody is left working to an old revision.
    switch_user(page, login, head)
    page.goto(ack.revision.document.get_absolute_url())
    assert (
        "Everyone on the distribution list has acknowledged"
        in page.get_by_test_id("not-acknowledged").inner_text()
    )
