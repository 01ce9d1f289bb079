"""Headers and settings: a Content Security Policy on every page that no page breaks (no inline
scripts, styles or handlers), no-store on pages and downloads, Permissions-Policy, the session's
idle and absolute limits, and one HTTPS switch that makes `check --deploy` clean."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client

from qms.middleware import SEEN, STARTED
from qms.services import attachment_add
from tests.factories import WidgetFactory
from tests.qms.test_route_walker import csp_problem
from tests.uploads import pdf_bytes

ROOT = Path(__file__).resolve().parents[2]


# Every page of every URL, for every role that may read it, is checked against the CSP by the
# route walk (``csp_problem`` in tests/qms/test_route_walker.py), which requests them all anyway.


@pytest.mark.django_db
def test_the_walks_csp_check_passes_a_real_page_and_fails_what_the_policy_would_block(client_for, head):
    page = client_for(head).get("/")
    assert page.status_code == 200 and csp_problem(page) is None
    for inline, what in (
        ("<script>alert(1)</script>", "an inline <script>"),
        ("<style>p{}</style>", "a <style> element"),
        ('<p style="color:red">', "a style attribute"),
        ("<button onclick='go()'>", "an inline event handler"),
        ('<a href="javascript:go()">', "a javascript: URL"),
    ):
        broken = HttpResponse(page.content.replace(b"</body>", inline.encode() + b"</body>"))
        broken["Content-Security-Policy"] = page["Content-Security-Policy"]
        assert csp_problem(broken).startswith(what), inline
    loose = HttpResponse(page.content)
    loose["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    assert csp_problem(loose).startswith("CSP")


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


@pytest.mark.django_db
def test_a_page_gets_the_signed_in_user_itself_and_a_visitor_anonymous(client_for, staff, rf):
    """The session's limits read the user; the view then gets the user, not a lazy wrapper."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware

    from qms.middleware import SessionTimeoutMiddleware

    seen = []

    def view(request):
        seen.append(request.user)
        return HttpResponse()

    chain = SessionMiddleware(AuthenticationMiddleware(SessionTimeoutMiddleware(view)))
    client = client_for(staff)
    client.get("/")  # a session with its limits stamped
    request = rf.get("/")
    cookie = django_settings.SESSION_COOKIE_NAME
    request.COOKIES[cookie] = client.cookies[cookie].value
    chain(request)
    visitor = rf.get("/")
    chain(visitor)
    assert type(seen[0]) is type(staff) and seen[0].pk == staff.pk
    assert type(seen[1]) is AnonymousUser


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
