"""Error pages in the site's layout, in plain words. A 404 never shows what the framework says
("No CAPA found matching the query", a resolver's list of patterns): to the reader, a record
outside their view and a mistyped address are the same thing. Messages written for users are
raised as ``NotFound`` and shown."""

from __future__ import annotations

from django.http import Http404, HttpResponseNotFound, JsonResponse
from django.template import loader


class NotFound(Http404):
    """A 404 whose message is written for the user ("The stored file is missing …")."""


DEFAULT = "The page or record does not exist, or you cannot see it."


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # A program's mistyped address: the API's one error shape (api/errors.py), not a page.
        error = {"code": "not_found", "message": "There is no such API endpoint.", "fields": {}}
        return JsonResponse({"error": error}, status=404)
    message = str(exception) if isinstance(exception, NotFound) else DEFAULT
    body = loader.render_to_string("404.html", {"message": message}, request=request)
    return HttpResponseNotFound(body)
