"""The API's two pages in a browser: a phone-sized token page (create, copy once, revoke), and the
documentation page whose Swagger UI runs from local files under the site's CSP."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_token_is_created_and_revoked_on_a_phone(page, login, staff):
    page.set_viewport_size({"width": 390, "height": 844})
    login(staff)
    page.goto("/account/profile/")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("My scripts")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("token-value").inner_text()
    assert token.startswith("qms_")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto("/account/api-tokens/")
    assert token not in page.content()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_load_state()
    assert "revoked" in page.get_by_test_id("tokens").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_docs_page_runs_swagger_ui_under_the_csp(page, login, staff, live_server):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    login(staff)
    page.goto("/api/v1/docs/")
    page.locator(".swagger-ui .info").wait_for()
    assert page.locator(".opblock-tag", has_text="goods-receipts").count() == 1
    assert violations == [], violations
    assert any("swagger-ui-bundle" in u for u in requested)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert [u for u in requested if not u.startswith((live_server.url, "data:", "blob:"))] == []
