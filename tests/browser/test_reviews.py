"""A management review in a real browser: the quality manager plans it, prepares its inputs,
holds the meeting (the inputs frozen), writes the minutes and records a decision with an action;
the chair signs the minutes; the action is in its owner's My work."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qms.models import Role
from reviews.models import Review, ReviewAction
from tests.browser.conftest import pick
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def iso(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_the_quality_manager_prepares_and_holds_a_review_the_chair_signs_and_actions_reach_their_owners(
    page, login, quality_manager, other_head, dept
):
    chair = UserFactory(username="mdirector", role=Role.TOP_MANAGEMENT, department=None)
    login(quality_manager)

    page.goto("/reviews/meetings/new/")
    page.get_by_label("Title").fill("Management review Q2")
    page.get_by_label("Period from").fill(iso(-90))
    page.get_by_label("Period to").fill(iso(-1))
    page.get_by_label("Planned for").fill(iso(3))
    pick(page, "Chair", chair)
    page.get_by_label("Department").select_option(label=dept.name)
    page.get_by_role("button", name="Save").click()
    review = Review.objects.get()
    assert page.get_by_test_id("status").inner_text() == "Planned"
    issues = page.get_by_test_id("input-issues")  # 9.3.2 b): no module measures it
    assert "No module behind this input — enter text." in issues.inner_text()

    # Prepare: what no module measures is entered by hand.
    page.get_by_test_id("prepare").click()
    page.locator("[name=entered__issues]").fill("A new customer in medical devices: one minor finding.")
    page.get_by_role("button", name="Save inputs").click()
    assert "one minor finding" in page.get_by_test_id("input-issues").inner_text()

    # Hold the meeting with who attended: the inputs are frozen.
    form = page.get_by_test_id("hold-form")
    assert form.get_by_label("Held on").input_value() == iso(0)
    pick(form, "Attendees", chair)
    form.get_by_role("button", name="Hold the meeting").click()
    assert page.get_by_test_id("status").inner_text() == "Held"
    assert list(Review.objects.get().attendees.all()) == [chair]
    assert "as held" in page.locator("#inputs").inner_text()

    # The minutes, input by input.
    page.get_by_test_id("write-minutes").click()
    boxes = page.locator("textarea[name^=minutes__]")
    expect(boxes).to_have_count(12)  # waits for the minutes page to be parsed, not only committed
    for i in range(12):
        boxes.nth(i).fill(f"Discussed; point {i + 1}.")
    page.get_by_role("button", name="Save minutes").click()
    assert "Discussed; point 8." in page.get_by_test_id("input-audits").inner_text()  # the 8th input

    # A decision and its action, owned by the head of production.
    form = page.get_by_test_id("decision-form")
    form.get_by_label("Output (9.3.3)").select_option(label="Resource need")
    form.get_by_label("From the input").select_option(label="Adequacy of resources")
    form.get_by_label("Decision").fill("Qualify a backup setter for cell 4.")
    form.get_by_role("button", name="Record decision").click()
    # Recorded, the decision's page opens to give it its actions.
    assert "backup setter" in page.get_by_test_id("decision-text").inner_text()
    form = page.get_by_test_id("action-form")
    form.get_by_label("Action").fill("Train and assess a second setter")
    pick(form, "Owner", other_head)
    form.get_by_label("Due date").fill(iso(14))
    form.get_by_role("button", name="Add action").click()
    assert "Train and assess a second setter" in page.locator("h1").inner_text()
    assert page.get_by_test_id("action-status").inner_text() == "Open"

    # The chair signs the minutes.
    page.context.clear_cookies()
    login(chair)
    page.goto(review.get_absolute_url())
    form = page.get_by_test_id("sign-form")
    form.get_by_label("Password").fill("wrong password")
    form.get_by_role("button", name="Sign the minutes").click()
    assert "not correct" in page.get_by_test_id("sign-form").inner_text()
    page.get_by_test_id("sign-form").get_by_label("Password").fill("test-pass-123")
    page.get_by_test_id("sign-form").get_by_role("button", name="Sign the minutes").click()
    assert page.get_by_test_id("status").inner_text() == "Minutes signed"
    assert "Valid" in page.get_by_test_id("signatures").inner_text()

    # The action is in its owner's My work, and opens there.
    page.context.clear_cookies()
    login(other_head)
    page.goto("/")
    row = page.locator("tr", has_text="Train and assess a second setter")
    assert "Review action" in row.inner_text() or review.reference in row.inner_text()
    row.get_by_role("link", name=review.reference).click()
    action = ReviewAction.objects.get()
    assert page.url.endswith(action.get_absolute_url())
    assert page.get_by_test_id("action-status").inner_text() == "Open"
