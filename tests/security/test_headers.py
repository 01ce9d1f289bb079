"""Headers and settings: a Content Security Policy on every page that no page breaks (no inline
scripts, styles or handlers), no-store on pages and downloads, Permissions-Policy, the session's
idle and absolute limits, and one HTTPS switch that makes `check --deploy` clean."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver

from qms import access
from qms.middleware import SEEN, STARTED
from qms.services import attachment_add
from tests.factories import WidgetFactory
from tests.qms.test_route_walker import iter_patterns, targets, world  # noqa: F401 - fixture
from tests.uploads import pdf_bytes

ROOT = Path(__file__).resolve().parents[2]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*['\"]", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.django_db
def test_every_page_has_a_csp_without_unsafe_inline_and_nothing_inline_it_would_block(world):  # noqa: F811
    checked = 0
    problems = []
    clients = {}
    for role in ("quality", "head", "auditor", "admin"):
        clients[role] = Client()
        clients[role].force_login(world["roles"][role])
    for namespace, pattern, route in iter_patterns(get_resolver().url_patterns):
        if access.policy_of(pattern.callback) is None or "logout" in route:
            continue
        for url, _ in targets(namespace, pattern, route, pattern.callback, world):
            for role, client in clients.items():
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                checked += 1
                csp = response.get("Content-Security-Policy", "")
                if "script-src 'self'" not in csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
                    problems.append(f"{url} as {role}: CSP {csp!r}")
                html = response.content.decode()
                for pattern_re, what in INLINE:
                    found = pattern_re.search(html)
                    if found:
                        problems.append(
                            f"{url} as {role}: {what}: {html[found.start() : found.start() + 80]!r}"
                        )
    assert checked > 40
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_pages_and_downloads_are_never_cached_and_carry_a_permissions_policy(client_for, head):
    widget = WidgetFactory(owner=head)
    attachment = attachment_add(record=widget, upload=SimpleUploadedFile("r.pdf", pdf_bytes()), by=head)
    client = client_for(head)
    for client, url in (
        (client, "/"),
        (client, widget.get_absolute_url()),
        (client, attachment.get_download_url()),
        (client, widget.get_absolute_url() + "?format=csv"),
        (Client(), "/account/login/"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "camera=()" in response["Permissions-Policy"], url
    # Static files stay cacheable (they hold no records).
    static = Client().get("/static/qms/app.css")
    assert "no-store" not in static.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_session_ends_after_the_idle_timeout(client_for, staff, settings):
    client = client_for(staff)
    assert client.get("/").status_code == 200
    session = client.session
    session[SEEN] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    page = client.get(response["Location"]).content.decode()
    assert "30 minutes without activity" in page
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_session_ends_after_its_absolute_lifetime_however_busy(client_for, staff, settings):
    client = client_for(staff)
    session = client.session
    session[STARTED] = int(time.time()) - settings.SESSION_MAX_HOURS * 3600 - 5
    session[SEEN] = int(time.time())
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert "at most 12 hours" in client.get(response["Location"]).content.decode()


def test_session_limits_default_to_30_minutes_and_12_hours():
    assert django_settings.SESSION_IDLE_MINUTES == 30 and django_settings.SESSION_MAX_HOURS == 12


def deploy_check(**env) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HTTPS", "SESSION_COOKIE_SECURE"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="qms.settings",
        SECRET_KEY="k" + "".join(chr(33 + (i * 7) % 90) for i in range(60)).replace("$", "x"),
        DEBUG="false",
        ALLOWED_HOSTS="qms.example.com",
        BASE_URL="https://qms.example.com",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_https_true_makes_check_deploy_clean():
    result = deploy_check(HTTPS="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_without_https_check_deploy_names_what_is_missing():
    result = deploy_check(HTTPS="false")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr
