"""Browser tests: Playwright driving Debian's headless Chromium against the live test server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, password):
    """Log in through the real login form: ``login(user)``."""

    def do(user):
        page.goto("/account/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        return page

    return do


def pick(scope, label: str, person) -> None:
    """Choose ``person`` in the person picker of the field labelled ``label`` within ``scope`` (a
    page or a form locator): type their name into its search box, click the result."""
    select = scope.get_by_label(label)
    box = select.locator("xpath=./preceding-sibling::input[@type='search'][1]")
    box.fill(person.last_name)
    results = select.locator("xpath=./preceding-sibling::div[contains(@class, 'picker-results')][1]")
    results.get_by_role("button", name=str(person)).first.click()
    assert str(person.pk) in select.evaluate("s => Array.from(s.selectedOptions).map(o => o.value)")
