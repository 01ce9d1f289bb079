"""The schema and its documentation page: local files only, working under the site's CSP; the
session may call the API, but every write needs the CSRF token."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from inspection.models import GoodsReceipt
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def test_the_docs_page_works_under_the_csp_with_local_files_only(client_for, staff):
    client = client_for(staff)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<style" not in page and not re.search(
        r"<script>\s*\S", page
    )  # nothing inline for the CSP to block
    hosts = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert hosts == [], hosts
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', page)
    assert any("swagger-ui-bundle" in a for a in assets)
    for asset in assets:
        if asset.startswith(settings.STATIC_URL):  # served by whitenoise from the collected files
            assert finders.find(asset.removeprefix(settings.STATIC_URL).split("?")[0]), asset
        else:  # the page's own script, a file of its own for the CSP
            script = client.get(asset)
            assert script.status_code == 200 and "javascript" in script["Content-Type"], asset


def test_the_docs_page_asks_a_stranger_to_sign_in():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_schema_is_openapi_3_and_needs_a_token(api_for, staff):
    assert Client().get("/api/v1/schema/").status_code == 401
    response = api_for(staff).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content
    assert b"/api/v1/goods-receipts/" in response.content and b"Idempotency-Key" in response.content


def test_a_session_write_without_csrf_is_refused(head, client):
    client = Client(enforce_csrf_checks=True)
    client.force_login(head)
    body = {
        "title": "x",
        "supplier": f.supplier().pk,
        "part_number": "P",
        "quantity": 1,
        "received_on": f.today().isoformat(),
    }
    response = client.post("/api/v1/goods-receipts/", body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not GoodsReceipt.objects.exists()
    client.get("/account/profile/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/goods-receipts/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content


def test_the_schema_is_generated_without_a_warning(tmp_path):
    """A warning is a component named twice or a field typed by guess: what an integrator's
    generated client would get wrong (the register and a record's rows of one model shared a
    page component's name, with two classes behind it)."""
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    assert "/api/v1/calibrations/" in schema and "/api/v1/instruments/{id}/calibrations/" in schema
