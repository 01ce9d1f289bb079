"""The interface shell in a real browser: logging in, My work, and the auditor's read-only view."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import WidgetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_department_head_logs_in_and_sees_my_work(page, login, head, dept):
    overdue = WidgetFactory(
        owner=head,
        department=dept,
        title="Gauge R&R overdue",
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    login(head)
    table = page.get_by_test_id("my-work")
    assert page.get_by_role("heading", name="My work").is_visible()
    row = table.locator("tr", has_text=overdue.reference)
    assert row.is_visible()
    assert "3 days overdue" in row.inner_text()


def test_auditor_reads_history_and_sees_no_control_that_changes_data(page, login, auditor, head, dept):
    ncr = WidgetFactory(owner=head, department=dept, title="Scratch on housing")
    login(auditor)
    page.goto(ncr.get_absolute_url())
    page.get_by_test_id("tab-history").click()
    history = page.get_by_test_id("history")
    expect(history).to_be_visible()
    # The tab loads the history when it is opened.
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr")).to_contain_text("Created")
    main = page.locator("main")
    # No form that changes data: the only POST form on the page is the logout in the user menu.
    assert main.locator("form[method=post]").count() == 0
    assert main.get_by_test_id("edit").count() == 0
    assert main.get_by_test_id("transitions").count() == 0
    assert page.get_by_role("link", name="New").count() == 0


def test_auditor_profile_offers_no_settings_to_change_but_a_password_change(page, login, auditor):
    login(auditor)
    page.get_by_role("button", name="Menu").click()  # at 1024 px the menu is behind its button
    expect(page.locator("#nav.show")).to_be_visible()  # opened, not still sliding open
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Profile").click()
    main = page.locator("main")
    assert "Read-only auditor access" in main.inner_text()
    assert main.locator("form[method=post]").count() == 0
    assert main.get_by_label("Receive digest").count() == 0
    main.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()


@pytest.mark.parametrize("width", [1024, 1280, 1440, 1920])
def test_the_menu_fits_a_laptop_screen_without_sideways_scrolling(page, login, quality_manager, width):
    """Twelve entries, the search box and "Eva Schneider · Quality manager" once pushed a 1280 px
    page 120 px wider than the screen, the user menu past its right edge."""
    quality_manager.first_name, quality_manager.last_name = "Maximiliane", "Schneider-Hoffmann"
    quality_manager.save()
    page.set_viewport_size({"width": width, "height": 800})
    login(quality_manager)
    page.goto("/documents/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    menu = page.get_by_test_id("user-menu")
    if width < 1200:  # behind the menu button, which opens it within the screen
        assert not menu.is_visible()
        page.get_by_role("button", name="Menu").click()
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] + box["width"] <= width
    search = page.get_by_label("Search every module")
    assert search.bounding_box()["width"] >= 150
    for label in ("NCR & CAPA", "Management review", "Audits & risks"):  # one line each
        link = page.locator("#nav").get_by_role("link", name=label, exact=True)
        assert link.bounding_box()["height"] < 48, label


def test_a_reason_of_only_spaces_is_refused_beside_its_box_and_nothing_changes(
    page, login, quality_manager, dept
):
    from tests.kernelapp.models import Widget

    widget = WidgetFactory(owner=quality_manager, department=dept, title="Bracket for cell 4")
    Widget.objects.filter(pk=widget.pk).update(status="closed")
    login(quality_manager)
    page.goto(widget.get_absolute_url())
    box = page.get_by_label("Reason for “Reopen”")
    box.fill("   ")
    page.get_by_test_id("step-reopen").get_by_role("button", name="Reopen").click()
    # The browser keeps the form and says, beside the box, what the server would have said.
    expect(box).to_be_focused()
    assert box.evaluate("b => b.validationMessage") == "Give a reason for this step."
    assert Widget.objects.get(pk=widget.pk).status == "closed"
    box.fill("Customer returned two brackets")
    page.get_by_test_id("step-reopen").get_by_role("button", name="Reopen").click()
    expect(page.get_by_test_id("status")).to_have_text("Released")


def test_on_a_phone_each_count_of_the_overview_says_what_it_counts(page, login, head, dept, staff):
    """The Overview's table stacks into cards on a phone and its heading row ("overdue · this
    week" under each module) is gone: each count says it itself there, the totals too; on a wider
    screen the heading says it and the counts are bare numbers."""
    today = timezone.localdate()
    WidgetFactory(owner=staff, department=dept, due_date=today - dt.timedelta(days=2))
    WidgetFactory(owner=staff, department=dept, due_date=today + dt.timedelta(days=3))
    page.set_viewport_size({"width": 390, "height": 844})
    login(head)
    page.goto("/overview/")
    table = page.get_by_test_id("overview")
    cell = table.locator("tbody td").first
    assert cell.inner_text().split() == ["1", "overdue", "·", "1", "this", "week"]
    total = table.locator("tfoot th[data-label]").first
    assert total.inner_text().split() == ["1", "overdue", "·", "1", "this", "week"]
    # The module's name stands before each, the total's too ("Widgets: 1 overdue · 1 this week").
    before = "(el) => getComputedStyle(el, '::before').content"
    assert cell.evaluate(before) == total.evaluate(before) == '"Widgets: "'
    page.set_viewport_size({"width": 1280, "height": 800})
    assert cell.inner_text().split() == ["1", "·", "1"]
