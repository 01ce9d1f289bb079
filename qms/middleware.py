"""Headers every dynamic response carries, and the session's limits.

``SecurityHeadersMiddleware``: ``Cache-Control: no-store`` on every page and download (they show
records: a shared workshop PC must not keep them in its cache or show them with the Back button
after logout) and a Permissions-Policy that turns off browser features no page uses. Static files
are served before this middleware and stay cacheable.

``SessionTimeoutMiddleware``: a session ends after ``SESSION_IDLE_MINUTES`` without a request
and ``SESSION_MAX_HOURS`` after login, whatever the activity; the user is told why.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, empty

# Session keys: when the session began and when it was last used (epoch seconds).
STARTED, SEEN = "qms_started", "qms_seen"
# The last-used time is written at most this often, so a page view is not a session write.
SEEN_RESOLUTION = 60


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def session_start(request) -> None:
    """Stamp a new login's session (called when a user logs in)."""
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self.ended(request)
            if ended:
                request.qms_logout_reason = ended
                logout(request)
                messages.info(request, ended)
                return redirect_to_login(request.get_full_path())
        if isinstance(user, SimpleLazyObject) and user._wrapped is not empty:
            # Read above: the page gets the user itself, not Django's lazy wrapper, whose every
            # attribute read goes through two calls and a caught AttributeError (a register page
            # reads the user a hundred times: its scope, its access, its menu).
            request.user = user._wrapped
        return self.get_response(request)

    @staticmethod
    def ended(request) -> str | None:
        """Why the session is over, or None (and mark it as used now)."""
        now = int(time.time())
        session = request.session
        started = session.get(STARTED)
        seen = session.get(SEEN)
        if started is None or seen is None:  # a session from before these limits
            session_start(request)
            return None
        if now - started > settings.SESSION_MAX_HOURS * 3600:
            return f"You were signed out: a session lasts at most {settings.SESSION_MAX_HOURS} hours."
        if now - seen > settings.SESSION_IDLE_MINUTES * 60:
            return (
                f"You were signed out after {settings.SESSION_IDLE_MINUTES} minutes without activity. "
                "Sign in again to continue."
            )
        if now - seen >= SEEN_RESOLUTION:
            session[SEEN] = now
        return None
