"""Every API error in one shape, whatever raised it::

    {"error": {"code": "invalid", "message": "Check the fields.", "fields": {"quantity": ["…"]}}}

``code`` is stable for programs, ``message`` is the sentence a person reads, ``fields`` names the
fields at fault (empty when the error is not about one field). Django's and the services'
refusals (``ValidationError``, ``PermissionDenied``, ``TransitionError``, ``Http404``) come out
in it too, so a service's sentence reaches the caller as it reaches the screen."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from qms.workflow import TransitionError

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
}


class ApiError(exceptions.APIException):
    """An error with a code of its own (``idempotency_key_reused``)."""

    def __init__(self, message: str, *, status: int, code: str, fields: dict | None = None):
        super().__init__(message)
        self.status_code, self.error_code, self.fields = status, code, fields or {}


def body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def field_errors(detail) -> dict[str, list[str]]:
    """DRF's or Django's per-field messages as {field: [sentences]}; errors of no one field go
    under ``non_field_errors``."""
    if isinstance(detail, dict):
        out = {}
        for name, value in detail.items():
            key = "non_field_errors" if name in ("__all__", "non_field_errors") else str(name)
            messages = value if isinstance(value, list | tuple) else [value]
            out[key] = [str(m) for m in messages]
        return out
    messages = detail if isinstance(detail, list | tuple) else [detail]
    return {"non_field_errors": [str(m) for m in messages]}


def _django_validation(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return field_errors({k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return field_errors(exc.messages)


def _first(fields: dict) -> str:
    for messages in fields.values():
        if messages:
            return messages[0]
    return "Check the request."


def handler(exc, context):
    """DRF's exception handler, answering in the one shape."""
    if isinstance(exc, ApiError):
        return Response(body(exc.error_code, str(exc.detail), exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = _django_validation(exc)
        return Response(body("invalid", _first(fields), fields), status=400)
    if isinstance(exc, TransitionError):
        # A missing reason is the caller's to fix (400); a step the record's state refuses is a
        # conflict with that state (409), with the sentence the screen shows.
        if exc.field:
            return Response(body("invalid", exc.message, {exc.field: [exc.message]}), status=400)
        return Response(body("refused", exc.message), status=409)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound("Not found, or outside what you may see.")
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500, logged, never dressed up as something else
    status = response.status_code
    code = CODES.get(status, "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = field_errors(exc.detail)
        message = _first(fields)
    else:
        fields, message = {}, str(getattr(exc, "detail", "")) or "Error."
    response.data = body(code, message, fields)
    return response


ERROR_SCHEMA = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        )
    },
)


def error_responses(*statuses: int) -> dict:
    return {s: OpenApiResponse(ERROR_SCHEMA, description=CODES.get(s, "error")) for s in statuses}
