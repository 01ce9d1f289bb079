"""Keyboard use in a real browser: the skip link, the picker (Enter, arrows, Escape, where the focus
goes after a choice), the focus on the first wrong field of a refused form, and the register's
long unbroken title at a phone's, a small tablet's and a tablet's width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from capa.models import Nonconformity
from qms.models import Role
from tests.capa.factories import NonconformityFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_TESTID = "() => document.activeElement && document.activeElement.dataset.testid"


def _picker(scope, label: str):
    """The search box, the results and the spoken status of the picker of the field ``label``."""
    select = scope.get_by_label(label)
    box = select.locator("xpath=./preceding-sibling::input[@type='search'][1]")
    results = select.locator("xpath=./preceding-sibling::div[contains(@class, 'picker-results')][1]")
    status = select.locator("xpath=./preceding-sibling::div[@data-testid='picker-status'][1]")
    return select, box, results, status


def test_the_skip_link_is_the_first_tab_stop_and_moves_to_the_page(page, login, head):
    login(head)
    page.goto("/capa/ncr/")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_TESTID) == "skip-link"
    assert page.get_by_test_id("skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")  # from the page on, not from the menu
    assert page.evaluate("!!document.activeElement.closest('main')")


def test_the_picker_is_used_with_the_keyboard_and_enter_never_sends_the_form(page, login, head, staff):
    login(head)
    page.goto("/capa/ncr/new/")
    select, box, results, status = _picker(page, "Owner")
    box.fill(staff.last_name)
    expect(status).to_have_text(re.compile(r"^\d+ results?$"))
    first = results.get_by_role("button").first
    expect(first).to_have_text(re.compile("^" + re.escape(str(staff))))

    # Down into the results, up back to the box, Escape from a result back to the box.
    box.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    box.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(box).to_be_focused()

    # Enter chooses the first result; the form is not sent and the focus stays in the box.
    box.press("Enter")
    expect(results.get_by_role("button")).to_have_count(0)
    expect(box).to_be_focused()
    assert select.input_value() == str(staff.pk)
    assert page.url.endswith("/capa/ncr/new/") and not Nonconformity.objects.exists()

    # A search that finds nothing says so; Enter then does nothing.
    box.fill("zzzz-nobody")
    expect(status).to_have_text("No match")
    box.press("Enter")
    assert page.url.endswith("/capa/ncr/new/") and not Nonconformity.objects.exists()

    # A result chosen with Enter from the list, after moving down to it, leaves the focus in the box.
    box.fill(staff.last_name)
    expect(status).to_have_text(re.compile(r"results?$"))
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_be_focused()


def test_removing_a_chosen_person_leaves_the_focus_in_the_pickers_box(page, login, head, dept):
    operator = UserFactory(
        username="eyilmaz", first_name="Emre", last_name="Yilmaz", role=Role.STAFF, department=dept
    )
    login(head)
    page.goto("/documents/new/")
    select, box, results, _ = _picker(page, "Distribution: people")
    box.fill(operator.last_name)
    results.get_by_role("button", name=str(operator)).click()
    expect(box).to_be_focused()
    chip = page.get_by_role("button", name=f"Remove {operator}")
    chip.focus()
    page.keyboard.press("Enter")
    expect(chip).to_have_count(0)
    expect(box).to_be_focused()
    assert select.evaluate("s => s.selectedOptions.length") == 0


def test_a_refused_form_focuses_its_first_wrong_field_and_says_error_in_the_title(page, login, head):
    login(head)
    page.goto("/capa/ncr/new/")
    page.get_by_label("Title").fill("   ")  # past the browser's check, refused by the server
    page.get_by_label("Description").fill("Burr on the chamfer.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_be_focused()
    assert page.title().startswith("Error: ")
    # A page with nothing wrong keeps its title and the focus where it was.
    page.goto("/capa/ncr/new/")
    assert not page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement === document.body")


@pytest.mark.parametrize("width", [390, 640, 820])
def test_a_long_unbroken_title_wraps_in_the_register_and_headings_keep_their_words(
    browser, live_server, width, head
):
    from django.conf import settings
    from django.test import Client

    NonconformityFactory(title="X" * 200, owner=head, department=head.department)
    client = Client()
    client.force_login(head)
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 844})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto("/capa/ncr/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        table = page.get_by_test_id("register")
        # The title wraps within its cell: it made the table 3,145 px wide. (A register of a dozen
        # columns may still be wider than a small tablet: it scrolls inside its own box.)
        title = table.locator("td.free-text").first
        limit = width if width < 576 else width / 2  # a phone's card is as wide as the screen
        assert title.evaluate("td => td.getBoundingClientRect().width") <= limit
        assert title.evaluate("td => td.scrollWidth <= td.clientWidth")
        if width > 575:  # the table's own layout (a phone stacks its rows into cards)
            # Every heading's words are whole: a heading is as tall as one line of its text.
            broken = table.evaluate(
                """t => Array.from(t.querySelectorAll("thead th")).filter((th) => {
                  const range = document.createRange();
                  range.selectNodeContents(th);
                  const words = th.textContent.trim().split(/\\s+/).length;
                  return range.getClientRects().length > words;
                }).map((th) => th.textContent.trim())"""
            )
            assert not broken, broken
    finally:
        context.close()


def test_a_registers_date_filter_is_a_date_box_that_takes_a_day_and_keeps_it(page, login, head, dept):
    """The filter bar's "Reported from/until" are the browser's date boxes (a picker on a phone or
    a tablet): a day filled in narrows the register, and the box shows it after the page reloads."""
    import datetime as dt

    from django.utils import timezone

    old = NonconformityFactory(owner=head, department=dept, title="Burr on bore")
    Nonconformity.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    new = NonconformityFactory(owner=head, department=dept, title="Soft bar stock")
    login(head)
    page.goto("/capa/ncr/")
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    box = page.get_by_label("Reported from")
    assert box.get_attribute("type") == "date"
    box.fill(since)
    page.get_by_role("button", name="Filter").click()
    register = page.get_by_test_id("register")
    expect(register).to_contain_text(new.reference)
    expect(register).not_to_contain_text(old.reference)
    expect(page.get_by_label("Reported from")).to_have_value(since)
