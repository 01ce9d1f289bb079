"""Error pages in the site's layout, in plain words. A 404 never shows what the framework says
("No CAPA found matching the query", a resolver's list of patterns): to the reader, a record
outside their view and a mistyped address are the same thing. Messages written for users are
raised as ``NotFound`` and shown."""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponse, HttpResponseNotFound, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme


class NotFound(Http404):
    """A 404 whose message is written for the user ("The stored file is missing …")."""


DEFAULT = "The page or record does not exist, or you cannot see it."

logger = logging.getLogger("qms.conflict")


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # A program's mistyped address: the API's one error shape (api/errors.py), not a page.
        error = {"code": "not_found", "message": "There is no such API endpoint.", "fields": {}}
        return JsonResponse({"error": error}, status=404)
    message = str(exception) if isinstance(exception, NotFound) else DEFAULT
    body = loader.render_to_string("404.html", {"message": message}, request=request)
    return HttpResponseNotFound(body)


# What a request meets when another one changed the same rows a moment before (a double-click, a
# retry, two people on one record): a unique number taken, a row removed while it was edited.
CONFLICT = (
    "Someone changed this at the same moment, or the form was sent twice: nothing was saved. "
    "Go back to the page to see it as it is now, and try again if it is still needed."
)


def is_conflict(exception: BaseException) -> bool:
    """An error a write meets when a concurrent write got there first: a unique or foreign key
    refused (``IntegrityError``), a row gone (``DoesNotExist``), an update of a row removed
    meanwhile (Django's "did not affect any rows")."""
    if isinstance(exception, ProtectedError | RestrictedError):
        return False  # a row others still name: a fault of ours to fix, not a race
    if isinstance(exception, IntegrityError | ObjectDoesNotExist):
        return True
    return isinstance(exception, DatabaseError) and "did not affect any rows" in str(exception)


class ConflictMiddleware:
    """A write that lost a race answers 409 with a sentence, never a server error: the service's
    transaction has rolled back, so nothing of it was saved. A read that meets such an error is a
    fault, and stays one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.method in ("GET", "HEAD", "OPTIONS") or not is_conflict(exception):
            return None
        # Logged whole: a constraint refused by a fault of ours looks the same to the user.
        logger.warning("conflict on %s %s", request.method, request.path, exc_info=exception)
        if request.path.startswith("/api/"):
            error = {"code": "conflict", "message": CONFLICT, "fields": {}}
            return JsonResponse({"error": error}, status=409)
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        body = loader.render_to_string("409.html", {"message": CONFLICT, "back": back}, request=request)
        return HttpResponse(body, status=409)


NOT_A_PAGE = (
    "This address takes what a page's button or form sends; it has nothing to show on its own. "
    "Go back to the record and use its button there."
)


class MethodNotAllowedMiddleware:
    """An address that only takes a form (a workflow step, a comment, an approval) opened as a
    page, from a bookmark or a link copied out of the browser's history: a sentence in the site's
    layout instead of the framework's empty 405, which browsers show as their own error page. The
    status and its ``Allow`` header stay; the API keeps its own error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path.startswith("/api/"):
            return response
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        response.content = loader.render_to_string(
            "405.html", {"message": NOT_A_PAGE, "back": back or _page_above(request.path)}, request=request
        )
        response["Content-Type"] = "text/html; charset=utf-8"
        return response


def _page_above(path: str) -> str:
    """The page an action's address belongs to, for a reload that sent no Referer: the address
    one or two steps up that is a page ("/inspection/lots/2/release/" → "/inspection/lots/2/")."""
    from django.urls import Resolver404, resolve

    for _ in range(2):
        path = path.rstrip("/").rsplit("/", 1)[0] + "/"
        if path == "/":
            return ""
        try:
            match = resolve(path)
        except Resolver404:
            continue
        view = getattr(match.func, "view_class", None)
        if view is None or "get" in getattr(view, "http_method_names", ()) and hasattr(view, "get"):
            return path
    return ""
